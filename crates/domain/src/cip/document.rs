//! Identity documents: kind, number, issuing country, expiry and, when the document has one, its
//! machine-readable zone.

use std::fmt;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::country::CountryCode;
use super::dates::{DateError, parse_calendar_date};
use super::field_error::{ErrorCode, FieldProblem};
use super::mrz::Mrz;

/// Longer than any national document number in use (the longest are about 20 characters).
pub const MAX_DOCUMENT_NUMBER_CHARS: usize = 30;
/// A document expiring further out than this is a typing error (passports run 10 years).
pub const MAX_YEARS_TO_EXPIRY: u32 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Passport,
    NationalId,
    DrivingLicence,
    ResidencePermit,
}

impl DocumentKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Passport => "passport",
            Self::NationalId => "national_id",
            Self::DrivingLicence => "driving_licence",
            Self::ResidencePermit => "residence_permit",
        }
    }

    /// Several countries issue national identity cards without an expiry date, so only for
    /// them may the date be left out.
    pub fn requires_expiry(&self) -> bool {
        !matches!(self, Self::NationalId)
    }

    /// Whether an ICAO document code (its first letter) fits this kind: `P` passports; `I`,
    /// `A`, `C` identity-type cards (national ids and most residence permits); `R` some
    /// residence permits; `D` the few driving licences that carry a zone.
    pub fn accepts_mrz_code(&self, code: &str) -> bool {
        let first = code.chars().next().unwrap_or('<');
        match self {
            Self::Passport => first == 'P',
            Self::NationalId => matches!(first, 'I' | 'A' | 'C'),
            Self::ResidencePermit => matches!(first, 'I' | 'A' | 'C' | 'R'),
            Self::DrivingLicence => matches!(first, 'D' | 'I'),
        }
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A document number reduced to its comparable form: upper-case ASCII letters and digits, with
/// the spaces, hyphens and slashes that issuers print for readability removed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DocumentNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentNumberError {
    #[error("must not be empty")]
    Empty,
    #[error("may contain only letters A-Z, digits, spaces, hyphens and slashes")]
    Characters,
    #[error("is longer than {MAX_DOCUMENT_NUMBER_CHARS} characters")]
    TooLong,
}

impl FieldProblem for DocumentNumberError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Empty => ErrorCode::Required,
            Self::Characters => ErrorCode::InvalidFormat,
            Self::TooLong => ErrorCode::TooLong,
        }
    }
}

impl DocumentNumber {
    pub fn parse(input: &str) -> Result<Self, DocumentNumberError> {
        if input.len() > MAX_DOCUMENT_NUMBER_CHARS * 2 {
            return Err(DocumentNumberError::TooLong);
        }
        if !input
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '/'))
        {
            return Err(DocumentNumberError::Characters);
        }
        let canonical: String = input
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if canonical.is_empty() {
            return Err(DocumentNumberError::Empty);
        }
        if canonical.len() > MAX_DOCUMENT_NUMBER_CHARS {
            return Err(DocumentNumberError::TooLong);
        }
        Ok(Self(canonical))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for DocumentNumber {
    type Error = DocumentNumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<DocumentNumber> for String {
    fn from(number: DocumentNumber) -> Self {
        number.0
    }
}

/// An expiry date on or after `today` (a document is valid through the day it expires) and not
/// absurdly far ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExpiryDate(NaiveDate);

impl ExpiryDate {
    pub fn parse(input: &str, today: NaiveDate) -> Result<Self, DateError> {
        let date = parse_calendar_date(input)?;
        if date < today {
            return Err(DateError::Expired);
        }
        let limit = today.checked_add_months(Months::new(12 * MAX_YEARS_TO_EXPIRY));
        if limit.is_none_or(|limit| date > limit) {
            return Err(DateError::TooFarAhead(50));
        }
        Ok(Self(date))
    }

    pub fn date(&self) -> NaiveDate {
        self.0
    }
}

/// A validated identity document. The zone, when supplied, is parsed but its check digits and
/// its agreement with the other fields are verification evidence (see [`super::mrz`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityDocument {
    pub kind: DocumentKind,
    pub number: DocumentNumber,
    pub issuing_country: CountryCode,
    pub expires: Option<ExpiryDate>,
    pub mrz: Option<Mrz>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn document_numbers_are_canonicalised() {
        assert_eq!(
            DocumentNumber::parse("a07 314-252").unwrap().as_str(),
            "A07314252"
        );
        assert_eq!(
            DocumentNumber::parse(" - "),
            Err(DocumentNumberError::Empty)
        );
        assert_eq!(
            DocumentNumber::parse("A07_314"),
            Err(DocumentNumberError::Characters)
        );
        assert_eq!(
            DocumentNumber::parse("Ä123"),
            Err(DocumentNumberError::Characters)
        );
        assert_eq!(
            DocumentNumber::parse(&"1".repeat(31)),
            Err(DocumentNumberError::TooLong)
        );
    }

    #[test]
    fn expiry_must_be_today_or_later_and_plausible() {
        let today = day(2026, 6, 1);
        assert!(ExpiryDate::parse("2031-09-15", today).is_ok());
        assert!(ExpiryDate::parse("2026-06-01", today).is_ok());
        assert_eq!(
            ExpiryDate::parse("2026-05-31", today),
            Err(DateError::Expired)
        );
        assert_eq!(
            ExpiryDate::parse("2099-01-01", today),
            Err(DateError::TooFarAhead(50))
        );
    }

    #[test]
    fn mrz_codes_fit_document_kinds() {
        assert!(DocumentKind::Passport.accepts_mrz_code("P"));
        assert!(DocumentKind::Passport.accepts_mrz_code("PD"));
        assert!(!DocumentKind::Passport.accepts_mrz_code("I"));
        assert!(DocumentKind::NationalId.accepts_mrz_code("ID"));
        assert!(DocumentKind::ResidencePermit.accepts_mrz_code("IR"));
        assert!(!DocumentKind::NationalId.accepts_mrz_code(""));
    }
}

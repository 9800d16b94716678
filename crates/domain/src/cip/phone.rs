//! Telephone numbers, parsed with libphonenumber's metadata (the `phonenumber` crate) and kept in
//! E.164 form with the region the numbering plan assigns them to.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::country::CountryCode;
use super::field_error::{ErrorCode, FieldProblem};

/// Long enough for any formatted number with an extension; bounds the work on hostile input.
const MAX_INPUT_LEN: usize = 64;

/// A number that libphonenumber considers valid (not merely possible) for its numbering plan.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber {
    e164: String,
    region: Option<CountryCode>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneNumberError {
    #[error("must be in international format, starting with + and the country calling code")]
    NotInternational,
    #[error("is longer than {MAX_INPUT_LEN} characters")]
    TooLong,
    #[error("is not a telephone number")]
    Unparseable,
    #[error("is not a valid number in the numbering plan of its country calling code")]
    Invalid,
}

impl FieldProblem for PhoneNumberError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::TooLong => ErrorCode::TooLong,
            Self::NotInternational | Self::Unparseable | Self::Invalid => ErrorCode::InvalidFormat,
        }
    }
}

impl PhoneNumber {
    /// International format only: without a `+` the country would be a guess, and the country
    /// is the very thing the non-documentary checks compare.
    pub fn parse(input: &str) -> Result<Self, PhoneNumberError> {
        let trimmed = input.trim();
        if trimmed.chars().count() > MAX_INPUT_LEN {
            return Err(PhoneNumberError::TooLong);
        }
        if !trimmed.starts_with('+') {
            return Err(PhoneNumberError::NotInternational);
        }
        let number =
            phonenumber::parse(None, trimmed).map_err(|_| PhoneNumberError::Unparseable)?;
        if !phonenumber::is_valid(&number) {
            return Err(PhoneNumberError::Invalid);
        }
        let e164 = number.format().mode(phonenumber::Mode::E164).to_string();
        let region = number
            .country()
            .id()
            .and_then(|id| region_to_country(id.as_ref()));
        Ok(Self { e164, region })
    }

    pub fn e164(&self) -> &str {
        &self.e164
    }

    /// The country the number belongs to; `None` for non-geographic numbers (+800, +882, ...).
    pub fn region(&self) -> Option<CountryCode> {
        self.region
    }
}

/// libphonenumber uses CLDR region ids; Ascension (AC) and Tristan da Cunha (TA) have no ISO
/// 3166-1 code of their own and belong to Saint Helena (SH).
fn region_to_country(region: &str) -> Option<CountryCode> {
    match region {
        "AC" | "TA" => CountryCode::parse("SH").ok(),
        other => CountryCode::parse(other).ok(),
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneNumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(phone: PhoneNumber) -> Self {
        phone.e164
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_interface_examples_to_e164_with_region() {
        let nigeria = PhoneNumber::parse("+234 803 555 0142").unwrap();
        assert_eq!(nigeria.e164(), "+2348035550142");
        assert_eq!(
            nigeria.region().map(|c| c.to_string()).as_deref(),
            Some("NG")
        );
        let dubai = PhoneNumber::parse("+971 4 555 0199").unwrap();
        assert_eq!(dubai.e164(), "+97145550199");
        assert_eq!(dubai.region().map(|c| c.to_string()).as_deref(), Some("AE"));
    }

    #[test]
    fn nanp_numbers_get_their_own_region() {
        let us = PhoneNumber::parse("+1 (202) 456-1111").unwrap();
        assert_eq!(us.region(), Some(CountryCode::US));
        let canada = PhoneNumber::parse("+1 416 555 0100").unwrap();
        assert_eq!(
            canada.region().map(|c| c.to_string()).as_deref(),
            Some("CA")
        );
    }

    #[test]
    fn refuses_national_format_garbage_and_invalid_numbers() {
        assert_eq!(
            PhoneNumber::parse("0803 555 0142"),
            Err(PhoneNumberError::NotInternational)
        );
        assert_eq!(
            PhoneNumber::parse("+abc"),
            Err(PhoneNumberError::Unparseable)
        );
        assert_eq!(
            PhoneNumber::parse("+1 555 0100"),
            Err(PhoneNumberError::Invalid)
        );
        assert_eq!(
            PhoneNumber::parse(&format!("+1{}", "2".repeat(80))),
            Err(PhoneNumberError::TooLong)
        );
    }

    #[test]
    fn serde_round_trips_through_e164() {
        let phone = PhoneNumber::parse("+44 20 7946 0958").unwrap();
        let json = serde_json::to_string(&phone).unwrap();
        assert_eq!(json, "\"+442079460958\"");
        let back: PhoneNumber = serde_json::from_str(&json).unwrap();
        assert_eq!(back, phone);
    }
}

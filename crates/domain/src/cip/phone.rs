//! Telephone numbers, parsed with libphonenumber's metadata (the `phonenumber` crate) and kept in
//! E.164 form with the region the numbering plan assigns them to.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

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
        if let Some(known) = remembered()
            .lock()
            .ok()
            .and_then(|memo| memo.get(trimmed).cloned())
        {
            return Ok(known);
        }
        let parsed = Self::parse_international(trimmed)?;
        if let Ok(mut memo) = remembered().lock() {
            if memo.len() >= REMEMBERED {
                memo.clear();
            }
            memo.insert(trimmed.to_owned(), parsed.clone());
        }
        Ok(parsed)
    }

    fn parse_international(trimmed: &str) -> Result<Self, PhoneNumberError> {
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

/// How many parsed numbers are remembered (then all are forgotten at once).
const REMEMBERED: usize = 65_536;

/// Numbers parsed so far, by their trimmed input. libphonenumber's regular expressions are
/// compiled into the `phonenumber` crate's cache of 100, which the numbers of a few dozen
/// countries thrash: a parse then costs milliseconds. Every stored customer's numbers are parsed
/// again when it is read (`Deserialize` checks them), so listing the demo's 300 customers in the
/// console took most of a second. Parsing is a pure function of its input, so a result can be
/// remembered; only valid numbers are, so that hostile input cannot evict them.
fn remembered() -> &'static Mutex<HashMap<String, PhoneNumber>> {
    static MEMO: OnceLock<Mutex<HashMap<String, PhoneNumber>>> = OnceLock::new();
    MEMO.get_or_init(Mutex::default)
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
    fn a_remembered_number_parses_as_it_did_the_first_time() {
        let first = PhoneNumber::parse(" +971 4 555 0199 ").unwrap();
        let again = PhoneNumber::parse("+971 4 555 0199").unwrap();
        assert_eq!(first, again);
        assert_eq!(again.e164(), "+97145550199");
        assert_eq!(again.region().map(|c| c.to_string()).as_deref(), Some("AE"));
        // A failure is not remembered as a success, nor is a success lent to another input.
        for _ in 0..2 {
            assert!(PhoneNumber::parse("+971 4 555").is_err());
            assert!(PhoneNumber::parse("+971 4 555 0199 9999 9999").is_err());
        }
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

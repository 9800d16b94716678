//! ISO 3166-1 alpha-2 country codes, restricted to codes that exist.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::country_table::COUNTRIES;
use super::field_error::{ErrorCode, FieldProblem};

/// A country that exists in ISO 3166-1 (plus `XK`, see the table). Stored as its two upper-case
/// letters; the index into the table is not kept so the type stays `Copy` and order-stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountryCodeError {
    #[error("must be a two-letter ISO 3166-1 alpha-2 country code such as \"US\"")]
    Format,
    #[error("\"{0}\" is not an ISO 3166-1 country code")]
    Unknown(String),
}

impl FieldProblem for CountryCodeError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Format => ErrorCode::InvalidFormat,
            Self::Unknown(_) => ErrorCode::UnknownValue,
        }
    }
}

impl CountryCode {
    pub const US: Self = Self(*b"US");

    /// Accepts the code in either case (`ng` or `NG`) with no surrounding space: integrators send
    /// lower case often enough that refusing it would only produce support tickets.
    pub fn parse(input: &str) -> Result<Self, CountryCodeError> {
        let bytes = input.as_bytes();
        let [first, second] = bytes else {
            return Err(CountryCodeError::Format);
        };
        if !first.is_ascii_alphabetic() || !second.is_ascii_alphabetic() {
            return Err(CountryCodeError::Format);
        }
        let upper = [first.to_ascii_uppercase(), second.to_ascii_uppercase()];
        let code = Self(upper);
        if table_row(code.as_str()).is_some() {
            Ok(code)
        } else {
            Err(CountryCodeError::Unknown(code.as_str().to_owned()))
        }
    }

    /// Looks a country up by its alpha-3 code (as printed in machine-readable zones).
    pub fn from_alpha3(alpha3: &str) -> Option<Self> {
        let wanted = alpha3.to_ascii_uppercase();
        COUNTRIES
            .iter()
            .find(|(_, a3, _)| *a3 == wanted)
            .and_then(|(a2, _, _)| Self::parse(a2).ok())
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII letters ever get in, so this cannot fail; the fallback keeps it panic-free.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    pub fn alpha3(&self) -> &'static str {
        table_row(self.as_str()).map_or("", |(_, a3, _)| a3)
    }

    /// The English short name, for explanations shown to people.
    pub fn name(&self) -> &'static str {
        table_row(self.as_str()).map_or("", |(_, _, name)| name)
    }

    pub fn is_us(&self) -> bool {
        *self == Self::US
    }
}

fn table_row(alpha2: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    COUNTRIES
        .binary_search_by(|(a2, _, _)| (*a2).cmp(alpha2))
        .ok()
        .and_then(|index| COUNTRIES.get(index))
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CountryCode {
    type Err = CountryCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CountryCode {
    type Error = CountryCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CountryCode> for String {
    fn from(code: CountryCode) -> Self {
        code.as_str().to_owned()
    }
}

/// Lists countries for an explanation: `NG (Nigeria), GB (United Kingdom)`.
pub(crate) fn describe_countries<'a>(codes: impl IntoIterator<Item = &'a CountryCode>) -> String {
    let parts: Vec<String> = codes
        .into_iter()
        .map(|code| format!("{code} ({})", code.name()))
        .collect();
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique_so_binary_search_works() {
        assert!(COUNTRIES.windows(2).all(|pair| pair[0].0 < pair[1].0));
        assert_eq!(COUNTRIES.len(), 250);
    }

    #[test]
    fn parses_known_codes_in_any_case() {
        assert_eq!(CountryCode::parse("ng").unwrap().as_str(), "NG");
        assert_eq!(CountryCode::parse("US").unwrap(), CountryCode::US);
        assert_eq!(CountryCode::parse("AE").unwrap().alpha3(), "ARE");
        assert_eq!(CountryCode::parse("NG").unwrap().name(), "Nigeria");
        assert_eq!(CountryCode::parse("XK").unwrap().name(), "Kosovo");
    }

    #[test]
    fn refuses_unknown_and_malformed_codes() {
        assert_eq!(
            CountryCode::parse("ZZ"),
            Err(CountryCodeError::Unknown("ZZ".into()))
        );
        assert_eq!(
            CountryCode::parse("UK"),
            Err(CountryCodeError::Unknown("UK".into()))
        );
        for bad in ["", "U", "USA", "1A", " US", "É1"] {
            assert_eq!(
                CountryCode::parse(bad),
                Err(CountryCodeError::Format),
                "{bad}"
            );
        }
    }

    #[test]
    fn alpha3_lookup_round_trips() {
        assert_eq!(
            CountryCode::from_alpha3("NGA"),
            CountryCode::parse("NG").ok()
        );
        assert_eq!(
            CountryCode::from_alpha3("swe"),
            CountryCode::parse("SE").ok()
        );
        assert_eq!(CountryCode::from_alpha3("UTO"), None);
    }

    #[test]
    fn serde_refuses_unknown_codes() {
        let ok: CountryCode = serde_json::from_str("\"de\"").unwrap();
        assert_eq!(serde_json::to_string(&ok).unwrap(), "\"DE\"");
        assert!(serde_json::from_str::<CountryCode>("\"QQ\"").is_err());
    }
}

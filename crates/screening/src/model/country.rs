use std::fmt;
use std::sync::LazyLock;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// An ISO 3166-1 alpha-2 code (upper case), e.g. `RU`, `KP`.
///
/// Any two ASCII letters are accepted because lists use user-assigned codes too (`XK` for Kosovo);
/// names are mapped to codes with [`CountryCode::from_name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 2]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an ISO 3166-1 alpha-2 code: {0:?}")]
pub struct InvalidCountryCode(pub String);

/// Derived from OpenSanctions rigour's territory table (see data/names/NOTICE.md).
const COUNTRY_NAMES: &str = include_str!("../../../../data/names/country_names.tsv");

static BY_NAME: LazyLock<FxHashMap<String, CountryCode>> = LazyLock::new(|| {
    let mut map = FxHashMap::default();
    for line in COUNTRY_NAMES.lines().filter(|l| !l.starts_with('#')) {
        let Some((code, names)) = line.split_once('\t') else {
            continue;
        };
        let Ok(code) = CountryCode::from_alpha2(code) else {
            continue;
        };
        map.entry(code.as_str().to_ascii_lowercase())
            .or_insert(code);
        for name in names.split('|') {
            // The first territory to claim a variant keeps it: the table lists sovereign
            // countries before most dependent territories' weak names.
            map.entry(name.to_owned()).or_insert(code);
        }
    }
    map
});

impl CountryCode {
    pub fn from_alpha2(code: &str) -> Result<Self, InvalidCountryCode> {
        match code.trim().as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => Ok(CountryCode([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
            ])),
            _ => Err(InvalidCountryCode(code.to_owned())),
        }
    }

    /// Maps a country name as lists write it ("Russia", "Korea, North", "Iran (Islamic Republic
    /// of)", "Democratic People's Republic of Korea", "Россия") or an alpha-2/alpha-3 code to its
    /// alpha-2 code. Returns `None` when the text is not a recognised country.
    pub fn from_name(name: &str) -> Option<Self> {
        let key = name_key(name);
        if key.is_empty() {
            return None;
        }
        if let Some(code) = BY_NAME.get(&key) {
            return Some(*code);
        }
        // "Korea, North" and "Congo, Democratic Republic of the" put the qualifier last.
        if let Some((head, tail)) = name.split_once(',') {
            let swapped = name_key(&format!("{tail} {head}"));
            if let Some(code) = BY_NAME.get(&swapped) {
                return Some(*code);
            }
        }
        // "Syria (Syrian Arab Republic)": try the part before the parenthesis.
        let before_paren = name.split('(').next().unwrap_or_default();
        if before_paren.len() < name.len() {
            return BY_NAME.get(&name_key(before_paren)).copied();
        }
        None
    }

    /// Accepts either a code or a name.
    pub fn from_code_or_name(text: &str) -> Option<Self> {
        let trimmed = text.trim();
        if trimmed.len() == 2 {
            return Self::from_alpha2(trimmed).ok();
        }
        Self::from_name(trimmed)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

fn name_key(name: &str) -> String {
    let ascii = any_ascii::any_ascii(name).to_ascii_lowercase();
    let mut key = String::with_capacity(ascii.len());
    for word in ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(word);
    }
    key
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for CountryCode {
    type Error = InvalidCountryCode;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::from_alpha2(&value)
    }
}

impl From<CountryCode> for String {
    fn from(value: CountryCode) -> Self {
        value.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(name: &str) -> Option<String> {
        CountryCode::from_name(name).map(|c| c.to_string())
    }

    #[test]
    fn maps_list_spellings_to_alpha2() {
        assert_eq!(code("Russia").as_deref(), Some("RU"));
        assert_eq!(code("Korea, North").as_deref(), Some("KP"));
        assert_eq!(code("Iran (Islamic Republic of)").as_deref(), Some("IR"));
        assert_eq!(
            code("Democratic People's Republic of Korea").as_deref(),
            Some("KP")
        );
        assert_eq!(code("Burma").as_deref(), Some("MM"));
        assert_eq!(code("United Kingdom").as_deref(), Some("GB"));
        assert_eq!(code("Atlantis"), None);
    }

    #[test]
    fn codes_are_validated() {
        assert!(CountryCode::from_alpha2("ru").is_ok());
        assert!(CountryCode::from_alpha2("R1").is_err());
        assert!(CountryCode::from_alpha2("RUS").is_err());
    }
}

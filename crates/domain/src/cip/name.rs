//! Names of people and organisations as submitted: a full legal name plus, for people, optional
//! given and family names, and any other names (aliases, former names, names in another script).

use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::field_error::{ErrorCode, FieldProblem};

/// Longest full name accepted; the longest legal names in civil registries stay well below it.
pub const MAX_FULL_NAME_CHARS: usize = 300;
/// Longest given, family or other name.
pub const MAX_NAME_PART_CHARS: usize = 150;
/// Most other names one party may list.
pub const MAX_OTHER_NAMES: usize = 10;

/// One name string: Unicode NFC, no control characters, runs of white space collapsed to one
/// space, at least one letter. Normalising here means screening and blind indexes see one
/// spelling for what a person would call the same text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NameText(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("must not be empty")]
    Empty,
    #[error("is longer than {0} characters")]
    TooLong(usize),
    #[error("contains control characters")]
    ControlCharacter,
    #[error("must contain at least one letter")]
    NoLetter,
    #[error("lists more than {MAX_OTHER_NAMES} other names")]
    TooManyOtherNames,
}

impl FieldProblem for NameError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Empty => ErrorCode::Required,
            Self::TooLong(_) => ErrorCode::TooLong,
            Self::ControlCharacter | Self::NoLetter => ErrorCode::InvalidFormat,
            Self::TooManyOtherNames => ErrorCode::TooMany,
        }
    }
}

impl NameText {
    pub fn parse(input: &str, max_chars: usize) -> Result<Self, NameError> {
        // Checked before normalising so a huge input costs nothing more than this count.
        if input.chars().count() > max_chars.saturating_mul(4) {
            return Err(NameError::TooLong(max_chars));
        }
        if input.chars().any(|c| c.is_control() && !c.is_whitespace()) {
            return Err(NameError::ControlCharacter);
        }
        let normalised: String = input.nfc().collect();
        let collapsed = normalised.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err(NameError::Empty);
        }
        if collapsed.chars().count() > max_chars {
            return Err(NameError::TooLong(max_chars));
        }
        if !collapsed.chars().any(char::is_alphabetic) {
            return Err(NameError::NoLetter);
        }
        Ok(Self(collapsed))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NameText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for NameText {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value, MAX_FULL_NAME_CHARS)
    }
}

impl From<NameText> for String {
    fn from(name: NameText) -> Self {
        name.0
    }
}

/// The name of a party. Given and family names are optional because many cultures and most
/// organisations do not have them; the full name is what screening and reports use.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PersonName {
    full: NameText,
    given: Option<NameText>,
    family: Option<NameText>,
    other_names: Vec<NameText>,
}

impl PersonName {
    pub fn new(
        full: NameText,
        given: Option<NameText>,
        family: Option<NameText>,
        other_names: Vec<NameText>,
    ) -> Result<Self, NameError> {
        if other_names.len() > MAX_OTHER_NAMES {
            return Err(NameError::TooManyOtherNames);
        }
        Ok(Self {
            full,
            given,
            family,
            other_names,
        })
    }

    pub fn full(&self) -> &NameText {
        &self.full
    }

    pub fn given(&self) -> Option<&NameText> {
        self.given.as_ref()
    }

    pub fn family(&self) -> Option<&NameText> {
        self.family.as_ref()
    }

    pub fn other_names(&self) -> &[NameText] {
        &self.other_names
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.full.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_white_space_and_unicode_composition() {
        let decomposed = "Jose\u{301}   Mari\u{301}a\tPe\u{301}rez ";
        let name = NameText::parse(decomposed, MAX_FULL_NAME_CHARS).unwrap();
        assert_eq!(name.as_str(), "José María Pérez");
    }

    #[test]
    fn refuses_empty_letterless_controlled_and_long_names() {
        assert_eq!(NameText::parse("   ", 10), Err(NameError::Empty));
        assert_eq!(NameText::parse("12345", 10), Err(NameError::NoLetter));
        assert_eq!(
            NameText::parse("Ann\u{0}a", 10),
            Err(NameError::ControlCharacter)
        );
        assert_eq!(
            NameText::parse("abcdefghijk", 10),
            Err(NameError::TooLong(10))
        );
        assert!(NameText::parse("李伟", 10).is_ok());
    }

    #[test]
    fn limits_the_number_of_other_names() {
        let full = NameText::parse("Li Wei", 50).unwrap();
        let alias = NameText::parse("Wei Li", 50).unwrap();
        assert!(PersonName::new(full.clone(), None, None, vec![alias.clone(); 10]).is_ok());
        assert_eq!(
            PersonName::new(full, None, None, vec![alias; 11]),
            Err(NameError::TooManyOtherNames)
        );
    }
}

//! Short free-text fields (address lines, bank names, external references): trimmed, no control
//! characters, non-empty, bounded.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::field_error::{ErrorCode, FieldProblem};

/// Address lines, cities, bank names and the like.
pub const MAX_TEXT_CHARS: usize = 200;
/// Identifiers from the provider's or a payment processor's systems.
pub const MAX_REFERENCE_CHARS: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ShortText(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("is longer than {0} characters")]
    TooLong(usize),
    #[error("contains control characters")]
    ControlCharacter,
}

impl FieldProblem for TextError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Empty => ErrorCode::Required,
            Self::TooLong(_) => ErrorCode::TooLong,
            Self::ControlCharacter => ErrorCode::InvalidFormat,
        }
    }
}

impl ShortText {
    pub fn parse(input: &str, max_chars: usize) -> Result<Self, TextError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(TextError::Empty);
        }
        if trimmed.chars().count() > max_chars {
            return Err(TextError::TooLong(max_chars));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(TextError::ControlCharacter);
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ShortText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ShortText {
    type Error = TextError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value, MAX_TEXT_CHARS)
    }
}

impl From<ShortText> for String {
    fn from(text: ShortText) -> Self {
        text.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds() {
        assert_eq!(
            ShortText::parse("  12 Marina Road ", 200).unwrap().as_str(),
            "12 Marina Road"
        );
        assert_eq!(ShortText::parse("   ", 200), Err(TextError::Empty));
        assert_eq!(ShortText::parse("abc", 2), Err(TextError::TooLong(2)));
        assert_eq!(
            ShortText::parse("a\nb", 20),
            Err(TextError::ControlCharacter)
        );
    }
}

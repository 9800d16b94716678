//! Free text written on a case (comments, reasons, rationales).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use super::error::CaseError;

/// Trimmed, non-empty text of at most 10,000 characters. Long enough for a rationale, short
/// enough that a timeline stays a timeline (documents go in as evidence).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Note(String);

impl Note {
    pub const MAX_CHARS: usize = 10_000;

    pub fn parse(text: &str) -> Result<Self, CaseError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(CaseError::EmptyText);
        }
        let chars = trimmed.chars().count();
        if chars > Self::MAX_CHARS {
            return Err(CaseError::TextTooLong {
                chars,
                max: Self::MAX_CHARS,
            });
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Note {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_refuse_blank_and_overlong_text() {
        assert_eq!(Note::parse(" ok ").unwrap().as_str(), "ok");
        assert_eq!(Note::parse(" \n "), Err(CaseError::EmptyText));
        assert!(matches!(
            Note::parse(&"é".repeat(10_001)),
            Err(CaseError::TextTooLong { chars: 10_001, .. })
        ));
    }
}

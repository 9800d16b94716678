//! Identifiers of cases and of the people who work them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use super::error::CaseError;

/// A case. UUID v7, so that cases sort by the time they were opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseId(Uuid);

impl CaseId {
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    pub const fn from_uuid(id: Uuid) -> Self {
        Self(id)
    }

    pub const fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl Default for CaseId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for CaseId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

/// Who did something on a case: a user name, an API key id, or [`ActorId::SYSTEM`] for the
/// rules that open cases by themselves. Trimmed, 1 to 200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ActorId(String);

impl ActorId {
    /// The actor recorded when the product itself acts (a red flag opening a case).
    pub const SYSTEM: &'static str = "cloudkyc";
    const MAX_CHARS: usize = 200;

    pub fn parse(text: &str) -> Result<Self, CaseError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(CaseError::InvalidActor("is empty".into()));
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(CaseError::InvalidActor(format!(
                "is longer than {} characters",
                Self::MAX_CHARS
            )));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(CaseError::InvalidActor(
                "contains a control character".into(),
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn system() -> Self {
        Self(Self::SYSTEM.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ActorId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_ids_are_trimmed_and_checked() {
        assert_eq!(ActorId::parse("  alice ").unwrap().as_str(), "alice");
        assert!(ActorId::parse("   ").is_err());
        assert!(ActorId::parse("a\u{0}b").is_err());
        assert!(ActorId::parse(&"x".repeat(201)).is_err());
        assert!(serde_json::from_str::<ActorId>("\"\"").is_err());
    }

    #[test]
    fn case_ids_round_trip_through_text() {
        let id = CaseId::new();
        assert_eq!(id.to_string().parse::<CaseId>().unwrap(), id);
    }
}

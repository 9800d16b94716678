//! Parties of an ownership structure and the references callers name them by.

use std::fmt;
use std::sync::{Arc, LazyLock};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The caller's name for a party: its customer id, a register number, a UUID. Opaque to the
/// graph; 1 to 128 characters, no control characters, no surrounding space. Shared, so that
/// the many copies in explanations cost no allocation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartyRef(Arc<str>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    #[error("a reference cannot be empty")]
    Empty,
    #[error("a reference has at most {max} characters, got {got}")]
    TooLong { max: usize, got: usize },
    #[error("a reference cannot contain control characters or surrounding space")]
    Characters,
}

pub(crate) const MAX_REFERENCE_CHARS: usize = 128;

/// The checks every caller-provided reference of this crate's graphs and registries passes.
pub(crate) fn check_reference(text: &str) -> Result<(), ReferenceError> {
    if text.is_empty() {
        return Err(ReferenceError::Empty);
    }
    let chars = text.chars().count();
    if chars > MAX_REFERENCE_CHARS {
        return Err(ReferenceError::TooLong {
            max: MAX_REFERENCE_CHARS,
            got: chars,
        });
    }
    if text.chars().any(char::is_control) || text.trim() != text {
        return Err(ReferenceError::Characters);
    }
    Ok(())
}

impl PartyRef {
    pub fn new(text: impl Into<String>) -> Result<Self, ReferenceError> {
        let text = text.into();
        check_reference(&text)?;
        Ok(Self(Arc::from(text)))
    }

    pub fn from_uuid(id: Uuid) -> Self {
        Self(Arc::from(id.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Stands in where an internal index could not be resolved (never for valid input).
    pub(crate) fn unknown() -> &'static PartyRef {
        static UNKNOWN: LazyLock<PartyRef> = LazyLock::new(|| PartyRef(Arc::from("?")));
        &UNKNOWN
    }
}

impl fmt::Display for PartyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PartyRef {
    type Error = ReferenceError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl TryFrom<&str> for PartyRef {
    type Error = ReferenceError;
    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<PartyRef> for String {
    fn from(reference: PartyRef) -> Self {
        reference.0.to_string()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// A natural person: the end of every ownership chain, never owned.
    Individual,
    /// A company, partnership, trust, fund or any other legal arrangement.
    Entity,
}

impl fmt::Display for PartyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Individual => "individual",
            Self::Entity => "entity",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Party {
    pub reference: PartyRef,
    pub kind: PartyKind,
}

impl Party {
    pub fn individual(reference: PartyRef) -> Self {
        Self {
            reference,
            kind: PartyKind::Individual,
        }
    }

    pub fn entity(reference: PartyRef) -> Self {
        Self {
            reference,
            kind: PartyKind::Entity,
        }
    }

    pub fn is_individual(&self) -> bool {
        self.kind == PartyKind::Individual
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_checked() {
        assert!(PartyRef::new("cust-42").is_ok());
        assert_eq!(PartyRef::new(""), Err(ReferenceError::Empty));
        assert_eq!(PartyRef::new(" x"), Err(ReferenceError::Characters));
        assert_eq!(PartyRef::new("a\nb"), Err(ReferenceError::Characters));
        assert!(matches!(
            PartyRef::new("x".repeat(129)),
            Err(ReferenceError::TooLong { got: 129, .. })
        ));
        assert!(serde_json::from_str::<PartyRef>("\"\"").is_err());
        let id = Uuid::nil();
        assert_eq!(PartyRef::from_uuid(id).as_str(), id.to_string());
    }
}

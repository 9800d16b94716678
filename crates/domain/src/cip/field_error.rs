//! The error shape of validation: one entry per problem, each naming the field by a JSON-pointer
//! path into the submitted body, so an API can answer a 422 listing every invalid field at once.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A machine-readable category for a field problem; clients branch on it, people read `message`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A field the kind of customer needs is absent.
    Required,
    /// A field that does not apply to this kind of customer or instrument is present.
    NotAllowed,
    /// The value does not have the expected syntax.
    InvalidFormat,
    /// The value has the right shape but names nothing known (a country code, a card brand).
    UnknownValue,
    /// A number or date outside its plausible range.
    OutOfRange,
    /// A string longer than its limit.
    TooLong,
    /// A list longer than its limit.
    TooMany,
    /// A value whose built-in checksum does not match (wallet addresses).
    ChecksumMismatch,
    /// A value that must be unique within the body appears twice.
    Duplicate,
}

/// One problem found in a submitted body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// JSON-pointer path of the offending value, e.g. `/beneficial_owners/0/nationalities/0`.
    pub path: String,
    pub code: ErrorCode,
    /// A sentence a person can act on; never contains more of the value than needed to find it.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Implemented by every value-type parse error, so validation can turn it into a [`FieldError`]
/// without a table of conversions.
pub trait FieldProblem: fmt::Display {
    fn code(&self) -> ErrorCode;
}

/// A JSON-pointer path under construction. Keys are escaped per RFC 6901 even though ours are
/// fixed identifiers, so a future key with `/` in it cannot produce an ambiguous path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Path(String);

impl Path {
    pub(crate) fn root() -> Self {
        Self(String::new())
    }

    pub(crate) fn key(&self, key: &str) -> Self {
        let escaped = key.replace('~', "~0").replace('/', "~1");
        Self(format!("{}/{escaped}", self.0))
    }

    pub(crate) fn index(&self, index: usize) -> Self {
        Self(format!("{}/{index}", self.0))
    }

    pub(crate) fn as_str(&self) -> &str {
        if self.0.is_empty() { "/" } else { &self.0 }
    }
}

/// Collects problems while validation walks the whole body instead of stopping at the first.
#[derive(Debug, Default)]
pub(crate) struct Problems(Vec<FieldError>);

impl Problems {
    pub(crate) fn push(&mut self, path: &Path, code: ErrorCode, message: impl Into<String>) {
        self.0.push(FieldError {
            path: path.as_str().to_owned(),
            code,
            message: message.into(),
        });
    }

    pub(crate) fn push_problem(&mut self, path: &Path, problem: &impl FieldProblem) {
        self.push(path, problem.code(), problem.to_string());
    }

    /// Records the error of a parse and hands back the value when there was none.
    pub(crate) fn take<T, E: FieldProblem>(
        &mut self,
        path: &Path,
        parsed: Result<T, E>,
    ) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(problem) => {
                self.push_problem(path, &problem);
                None
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn into_vec(self) -> Vec<FieldError> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_json_pointers() {
        let path = Path::root()
            .key("beneficial_owners")
            .index(0)
            .key("nationalities")
            .index(2);
        assert_eq!(path.as_str(), "/beneficial_owners/0/nationalities/2");
        assert_eq!(Path::root().as_str(), "/");
        assert_eq!(Path::root().key("a/b~c").as_str(), "/a~1b~0c");
    }

    #[test]
    fn problems_keep_every_entry_in_order() {
        let mut problems = Problems::default();
        problems.push(&Path::root().key("a"), ErrorCode::Required, "first");
        problems.push(&Path::root().key("b"), ErrorCode::TooLong, "second");
        let list = problems.into_vec();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].path, "/a");
        assert_eq!(list[1].code, ErrorCode::TooLong);
        assert_eq!(list[1].to_string(), "/b: second");
    }
}

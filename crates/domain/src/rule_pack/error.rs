//! What can be wrong with a rule pack, said so that a compliance officer can fix the file.

use std::fmt;

use serde::Serialize;

/// A position in the pack's TOML text, both counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// One thing wrong with a pack.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Problem {
    /// Dotted TOML path such as `compute.estimator.utilization_median` or
    /// `jurisdictions.high_risk[2]`; empty for the document as a whole.
    pub path: String,
    pub message: String,
    /// Where the value sits in the text, when it could be found.
    pub location: Option<Location>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "(document)"
        } else {
            self.path.as_str()
        };
        match self.location {
            Some(location) => write!(f, "`{path}` ({location}): {}", self.message),
            None => write!(f, "`{path}`: {}", self.message),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulePackError {
    /// The text is not TOML.
    #[error("rule pack is not valid TOML{}: {message}", at(.location))]
    Syntax {
        message: String,
        location: Option<Location>,
    },
    /// TOML, but not shaped like a rule pack: an unknown or missing field, a wrong type, an
    /// unknown choice. Deserialisation stops at the first of these.
    #[error("rule pack does not have the expected shape: {0}")]
    Shape(Problem),
    /// Shaped like a rule pack, but holding values it may not hold. Every one is listed.
    #[error("rule pack has {} invalid value(s):\n{}", .0.len(), list(.0))]
    Invalid(Vec<Problem>),
}

impl RulePackError {
    /// Every problem, each with its path (empty for a syntax error) and message.
    pub fn problems(&self) -> Vec<Problem> {
        match self {
            Self::Syntax { message, location } => vec![Problem {
                path: String::new(),
                message: message.clone(),
                location: *location,
            }],
            Self::Shape(problem) => vec![problem.clone()],
            Self::Invalid(problems) => problems.clone(),
        }
    }
}

fn at(location: &Option<Location>) -> String {
    location.map(|l| format!(" at {l}")).unwrap_or_default()
}

fn list(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
    lines.join("\n")
}

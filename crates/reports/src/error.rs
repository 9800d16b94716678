//! Why a report could not be produced.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ReportError {
    /// The report's content breaks a rule of its model (estimate bounds out of order, a
    /// criterion missing, a schema version of another release).
    #[error("{report}: {message}")]
    Invalid {
        report: &'static str,
        message: String,
    },
    #[error("cannot serialise the report to JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the embedded font cannot be used: {0}")]
    Font(String),
    #[error("unknown report kind {0:?}; expected one of {expected}", expected = crate::ReportKind::NAMES.join(", "))]
    UnknownKind(String),
}

impl ReportError {
    pub(crate) fn invalid(report: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            report,
            message: message.into(),
        }
    }
}

use cloudkyc_store::StoreError;
use serde::Serialize;
use thiserror::Error;

pub type AppResult<T> = Result<T, AppError>;

/// One invalid field of a request: a JSON pointer to it and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// What a use case can answer besides success. The server maps each variant to one status code;
/// `Internal` is logged and never shown.
#[derive(Debug, Error)]
pub enum AppError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("invalid request: {}", describe(.0))]
    Invalid(Vec<FieldError>),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(path: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError::new(path, message)])
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { kind } => AppError::NotFound(kind.to_owned()),
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Forbidden(m) => AppError::Forbidden(m),
            StoreError::Database(m) => AppError::Unavailable(m),
            StoreError::KeyRing(m) | StoreError::Corrupt(m) => AppError::Internal(m),
        }
    }
}

fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.path, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

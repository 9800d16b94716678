use thiserror::Error;

pub type StoreResult<T> = Result<T, StoreError>;

/// What a store can answer besides success. Backends map their driver errors onto these, so the
/// layers above never see SQL.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The object does not exist *in the caller's scope* (another tenant's object looks the same).
    #[error("{kind} not found")]
    NotFound { kind: &'static str },
    /// A uniqueness rule or a state rule refused the write.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The caller's scope does not allow this write (for example a tenant outside its subtree).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Encryption keys are missing, wrong or corrupted.
    #[error("key ring: {0}")]
    KeyRing(String),
    /// The database is unreachable, corrupted or refused the statement.
    #[error("database: {0}")]
    Database(String),
    /// Stored data could not be decoded (a bug or tampering, never user input).
    #[error("corrupt data: {0}")]
    Corrupt(String),
}

impl StoreError {
    pub fn not_found(kind: &'static str) -> Self {
        StoreError::NotFound { kind }
    }
}

/// Why an API key was not accepted. The server answers 401 for all of them alike, so a caller
/// learns nothing about which keys exist; the distinction is for logs and metrics.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("malformed API key")]
    Malformed,
    #[error("unknown API key")]
    Unknown,
    #[error("API key revoked")]
    Revoked,
    #[error("API key expired")]
    Expired,
}

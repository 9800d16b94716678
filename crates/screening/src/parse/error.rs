/// Why a list file could not be read. Parsers fail closed: a file that is structurally broken
/// (truncated, wrong layout) is an error, never a silently shorter list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("{format}: record {record}: {message}")]
    Record {
        format: &'static str,
        record: u64,
        message: String,
    },
    #[error("{format}: {message}")]
    Malformed {
        format: &'static str,
        message: String,
    },
    #[error("{format}: required column {column:?} is missing from the header")]
    MissingColumn {
        format: &'static str,
        column: String,
    },
    #[error("{format}: the file holds no entries")]
    Empty { format: &'static str },
}

impl ParseError {
    pub(crate) fn record(format: &'static str, record: u64, message: impl Into<String>) -> Self {
        ParseError::Record {
            format,
            record,
            message: message.into(),
        }
    }

    pub(crate) fn malformed(format: &'static str, message: impl Into<String>) -> Self {
        ParseError::Malformed {
            format,
            message: message.into(),
        }
    }
}

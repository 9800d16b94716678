//! Bulk bodies: a JSON array or NDJSON, decoded record by record so one bad record never
//! sinks the batch.

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use thiserror::Error;

use crate::usage::{RecordProblem, RecordRejection};

#[derive(Debug, Clone, PartialEq, Error)]
pub enum BatchError {
    #[error("body is not a JSON array: {0}")]
    NotAnArray(String),
    #[error("body is not UTF-8")]
    NotUtf8,
}

/// Decodes each element of a JSON array, or each non-blank line of NDJSON, into `T`.
/// A malformed element becomes a rejection carrying its `id` when one can be read.
pub fn decode_batch<T: DeserializeOwned>(
    body: &[u8],
) -> Result<Vec<Result<T, RecordRejection>>, BatchError> {
    let text = std::str::from_utf8(body).map_err(|_| BatchError::NotUtf8)?;
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        // The elements are only delimited here (borrowed, not copied), then each is decoded on
        // its own so one bad record never sinks the batch.
        let elements: Vec<&RawValue> =
            serde_json::from_str(trimmed).map_err(|e| BatchError::NotAnArray(e.to_string()))?;
        return Ok(elements
            .into_iter()
            .map(|e| decode_record(e.get()))
            .collect());
    }
    Ok(text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(decode_record)
        .collect())
}

/// One record straight into `T`: the common case, a single pass without an intermediate
/// `Value`. Only a record that fails is parsed again, as a `Value`, to find its `id` and to word
/// the problem without the position (which would point into the batch, not the record).
fn decode_record<T: DeserializeOwned>(json: &str) -> Result<T, RecordRejection> {
    if let Ok(record) = serde_json::from_str::<T>(json) {
        return Ok(record);
    }
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(value) => decode_value(value),
        Err(e) => Err(RecordRejection {
            id: None,
            problems: vec![RecordProblem::Malformed(e.to_string())],
        }),
    }
}

fn decode_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, RecordRejection> {
    let id = value.get("id").and_then(|v| v.as_str()).map(str::to_owned);
    serde_json::from_value(value).map_err(|e| RecordRejection {
        id,
        problems: vec![RecordProblem::Malformed(e.to_string())],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::UsageRecordInput;

    const GOOD: &str = r#"{"id": "u-1", "account": "a", "accelerator": "H100", "count": 8, "start": "2026-10-01T00:00:00Z", "end": "2026-10-02T00:00:00Z"}"#;

    #[test]
    fn decodes_arrays_and_ndjson_record_by_record() {
        let array = format!(r#"[{GOOD}, {{"id": "u-2", "count": "many"}}]"#);
        let out = decode_batch::<UsageRecordInput>(array.as_bytes()).unwrap();
        assert!(out[0].is_ok());
        let err = out[1].as_ref().unwrap_err();
        assert_eq!(err.id.as_deref(), Some("u-2"));

        let ndjson = format!("{GOOD}\n\n{{not json\n{GOOD}\n");
        let out = decode_batch::<UsageRecordInput>(ndjson.as_bytes()).unwrap();
        assert_eq!(out.len(), 3);
        assert!(out[0].is_ok() && out[1].is_err() && out[2].is_ok());
    }

    #[test]
    fn rejects_broken_arrays_and_non_utf8() {
        assert!(matches!(
            decode_batch::<UsageRecordInput>(b"[{"),
            Err(BatchError::NotAnArray(_))
        ));
        assert_eq!(
            decode_batch::<UsageRecordInput>(&[0xff, 0xfe]).unwrap_err(),
            BatchError::NotUtf8
        );
    }
}

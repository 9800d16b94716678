//! What every report model does, and the one function that turns a model into its files.

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::document::Document;
use crate::error::ReportError;
use crate::kind::ReportKind;
use crate::meta::ReportMeta;
use crate::pdf;

/// A report model: serialisable to JSON that follows its JSON Schema, and printable.
pub trait Report: Serialize + DeserializeOwned + JsonSchema {
    /// How the report is named in messages.
    const NAME: &'static str;

    fn meta(&self) -> &ReportMeta;

    /// The model's own rules beyond what its types say; [`render`] refuses a report that breaks
    /// them.
    fn check(&self) -> Result<(), ReportError>;

    /// The printable form.
    fn document(&self) -> Document;
}

/// A report turned into the files a filing needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub kind: ReportKind,
    /// Pretty-printed JSON, newline-terminated: the bytes of `KIND.json`.
    pub json: Vec<u8>,
    /// The bytes of `KIND.pdf`; its footer prints `sha256`.
    pub pdf: Vec<u8>,
    /// SHA-256 (lower-case hex) of `json`: what the audit chain records.
    pub sha256: String,
}

/// Checks the report, writes its JSON and digest, and prints the PDF with that digest in the
/// footer of every page.
pub fn render<R: Report>(report: &R) -> Result<Rendered, ReportError> {
    report.check()?;
    let mut json = serde_json::to_vec_pretty(report)?;
    json.push(b'\n');
    let sha256 = hex::encode(Sha256::digest(&json));
    let pdf = pdf::render(&report.document(), &sha256)?;
    Ok(Rendered {
        kind: report.meta().kind,
        json,
        pdf,
        sha256,
    })
}

/// The header must name one of the model's kinds and the schema version this build writes.
pub(crate) fn check_meta<R: Report>(report: &R, kinds: &[ReportKind]) -> Result<(), ReportError> {
    let meta = report.meta();
    if !kinds.contains(&meta.kind) {
        return Err(ReportError::invalid(
            R::NAME,
            format!("kind `{}` is not a kind of this report", meta.kind),
        ));
    }
    let expected = meta.kind.schema_version();
    if meta.schema_version != expected {
        return Err(ReportError::invalid(
            R::NAME,
            format!(
                "schema_version `{}` is not the version this build writes (`{expected}`)",
                meta.schema_version
            ),
        ));
    }
    Ok(())
}

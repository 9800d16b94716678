//! The manifest of a production to Commerce: the files of the archive with their SHA-256
//! digests, so that the recipient can check nothing was altered or left out.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::document::{Document, or_dash};
use crate::error::ReportError;
use crate::kind::ReportKind;
use crate::meta::{ReportMeta, SignOff};
use crate::models::ai_training::sign_off;
use crate::report::{Report, check_meta};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductionManifest {
    #[serde(flatten)]
    pub meta: ReportMeta,
    pub request: ProductionRequest,
    /// The customers whose records are produced (ids).
    pub customers: Vec<String>,
    pub files: Vec<ManifestFile>,
    pub sign_off: Option<SignOff>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductionRequest {
    pub reference: String,
    pub requested_by: String,
    pub requested_on: NaiveDate,
    /// The pack's production deadline counted from `requested_on`.
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    /// Path inside the archive, `/`-separated.
    pub path: String,
    pub description: String,
    pub media_type: String,
    pub bytes: u64,
    pub sha256: String,
}

impl ProductionManifest {
    /// Adds a file of the archive, computing its size and digest from its bytes.
    pub fn add_file(
        &mut self,
        path: impl Into<String>,
        description: impl Into<String>,
        media_type: impl Into<String>,
        content: &[u8],
    ) -> &ManifestFile {
        let bytes = u64::try_from(content.len()).unwrap_or(u64::MAX);
        let index = self.files.len();
        self.files.push(ManifestFile {
            path: path.into(),
            description: description.into(),
            media_type: media_type.into(),
            bytes,
            sha256: hex::encode(Sha256::digest(content)),
        });
        &self.files[index]
    }
}

impl Report for ProductionManifest {
    const NAME: &'static str = "production manifest";

    fn meta(&self) -> &ReportMeta {
        &self.meta
    }

    fn check(&self) -> Result<(), ReportError> {
        check_meta(self, &[ReportKind::Production])?;
        let mut paths: Vec<&str> = self.files.iter().map(|f| f.path.as_str()).collect();
        paths.sort_unstable();
        if let Some(pair) = paths.windows(2).find(|w| w.first() == w.get(1)) {
            return Err(ReportError::invalid(
                Self::NAME,
                format!(
                    "file `{}` is listed twice",
                    pair.first().copied().unwrap_or_default()
                ),
            ));
        }
        if let Some(bad) = self
            .files
            .iter()
            .find(|f| f.sha256.len() != 64 || !f.sha256.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(ReportError::invalid(
                Self::NAME,
                format!("file `{}` has no valid SHA-256 digest", bad.path),
            ));
        }
        if let Some(bad) = self.files.iter().find(|f| unsafe_path(&f.path)) {
            return Err(ReportError::invalid(
                Self::NAME,
                format!(
                    "file path `{}` must be relative and stay inside the archive",
                    bad.path
                ),
            ));
        }
        Ok(())
    }

    fn document(&self) -> Document {
        let mut doc = Document::new("Production of records to the Department of Commerce");
        let r = &self.request;
        doc.subtitle(format!("Provider: {}", self.meta.provider))
            .subtitle(format!("Request {} of {}", r.reference, r.requested_on))
            .subtitle(format!(
                "Rule pack {}@{}",
                self.meta.policy.id, self.meta.policy.version
            ));
        doc.heading("Request");
        doc.key_values([
            ("Reference", r.reference.clone()),
            ("Requested by", r.requested_by.clone()),
            ("Requested on", r.requested_on.to_string()),
            ("Due", r.due_on.to_string()),
            (
                "Customers",
                or_dash((!self.customers.is_empty()).then(|| self.customers.join(", "))),
            ),
        ]);
        doc.heading("Files");
        let total: u64 = self.files.iter().map(|f| f.bytes).sum();
        doc.paragraph(format!(
            "{} files, {total} bytes in all. Each digest is the SHA-256 of the file's bytes.",
            self.files.len()
        ));
        let rows = self
            .files
            .iter()
            .map(|f| {
                vec![
                    f.path.clone(),
                    f.description.clone(),
                    f.bytes.to_string(),
                    f.sha256.clone(),
                ]
            })
            .collect();
        doc.table(
            &["Path", "Description", "Bytes", "SHA-256"],
            &[2.6, 2.4, 1.0, 4.4],
            rows,
            "No files.",
        );
        if let Some(s) = &self.sign_off {
            doc.heading("Officer sign-off");
            sign_off(&mut doc, s);
        }
        doc
    }
}

fn unsafe_path(path: &str) -> bool {
    path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
}

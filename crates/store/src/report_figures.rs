//! Regulator reports (issue 7, items 4-9): the figures a report counts from the records, and the
//! reports generated, with every disclosure of one logged.
//!
//! Figures that only need plaintext columns (statuses, tiers, verification record kinds) are
//! aggregated in SQL; figures that need personal data (countries) are counted by the application
//! from opened customers, because those values are sealed.
//!
//! A generated report keeps its rendered files (JSON, PDF and, for a production, the archive) so
//! the bytes filed are the bytes kept. They are sealed (associated data tenant / `reports` / row
//! / column) when the report carries personal data. Its creation appends `report.generate` with
//! the report's SHA-256 as the event's after-digest, so the audit chain pins what was filed; every
//! read of a file appends `report.disclose` with the digest of the bytes handed out and a row in
//! `report_disclosures`, in the same transaction as the read.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_domain::cip::PersonStatus;
use cloudkyc_domain::rule_pack::RiskTier;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::NewAuditEvent;
use crate::crypto::{Aad, KeyRing};
use crate::customers::{AccountAccess, CipStatus, CustomerId};
use crate::documents::uuid_id;
use crate::{StoreError, StoreResult, TenantScope};

pub const REPORT_GENERATE: &str = "report.generate";
pub const REPORT_DISCLOSE: &str = "report.disclose";
pub const REPORT_SUBJECT: &str = "report";
/// The table whose rows the sealed files are bound to.
pub const REPORTS_TABLE: &str = "reports";

uuid_id!(
    /// A generated report.
    ReportId
);

/// Customers counted per combination of their plaintext decision columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerStatusCount {
    pub person_status: PersonStatus,
    pub cip_status: CipStatus,
    pub account_access: AccountAccess,
    pub risk_tier: RiskTier,
    pub count: u64,
}

/// Verification records counted per kind (`vendor`, `override`, `decision`) and state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerificationRecordCount {
    pub kind: String,
    pub state: String,
    pub count: u64,
}

/// One of a report's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportFile {
    Json,
    Pdf,
    /// The archive of a production.
    Archive,
}

impl ReportFile {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Pdf => "pdf",
            Self::Archive => "archive",
        }
    }

    /// The column holding the file's bytes.
    pub fn column(self) -> &'static str {
        match self {
            Self::Json => "json_doc",
            Self::Pdf => "pdf_doc",
            Self::Archive => "archive_doc",
        }
    }
}

/// A rendered report to keep.
#[derive(Clone, PartialEq, Eq)]
pub struct NewReport {
    /// The report's kind (`written-cip`, ...).
    pub kind: String,
    /// SHA-256 of `json`.
    pub sha256: String,
    /// What it was generated with (year, customer ids, case id); no personal data.
    pub parameters: serde_json::Value,
    /// Whether the files carry personal data (then they are sealed).
    pub personal: bool,
    pub json: Vec<u8>,
    pub pdf: Vec<u8>,
    pub archive: Option<Vec<u8>>,
}

impl std::fmt::Debug for NewReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewReport")
            .field("kind", &self.kind)
            .field("sha256", &self.sha256)
            .finish_non_exhaustive()
    }
}

/// A generated report's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredReport {
    pub id: ReportId,
    pub tenant: TenantId,
    pub kind: String,
    pub sha256: String,
    pub parameters: serde_json::Value,
    pub personal: bool,
    pub json_bytes: u64,
    pub pdf_bytes: u64,
    pub archive_bytes: Option<u64>,
    /// The audit name of the actor who generated it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[async_trait]
pub trait ReportFigureStore: Send + Sync {
    /// Customers of the tenants visible to the scope created before `until`, counted per
    /// person status, CIP status, account access and risk tier.
    async fn customer_status_counts(
        &self,
        scope: &TenantScope,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<CustomerStatusCount>>;
    /// Verification records made in `[from, until)`, counted per kind and state.
    async fn verification_record_counts(
        &self,
        scope: &TenantScope,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<VerificationRecordCount>>;
    /// The customers a failed verification may concern: those with a verification record in
    /// `[from, until)` and those whose CIP status is `failed`, oldest first, without repeats.
    async fn verification_subjects(
        &self,
        scope: &TenantScope,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<CustomerId>>;
    /// Keeps a rendered report of the scope's tenant with one `report.generate` event whose
    /// after-digest is the report's SHA-256, in one transaction.
    async fn record_report(
        &self,
        scope: &TenantScope,
        new: NewReport,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredReport>;
    /// Reports of the tenants visible to the scope, newest first.
    async fn reports(&self, scope: &TenantScope, limit: u32) -> StoreResult<Vec<StoredReport>>;
    /// A report visible to the scope; `NotFound` otherwise.
    async fn report(&self, scope: &TenantScope, id: ReportId) -> StoreResult<StoredReport>;
    /// Reports visible to the scope counted per kind.
    async fn report_counts(&self, scope: &TenantScope) -> StoreResult<Vec<(String, u64)>>;
    /// The bytes of one file of a report visible to the scope (`NotFound` when the report or,
    /// for an archive, the file does not exist), with one `report.disclose` event and one
    /// `report_disclosures` row written in the same transaction.
    async fn disclose_report(
        &self,
        scope: &TenantScope,
        id: ReportId,
        file: ReportFile,
        now: DateTime<Utc>,
    ) -> StoreResult<(StoredReport, Vec<u8>)>;
    /// How many times the reports visible to the scope were disclosed.
    async fn report_disclosure_count(&self, scope: &TenantScope) -> StoreResult<u64>;
}

fn aad<'a>(tenant: TenantId, row: &'a str, column: &'static str) -> Aad<'a> {
    Aad {
        tenant,
        table: REPORTS_TABLE,
        row,
        column,
    }
}

/// A file as its column holds it: sealed when the report carries personal data.
pub fn seal_file(
    ring: &KeyRing,
    report: &StoredReport,
    file: ReportFile,
    bytes: &[u8],
) -> StoreResult<Vec<u8>> {
    if report.personal {
        ring.encrypt(
            bytes,
            aad(report.tenant, &report.id.to_string(), file.column()),
        )
    } else {
        Ok(bytes.to_vec())
    }
}

/// A file read back from its column.
pub fn open_file(
    ring: &KeyRing,
    report: &StoredReport,
    file: ReportFile,
    stored: Vec<u8>,
) -> StoreResult<Vec<u8>> {
    if report.personal {
        ring.decrypt(
            &stored,
            aad(report.tenant, &report.id.to_string(), file.column()),
        )
    } else {
        Ok(stored)
    }
}

/// The metadata of a report about to be stored.
pub fn stored_of(
    scope: &TenantScope,
    id: ReportId,
    new: &NewReport,
    now: DateTime<Utc>,
) -> StoredReport {
    StoredReport {
        id,
        tenant: scope.tenant(),
        kind: new.kind.clone(),
        sha256: new.sha256.clone(),
        parameters: new.parameters.clone(),
        personal: new.personal,
        json_bytes: len(&new.json),
        pdf_bytes: len(&new.pdf),
        archive_bytes: new.archive.as_deref().map(len),
        created_by: scope.actor().audit_name(),
        created_at: crate::audit::truncate_to_micros(now),
    }
}

fn len(bytes: &[u8]) -> u64 {
    u64::try_from(bytes.len()).unwrap_or(u64::MAX)
}

/// Checks what the caller hands in: a known-looking kind and a digest that is the JSON's.
pub fn check_new(new: &NewReport) -> StoreResult<()> {
    if new.kind.is_empty() || new.kind.len() > 64 {
        return Err(StoreError::Corrupt("report kind must be 1-64 bytes".into()));
    }
    if hex::encode(Sha256::digest(&new.json)) != new.sha256 {
        return Err(StoreError::Corrupt(
            "report sha256 is not the digest of its JSON".into(),
        ));
    }
    Ok(())
}

/// The event of a generation: the after-digest is the report's own SHA-256.
pub fn generated_event(report: &StoredReport) -> NewAuditEvent {
    NewAuditEvent {
        action: REPORT_GENERATE.to_owned(),
        subject_kind: REPORT_SUBJECT.to_owned(),
        subject_id: report.id.to_string(),
        before_digest: None,
        after_digest: Some(report.sha256.clone()),
    }
}

/// The event of a disclosure: the after-digest is that of the bytes handed out.
pub fn disclosed_event(report: &StoredReport, bytes: &[u8]) -> NewAuditEvent {
    NewAuditEvent {
        action: REPORT_DISCLOSE.to_owned(),
        subject_kind: REPORT_SUBJECT.to_owned(),
        subject_id: report.id.to_string(),
        before_digest: None,
        after_digest: Some(hex::encode(Sha256::digest(bytes))),
    }
}

/// A count column read back.
pub fn to_count(column: &str, value: i64) -> StoreResult<u64> {
    u64::try_from(value)
        .map_err(|_| StoreError::Corrupt(format!("column {column}: {value} is negative")))
}

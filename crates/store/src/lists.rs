//! Restricted-party list snapshots: the bytes every list was loaded from, which snapshot of each
//! list is in force, and how the list's last update went.
//!
//! Lists are provider-level data (one set of lists screens every tenant's customers), so only
//! the provider tenant's scope may write them and every change is audited on the provider's
//! chain; any scope may read them (the lists are public). The raw bytes are stored as they were
//! published: public data needs no sealing, and storing them uncompressed keeps the stored
//! bytes hashable as they are and the backends free of a codec (PostgreSQL compresses large
//! values itself; the bundled lists together are a few megabytes).
//!
//! A snapshot is identified by its list and content hash: importing the same bytes again finds
//! the stored snapshot instead of adding one.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::audit::NewAuditEvent;
use crate::{StoreError, StoreResult, TenantScope};

/// Audit action when a snapshot becomes the one in force (new or an older one again).
pub const LIST_ACTIVATE: &str = "list.activate";
/// Audit action for every recorded update attempt (success or failure).
pub const LIST_UPDATE: &str = "list.update";
/// The audit subject kind of list events; the subject id is the list id.
pub const LIST_SUBJECT: &str = "list";

/// A parsed list load to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewListSnapshot {
    /// The list's stable id (`ofac_sdn`, `un_sc`, ...).
    pub list: String,
    /// How to parse `content` again (the application's format description).
    pub format: String,
    /// SHA-256 of the content as the parser computed it, lower-case hex (64 characters).
    pub content_sha256: String,
    /// The publication date, when the file or its source says one.
    pub published: Option<NaiveDate>,
    pub version: String,
    pub entity_count: u64,
    /// The bytes as published.
    pub content: Vec<u8>,
}

/// A stored snapshot without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListSnapshotInfo {
    pub list: String,
    pub format: String,
    pub content_sha256: String,
    pub published: Option<NaiveDate>,
    pub version: String,
    pub entity_count: u64,
    pub size_bytes: u64,
    /// When these bytes were first stored.
    pub loaded_at: DateTime<Utc>,
}

/// A stored snapshot with its bytes, to parse again when the index is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredListSnapshot {
    pub info: ListSnapshotInfo,
    pub content: Vec<u8>,
}

/// What [`ListStore::import_list_snapshot`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedList {
    pub snapshot: ListSnapshotInfo,
    /// The bytes were new (false: the same content was stored before).
    pub created: bool,
    /// The snapshot became the one in force (false: it already was).
    pub activated: bool,
}

/// One list: the snapshot in force and how its updates went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListStatus {
    pub list: String,
    /// `None` while no snapshot was ever stored (the bundled copy, if any, is in force).
    pub active: Option<ListSnapshotInfo>,
    /// When the active snapshot was put in force.
    pub activated_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed; `None` when it succeeded (or none was made).
    pub last_error: Option<String>,
    /// Failed update attempts since the list was first seen (for a metrics counter).
    pub failures: u64,
}

/// The outcome of one update attempt, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListAttempt {
    Succeeded,
    Failed(String),
}

#[async_trait]
pub trait ListStore: Send + Sync {
    /// Stores `new` (once per list and content hash) and puts it in force, with a
    /// [`LIST_ACTIVATE`] event on the provider's chain when that changes which snapshot is in
    /// force. Only the provider's scope may write (`Forbidden` otherwise).
    async fn import_list_snapshot(
        &self,
        scope: &TenantScope,
        new: NewListSnapshot,
        now: DateTime<Utc>,
    ) -> StoreResult<ImportedList>;

    /// Records an update attempt of `list` and returns its status, with a [`LIST_UPDATE`] event;
    /// a failure leaves the snapshot in force alone. Provider scope only.
    async fn record_list_attempt(
        &self,
        scope: &TenantScope,
        list: &str,
        attempt: ListAttempt,
        now: DateTime<Utc>,
    ) -> StoreResult<ListStatus>;

    /// Every list the store knows, by list id.
    async fn list_statuses(&self, scope: &TenantScope) -> StoreResult<Vec<ListStatus>>;

    /// The snapshot in force of every list that has one, with its bytes, by list id.
    async fn active_list_snapshots(
        &self,
        scope: &TenantScope,
    ) -> StoreResult<Vec<StoredListSnapshot>>;
}

/// Checks a new snapshot before any write; both backends call it.
pub fn validate_new(new: &NewListSnapshot) -> StoreResult<()> {
    let id_ok = !new.list.is_empty()
        && new.list.len() <= 64
        && new
            .list
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !id_ok {
        return Err(StoreError::Conflict(format!(
            "list id must be 1-64 characters of a-z, 0-9, '_' or '-': {:?}",
            new.list
        )));
    }
    let hash_ok =
        new.content_sha256.len() == 64 && new.content_sha256.bytes().all(|b| b.is_ascii_hexdigit());
    if !hash_ok || new.content.is_empty() {
        return Err(StoreError::Conflict(
            "a list snapshot needs its content and a SHA-256 in hex".to_owned(),
        ));
    }
    Ok(())
}

/// The write check both backends make: `provider` is the root tenant's id as stored.
pub fn require_provider(
    scope: &TenantScope,
    provider: Option<cloudkyc_domain::TenantId>,
) -> StoreResult<()> {
    if provider == Some(scope.tenant()) {
        Ok(())
    } else {
        Err(StoreError::Forbidden(
            "restricted-party lists are managed by the provider".to_owned(),
        ))
    }
}

/// The event of a snapshot put in force.
pub fn activate_event(
    before: Option<&ListSnapshotInfo>,
    after: &ListSnapshotInfo,
) -> NewAuditEvent {
    NewAuditEvent::new(
        LIST_ACTIVATE,
        LIST_SUBJECT,
        &after.list,
        before,
        Some(after),
    )
}

/// The event of a recorded update attempt.
pub fn attempt_event(before: Option<&ListStatus>, after: &ListStatus) -> NewAuditEvent {
    NewAuditEvent::new(LIST_UPDATE, LIST_SUBJECT, &after.list, before, Some(after))
}

/// The date column's text form (both backends store `YYYY-MM-DD`).
pub fn parse_published(text: Option<String>) -> StoreResult<Option<NaiveDate>> {
    text.map(|t| {
        NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .map_err(|e| StoreError::Corrupt(format!("column published: {e}")))
    })
    .transpose()
}

/// A count column read back as unsigned.
pub fn count(column: &str, value: i64) -> StoreResult<u64> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("column {column}: {value}")))
}

/// An unsigned count to bind as a database integer.
pub fn to_i64(value: u64) -> StoreResult<i64> {
    i64::try_from(value).map_err(|_| StoreError::Conflict(format!("count too large: {value}")))
}

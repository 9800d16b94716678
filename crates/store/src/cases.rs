//! Cases (issue 7): where every alert is worked to a decision.
//!
//! The domain's [`Case`] changes only through `Case::apply`; the store keeps what it returns. A
//! case is two things on disk: one `cases` row with its current state and one `case_events` row
//! per [`TimelineEntry`], appended and never changed. The state and each entry are sealed whole
//! (associated data tenant / table / row / column): summaries, comments and rationales are free
//! text and may name people. Only what listings filter on stays in clear (kind, status, subject
//! reference, assignee, priority, due date) — identifiers and dates, no personal data.
//!
//! Writes use optimistic concurrency: each case row carries a `version`; a transition names the
//! version it was computed from, and a stale one is refused with `Conflict`, so two officers
//! acting at once cannot both apply a command to the same old state. A write stores the row, the
//! new entries and one audit event (`case.<command>`) in one transaction.
//!
//! Raising the same alert twice opens one case: a case opened with a dedupe key is unique per
//! (tenant, kind, subject, dedupe key) among cases not closed (a partial unique index), and
//! [`CaseStore::create_case`] answers the open one instead.
//!
//! Attachments are sealed bytes with their SHA-256 in clear, like customer documents; reading
//! them back is a disclosure and is audited (`case.attachment_read`).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_domain::cases::{ActorId, Case, CaseId, CaseKind, CaseStatus, SubjectRef, Transition};
use serde::{Deserialize, Serialize};

use crate::documents::{MediaType, uuid_id};
use crate::{StoreResult, TenantScope};

pub use crate::case_columns::{
    CaseColumns, attachment_read_event, open_attachment, open_entry, open_state, seal_attachment,
    seal_entry, seal_state, transition_event,
};

/// The audit subject of every case event; actions are `case.<command>` (`case.open`,
/// `case.assign`, ...) and `case.attachment_read`.
pub const CASE_SUBJECT: &str = "case";
pub const CASE_ATTACHMENT_READ: &str = "case.attachment_read";
/// The tables whose rows sealed columns are bound to.
pub const CASES_TABLE: &str = "cases";
pub const CASE_EVENTS_TABLE: &str = "case_events";
pub const CASE_ATTACHMENTS_TABLE: &str = "case_attachments";
/// At most this many cases per listing page.
pub const MAX_CASES_LISTED: u32 = 500;

uuid_id!(
    /// A file attached to a case.
    AttachmentId
);

/// A case as stored: the domain case, the tenant it belongs to, and the version a transition
/// must name to be saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    pub tenant: TenantId,
    pub version: i64,
    /// In listings the timeline is not loaded (it is empty); `CaseStore::case` loads it.
    pub case: Case,
}

/// The answer to [`CaseStore::create_case`]: the case, and whether this call opened it (`false`
/// when an open case with the same dedupe key already existed; then nothing was written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedCase {
    pub record: CaseRecord,
    pub created: bool,
}

/// Which cases a listing returns. Every filter narrows; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    pub status: Option<CaseStatus>,
    /// Only cases that are not closed.
    pub open_only: bool,
    pub kind: Option<CaseKind>,
    /// The subject's reference (a customer id, a reseller id, ...), whatever its type.
    pub subject: Option<SubjectRef>,
    pub assignee: Option<ActorId>,
    /// Only cases due strictly before this day (the overdue ones, with `open_only` and today).
    pub due_before: Option<NaiveDate>,
    /// Paging: only cases with an id below this one (ids sort by opening time).
    pub before: Option<CaseId>,
    /// At most this many, newest first; capped at [`MAX_CASES_LISTED`].
    pub limit: u32,
}

/// Open cases with a due date, across every tenant, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseDeadlineCounts {
    pub open: u64,
    /// Due before the day asked about.
    pub overdue: u64,
    /// Due on that day or within the window.
    pub due_soon: u64,
}

/// The deadline counts of one kind of case (see [`CaseStore::case_deadlines_by_kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindDeadlineCounts {
    pub kind: CaseKind,
    pub counts: CaseDeadlineCounts,
}

/// A file to attach to a case. The id is chosen by the caller so the evidence entry that
/// refers to it can be written in the same transaction.
#[derive(Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub id: AttachmentId,
    pub file_name: String,
    pub media_type: MediaType,
    /// The plaintext bytes, validated by the caller (type, size). Sealed before storage.
    pub content: Vec<u8>,
}

impl std::fmt::Debug for NewAttachment {
    // File names and bytes may be personal data: never in a debug print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAttachment")
            .field("id", &self.id)
            .field("media_type", &self.media_type)
            .field("size", &self.content.len())
            .finish_non_exhaustive()
    }
}

/// A stored attachment's metadata (the file name is opened; the bytes are not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: AttachmentId,
    pub case: CaseId,
    pub tenant: TenantId,
    pub file_name: String,
    pub media_type: MediaType,
    pub size: u64,
    /// Lowercase hex SHA-256 of the plaintext bytes.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
    pub uploaded_by: String,
}

/// An attachment with its opened bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct AttachmentContent {
    pub attachment: Attachment,
    pub content: Vec<u8>,
}

impl std::fmt::Debug for AttachmentContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachmentContent")
            .field("id", &self.attachment.id)
            .finish_non_exhaustive()
    }
}

#[async_trait]
pub trait CaseStore: Send + Sync {
    /// Stores a case just opened (`Case::open`) for the scope's tenant, with its entries and one
    /// `case.open` audit event. With a `dedupe_key`, an open case of the same tenant, kind,
    /// subject and key is returned instead (`created: false`) and nothing is written.
    async fn create_case(
        &self,
        scope: &TenantScope,
        opened: &Transition,
        dedupe_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<CreatedCase>;
    /// A case of a tenant visible to the scope, with its whole timeline; `NotFound` otherwise.
    async fn case(&self, scope: &TenantScope, id: CaseId) -> StoreResult<CaseRecord>;
    /// Cases of every tenant visible to the scope matching `filter`, newest first, timelines
    /// not loaded.
    async fn cases(&self, scope: &TenantScope, filter: &CaseFilter)
    -> StoreResult<Vec<CaseRecord>>;
    /// Saves the result of `Case::apply` on the case read at `expected_version`: appends the
    /// transition's entries, replaces the state, bumps the version and appends one
    /// `case.<command>` audit event, in one transaction, together with `attachment` when given.
    /// `Conflict` when the case changed since (another version); `NotFound` outside the scope.
    async fn save_transition(
        &self,
        scope: &TenantScope,
        expected_version: i64,
        transition: &Transition,
        command: &str,
        attachment: Option<NewAttachment>,
        now: DateTime<Utc>,
    ) -> StoreResult<CaseRecord>;
    /// The attachments of a case visible to the scope, oldest first.
    async fn case_attachments(
        &self,
        scope: &TenantScope,
        case: CaseId,
    ) -> StoreResult<Vec<Attachment>>;
    /// The opened bytes of one attachment, after a `case.attachment_read` audit event in the
    /// same transaction.
    async fn case_attachment_content(
        &self,
        scope: &TenantScope,
        case: CaseId,
        id: AttachmentId,
        now: DateTime<Utc>,
    ) -> StoreResult<AttachmentContent>;
    /// Counts of open dated cases of every tenant (operator metrics; not scoped): overdue when
    /// due before `today`, due soon when due from `today` to `soon_until` inclusive.
    async fn case_deadline_counts(
        &self,
        today: NaiveDate,
        soon_until: NaiveDate,
    ) -> StoreResult<CaseDeadlineCounts>;
    /// The same counts per kind of case, for the kinds with an open case (operator metrics).
    async fn case_deadlines_by_kind(
        &self,
        today: NaiveDate,
        soon_until: NaiveDate,
    ) -> StoreResult<Vec<KindDeadlineCounts>>;
}

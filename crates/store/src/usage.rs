//! Usage records and reservations (compute monitoring, issue 5): what the store keeps of them.
//!
//! The store does not interpret a record: the application validates it with the compute
//! engine's catalog and limits first and hands over only what passed. Records are keyed by
//! `(tenant, id)`; inserting one whose id the tenant already has is a duplicate, not an error,
//! so a client (or a message broker) may resend a batch as often as it likes.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use serde::{Deserialize, Serialize};

use crate::{StoreResult, TenantScope};

/// The audit action of one accepted batch (usage records or reservations).
pub const USAGE_INGEST: &str = "usage.ingest";

/// The two tables of compute records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComputeRecordKind {
    /// What ran: `usage_records`.
    Usage,
    /// What is reserved or committed: `reservations`.
    Reservation,
}

impl ComputeRecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ComputeRecordKind::Usage => "usage",
            ComputeRecordKind::Reservation => "reservation",
        }
    }

    /// The audit subject kind of a batch of this kind.
    pub fn batch_subject(self) -> &'static str {
        match self {
            ComputeRecordKind::Usage => "usage_batch",
            ComputeRecordKind::Reservation => "reservation_batch",
        }
    }
}

/// One validated record as stored. No personal data: accounts are the provider's external ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComputeRecord {
    pub id: String,
    /// The provider's external account id.
    pub account: String,
    /// The accelerator as the provider wrote it.
    pub accelerator: String,
    /// The catalog entry it resolved to.
    pub accelerator_resolved: String,
    /// Chips; optional for reservations given as committed spend.
    pub count: Option<i64>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub cluster: Option<String>,
    pub datacenter: Option<String>,
    pub fabric_gbps: Option<f64>,
    /// The remaining optional fields (telemetry, purpose, reservation link, committed spend),
    /// as JSON.
    pub details: Option<serde_json::Value>,
}

/// A stored record with its tenant, as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredComputeRecord {
    pub tenant: TenantId,
    pub record: ComputeRecord,
}

/// Which ids of a batch were new and which the tenant had already (or repeated in the batch).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsertOutcome {
    pub accepted: Vec<String>,
    pub duplicate: Vec<String>,
    /// The mark of the write that stored the accepted compute records, for
    /// [`UsageStore::compute_changes`]'s `skip`: a process that applied its own batch to its
    /// engine need not read it back. `None` when nothing was new and on backends whose writes
    /// carry no mark (SQLite: its catch-up reads each record past the cursor once anyway). A mark
    /// is a position like [`ComputeCursor`]'s: once every cursor is past it, no read returns it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write: Option<i64>,
}

impl InsertOutcome {
    /// The outcome of a batch whose ids are `ids` (in batch order, repeats included), given the
    /// ids a multi-row `INSERT .. ON CONFLICT DO NOTHING RETURNING id` returned: an id returned
    /// is accepted once, and its repeats in the batch are duplicates.
    pub fn from_returned<'a>(
        ids: impl IntoIterator<Item = &'a str>,
        mut inserted: HashSet<String>,
    ) -> Self {
        let mut out = Self::default();
        for id in ids {
            // `remove`: a repeat inside the batch finds the id gone and is a duplicate.
            if inserted.remove(id) {
                out.accepted.push(id.to_owned());
            } else {
                out.duplicate.push(id.to_owned());
            }
        }
        out
    }
}

/// How far a reader has read the compute records of the store: what lets an instance's engine
/// follow the records other processes write (issue 9). The positions are the backend's, only
/// ever passed back to it, compared, or combined with [`ComputeCursor::earliest`] and
/// [`ComputeCursor::latest`]: SQLite's are the last `seq` read of each table; PostgreSQL's are
/// both the `xmin` of a snapshot taken before the read (see `store-postgres/src/usage.rs`).
/// Either way a cursor says "every record before this position has been returned", so a larger
/// position never misses more than a smaller one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ComputeCursor {
    /// The position in `usage_records`.
    pub usage: i64,
    /// The position in `reservations`.
    pub reservation: i64,
}

impl ComputeCursor {
    /// The cursor that reads everything either `self` or `other` would read.
    #[must_use]
    pub fn earliest(self, other: Self) -> Self {
        Self {
            usage: self.usage.min(other.usage),
            reservation: self.reservation.min(other.reservation),
        }
    }

    /// The cursor of two reads that both covered a reader's records: each says every record
    /// before it was returned, so the larger positions hold.
    #[must_use]
    pub fn latest(self, other: Self) -> Self {
        Self {
            usage: self.usage.max(other.usage),
            reservation: self.reservation.max(other.reservation),
        }
    }

    /// Whether a write mark ([`InsertOutcome::write`]) is behind both positions, so no read
    /// from this cursor returns its records again.
    pub fn is_past(&self, write: i64) -> bool {
        write < self.usage && write < self.reservation
    }
}

/// The compute records a read after a cursor found, and the cursor to read the next ones after.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ComputeChanges {
    /// Usage records, in insertion order.
    pub usage: Vec<StoredComputeRecord>,
    /// Reservations, in insertion order.
    pub reservations: Vec<StoredComputeRecord>,
    pub cursor: ComputeCursor,
}

/// The first item of each id, in batch order: what a multi-row insert may send (PostgreSQL
/// refuses a statement that would touch the same row twice).
pub fn first_occurrences<T>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<&T> {
    let mut seen = HashSet::with_capacity(items.len());
    items.iter().filter(|item| seen.insert(id(item))).collect()
}

#[async_trait]
pub trait UsageStore: Send + Sync {
    /// Inserts `records` for the scope's tenant in one transaction, with one `usage.ingest`
    /// audit event whose after-digest covers the accepted ids (none when nothing was new).
    async fn insert_compute_records(
        &self,
        scope: &TenantScope,
        kind: ComputeRecordKind,
        records: &[ComputeRecord],
        now: DateTime<Utc>,
    ) -> StoreResult<InsertOutcome>;

    /// Every record of `kind` of the tenants visible to the scope, in insertion order.
    async fn compute_records(
        &self,
        scope: &TenantScope,
        kind: ComputeRecordKind,
    ) -> StoreResult<Vec<StoredComputeRecord>>;

    /// The records of both kinds of the tenants visible to the scope that a reader at `since`
    /// has not been given (every record when `None`), in insertion order, with the cursor to
    /// pass next time. Records already given may come again (PostgreSQL re-reads a window behind
    /// the cursor, see there), so callers apply them idempotently, by id. Records written by the
    /// writes named in `skip` ([`InsertOutcome::write`] of the caller's own batches) are left
    /// out.
    async fn compute_changes(
        &self,
        scope: &TenantScope,
        since: Option<ComputeCursor>,
        skip: &[i64],
    ) -> StoreResult<ComputeChanges>;
}

/// The one audit event of a batch: the subject is the batch (named by the digest of its accepted
/// ids), the after-digest covers the ids themselves, so the chain proves which records arrived.
pub fn batch_event(kind: ComputeRecordKind, accepted: &[String]) -> crate::audit::NewAuditEvent {
    let digest = crate::audit::state_digest(&accepted);
    crate::audit::NewAuditEvent::new(
        USAGE_INGEST,
        kind.batch_subject(),
        digest,
        None::<&()>,
        Some(&accepted),
    )
}

/// The table a kind lives in (a fixed name, never user input).
pub fn table(kind: ComputeRecordKind) -> &'static str {
    match kind {
        ComputeRecordKind::Usage => "usage_records",
        ComputeRecordKind::Reservation => "reservations",
    }
}

//! Records retention (rule-pack `[records]`): customers whose retention period has run out are
//! crypto-shredded, unless a legal hold stops it.
//!
//! A purge empties the customer's sealed columns (`personal_ct`, `reasons_ct`) and the
//! idempotency blind index, deletes the dependent rows that hold its personal data (documents,
//! lookups, verification evidence, ownership structure, screening notes, the access log of its
//! accounts) and stamps `purged_at`. The row and its id stay, so cases and the audit chain keep
//! pointing at something; the `customer.purge` audit event digests a [`PurgeReceipt`] of ids and
//! counts, never a purged value, so every chain still verifies.
//!
//! Expiry is decided by the database from plaintext instants: `closed_at` (kept by a trigger of
//! migration 0016 from the row's `updated_at`, the application's clock) and the newest access
//! event of the customer's accounts. The purge re-checks expiry and holds in its transaction, so
//! a hold placed while the job runs still wins.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use serde::Serialize;
use uuid::Uuid;

use crate::audit::NewAuditEvent;
use crate::crypto::{Aad, KeyRing};
use crate::customers::{CUSTOMER_SUBJECT, CustomerId};
use crate::{StoreError, StoreResult, TenantScope};

pub const CUSTOMER_PURGE: &str = "customer.purge";
pub const LEGAL_HOLD_PLACE: &str = "legal_hold.place";
pub const LEGAL_HOLD_RELEASE: &str = "legal_hold.release";
pub const LEGAL_HOLD_SUBJECT: &str = "legal_hold";
pub const LEGAL_HOLDS_TABLE: &str = "legal_holds";

/// Longest hold or release reason accepted, in characters.
pub const MAX_REASON: usize = 2000;

/// Which closed customers have run out of retention. `None` leaves that anchor unchecked (the
/// pack may anchor retention on closure alone or on last access alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionQuery {
    /// Closed strictly before this instant.
    pub closed_before: Option<DateTime<Utc>>,
    /// No access to any of the customer's accounts at or after this instant.
    pub last_access_before: Option<DateTime<Utc>>,
}

/// A customer whose retention has run out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExpiredCustomer {
    pub id: CustomerId,
    pub tenant: TenantId,
    pub closed_at: DateTime<Utc>,
    pub last_access: Option<DateTime<Utc>>,
}

/// What a purge removed: ids and counts only, so its digest in the audit chain proves what was
/// shredded without keeping any of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurgeReceipt {
    pub customer: CustomerId,
    pub tenant: TenantId,
    pub purged_at: DateTime<Utc>,
    pub documents: Vec<String>,
    pub lookups: u64,
    pub verifications: u64,
    pub ownership_structures: u64,
    pub screening_dispositions: u64,
    pub access_events: u64,
}

/// A legal hold, opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegalHold {
    pub id: Uuid,
    pub tenant: TenantId,
    pub customer: CustomerId,
    pub reason: String,
    pub placed_by: String,
    pub placed_at: DateTime<Utc>,
    pub released_by: Option<String>,
    pub released_at: Option<DateTime<Utc>>,
    pub release_reason: Option<String>,
}

/// Counts over the tenants a scope sees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RetentionCounts {
    /// Expired and not held: what the next run purges.
    pub due: u64,
    /// Customers under a hold in force (purged or not).
    pub held: u64,
    pub purged: u64,
}

/// One customer's retention state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerRetention {
    pub customer: CustomerId,
    pub tenant: TenantId,
    pub closed_at: Option<DateTime<Utc>>,
    pub last_access: Option<DateTime<Utc>>,
    pub purged_at: Option<DateTime<Utc>>,
    pub hold: Option<LegalHold>,
}

#[async_trait]
pub trait RetentionStore: Send + Sync {
    /// Expired, unpurged, unheld customers of the tenants the scope sees, in id order, after
    /// `after`, at most `limit`.
    async fn expired_customers(
        &self,
        scope: &TenantScope,
        query: RetentionQuery,
        after: Option<CustomerId>,
        limit: u32,
    ) -> StoreResult<Vec<ExpiredCustomer>>;
    /// Crypto-shreds one customer with one `customer.purge` event, in one transaction.
    /// `Conflict` when it is held, already purged or not expired under `query`.
    async fn purge_customer(
        &self,
        scope: &TenantScope,
        id: CustomerId,
        query: RetentionQuery,
        now: DateTime<Utc>,
    ) -> StoreResult<PurgeReceipt>;
    /// Places a hold with one `legal_hold.place` event; `Conflict` when one is in force or the
    /// customer was purged.
    async fn place_legal_hold(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<LegalHold>;
    /// Releases the hold in force with one `legal_hold.release` event; `NotFound` when none.
    async fn release_legal_hold(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<LegalHold>;
    async fn retention_counts(
        &self,
        scope: &TenantScope,
        query: RetentionQuery,
    ) -> StoreResult<RetentionCounts>;
    /// Reads only plaintext columns and the hold, so it answers for purged customers too.
    async fn customer_retention(
        &self,
        scope: &TenantScope,
        id: CustomerId,
    ) -> StoreResult<CustomerRetention>;
    /// The holds in force over the tenants the scope sees, oldest first, at most `limit`.
    async fn legal_holds(&self, scope: &TenantScope, limit: u32) -> StoreResult<Vec<LegalHold>>;
    /// Run after purges have committed, outside any transaction: makes the old versions of the
    /// purged rows unreachable, so the shredded ciphertext does not linger in the database's
    /// files. PostgreSQL vacuums the tables a purge touches (its updates and deletes leave dead
    /// row versions until then); SQLite, which zeroes deleted cells as it purges
    /// (`secure_delete`), folds its write-ahead log back into the file.
    async fn reclaim_purged_space(&self) -> StoreResult<()>;
}

/// The tables a purge updates or deletes from: what [`RetentionStore::reclaim_purged_space`]
/// vacuums.
pub const PURGED_TABLES: [&str; 7] = [
    "customers",
    "documents",
    "access_events",
    "customer_lookups",
    "customer_verifications",
    "ownership_structures",
    "screening_dispositions",
];

fn reason_aad<'a>(tenant: TenantId, row: &'a str, column: &'a str) -> Aad<'a> {
    Aad {
        tenant,
        table: LEGAL_HOLDS_TABLE,
        row,
        column,
    }
}

/// The ciphertext of a hold's `reason` or `release_reason` column.
pub fn seal_reason(
    ring: &KeyRing,
    tenant: TenantId,
    hold: Uuid,
    column: &str,
    reason: &str,
) -> StoreResult<Vec<u8>> {
    ring.encrypt_str(reason, reason_aad(tenant, &hold.to_string(), column))
}

/// The plaintext of a sealed reason column.
pub fn open_reason(
    ring: &KeyRing,
    tenant: TenantId,
    hold: Uuid,
    column: &str,
    ciphertext: &[u8],
) -> StoreResult<String> {
    ring.decrypt_str(ciphertext, reason_aad(tenant, &hold.to_string(), column))
}

/// Why a customer could not be purged, from the facts a backend read in the transaction.
pub fn refusal(purged: bool, held: bool) -> StoreError {
    StoreError::Conflict(if purged {
        "the customer was already purged".into()
    } else if held {
        "the customer is under a legal hold".into()
    } else {
        "the customer's retention period has not run out".into()
    })
}

/// What reading a purged customer answers: a clear refusal, never a failure to decrypt.
pub fn purged(id: CustomerId) -> StoreError {
    StoreError::Conflict(format!(
        "customer {id} was purged under records retention; its personal data no longer exists"
    ))
}

/// The audit event of a purge: the digest of its receipt (ids and counts only).
pub fn purge_event(receipt: &PurgeReceipt) -> NewAuditEvent {
    NewAuditEvent::new(
        CUSTOMER_PURGE,
        CUSTOMER_SUBJECT,
        receipt.customer,
        None::<&()>,
        Some(receipt),
    )
}

/// The audit event of a hold placed (before `None`) or released (before the hold in force).
pub fn hold_event(before: Option<&LegalHold>, after: &LegalHold) -> NewAuditEvent {
    let action = if before.is_some() {
        LEGAL_HOLD_RELEASE
    } else {
        LEGAL_HOLD_PLACE
    };
    NewAuditEvent::new(action, LEGAL_HOLD_SUBJECT, after.id, before, Some(after))
}

//! Screening dispositions (issue 4, continuous screening): an officer's decision that a
//! customer is not a given list entity, remembered so the same hit is not raised again.
//!
//! A disposition is keyed by customer, list and list entity id, and records the hash of the
//! entity's record it was made against: when the list publishes a changed record for the entity,
//! the hash no longer matches and the hit is raised again. A later decision on the same key
//! replaces the earlier one (both stay in the audit chain). The officer's note may name people,
//! so it is sealed (associated data tenant / `screening_dispositions` / row / `note`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use serde::{Deserialize, Serialize};

use crate::crypto::{Aad, KeyRing};
use crate::customers::{CustomerId, enum_text, parse_enum};
use crate::{StoreResult, TenantScope};

/// The audit action of a recorded disposition.
pub const SCREENING_DISPOSITION: &str = "screening.disposition";
pub const DISPOSITION_SUBJECT: &str = "screening_disposition";
/// The table whose rows the sealed note is bound to.
pub const DISPOSITIONS_TABLE: &str = "screening_dispositions";

/// What the officer decided about a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DispositionDecision {
    /// The customer (or its owner) is not the list entity: a false positive.
    NotThisEntity,
}

/// A disposition to record for a customer visible to the scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDisposition {
    pub customer: CustomerId,
    pub list: String,
    pub entity_id: String,
    /// The hash of the entity's record the decision was made against.
    pub entity_hash: String,
    pub decision: DispositionDecision,
    /// Why, in the officer's words.
    pub note: String,
}

/// A stored disposition, opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningDisposition {
    pub customer: CustomerId,
    pub tenant: TenantId,
    pub list: String,
    pub entity_id: String,
    pub entity_hash: String,
    pub decision: DispositionDecision,
    pub note: String,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
}

impl ScreeningDisposition {
    /// Whether this disposition covers the entity's record with `entity_hash`.
    pub fn covers(&self, list: &str, entity_id: &str, entity_hash: &str) -> bool {
        self.list == list && self.entity_id == entity_id && self.entity_hash == entity_hash
    }
}

#[async_trait]
pub trait ScreeningDispositionStore: Send + Sync {
    /// Records (or replaces) the disposition of `new.customer` and the entity, with its audit
    /// event, in one transaction; `NotFound` when the customer is not visible to the scope.
    async fn record_screening_disposition(
        &self,
        scope: &TenantScope,
        new: NewDisposition,
        now: DateTime<Utc>,
    ) -> StoreResult<ScreeningDisposition>;
    /// The dispositions of a customer visible to the scope, by list and entity id; `NotFound`
    /// when the customer is not visible.
    async fn screening_dispositions(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
    ) -> StoreResult<Vec<ScreeningDisposition>>;
}

/// The row key the sealed note is bound to.
pub fn disposition_row(customer: CustomerId, list: &str, entity_id: &str) -> String {
    format!("{customer}/{list}/{entity_id}")
}

fn note_aad<'a>(tenant: TenantId, row: &'a str) -> Aad<'a> {
    Aad {
        tenant,
        table: DISPOSITIONS_TABLE,
        row,
        column: "note",
    }
}

/// The note's ciphertext for the disposition's row.
pub fn seal_note(ring: &KeyRing, tenant: TenantId, new: &NewDisposition) -> StoreResult<Vec<u8>> {
    let row = disposition_row(new.customer, &new.list, &new.entity_id);
    ring.encrypt_str(&new.note, note_aad(tenant, &row))
}

/// The opened note of a stored row.
pub fn open_note(
    ring: &KeyRing,
    tenant: TenantId,
    customer: CustomerId,
    list: &str,
    entity_id: &str,
    note_ct: &[u8],
) -> StoreResult<String> {
    let row = disposition_row(customer, list, entity_id);
    ring.decrypt_str(note_ct, note_aad(tenant, &row))
}

pub fn decision_text(decision: DispositionDecision) -> StoreResult<String> {
    enum_text(&decision)
}

pub fn parse_decision(text: &str) -> StoreResult<DispositionDecision> {
    parse_enum("decision", text)
}

/// The audit event of a recorded disposition (the note enters only as part of the digest).
pub fn recorded_event(
    before: Option<&ScreeningDisposition>,
    after: &ScreeningDisposition,
) -> crate::audit::NewAuditEvent {
    crate::audit::NewAuditEvent::new(
        SCREENING_DISPOSITION,
        DISPOSITION_SUBJECT,
        disposition_row(after.customer, &after.list, &after.entity_id),
        before,
        Some(after),
    )
}

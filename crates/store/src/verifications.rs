//! A customer's verification history: vendor verdicts (with the vendor's evidence reference),
//! officer overrides (applied at once or waiting for a second officer), and the checks of each
//! decision. The evidence is sealed whole (`evidence_ct`): an officer's reason or a check's
//! detail may quote what the customer submitted. Plaintext columns hold only the kind, the
//! state, who requested and decided, and the vendor's event id (for deduplication).

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_domain::cip::CheckResult;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::crypto::{Aad, KeyRing};
use crate::customers::{AccountAccess, CipStatus, CustomerId};
use crate::{StoreError, StoreResult, TenantScope};

/// The table the sealed evidence is bound to.
pub const VERIFICATIONS_TABLE: &str = "customer_verifications";
/// The audit subject kind of verification records.
pub const VERIFICATION_SUBJECT: &str = "verification";
/// Audit actions of [`VerificationStore`] writes (changes made with a customer change are
/// audited once, under the change's action).
pub const VERIFICATION_RECORD: &str = "verification.record";
pub const VERIFICATION_REQUEST: &str = "verification.request";
pub const VERIFICATION_REJECT: &str = "verification.reject";

/// A verification record (UUID v7, so ids sort by creation time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VerificationId(Uuid);

impl VerificationId {
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    pub const fn as_uuid(&self) -> &Uuid {
        &self.0
    }

    pub const fn from_uuid(id: Uuid) -> Self {
        Self(id)
    }
}

impl Default for VerificationId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for VerificationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for VerificationId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

/// A verification vendor's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VendorVerdict {
    Pass,
    Fail,
    Inconclusive,
}

/// What an officer decides in an override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfficerDecision {
    Verified,
    Failed,
}

/// The evidence of one record. Sealed whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// A vendor's verdict and the vendor's reference for its evidence.
    Vendor {
        vendor: String,
        verdict: VendorVerdict,
        reference: String,
    },
    /// An officer's override and why.
    Override {
        decision: OfficerDecision,
        reason: String,
    },
    /// A decision made about the customer and the checks it ran.
    Decision {
        /// The audit action of the change that made it (`customer.resubmit`, ...).
        action: String,
        cip_status: CipStatus,
        account_access: AccountAccess,
        checks: Vec<CheckResult>,
    },
}

impl Evidence {
    /// The plaintext `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Evidence::Vendor { .. } => "vendor",
            Evidence::Override { .. } => "override",
            Evidence::Decision { .. } => "decision",
        }
    }
}

/// Where a record stands. Evidence is `recorded`; an override is `applied`, or `pending` until a
/// second officer applies or rejects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationState {
    Recorded,
    Pending,
    Applied,
    Rejected,
}

/// A record to write.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVerification {
    pub customer: CustomerId,
    pub evidence: Evidence,
    pub state: VerificationState,
    /// The vendor's event id; a second record with the same id is a `Conflict`.
    pub event_id: Option<String>,
}

/// A stored record, opened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    pub id: VerificationId,
    pub tenant: TenantId,
    pub customer: CustomerId,
    pub evidence: Evidence,
    pub state: VerificationState,
    pub event_id: Option<String>,
    /// The audit name of the actor who recorded or requested it.
    pub requested_by: String,
    /// Who applied or rejected it (a pending request has none).
    pub decided_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait VerificationStore: Send + Sync {
    /// Records evidence or a pending request for a customer visible to the scope, with one
    /// audit event (`verification.request` for a pending record, `verification.record`
    /// otherwise). A taken vendor event id is a `Conflict` and writes nothing.
    async fn record_verification(
        &self,
        scope: &TenantScope,
        new: NewVerification,
        now: DateTime<Utc>,
    ) -> StoreResult<Verification>;
    /// Rejects a pending request (one `verification.reject` event); `Conflict` when it is not
    /// pending, `NotFound` when it is not this customer's.
    async fn reject_verification(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        id: VerificationId,
        now: DateTime<Utc>,
    ) -> StoreResult<Verification>;
    /// One record of a customer visible to the scope.
    async fn verification(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        id: VerificationId,
    ) -> StoreResult<Verification>;
    /// A customer's records, oldest first; `NotFound` for a customer the scope cannot see.
    async fn verifications(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
    ) -> StoreResult<Vec<Verification>>;
    /// The record made for a vendor event id, among the scope's tenants.
    async fn verification_by_event(
        &self,
        scope: &TenantScope,
        event_id: &str,
    ) -> StoreResult<Option<Verification>>;
}

fn aad(tenant: TenantId, row: &str) -> Aad<'_> {
    Aad {
        tenant,
        table: VERIFICATIONS_TABLE,
        row,
        column: "evidence",
    }
}

/// The text a state is stored as.
pub fn state_text(state: VerificationState) -> &'static str {
    match state {
        VerificationState::Recorded => "recorded",
        VerificationState::Pending => "pending",
        VerificationState::Applied => "applied",
        VerificationState::Rejected => "rejected",
    }
}

/// Seals a record's evidence for row `id` of `tenant`.
pub fn seal_evidence(
    ring: &KeyRing,
    tenant: TenantId,
    id: VerificationId,
    evidence: &Evidence,
) -> StoreResult<Vec<u8>> {
    let plain =
        serde_json::to_vec(evidence).map_err(|e| StoreError::Corrupt(format!("evidence: {e}")))?;
    ring.encrypt(&plain, aad(tenant, &id.to_string()))
}

/// A verification row as read back, before opening.
#[derive(Debug)]
pub struct VerificationRow {
    pub id: VerificationId,
    pub tenant: TenantId,
    pub customer: CustomerId,
    pub state: String,
    pub event_id: Option<String>,
    pub evidence_ct: Vec<u8>,
    pub requested_by: String,
    pub decided_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl VerificationRow {
    pub fn open(self, ring: &KeyRing) -> StoreResult<Verification> {
        let plain = ring.decrypt(&self.evidence_ct, aad(self.tenant, &self.id.to_string()))?;
        Ok(Verification {
            id: self.id,
            tenant: self.tenant,
            customer: self.customer,
            evidence: serde_json::from_slice(&plain)
                .map_err(|e| StoreError::Corrupt(format!("evidence: {e}")))?,
            state: crate::customers::parse_enum("state", &self.state)?,
            event_id: self.event_id,
            requested_by: self.requested_by,
            decided_by: self.decided_by,
            created_at: self.created_at,
            decided_at: self.decided_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_stored_as_their_serde_names() {
        for state in [
            VerificationState::Recorded,
            VerificationState::Pending,
            VerificationState::Applied,
            VerificationState::Rejected,
        ] {
            assert_eq!(
                crate::customers::enum_text(&state).ok().as_deref(),
                Some(state_text(state))
            );
        }
    }
}

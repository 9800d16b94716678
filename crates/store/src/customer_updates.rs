//! Changing a stored customer's decision after onboarding.
//!
//! A [`CustomerChange`] replaces, in one transaction, the decision columns, the sealed personal
//! document and reasons, the blind-index lookups and (optionally) the accounts; it can record
//! verification evidence and apply a pending four-eyes request; it appends ONE audit event
//! (`action`, before/after digests of the customer) and enqueues its jobs (for example the
//! `webhook.account_access` notification). It is refused with `Conflict` when the customer's
//! `updated_at` is no longer `expected_updated_at`: someone else changed it since it was read.

use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;

use crate::crypto::{Aad, KeyRing};
use crate::customers::{CUSTOMERS_TABLE, CustomerDecision, CustomerId, Lookup, enum_text};
use crate::jobs::NewJob;
use crate::verifications::{NewVerification, VerificationId};
use crate::{StoreError, StoreResult};

/// A change of a stored customer (see the module documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerChange {
    pub decision: CustomerDecision,
    /// The customer's validated document, sealed whole (replaces the stored one).
    pub personal: serde_json::Value,
    /// Replace the customer's lookups.
    pub lookups: Vec<Lookup>,
    /// `Some`: replace the customer's accounts (an account of another customer is `Conflict`);
    /// `None`: keep them.
    pub accounts: Option<Vec<String>>,
    /// The audit action of the change, e.g. `customer.override`.
    pub action: String,
    /// The `updated_at` the caller read; the change is refused when it moved.
    pub expected_updated_at: DateTime<Utc>,
    /// Enqueued in the same transaction, for the customer's tenant.
    pub jobs: Vec<NewJob>,
    /// Evidence recorded with the change (for the changed customer).
    pub verifications: Vec<NewVerification>,
    /// A pending request this change applies; the scope's actor becomes its approver and must
    /// not be its requester.
    pub applies: Option<VerificationId>,
    /// A new ownership structure written in the same transaction (its own audit event first).
    pub ownership: Option<crate::ownership::OwnershipReplacement>,
}

impl CustomerChange {
    /// A change with no accounts replaced, no jobs, no evidence and nothing applied.
    pub fn new(
        action: impl Into<String>,
        decision: CustomerDecision,
        personal: serde_json::Value,
        lookups: Vec<Lookup>,
        expected_updated_at: DateTime<Utc>,
    ) -> Self {
        Self {
            decision,
            personal,
            lookups,
            accounts: None,
            action: action.into(),
            expected_updated_at,
            jobs: Vec::new(),
            verifications: Vec::new(),
            applies: None,
            ownership: None,
        }
    }
}

/// The decision columns of a customer row and its sealed documents, built the same way by
/// creation and by changes (both backends).
#[derive(Debug)]
pub struct DecisionColumns {
    pub person_status: String,
    pub cip_status: String,
    pub account_access: String,
    pub risk_tier: String,
    pub reasons_ct: Vec<u8>,
    pub personal_ct: Vec<u8>,
}

impl DecisionColumns {
    /// Seals the reasons and the personal document for row `id` of `tenant` (associated data
    /// tenant / `customers` / row / column, as `CustomerRow::open` expects).
    pub fn seal(
        ring: &KeyRing,
        tenant: TenantId,
        id: CustomerId,
        decision: &CustomerDecision,
        personal: &serde_json::Value,
    ) -> StoreResult<Self> {
        let row = id.to_string();
        let aad = |column| Aad {
            tenant,
            table: CUSTOMERS_TABLE,
            row: &row,
            column,
        };
        let reasons = serde_json::to_vec(&decision.reasons)
            .map_err(|e| StoreError::Corrupt(format!("reasons: {e}")))?;
        let personal = serde_json::to_vec(personal)
            .map_err(|e| StoreError::Corrupt(format!("personal: {e}")))?;
        Ok(Self {
            person_status: enum_text(&decision.person_status)?,
            cip_status: enum_text(&decision.cip_status)?,
            account_access: enum_text(&decision.account_access)?,
            risk_tier: decision.risk_tier.key().to_owned(),
            reasons_ct: ring.encrypt(&reasons, aad("reasons"))?,
            personal_ct: ring.encrypt(&personal, aad("personal"))?,
        })
    }
}

/// The `updated_at` a change writes: `now`, but always after the previous one, so that two
/// changes made at the same instant (a stopped clock, a coarse one) still differ and the second
/// of two racing writers is refused.
pub fn next_updated_at(now: DateTime<Utc>, previous: DateTime<Utc>) -> DateTime<Utc> {
    let now = crate::audit::truncate_to_micros(now);
    if now > previous {
        now
    } else {
        previous + chrono::Duration::microseconds(1)
    }
}

/// The refusal of a change whose customer moved since it was read.
pub fn stale(id: CustomerId) -> StoreError {
    StoreError::Conflict(format!(
        "customer {id} was changed by someone else since it was read; read it again and retry"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn updated_at_always_moves_forward() {
        let t = Utc
            .timestamp_opt(1_700_000_000, 5_000)
            .single()
            .unwrap_or_default();
        assert_eq!(next_updated_at(t, t), t + chrono::Duration::microseconds(1));
        let later = t + chrono::Duration::seconds(3);
        assert_eq!(next_updated_at(later, t), later);
        assert_eq!(
            next_updated_at(t - chrono::Duration::seconds(1), t),
            t + chrono::Duration::microseconds(1)
        );
    }
}

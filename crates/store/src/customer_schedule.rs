//! The schedule of the ongoing CIP duties: which customers are due for periodic re-verification
//! and which have been pending too long, found without opening a single sealed column.
//!
//! Two plaintext instants on the customer row record when its CIP status last changed state:
//! `verified_at` (the last decision that said `verified`) and `pending_since` (when the current
//! run of `pending` decisions began). The database keeps them (migration 0007 adds triggers on
//! `UPDATE OF cip_status, updated_at`) from the row's own `cip_status` and `updated_at`, so every
//! writer (onboarding, changes, any later bulk path) keeps them right without knowing about them,
//! and they follow the application's clock (tests move a `ManualClock`), never the database's.
//! A row never updated since it was created leaves them `NULL`, which reads as "since
//! `created_at`": onboarding, the hot path, pays nothing for the schedule.
//!
//! The intervals are not stored: they come from the rule pack in force when the sweep runs, as
//! per-tier cutoffs in a [`DueQuery`], so a new pack applies to customers verified before it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_domain::rule_pack::RiskTier;
use serde::Serialize;

use crate::customers::CustomerId;
use crate::{StoreResult, TenantScope};

/// Which customers a sweep wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueQuery {
    /// Verified customers of `tier` whose last verification is at or before the instant are due
    /// for re-verification. Tiers not listed are never due.
    pub verified_before: Vec<(RiskTier, DateTime<Utc>)>,
    /// Customers pending since at or before this instant have been pending too long; `None`
    /// asks for none of them.
    pub pending_before: Option<DateTime<Utc>>,
    /// Only customers with an id greater than this (a sweep's cursor).
    pub after: Option<CustomerId>,
    /// At most this many, in id order.
    pub limit: u32,
}

/// Why a customer is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "duty", rename_all = "snake_case")]
pub enum Duty {
    /// Verified at `verified_at` at `tier`; the tier's interval has run out.
    Reverify {
        tier: RiskTier,
        verified_at: DateTime<Utc>,
    },
    /// Pending since `since`, longer than the pack allows.
    PendingTooLong { since: DateTime<Utc> },
}

/// A customer a sweep must act on: ids and plaintext columns only, nothing opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DueCustomer {
    pub id: CustomerId,
    pub tenant: TenantId,
    pub duty: Duty,
}

#[async_trait]
pub trait CustomerScheduleStore: Send + Sync {
    /// Customers of the tenants visible to the scope that `query` says are due, in id order.
    /// Reads only plaintext, indexed columns (no decryption).
    async fn customers_due(
        &self,
        scope: &TenantScope,
        query: &DueQuery,
    ) -> StoreResult<Vec<DueCustomer>>;
}

/// The plaintext columns a backend reads for [`CustomerScheduleStore::customers_due`], turned
/// into a [`DueCustomer`] the same way by both backends.
#[derive(Debug)]
pub struct DueRow {
    pub id: CustomerId,
    pub tenant: TenantId,
    pub cip_status: String,
    pub risk_tier: String,
    /// `COALESCE(verified_at, created_at)` or `COALESCE(pending_since, created_at)`, by status.
    pub since: DateTime<Utc>,
}

impl DueRow {
    pub fn into_due(self) -> StoreResult<DueCustomer> {
        let duty = match self.cip_status.as_str() {
            "verified" => Duty::Reverify {
                tier: crate::customers::parse_enum("risk_tier", &self.risk_tier)?,
                verified_at: self.since,
            },
            "pending" => Duty::PendingTooLong { since: self.since },
            other => {
                return Err(crate::StoreError::Corrupt(format!(
                    "customer {} is due with status {other:?}",
                    self.id
                )));
            }
        };
        Ok(DueCustomer {
            id: self.id,
            tenant: self.tenant,
            duty,
        })
    }
}

impl DueQuery {
    /// The cutoff for `tier`, if the tier is asked for.
    pub fn verified_cutoff(&self, tier: RiskTier) -> Option<DateTime<Utc>> {
        self.verified_before
            .iter()
            .find(|(t, _)| *t == tier)
            .map(|(_, at)| *at)
    }
}

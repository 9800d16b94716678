//! The notice that a customer's `account_access` changed, which the provider's platform must
//! hear about (issue 3, item 5).
//!
//! It travels as a job of kind [`ACCESS_CHANGED_JOB`], enqueued in the same transaction as the
//! customer update that changed the access (a transactional outbox): the change and its notice
//! are stored together or not at all, and the webhook job delivers it, retrying with backoff.

use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::customers::{AccountAccess, CipStatus, CustomerId};
use cloudkyc_store::jobs::NewJob;
use serde::{Deserialize, Serialize};

/// The job kind whose handler delivers [`AccessChange`]s to the tenant's webhook endpoints.
pub const ACCESS_CHANGED_JOB: &str = "webhook.account_access";

/// What changed, as the webhook body carries it. No personal data: ids and statuses only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessChange {
    pub tenant: TenantId,
    pub customer: CustomerId,
    /// The provider's account ids of the customer, so the platform can act without a lookup.
    pub accounts: Vec<String>,
    pub from: AccountAccess,
    pub to: AccountAccess,
    pub cip_status: CipStatus,
    /// The audit action of the change (`customer.override`, `customer.resubmit`, ...).
    pub cause: String,
    pub at: DateTime<Utc>,
}

impl AccessChange {
    /// The outbox job that delivers this change; `None` when the access did not change.
    pub fn job(&self) -> Option<NewJob> {
        (self.from != self.to).then(|| NewJob {
            kind: ACCESS_CHANGED_JOB.to_owned(),
            payload: serde_json::to_value(self).unwrap_or_default(),
            run_at: self.at,
            dedupe_key: None,
            queued_key: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(to: AccountAccess) -> AccessChange {
        AccessChange {
            tenant: TenantId::new(),
            customer: CustomerId::new(),
            accounts: vec!["acct-1".into()],
            from: AccountAccess::Restricted,
            to,
            cip_status: CipStatus::Verified,
            cause: "customer.override".into(),
            at: Utc::now(),
        }
    }

    #[test]
    fn only_a_real_change_makes_a_job_and_its_payload_round_trips() {
        assert!(change(AccountAccess::Restricted).job().is_none());
        let full = change(AccountAccess::Full);
        let job = full.job().expect("a change makes a job");
        assert_eq!(job.kind, ACCESS_CHANGED_JOB);
        let back: AccessChange = serde_json::from_value(job.payload).expect("round trip");
        assert_eq!(back, full);
    }
}

//! Deciding a stored customer again: the building block of every change after onboarding
//! (officer overrides, vendor verdicts, resubmissions, owner changes, re-verification,
//! re-determination).
//!
//! `App::redecide` re-runs determination, risk, verification and screening exactly as
//! onboarding does (`decision.rs`), with the customer's verification history (vendor verdicts,
//! applied overrides) plus the evidence the change brings, and stores the result through
//! `CustomerStore::update_customer`: one transaction with the new decision, the evidence, a
//! `decision` record holding the checks run, one audit event under the change's action, and the
//! `webhook.account_access` job when `account_access` changed. The change is refused with
//! `Conflict` when the customer changed since `current` was read.

use cloudkyc_domain::TenantKind;
use cloudkyc_domain::cip::{CountryCode, ValidatedCustomer};
use cloudkyc_store::TenantScope;
use cloudkyc_store::customer_updates::CustomerChange;
use cloudkyc_store::customers::AccountAccess;
use cloudkyc_store::ownership::OwnershipReplacement;
use cloudkyc_store::verifications::{
    Evidence, NewVerification, Verification, VerificationId, VerificationState,
};

use super::decision::DecisionEvidence;
use super::{AccessChange, CustomerRecord, lookups, record};
use crate::{App, AppError, AppResult};

/// What a redecision is about and what it brings (see `App::redecide`).
#[derive(Debug, Clone, PartialEq)]
pub struct Redecision {
    /// The audit action of the change, e.g. `customer.override`.
    pub action: String,
    /// Why, in words; the first reason of the new decision. No personal data beyond what the
    /// reasons already hold (they are sealed).
    pub cause: String,
    /// The customer's new data (a resubmission, an owner change); `None` keeps the stored data.
    pub customer: Option<ValidatedCustomer>,
    /// Replace the customer's accounts with the new data's account ids (a resubmission).
    pub replace_accounts: bool,
    /// The geolocated countries the customer's accounts were accessed from: callers fill it
    /// with `App::access_countries` (empty: none known).
    pub access_countries: Vec<CountryCode>,
    /// Evidence recorded with the change and taken into account with the stored history.
    pub evidence: Vec<NewVerification>,
    /// A pending four-eyes request the change applies; its override is taken into account and
    /// the scope's actor becomes its approver (who must not be its requester).
    pub applies: Option<VerificationId>,
    /// A new ownership structure stored with the change, in its transaction (an ownership
    /// submission); the decision takes its derived hits from it instead of the stored one.
    pub ownership: Option<OwnershipReplacement>,
}

impl Redecision {
    /// A redecision from the stored data with no new evidence.
    pub fn new(action: impl Into<String>, cause: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            cause: cause.into(),
            customer: None,
            replace_accounts: false,
            access_countries: Vec::new(),
            evidence: Vec::new(),
            applies: None,
            ownership: None,
        }
    }
}

impl App {
    /// Decides `current` again and stores the result (see the module documentation). Callers
    /// check permissions; `current` is the customer as read by the caller, whose `updated_at`
    /// guards the change.
    pub(crate) async fn redecide(
        &self,
        scope: &TenantScope,
        current: CustomerRecord,
        change: Redecision,
    ) -> AppResult<CustomerRecord> {
        let now = self.now();
        let pack = self.policy();
        let mut history = self.store().verifications(scope, current.id).await?;
        if let Some(request) = change.applies {
            // The request counts as applied by this change.
            let pending = history
                .iter_mut()
                .find(|v| v.id == request)
                .ok_or_else(|| AppError::NotFound("verification".into()))?;
            pending.state = VerificationState::Applied;
            pending.decided_by = Some(scope.actor().audit_name());
        }
        // New evidence weighs as if it were already stored, after the history.
        let actor = scope.actor().audit_name();
        history.extend(change.evidence.iter().map(|new| Verification {
            id: VerificationId::new(),
            tenant: current.tenant,
            customer: current.id,
            evidence: new.evidence.clone(),
            state: new.state,
            event_id: new.event_id.clone(),
            requested_by: actor.clone(),
            decided_by: Some(actor.clone()),
            created_at: now,
            decided_at: Some(now),
        }));
        let mut evidence =
            DecisionEvidence::from_history(change.access_countries.clone(), &history);
        evidence.ownership = match &change.ownership {
            Some(replacement) => self.structure_evidence(&replacement.structure).await?,
            None => self.ownership_evidence(scope, current.id).await?,
        };
        let tenant = self.store().tenant(scope, current.tenant).await?;
        let customer = change
            .customer
            .clone()
            .unwrap_or_else(|| current.customer.clone());
        let assessed = self
            .assess_customer(&customer, tenant.kind == TenantKind::Reseller, &evidence)
            .await?;
        let mut decision = assessed.decision(pack);
        // The actions of special measures in effect cap the access (issue 6).
        self.special_measure_cap(scope, current.id)
            .await?
            .apply(&mut decision);
        // So does the suspension of a terminated reseller's customers.
        if tenant.kind == TenantKind::Reseller
            && decision.account_access == AccountAccess::Full
            && let Some(reason) = self.reseller_suspension(current.tenant).await?
        {
            decision.account_access = AccountAccess::Restricted;
            decision.reasons.insert(0, reason);
        }
        decision.reasons.insert(0, change.cause.clone());
        let checks = Evidence::Decision {
            action: change.action.clone(),
            cip_status: decision.cip_status,
            account_access: decision.account_access,
            checks: assessed.outcome.checks.clone(),
        };
        let accounts: Vec<String> = customer
            .accounts
            .iter()
            .map(|a| a.external_id.as_str().to_owned())
            .collect();
        let notice = AccessChange {
            tenant: current.tenant,
            customer: current.id,
            accounts: if change.replace_accounts {
                accounts.clone()
            } else {
                current.accounts.clone()
            },
            from: current.decision.account_access,
            to: decision.account_access,
            cip_status: decision.cip_status,
            cause: change.action.clone(),
            at: now,
        };
        let sealed = assessed.sealed(customer);
        let personal = serde_json::to_value(&sealed)
            .map_err(|e| AppError::Internal(format!("customer does not encode: {e}")))?;
        let mut update = CustomerChange::new(
            change.action,
            decision,
            personal,
            lookups(&sealed.customer),
            current.updated_at,
        );
        update.accounts = change.replace_accounts.then_some(accounts);
        update.jobs = notice.job().into_iter().collect();
        update.verifications = change.evidence;
        update.verifications.push(NewVerification {
            customer: current.id,
            evidence: checks,
            state: VerificationState::Recorded,
            event_id: None,
        });
        update.applies = change.applies;
        update.ownership = change.ownership;
        // Hits the change brought open review cases (issue 4, continuous screening).
        update.jobs.extend(crate::rescreen::new_hits_job(
            current.id,
            current.screening.as_ref(),
            sealed.screening.as_ref(),
            now,
        ));
        let stored = self
            .store()
            .update_customer(scope, current.id, update, now)
            .await?;
        record(stored)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeZone;
    use cloudkyc_domain::cip::CustomerDraft;
    use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
    use cloudkyc_store::crypto::MasterKey;
    use cloudkyc_store::customers::CipStatus;
    use cloudkyc_store_sqlite::SqliteStore;
    use serde_json::json;

    use super::*;
    use crate::ManualClock;

    async fn app() -> App {
        let store = SqliteStore::open("sqlite::memory:", &MasterKey::generate())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let pack = RulePack::bundled(DEFAULT_PACK_ID).unwrap_or_else(|| panic!("bundled pack"));
        let start = chrono::Utc
            .with_ymd_and_hms(2026, 11, 1, 9, 0, 0)
            .single()
            .unwrap_or_default();
        App::new(
            Arc::new(store),
            Arc::new(ManualClock::new(start)),
            Arc::new(pack),
        )
        .with_screening_index(cloudkyc_screening::Index::build(&[]))
    }

    fn draft() -> CustomerDraft {
        serde_json::from_value(json!({
            "kind": "individual",
            "name": {"full": "Jo Example"},
            "date_of_birth": "1980-01-01",
            "nationalities": ["DE"],
            "addresses": [{"line1": "1 Main St", "city": "Berlin", "country": "DE"}],
            "emails": ["jo@example.com"],
            "phones": ["+49 30 901820"],
            "accounts": [{"external_id": "a-1", "payment_methods": [{"type": "card",
                "brand": "visa", "last4": "4242", "bin_country": "DE", "source": "customer"}]}],
            "beneficial_owners": []
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[tokio::test]
    async fn a_redecision_from_a_stale_read_is_a_conflict_and_writes_nothing() {
        let app = app().await;
        let scope = app
            .operator_scope("Test Cloud")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let onboarded = app
            .onboard_customer(&scope, draft(), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let read = onboarded.customer;
        assert_eq!(read.decision.cip_status, CipStatus::Pending);
        // Two officers read the same customer at the same instant; the first change lands.
        let first = app
            .redecide(
                &scope,
                read.clone(),
                Redecision::new("customer.test", "first"),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            first.decision.reasons.first().map(String::as_str),
            Some("first")
        );
        assert!(first.updated_at > read.updated_at);
        let second = app
            .redecide(&scope, read, Redecision::new("customer.test", "second"))
            .await;
        assert!(matches!(second, Err(AppError::Conflict(_))), "{second:?}");
        let stored = app
            .customer(&scope, first.id)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(stored, first);
        let history = app
            .verification_history(&scope, first.id)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            history.len(),
            1,
            "one decision record, from the first change"
        );
    }
}

//! What termination does to the reseller's customers: the pack's `downstream_on_termination`.
//!
//! - `suspend`: every customer of the reseller's tenant (and of its own sub-resellers) with
//!   `full` access is restricted through the customer update path, so the change is audited on
//!   the customer and the `webhook.account_access` notice reaches the provider's platform.
//!   Customers already `restricted`, `closed` or without access keep what they have.
//! - `migrate`: every customer moves into the reseller's parent tenant (the provider, or the
//!   reseller above it) with everything of it (`migration.rs`), then is decided again as a
//!   direct customer (CIP again, `customer.reseller_migrated`). A customer the parent cannot
//!   take (an account id or key already used there) stays where it is, is listed in
//!   `refused` with a review case, and is still decided again.
//!
//! The customers are listed with a system scope over the reseller's subtree (exactly its
//! customers) and changed with the caller's scope, so each change names who terminated. The
//! count is recorded on the reseller (`reseller.downstream`).
//!
//! Before the customers, every API key of the reseller's tenant (and of its sub-resellers) that
//! is not revoked yet is revoked (`key.revoke`, audited per key): the relationship is over, so
//! the reseller must not submit or read anything from the moment it ends.

use cloudkyc_domain::TenantId;
use cloudkyc_domain::reseller::ResellerStatus;
use cloudkyc_domain::rule_pack::DownstreamAction;
use cloudkyc_store::TenantScope;
use cloudkyc_store::customer_updates::CustomerChange;
use cloudkyc_store::customers::{AccountAccess, Customer, CustomerId};
use cloudkyc_store::resellers::{ResellerChange, ResellerRecord};
use serde::Serialize;

use super::migration::{Migration, MigrationRefusal};
use crate::customers::{AccessChange, Redecision, lookups, record};
use crate::{App, AppError, AppResult};

/// The audit actions of the customer changes termination makes.
pub const RESELLER_SUSPENDED: &str = "customer.reseller_suspended";
pub const RESELLER_MIGRATED: &str = "customer.reseller_migrated";

/// Customers read per page.
const PAGE: u32 = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DownstreamOutcome {
    pub action: DownstreamAction,
    /// Customers whose record changed (restricted, or decided again).
    pub changed: u32,
    /// Customers moved into the reseller's parent tenant (migrate only).
    pub migrated: u32,
    /// Customers the parent tenant could not take, left in place with a review case (migrate
    /// only).
    pub refused: Vec<MigrationRefusal>,
    /// Customers that already had no more than restricted access (suspend only).
    pub unchanged: u32,
    /// Customers whose change failed (logged with the customer id). The termination stands:
    /// an officer changes them by hand, which the count tells.
    pub failed: u32,
    /// API keys of the reseller's tenant (and its sub-resellers') revoked at termination.
    pub keys_revoked: u32,
    /// Keys whose revocation failed (logged with the key id): an operator revokes them by hand.
    pub keys_failed: u32,
}

impl App {
    /// Carries out the downstream rule for a terminated reseller; returns what it did and the
    /// reseller as recorded afterwards.
    pub(super) async fn carry_out_downstream(
        &self,
        scope: &TenantScope,
        reseller: &ResellerRecord,
    ) -> AppResult<(DownstreamOutcome, ResellerRecord)> {
        let ResellerStatus::Terminated { downstream, on, .. } = reseller.status else {
            return Err(AppError::Internal("downstream before termination".into()));
        };
        let listing = self
            .system_scope(Some(reseller.reseller_tenant), "resellers.downstream")
            .await?;
        let cause = match downstream {
            DownstreamAction::Suspend => format!(
                "reseller terminated on {on}: accounts suspended (access restricted) by the pack's rule"
            ),
            DownstreamAction::Migrate => format!(
                "reseller terminated on {on}: customer migrated to a direct relationship with the \
                 reseller's parent, CIP again"
            ),
        };
        let mut outcome = DownstreamOutcome {
            action: downstream,
            changed: 0,
            migrated: 0,
            refused: Vec::new(),
            unchanged: 0,
            failed: 0,
            keys_revoked: 0,
            keys_failed: 0,
        };
        self.revoke_reseller_keys(scope, &listing, &mut outcome)
            .await?;
        let mut after: Option<CustomerId> = None;
        loop {
            let page = self.store().customers(&listing, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for customer in page {
                let id = customer.id;
                // One customer's failure must not leave the others as they were: termination
                // is final, so the rule cannot be run again.
                let customer = match downstream {
                    DownstreamAction::Suspend => customer,
                    DownstreamAction::Migrate => {
                        match self
                            .migrate_downstream_customer(scope, reseller, &customer)
                            .await
                        {
                            Ok(Migration::Moved(moved)) => {
                                outcome.migrated += 1;
                                *moved
                            }
                            Ok(Migration::Refused(refusal)) => {
                                outcome.refused.push(refusal);
                                customer
                            }
                            Err(error) => {
                                outcome.failed += 1;
                                tracing::error!(customer = %id, %error,
                                    "reseller termination: migration failed");
                                continue;
                            }
                        }
                    }
                };
                match self
                    .downstream_one(scope, customer, downstream, &cause)
                    .await
                {
                    Ok(true) => outcome.changed += 1,
                    Ok(false) => outcome.unchanged += 1,
                    Err(error) => {
                        outcome.failed += 1;
                        tracing::error!(customer = %id, %error,
                            "reseller termination: downstream change failed");
                    }
                }
            }
        }
        if outcome.migrated > 0 {
            let mut tenants: Vec<TenantId> = listing.visible().to_vec();
            tenants.push(reseller.tenant);
            self.forget_compute_engines(&tenants).await;
        }
        let change = ResellerChange::Downstream {
            action: serde_json::to_value(downstream)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            customers: match downstream {
                DownstreamAction::Suspend => outcome.changed,
                DownstreamAction::Migrate => outcome.migrated,
            },
        };
        let record = self
            .store()
            .update_reseller(scope, reseller.id, change, reseller.updated_at, self.now())
            .await?;
        Ok((outcome, record))
    }

    /// Revokes the live keys `listing` (the reseller's subtree) sees. Each is revoked with the
    /// caller's scope when it reaches the key, so the audit names who terminated.
    async fn revoke_reseller_keys(
        &self,
        scope: &TenantScope,
        listing: &TenantScope,
        outcome: &mut DownstreamOutcome,
    ) -> AppResult<()> {
        for key in self.store().keys(listing).await? {
            if key.revoked_at.is_some() {
                continue;
            }
            let by = if scope.can_see(key.tenant) {
                scope
            } else {
                listing
            };
            match self.store().revoke_key(by, key.id, self.now()).await {
                Ok(_) => outcome.keys_revoked += 1,
                Err(error) => {
                    outcome.keys_failed += 1;
                    tracing::error!(key = %key.id, %error,
                        "reseller termination: key revocation failed");
                }
            }
        }
        Ok(())
    }

    /// Changes one customer; `false` when there was nothing to change. A customer changed by
    /// someone else meanwhile is read again once.
    async fn downstream_one(
        &self,
        scope: &TenantScope,
        customer: Customer,
        action: DownstreamAction,
        cause: &str,
    ) -> AppResult<bool> {
        let mut current = customer;
        for attempt in 0..2 {
            let result = match action {
                DownstreamAction::Suspend => self.suspend(scope, &current, cause).await,
                DownstreamAction::Migrate => {
                    let change = Redecision::new(RESELLER_MIGRATED, cause);
                    self.redecide(scope, record(current.clone())?, change)
                        .await
                        .map(|_| true)
                }
            };
            match result {
                Err(AppError::Conflict(_)) if attempt == 0 => {
                    current = self.store().customer(scope, current.id).await?;
                }
                other => return other,
            }
        }
        Ok(false)
    }

    async fn suspend(
        &self,
        scope: &TenantScope,
        stored: &Customer,
        cause: &str,
    ) -> AppResult<bool> {
        if stored.decision.account_access != AccountAccess::Full {
            return Ok(false);
        }
        let now = self.now();
        let current = record(stored.clone())?;
        let mut decision = stored.decision.clone();
        decision.account_access = AccountAccess::Restricted;
        decision.reasons.insert(0, cause.to_owned());
        let notice = AccessChange {
            tenant: stored.tenant,
            customer: stored.id,
            accounts: stored.accounts.clone(),
            from: stored.decision.account_access,
            to: decision.account_access,
            cip_status: decision.cip_status,
            cause: RESELLER_SUSPENDED.to_owned(),
            at: now,
        };
        let mut change = CustomerChange::new(
            RESELLER_SUSPENDED,
            decision,
            stored.personal.clone(),
            lookups(&current.customer),
            stored.updated_at,
        );
        change.jobs = notice.job().into_iter().collect();
        self.store()
            .update_customer(scope, stored.id, change, now)
            .await?;
        Ok(true)
    }
}

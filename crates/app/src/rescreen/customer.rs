//! Re-screening one customer after a list change: the cheap delta test first, the full screen
//! (and a redecision, when the hits changed) only for the customers it flags.

use std::collections::BTreeSet;

use cloudkyc_screening::Query;
use cloudkyc_store::TenantScope;

use super::delta::{DeltaScreen, EntityKey};
use super::hits::{RaiseHits, hit_keys};
use crate::customers::{CustomerRecord, Redecision, screen_customer, subject_requests};
use crate::screening::query_of;
use crate::{App, AppResult};

/// The audit action of a redecision caused by a list change.
pub const CUSTOMER_RESCREEN: &str = "customer.rescreen";

/// The queries a customer is screened with, each with its schema's threshold. A name the
/// engine refuses (it was validated at onboarding, so none should be) is skipped.
pub fn customer_queries(
    pack: &cloudkyc_domain::rule_pack::RulePack,
    customer: &CustomerRecord,
) -> Vec<(Query, f64)> {
    subject_requests(&customer.customer)
        .iter()
        .filter_map(|req| query_of(pack, req).ok())
        .collect()
}

impl App {
    /// Re-screens `customer` for the change `screen` describes; returns whether it was
    /// screened in full. A customer whose hits differ, or who hits a changed entity, is decided
    /// again (the decision names the new list versions) and its hits on changed records are
    /// raised again, subject to dispositions.
    pub(crate) async fn rescreen_customer(
        &self,
        scope: &TenantScope,
        customer: &CustomerRecord,
        screen: &DeltaScreen,
    ) -> AppResult<bool> {
        let pack = self.policy();
        let stored = hit_keys(customer.screening.as_ref());
        if !screen.needs_full_screen(&customer_queries(pack, customer), stored.iter()) {
            return Ok(false);
        }
        self.screen_in_full(scope, customer, screen).await?;
        Ok(true)
    }

    /// Screens `customer` in full against the index in force, its ownership structure's
    /// parties included, and decides it again when its hits differ or it hits an entity the
    /// change added or changed.
    pub(super) async fn screen_in_full(
        &self,
        scope: &TenantScope,
        customer: &CustomerRecord,
        screen: &DeltaScreen,
    ) -> AppResult<()> {
        let pack = self.policy();
        let stored = hit_keys(customer.screening.as_ref());
        let index = self.screening_index().load().await?;
        let mut screening = screen_customer(pack, &index, &customer.customer)?;
        // Parties of a stored ownership structure are screened with the decision too (issue 6).
        screening
            .hits
            .extend(self.ownership_evidence(scope, customer.id).await?.hits);
        let fresh = hit_keys(Some(&screening));
        let on_changed: BTreeSet<EntityKey> = fresh
            .iter()
            .filter(|k| screen.counts_as_changed(k))
            .cloned()
            .collect();
        if fresh == stored && on_changed.is_empty() {
            return Ok(());
        }
        self.redecide(
            scope,
            customer.clone(),
            Redecision::new(CUSTOMER_RESCREEN, "screening: the lists in force changed"),
        )
        .await?;
        // Hits new to the customer are raised by the redecision itself; a hit it already had on
        // an entity whose record changed is raised again here.
        let again: BTreeSet<EntityKey> = on_changed.intersection(&stored).cloned().collect();
        if !again.is_empty() {
            let job = RaiseHits {
                customer: customer.id,
                entities: again,
            }
            .job(self.now(), None);
            let tenant_scope = self
                .system_scope(Some(customer.tenant), CUSTOMER_RESCREEN)
                .await?;
            self.store().enqueue(&tenant_scope, job, self.now()).await?;
        }
        Ok(())
    }
}

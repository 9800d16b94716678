//! The second walk of a delta run: every stored ownership structure's parties. A customer's own
//! names and beneficial owners are tested in the customer walk; the other parties of its
//! structure (holding companies at any depth, minority individuals, controllers) are tested
//! here against the same small index of changed entities, and a customer with a candidate party
//! is screened in full, the structure included, and decided again when its hits differ (the
//! redecision raises or clears its derived hits with their ownership paths). Removed entities
//! need no walk of their own: derived hits are stored with the customer's screening, so the
//! customer walk's stored-hit test already finds them.

use cloudkyc_domain::rule_pack::RulePack;
use cloudkyc_screening::{Index, Query};
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::ownership::OwnershipStructure;

use super::delta::DeltaScreen;
use super::job::PAGE;
use crate::ownership::party_request;
use crate::screening::query_of;
use crate::{App, AppError, AppResult};

/// The queries a structure's parties are screened with, as the decision screens them. A name
/// the engine refuses (validated at submission, so none should be) is skipped.
pub(super) fn party_queries(pack: &RulePack, structure: &OwnershipStructure) -> Vec<(Query, f64)> {
    structure
        .parties
        .iter()
        .filter_map(|party| query_of(pack, &party_request(party)).ok())
        .collect()
}

impl App {
    /// Tests one page of stored structures (by customer id, after `after`); returns the cursor
    /// of the next page, if any, and how many customers were screened in full.
    pub(super) async fn rescreen_structures(
        &self,
        scope: &TenantScope,
        after: Option<CustomerId>,
        screen: &DeltaScreen,
        index: &Index,
    ) -> AppResult<(Option<CustomerId>, usize)> {
        let structures = self
            .store()
            .ownership_structures(scope, after, PAGE)
            .await?;
        let mut full = 0;
        for stored in &structures {
            let queries = party_queries(self.policy(), &stored.structure);
            if !screen.needs_full_screen(&queries, std::iter::empty()) {
                continue;
            }
            let customer = match self.customer(scope, stored.customer).await {
                Ok(customer) => customer,
                // Purged since the page was read (the purge deletes the structure too).
                Err(AppError::NotFound(_)) => continue,
                Err(e) => return Err(e),
            };
            // Decided against the lists in force already (by the customer walk, or a change
            // since): the decision screened the structure with them. This also keeps a
            // re-run page from deciding its customers twice.
            let current = customer
                .screening
                .as_ref()
                .is_some_and(|s| s.list_versions.as_slice() == index.list_versions());
            if current {
                continue;
            }
            self.screen_in_full(scope, &customer, screen).await?;
            full += 1;
        }
        let next = (structures.len() == PAGE as usize)
            .then(|| structures.last().map(|s| s.customer))
            .flatten();
        Ok((next, full))
    }
}

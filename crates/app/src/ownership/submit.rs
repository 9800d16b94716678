//! Submitting a structure, reading it with what is computed from it, and the evidence a
//! redecision of its customer takes from it.

use cloudkyc_domain::Permission;
use cloudkyc_domain::cip::{CustomerKind, validate_beneficial_owners};
use cloudkyc_domain::ownership::OwnershipGraph;
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::ownership::{OwnershipReplacement, OwnershipStructure, StoredOwnership};

use super::compute::{self, OwnershipView};
use super::derived::{self, OwnershipEvidence};
use super::{StructureDraft, validate};
use crate::customers::{CustomerRecord, OwnerDiff};
use crate::{App, AppError, AppResult, FieldError};

/// The answer to a submission: the structure with its computed owners, and the customer as
/// decided again with them.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnershipSubmitted {
    pub ownership: OwnershipView,
    /// How the customer's beneficial-owner list changed.
    pub diff: OwnerDiff,
    pub customer: CustomerRecord,
}

impl App {
    /// Replaces the ownership structure of an entity customer: validates it (every problem at
    /// once), computes the beneficial owners under the pack's rule, and records them as the
    /// customer's beneficial owners through the owner-change path, which decides the customer
    /// again (determination, verification, screening, derived hits from the new structure).
    /// The structure travels with that change (`CustomerChange::ownership`), so the store
    /// writes it, the customer and both audit events in one transaction; `Conflict` when
    /// `expected_version` is not the stored one, and then nothing is written.
    pub async fn submit_ownership(
        &self,
        scope: &TenantScope,
        id: CustomerId,
        draft: &StructureDraft,
    ) -> AppResult<OwnershipSubmitted> {
        Self::require(scope, Permission::WriteCustomers)?;
        let today = self.now().date_naive();
        let customer = self.store().customer(scope, id).await?;
        if customer.kind != CustomerKind::Entity {
            return Err(AppError::invalid(
                "",
                "an ownership structure applies to an entity customer; an individual has none",
            ));
        }
        let structure = validate::structure(draft, today)?;
        let compute::Evaluation {
            graph,
            owners,
            drafts,
        } = compute::evaluate(self.policy(), &structure, today)?;
        // Checked before anything is stored, so a structure is never stored without its owners.
        validate_beneficial_owners(&drafts, today).map_err(|errors| {
            AppError::Invalid(
                errors
                    .into_iter()
                    .map(|e| FieldError::new("/parties", e.message))
                    .collect(),
            )
        })?;
        let expected = match draft.expected_version {
            Some(version) => version,
            None => self
                .store()
                .ownership(scope, id)
                .await?
                .map_or(0, |s| s.version),
        };
        // The structure, the owners derived from it and both audit events are written in one
        // transaction: a stale version or a failed decision leaves everything as it was.
        let replacement = OwnershipReplacement {
            structure,
            expected_version: expected,
        };
        let changed = self
            .change_owners_with(scope, id, &drafts, Some(replacement))
            .await?;
        let stored = self
            .store()
            .ownership(scope, id)
            .await?
            .ok_or_else(|| AppError::Internal("the structure just stored is missing".into()))?;
        tracing::info!(
            customer = %id,
            version = stored.version,
            parties = stored.structure.parties.len(),
            owners = owners.owners.len(),
            "ownership structure replaced"
        );
        let ownership = self.view_of(&stored, &graph, &owners).await?;
        Ok(OwnershipSubmitted {
            ownership,
            diff: changed.diff,
            customer: changed.customer,
        })
    }

    /// The stored structure of a customer with its effective ownership, beneficial owners and
    /// derived hits as of today; `NotFound` when none was submitted.
    pub async fn ownership(&self, scope: &TenantScope, id: CustomerId) -> AppResult<OwnershipView> {
        Self::require(scope, Permission::ReadCustomers)?;
        let stored = self
            .store()
            .ownership(scope, id)
            .await?
            .ok_or_else(|| AppError::NotFound("ownership structure".into()))?;
        let evaluation = self
            .evaluate_stored(&stored)
            .map_err(|e| AppError::Conflict(format!("{e}; submit the structure again")))?;
        self.view_of(&stored, &evaluation.graph, &evaluation.owners)
            .await
    }

    /// What the customer's structure adds to a decision about it (nothing without one). A
    /// stored structure that no longer holds together on today's date (its edges' dates moved
    /// it into over-ownership) restricts the customer until it is submitted again.
    pub(crate) async fn ownership_evidence(
        &self,
        scope: &TenantScope,
        id: CustomerId,
    ) -> AppResult<OwnershipEvidence> {
        let Some(stored) = self.store().ownership(scope, id).await? else {
            return Ok(OwnershipEvidence::default());
        };
        self.structure_evidence(&stored.structure).await
    }

    /// What a structure (stored, or about to be stored with the decision) adds to a decision.
    pub(crate) async fn structure_evidence(
        &self,
        structure: &OwnershipStructure,
    ) -> AppResult<OwnershipEvidence> {
        let today = self.now().date_naive();
        let evaluation = match compute::evaluate(self.policy(), structure, today) {
            Ok(evaluation) => evaluation,
            Err(e) => {
                tracing::warn!(error = %e, "stored ownership structure invalid today");
                return Ok(OwnershipEvidence {
                    hits: Vec::new(),
                    reasons: vec![format!(
                        "ownership: the stored structure does not hold on {today}; submit it \
                         again (account access restricted until then)"
                    )],
                });
            }
        };
        let index = self.screening_index().load().await?;
        let (hits, aggregate) = derived::derive(
            self.policy(),
            &index,
            structure,
            &evaluation.graph,
            &evaluation.owners,
        )?;
        Ok(derived::evidence(&hits, aggregate.as_ref()))
    }

    fn evaluate_stored(&self, stored: &StoredOwnership) -> AppResult<compute::Evaluation> {
        compute::evaluate(self.policy(), &stored.structure, self.now().date_naive())
    }

    async fn view_of(
        &self,
        stored: &StoredOwnership,
        graph: &OwnershipGraph,
        owners: &cloudkyc_domain::ownership::BeneficialOwnership,
    ) -> AppResult<OwnershipView> {
        let index = self.screening_index().load().await?;
        let (hits, aggregate) =
            derived::derive(self.policy(), &index, &stored.structure, graph, owners)?;
        Ok(compute::view(stored, owners, hits, aggregate))
    }
}

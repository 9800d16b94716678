//! The reseller's legal identity, verified like a customer's (issue 6, item 6).
//!
//! Registration screens the legal name; verification reuses the customer CIP whole instead of
//! a second copy of it: the reseller's legal entity (an entity `CustomerDraft`: name, place
//! and date of organisation, addresses, identifiers, owners) is onboarded as a customer record
//! of the registering tenant (idempotency key `reseller-legal-entity:<id>`) and linked to the
//! reseller (`reseller.legal_entity`). Everything the CIP does then applies to it: the pack's
//! non-documentary checks, documents (`/v1/customers/{id}/documents`), vendor verdicts,
//! officer overrides, resubmission (a second submission here resubmits the same record), the
//! screening of the entity and its beneficial owners.
//!
//! The outcome feeds the oversight: a `failed` verification puts an `active` reseller
//! `under_review` at once, and a review cannot be completed `compliant` while the legal entity
//! stands `failed`. The reseller's answers carry the entity's current status (`legal_entity`).

use cloudkyc_domain::Permission;
use cloudkyc_domain::cip::{CustomerDraft, CustomerKind};
use cloudkyc_domain::reseller::{ResellerEvent, StatusName};
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::{AccountAccess, CipStatus, CustomerId};
use cloudkyc_store::resellers::{ResellerChange, ResellerId, ResellerRecord};
use serde::Serialize;

use super::oversight::ResellerOutcome;
use crate::{App, AppError, AppResult};

const COMPONENT: &str = "resellers.legal_entity";

/// Where the verification of the reseller's legal entity stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegalEntityStatus {
    /// The customer record the entity is verified as (read it for the checks and reasons).
    pub customer: CustomerId,
    pub cip_status: CipStatus,
    pub account_access: AccountAccess,
    /// The decision's reasons, first the most important.
    pub reasons: Vec<String>,
}

impl App {
    /// Verifies the reseller's legal entity through the customer CIP (`ManageResellers`; see
    /// the module documentation). `draft` must describe an entity (422 `/kind`); a terminated
    /// reseller is a `Conflict`.
    pub async fn verify_reseller_entity(
        &self,
        scope: &TenantScope,
        id: ResellerId,
        draft: CustomerDraft,
    ) -> AppResult<ResellerOutcome> {
        Self::require(scope, Permission::ManageResellers)?;
        if draft.kind != CustomerKind::Entity {
            return Err(AppError::invalid(
                "/kind",
                "a reseller's legal identity is an entity: send kind \"entity\"",
            ));
        }
        let current = self.store().reseller(scope, id).await?;
        if current.status.name() == StatusName::Terminated {
            return Err(AppError::Conflict(
                "the reseller was terminated; nothing more can be recorded".into(),
            ));
        }
        // The record belongs to the registering tenant. The caller acts itself when it may
        // write customers there, so the customer's audit names it; otherwise the system does.
        let writer = if scope.tenant() == current.tenant
            && Self::require(scope, Permission::WriteCustomers).is_ok()
        {
            scope.clone()
        } else {
            self.system_scope(Some(current.tenant), COMPONENT).await?
        };
        let (customer, current) = match current.legal_entity {
            Some(customer) => (
                self.resubmit_customer(&writer, customer, draft).await?,
                current,
            ),
            None => {
                let key = format!("reseller-legal-entity:{id}");
                let onboarded = self.onboard_customer(&writer, draft, Some(key)).await?;
                let change = ResellerChange::LegalEntity {
                    customer: onboarded.customer.id,
                };
                let linked = self
                    .store()
                    .update_reseller(scope, id, change, current.updated_at, self.now())
                    .await?;
                (onboarded.customer, linked)
            }
        };
        tracing::info!(reseller = %id, customer = %customer.id,
            cip_status = ?customer.decision.cip_status, "reseller legal entity verified");
        let failed = customer.decision.cip_status == CipStatus::Failed;
        let outcome = if failed && current.status.name() == StatusName::Active {
            // A reseller whose identity does not check out is not overseen as usual.
            let event = ResellerEvent::StartReview {
                on: self.now().date_naive(),
            };
            self.apply_reseller_event(scope, current, event).await?
        } else {
            ResellerOutcome::of(current, self.policy())
        };
        self.with_legal_entity(outcome).await
    }

    /// The outcome with its legal entity's current status (read with the registering tenant's
    /// system scope: the record is the provider's, whoever reads the reseller).
    pub(crate) async fn with_legal_entity(
        &self,
        mut outcome: ResellerOutcome,
    ) -> AppResult<ResellerOutcome> {
        outcome.legal_entity = self.legal_entity_status(&outcome.record).await?;
        Ok(outcome)
    }

    pub(crate) async fn legal_entity_status(
        &self,
        record: &ResellerRecord,
    ) -> AppResult<Option<LegalEntityStatus>> {
        let Some(customer) = record.legal_entity else {
            return Ok(None);
        };
        let system = self.system_scope(Some(record.tenant), COMPONENT).await?;
        let stored = self.store().customer(&system, customer).await?;
        Ok(Some(LegalEntityStatus {
            customer,
            cip_status: stored.decision.cip_status,
            account_access: stored.decision.account_access,
            reasons: stored.decision.reasons,
        }))
    }

    /// Refuses a `compliant` review while the legal entity stands `failed`.
    pub(super) async fn check_review_against_entity(
        &self,
        record: &ResellerRecord,
        event: &ResellerEvent,
    ) -> AppResult<()> {
        let ResellerEvent::CompleteReview { review } = event else {
            return Ok(());
        };
        if review.outcome != cloudkyc_domain::reseller::ReviewOutcome::Compliant {
            return Ok(());
        }
        match self.legal_entity_status(record).await? {
            Some(status) if status.cip_status == CipStatus::Failed => {
                Err(AppError::Conflict(format!(
                    "the reseller's legal entity (customer {}) failed verification: resolve it \
                     (resubmit, documents, vendor, officer) before a compliant review",
                    status.customer
                )))
            }
            _ => Ok(()),
        }
    }
}

//! Officer overrides of a CIP decision (`[access.redress] officer_override`), with four-eyes
//! approval at the tiers of `four_eyes_override_at`, and the customer's verification history.
//!
//! At other tiers an override applies at once: the customer is decided again with it
//! (`customer.override`). At a four-eyes tier it is stored as a pending request
//! (`verification.request`) that a different officer applies (`customer.override`, naming both
//! officers) or rejects (`verification.reject`).

use cloudkyc_domain::Permission;
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::{CipStatus, CustomerId};
use cloudkyc_store::verifications::{
    Evidence, NewVerification, OfficerDecision, Verification, VerificationId, VerificationState,
};

use super::redecide::Redecision;
use super::{CustomerRecord, record};
use crate::{App, AppError, AppResult};

/// The audit action of an applied override.
pub const CUSTOMER_OVERRIDE: &str = "customer.override";

/// The longest reason an officer may give.
const MAX_REASON_CHARS: usize = 1000;

/// What an officer decides, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideRequest {
    pub decision: OfficerDecision,
    pub reason: String,
}

/// The result of an override request.
#[derive(Debug, Clone, PartialEq)]
pub struct OverrideOutcome {
    /// The override's record: `applied`, or `pending` until a second officer decides.
    pub verification: Verification,
    /// The customer as it now stands (unchanged while the override is pending).
    pub customer: CustomerRecord,
}

fn checked_reason(reason: &str) -> AppResult<String> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(AppError::invalid(
            "/reason",
            format!("is required: 1 to {MAX_REASON_CHARS} characters"),
        ));
    }
    if reason.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "/reason",
            "must not contain control characters",
        ));
    }
    Ok(reason.to_owned())
}

impl App {
    /// Overrides the customer's verification decision (`DecideCases`); see the module
    /// documentation for when a second officer is needed.
    pub async fn override_verification(
        &self,
        scope: &TenantScope,
        id: CustomerId,
        request: OverrideRequest,
    ) -> AppResult<OverrideOutcome> {
        Self::require(scope, Permission::DecideCases)?;
        let reason = checked_reason(&request.reason)?;
        let redress = &self.policy().access().redress;
        if !redress.officer_override {
            return Err(AppError::Forbidden(
                "the rule pack does not allow officer overrides".into(),
            ));
        }
        let current = record(self.store().customer(scope, id).await?)?;
        if current.decision.cip_status == CipStatus::NotRequired {
            return Err(AppError::Conflict(
                "verification is not required for this customer; there is nothing to override"
                    .into(),
            ));
        }
        let four_eyes = redress.override_needs_four_eyes(current.decision.risk_tier);
        let new = NewVerification {
            customer: id,
            evidence: Evidence::Override {
                decision: request.decision,
                reason,
            },
            state: if four_eyes {
                VerificationState::Pending
            } else {
                VerificationState::Applied
            },
            event_id: None,
        };
        if four_eyes {
            let verification = self
                .store()
                .record_verification(scope, new, self.now())
                .await?;
            return Ok(OverrideOutcome {
                verification,
                customer: current,
            });
        }
        let mut change = Redecision::new(CUSTOMER_OVERRIDE, "officer override");
        change.access_countries = self.access_countries(scope, &current).await?;
        change.evidence = vec![new];
        let customer = self.redecide(scope, current, change).await?;
        let verification = self.latest_override(scope, id).await?;
        Ok(OverrideOutcome {
            verification,
            customer,
        })
    }

    /// Applies a pending four-eyes override (`DecideCases`); its requester cannot (`Forbidden`).
    pub async fn approve_override(
        &self,
        scope: &TenantScope,
        id: CustomerId,
        request: VerificationId,
    ) -> AppResult<OverrideOutcome> {
        Self::require(scope, Permission::DecideCases)?;
        let pending = self.pending_override(scope, id, request).await?;
        let current = record(self.store().customer(scope, id).await?)?;
        let mut change = Redecision::new(CUSTOMER_OVERRIDE, "four-eyes officer override approved");
        change.access_countries = self.access_countries(scope, &current).await?;
        change.applies = Some(pending.id);
        let customer = self.redecide(scope, current, change).await?;
        let verification = self.store().verification(scope, id, request).await?;
        Ok(OverrideOutcome {
            verification,
            customer,
        })
    }

    /// Rejects a pending four-eyes override (`DecideCases`); its requester cannot.
    pub async fn reject_override(
        &self,
        scope: &TenantScope,
        id: CustomerId,
        request: VerificationId,
    ) -> AppResult<Verification> {
        Self::require(scope, Permission::DecideCases)?;
        self.pending_override(scope, id, request).await?;
        Ok(self
            .store()
            .reject_verification(scope, id, request, self.now())
            .await?)
    }

    /// The customer's verification history, oldest first (`ReadCustomers`).
    pub async fn verification_history(
        &self,
        scope: &TenantScope,
        id: CustomerId,
    ) -> AppResult<Vec<Verification>> {
        Self::require(scope, Permission::ReadCustomers)?;
        Ok(self.store().verifications(scope, id).await?)
    }

    /// A pending override of the customer that the scope's actor may decide.
    async fn pending_override(
        &self,
        scope: &TenantScope,
        id: CustomerId,
        request: VerificationId,
    ) -> AppResult<Verification> {
        let found = self.store().verification(scope, id, request).await?;
        if !matches!(found.evidence, Evidence::Override { .. }) {
            return Err(AppError::NotFound("override request".into()));
        }
        if found.state != VerificationState::Pending {
            return Err(AppError::Conflict(format!(
                "the override request is already {}",
                cloudkyc_store::verifications::state_text(found.state)
            )));
        }
        if found.requested_by == scope.actor().audit_name() {
            return Err(AppError::Forbidden(
                "four-eyes: a second officer must decide this override, not the one who requested it"
                    .into(),
            ));
        }
        Ok(found)
    }

    async fn latest_override(
        &self,
        scope: &TenantScope,
        id: CustomerId,
    ) -> AppResult<Verification> {
        self.store()
            .verifications(scope, id)
            .await?
            .into_iter()
            .rev()
            .find(|v| matches!(v.evidence, Evidence::Override { .. }))
            .ok_or_else(|| AppError::Internal("the applied override was not recorded".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_required_trimmed_and_printable() {
        assert!(matches!(checked_reason("  "), Err(AppError::Invalid(_))));
        assert!(matches!(
            checked_reason("a\u{7}b"),
            Err(AppError::Invalid(_))
        ));
        assert!(matches!(
            checked_reason(&"x".repeat(MAX_REASON_CHARS + 1)),
            Err(AppError::Invalid(_))
        ));
        assert_eq!(
            checked_reason(" seen in person ").ok().as_deref(),
            Some("seen in person")
        );
    }
}

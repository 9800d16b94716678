//! Resubmission (`[access.redress] resubmission_allowed`, `max_resubmissions`,
//! `resubmission_window_days`): a customer whose verification failed or is pending submits its
//! information again. The draft is validated as at onboarding (every field error at once), the
//! customer keeps its id and is decided again (`customer.resubmit`); its accounts are replaced by
//! the draft's, and an account of another customer is a `Conflict`.
//!
//! The window opens when the customer last became unverified: at onboarding, or at the first
//! failed or pending decision after the latest verified one. Each resubmission is counted by
//! the `decision` record it leaves in the verification history.

use chrono::{DateTime, Duration, Utc};
use cloudkyc_domain::Permission;
use cloudkyc_domain::cip::{CustomerDraft, validate};
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::{CipStatus, CustomerId};
use cloudkyc_store::verifications::{Evidence, Verification};

use super::redecide::Redecision;
use super::{CustomerRecord, field_errors, record};
use crate::{App, AppError, AppResult};

/// The audit action of a resubmission.
pub const CUSTOMER_RESUBMIT: &str = "customer.resubmit";

/// When the resubmission window opened and how many resubmissions were made since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResubmissionState {
    pub window_opened: DateTime<Utc>,
    pub used: u32,
}

/// Reads the window and the count from the history (oldest first).
pub fn resubmission_state(
    created_at: DateTime<Utc>,
    history: &[Verification],
) -> ResubmissionState {
    let mut state = ResubmissionState {
        window_opened: created_at,
        used: 0,
    };
    let mut unverified = true;
    for record in history {
        let Evidence::Decision {
            action, cip_status, ..
        } = &record.evidence
        else {
            continue;
        };
        match cip_status {
            CipStatus::Verified | CipStatus::NotRequired => unverified = false,
            CipStatus::Failed | CipStatus::Pending => {
                if !unverified {
                    unverified = true;
                    state = ResubmissionState {
                        window_opened: record.created_at,
                        used: 0,
                    };
                }
            }
        }
        if action == CUSTOMER_RESUBMIT {
            state.used = state.used.saturating_add(1);
        }
    }
    state
}

impl App {
    /// Resubmits a failed or pending customer's information (`WriteCustomers`); see the module
    /// documentation.
    pub async fn resubmit_customer(
        &self,
        scope: &TenantScope,
        id: CustomerId,
        draft: CustomerDraft,
    ) -> AppResult<CustomerRecord> {
        Self::require(scope, Permission::WriteCustomers)?;
        let redress = &self.policy().access().redress;
        if !redress.resubmission_allowed {
            return Err(AppError::Forbidden(
                "the rule pack does not allow resubmission".into(),
            ));
        }
        let now = self.now();
        let customer = validate(&draft, now.date_naive()).map_err(field_errors)?;
        let current = record(self.store().customer(scope, id).await?)?;
        if customer.kind() != current.kind {
            return Err(AppError::invalid(
                "/kind",
                format!("must stay {}", current.kind.as_str()),
            ));
        }
        if !matches!(
            current.decision.cip_status,
            CipStatus::Failed | CipStatus::Pending
        ) {
            return Err(AppError::Conflict(
                "only a customer whose verification failed or is pending may resubmit".into(),
            ));
        }
        let history = self.store().verifications(scope, id).await?;
        let state = resubmission_state(current.created_at, &history);
        let days = redress.resubmission_window_days.get();
        let closes = state.window_opened + Duration::days(i64::from(days));
        if now > closes {
            return Err(AppError::Conflict(format!(
                "the resubmission window of {days} days closed at {}",
                closes.to_rfc3339()
            )));
        }
        if state.used >= redress.max_resubmissions {
            return Err(AppError::Conflict(format!(
                "the {} resubmissions the rule pack allows were used",
                redress.max_resubmissions
            )));
        }
        let mut change = Redecision::new(
            CUSTOMER_RESUBMIT,
            format!(
                "resubmission {} of {}",
                state.used + 1,
                redress.max_resubmissions
            ),
        );
        change.access_countries = self.access_countries(scope, &current).await?;
        change.customer = Some(customer);
        change.replace_accounts = true;
        self.redecide(scope, current, change).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudkyc_store::customers::AccountAccess;
    use cloudkyc_store::verifications::{VerificationId, VerificationState};

    fn decided(action: &str, cip_status: CipStatus, at: DateTime<Utc>) -> Verification {
        Verification {
            id: VerificationId::new(),
            tenant: cloudkyc_domain::TenantId::new(),
            customer: CustomerId::new(),
            evidence: Evidence::Decision {
                action: action.into(),
                cip_status,
                account_access: AccountAccess::Restricted,
                checks: Vec::new(),
            },
            state: VerificationState::Recorded,
            event_id: None,
            requested_by: "key:a".into(),
            decided_by: None,
            created_at: at,
            decided_at: None,
        }
    }

    #[test]
    fn resubmissions_count_until_the_customer_is_verified_again() {
        let t0 = Utc::now();
        let day = |n| t0 + Duration::days(n);
        let history = [
            decided(CUSTOMER_RESUBMIT, CipStatus::Failed, day(1)),
            decided(CUSTOMER_RESUBMIT, CipStatus::Pending, day(2)),
        ];
        assert_eq!(
            resubmission_state(t0, &history),
            ResubmissionState {
                window_opened: t0,
                used: 2
            }
        );
        let history = [
            decided(CUSTOMER_RESUBMIT, CipStatus::Failed, day(1)),
            decided("customer.override", CipStatus::Verified, day(2)),
            decided("customer.vendor_verdict", CipStatus::Failed, day(40)),
            decided(CUSTOMER_RESUBMIT, CipStatus::Failed, day(41)),
        ];
        assert_eq!(
            resubmission_state(t0, &history),
            ResubmissionState {
                window_opened: day(40),
                used: 1
            }
        );
    }
}

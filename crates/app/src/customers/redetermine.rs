//! Re-determination when the evidence contradicts the recorded status (issue 3, item 7): access
//! from abroad to a customer recorded as a U.S. person (the access-event ingestion enqueues a
//! [`REDETERMINE_JOB`]), or an officer's request. The customer is decided again with the
//! geolocated countries of its accounts' access events and its payment data; a status that
//! changes changes the decision, with the basis in words.

use async_trait::async_trait;
use cloudkyc_domain::Permission;
use cloudkyc_domain::cip::determine_customer;
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::jobs::Job;
use serde::{Deserialize, Serialize};

use super::CustomerRecord;
use super::redecide::Redecision;
use crate::jobs::JobHandler;
use crate::{App, AppError, AppResult};

/// The job kind the access-event ingestion enqueues (dedupe key: the customer id).
pub use crate::access::REDETERMINE_JOB;

/// The audit action of a re-determination.
pub const REDETERMINED: &str = "customer.redetermined";

/// The longest reason an officer may give.
const MAX_REASON_CHARS: usize = 500;

/// The payload of a [`REDETERMINE_JOB`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redetermine {
    pub customer: CustomerId,
    /// Why, in words, without personal data (e.g. "access from a foreign country").
    pub reason: String,
}

impl App {
    /// An officer's request to decide a customer again from the current evidence (`DecideCases`).
    pub async fn request_redetermination(
        &self,
        scope: &TenantScope,
        id: CustomerId,
        reason: &str,
    ) -> AppResult<CustomerRecord> {
        Self::require(scope, Permission::DecideCases)?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
            return Err(AppError::invalid(
                "/reason",
                format!("must be 1 to {MAX_REASON_CHARS} characters"),
            ));
        }
        if reason.chars().any(char::is_control) {
            return Err(AppError::invalid(
                "/reason",
                "must not contain control characters",
            ));
        }
        self.redetermine(scope, id, &format!("re-determination requested: {reason}"))
            .await
    }

    /// Decides the customer again with its accounts' access countries. The first reason is
    /// `reason`, followed by the status change when there is one; the new determination's basis
    /// comes next, as in every decision.
    pub(crate) async fn redetermine(
        &self,
        scope: &TenantScope,
        id: CustomerId,
        reason: &str,
    ) -> AppResult<CustomerRecord> {
        let current = super::record(self.store().customer(scope, id).await?)?;
        let countries = self.access_countries(scope, &current).await?;
        let before = current.decision.person_status;
        // The determination is pure and cheap: made here first so the cause can say what
        // changed; `redecide` makes it again with the same evidence.
        let after = determine_customer(&current.customer, &countries)
            .overall
            .status;
        let cause = if after == before {
            format!("{reason}; person status stays {before}")
        } else {
            tracing::info!(customer = %id, from = %before, to = %after,
                "re-determination changes the person status");
            format!("{reason}; person status changes from {before} to {after}")
        };
        let mut change = Redecision::new(REDETERMINED, cause);
        change.access_countries = countries;
        self.redecide(scope, current, change).await
    }
}

/// Runs [`REDETERMINE_JOB`]s.
#[derive(Debug)]
pub struct RedetermineCustomer;

#[async_trait]
impl JobHandler for RedetermineCustomer {
    fn kind(&self) -> &'static str {
        REDETERMINE_JOB
    }

    async fn run(&self, app: &App, job: &Job) -> Result<(), String> {
        let request: Redetermine = serde_json::from_value(job.payload.clone())
            .map_err(|e| format!("payload is not {{customer, reason}}: {e}"))?;
        let subtree = app
            .store()
            .subtree(job.tenant)
            .await
            .map_err(|e| e.to_string())?;
        let scope = TenantScope::system(job.tenant, subtree, REDETERMINE_JOB);
        match app
            .redetermine(&scope, request.customer, &request.reason)
            .await
        {
            Ok(_) => Ok(()),
            // The customer is gone from the tenant: nothing left to decide, and retrying
            // would not bring it back.
            Err(AppError::NotFound(_)) => {
                tracing::warn!(customer = %request.customer, "re-determination of an unknown customer skipped");
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        }
    }
}

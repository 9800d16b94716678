//! Customer onboarding (rule-pack sections 1-2): validate the draft, check the pack's required
//! fields, decide U.S. or foreign, assess the risk tier, verify what can be verified offline,
//! and store the customer sealed with the decision and its reasons.

mod access_change;
pub(crate) mod commit;
mod decision;
mod overrides;
mod owners;
mod redecide;
mod redetermine;
mod required;
mod resubmit;
mod reverify;
mod risk;
mod screening;
mod vendor;
mod verify;

use chrono::{DateTime, Utc};
use cloudkyc_domain::cip::{
    CheckResult, CustomerDetermination, CustomerDraft, CustomerKind, DocumentNumber, Email,
    PhoneNumber, ValidatedCustomer, validate,
};
use cloudkyc_domain::{Permission, TenantId, TenantKind};
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::{CustomerDecision, CustomerId, Lookup, LookupKind, NewCustomer};
use serde::{Deserialize, Serialize};

pub use access_change::{ACCESS_CHANGED_JOB, AccessChange};
pub use cloudkyc_store::customers::{AccountAccess, CipStatus};
pub use decision::{DecisionEvidence, OfficerOverride, VendorEvidence, apply_evidence};
pub use overrides::{CUSTOMER_OVERRIDE, OverrideOutcome, OverrideRequest};
pub use owners::{OWNERS_CHANGED, OwnerDiff, OwnersChanged, diff_owners};
pub use redecide::Redecision;
pub use redetermine::{REDETERMINE_JOB, REDETERMINED, Redetermine, RedetermineCustomer};
pub use required::missing_fields;
pub use resubmit::{CUSTOMER_RESUBMIT, ResubmissionState, resubmission_state};
pub use reverify::{
    OngoingDutiesSweep, PENDING_EXPIRED, REVERIFIED, REVERIFY_DUE_JOB, SweepReport, due_query,
    expired_access, last_day_due, reverify_due_on, reverify_reason,
};
pub use risk::{RiskAssessment, assess};
pub use screening::{CustomerScreening, ScreenedSubject, ScreeningStatus, SubjectHit};
pub(crate) use screening::{screen_customer, subject_requests};
pub use vendor::{CUSTOMER_VENDOR_VERDICT, VendorEvent, VendorOutcome};
pub use verify::{Outcome, decide};

use crate::{App, AppError, AppResult, FieldError};

/// What is sealed for a customer: the validated data, the determination and the checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Sealed {
    customer: ValidatedCustomer,
    determination: CustomerDetermination,
    checks: Vec<CheckResult>,
    /// Absent for customers onboarded before screening was wired in.
    #[serde(default)]
    screening: Option<CustomerScreening>,
}

/// A customer as the use cases return it, opened.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerRecord {
    pub id: CustomerId,
    pub tenant: TenantId,
    pub kind: CustomerKind,
    pub decision: CustomerDecision,
    pub customer: ValidatedCustomer,
    pub determination: CustomerDetermination,
    pub checks: Vec<CheckResult>,
    /// The latest screening; `None` for customers onboarded before screening was wired in.
    pub screening: Option<CustomerScreening>,
    pub accounts: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The answer to an onboarding: the customer and whether an earlier call with the same
/// idempotency key stored it.
#[derive(Debug, Clone, PartialEq)]
pub struct Onboarded {
    pub customer: CustomerRecord,
    pub replayed: bool,
}

/// A search by one identifier, as the caller wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerQuery {
    Email(String),
    Phone(String),
    Document(String),
}

pub(crate) fn record(stored: cloudkyc_store::customers::Customer) -> AppResult<CustomerRecord> {
    let sealed: Sealed = serde_json::from_value(stored.personal).map_err(|e| {
        AppError::Internal(format!(
            "stored customer {} does not decode: {e}",
            stored.id
        ))
    })?;
    Ok(CustomerRecord {
        id: stored.id,
        tenant: stored.tenant,
        kind: stored.kind,
        decision: stored.decision,
        customer: sealed.customer,
        determination: sealed.determination,
        checks: sealed.checks,
        screening: sealed.screening,
        accounts: stored.accounts,
        created_at: stored.created_at,
        updated_at: stored.updated_at,
    })
}

/// The record of a customer whose personal document is `sealed` (as just stored).
fn record_of_sealed(stored: cloudkyc_store::customers::Customer, sealed: Sealed) -> CustomerRecord {
    let Sealed {
        customer,
        determination,
        checks,
        screening,
    } = sealed;
    CustomerRecord {
        id: stored.id,
        tenant: stored.tenant,
        kind: stored.kind,
        decision: stored.decision,
        customer,
        determination,
        checks,
        screening,
        accounts: stored.accounts,
        created_at: stored.created_at,
        updated_at: stored.updated_at,
    }
}

pub(crate) fn lookups(customer: &ValidatedCustomer) -> Vec<Lookup> {
    let contacts = std::iter::once(&customer.contact)
        .chain(customer.beneficial_owners.iter().map(|o| &o.contact));
    let mut out = Vec::new();
    for contact in contacts {
        out.extend(
            contact
                .emails
                .iter()
                .map(|e| Lookup::new(LookupKind::Email, e.as_str().to_lowercase())),
        );
        out.extend(
            contact
                .phones
                .iter()
                .map(|p| Lookup::new(LookupKind::Phone, p.e164())),
        );
        out.extend(
            contact
                .documents
                .iter()
                .map(|d| Lookup::new(LookupKind::Document, d.number.as_str())),
        );
    }
    out
}

fn field_errors(errors: Vec<cloudkyc_domain::cip::FieldError>) -> AppError {
    AppError::Invalid(
        errors
            .into_iter()
            .map(|e| FieldError::new(e.path, e.message))
            .collect(),
    )
}

impl App {
    /// Onboards a customer. Every field error is reported at once; the same idempotency key in
    /// the same tenant returns the first customer without deciding again.
    pub async fn onboard_customer(
        &self,
        scope: &TenantScope,
        draft: CustomerDraft,
        idempotency_key: Option<String>,
    ) -> AppResult<Onboarded> {
        Self::require(scope, Permission::WriteCustomers)?;
        if let Some(key) = &idempotency_key
            && (key.is_empty() || key.len() > 255 || key.chars().any(char::is_control))
        {
            return Err(AppError::invalid(
                "Idempotency-Key",
                "must be 1 to 255 printable characters",
            ));
        }
        let today = self.now().date_naive();
        let customer = validate(&draft, today).map_err(field_errors)?;
        let pack = self.policy();
        let tenant = self.store().tenant(scope, scope.tenant()).await?;
        let assessed = self
            .assess_customer(
                &customer,
                tenant.kind == TenantKind::Reseller,
                &DecisionEvidence::default(),
            )
            .await?;
        let mut decision = assessed.decision(pack);
        // Special measures (issue 6): a prohibited party is refused with the reason first.
        let measures = self
            .special_measures_at_onboarding(&tenant, &customer, &assessed.determination)
            .await?;
        measures.cap().apply(&mut decision);
        let sealed = assessed.sealed(customer);
        let new = NewCustomer {
            tenant: tenant.id,
            idempotency_key,
            kind: sealed.customer.kind(),
            decision,
            lookups: lookups(&sealed.customer),
            accounts: sealed
                .customer
                .accounts
                .iter()
                .map(|a| a.external_id.as_str().to_owned())
                .collect(),
            personal: serde_json::to_value(&sealed)
                .map_err(|e| AppError::Internal(format!("customer does not encode: {e}")))?,
        };
        // Through the tenant's committer: written with the onboardings queued beside it.
        let created = self
            .customer_commits()
            .create(scope, new, self.now())
            .await?;
        if !created.replayed {
            self.raise_onboarding_hits(scope, created.customer.id, sealed.screening.as_ref())
                .await;
        }
        if created.replayed {
            return Ok(Onboarded {
                customer: record(created.customer)?,
                replayed: true,
            });
        }
        // What was just stored is `sealed`: no need to decode it back.
        let customer = record_of_sealed(created.customer, sealed);
        self.record_onboarding_measures(&customer, measures).await?;
        Ok(Onboarded {
            customer,
            replayed: false,
        })
    }

    pub async fn customer(&self, scope: &TenantScope, id: CustomerId) -> AppResult<CustomerRecord> {
        Self::require(scope, Permission::ReadCustomers)?;
        record(self.store().customer(scope, id).await?)
    }

    /// Customers visible to the scope, newest first, `limit` at most 500.
    pub async fn list_customers(
        &self,
        scope: &TenantScope,
        after: Option<CustomerId>,
        limit: u32,
    ) -> AppResult<Vec<CustomerRecord>> {
        Self::require(scope, Permission::ReadCustomers)?;
        if !(1..=500).contains(&limit) {
            return Err(AppError::invalid("limit", "must be 1 to 500"));
        }
        self.store()
            .customers(scope, after, limit)
            .await?
            .into_iter()
            .map(record)
            .collect()
    }

    /// Customers found by an email, phone number or document number, normalised as onboarding
    /// indexed them.
    pub async fn search_customers(
        &self,
        scope: &TenantScope,
        query: &CustomerQuery,
    ) -> AppResult<Vec<CustomerRecord>> {
        Self::require(scope, Permission::ReadCustomers)?;
        let lookup = match query {
            CustomerQuery::Email(text) => Email::parse(text)
                .map(|e| Lookup::new(LookupKind::Email, e.as_str().to_lowercase()))
                .map_err(|e| AppError::invalid("email", e.to_string()))?,
            CustomerQuery::Phone(text) => PhoneNumber::parse(text)
                .map(|p| Lookup::new(LookupKind::Phone, p.e164()))
                .map_err(|e| AppError::invalid("phone", e.to_string()))?,
            CustomerQuery::Document(text) => DocumentNumber::parse(text)
                .map(|d| Lookup::new(LookupKind::Document, d.as_str()))
                .map_err(|e| AppError::invalid("document", e.to_string()))?,
        };
        self.store()
            .find_customers(scope, &lookup)
            .await?
            .into_iter()
            .map(record)
            .collect()
    }
}

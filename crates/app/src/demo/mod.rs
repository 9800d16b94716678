//! The demonstration data set behind `serve --demo`: the provider "Demo Cloud Inc.", its
//! reseller "Nimbus Cloud Pte Ltd", the three documented request bodies, and a few hundred
//! generated customers covering every onboarding case (see [`Case`]). Idempotent: every
//! customer is onboarded with an idempotency key, so running it twice leaves one copy. [`seed`]
//! adds the compute monitor's owner groups and issue 6's ownership structure, registered
//! resellers and special measure ([`seed_oversight`]), just as idempotent.

mod compute;
mod generate;
mod measures;
mod mrz;
mod oversight;
mod ownership;
mod parts;
mod resellers;
mod rng;
mod tables;
mod wallet;

#[cfg(test)]
mod tests;

use std::fmt;

use cloudkyc_domain::cip::{CustomerDraft, CustomerKind, PersonStatus};
use cloudkyc_domain::rule_pack::RiskTier;
use cloudkyc_domain::{Role, TenantKind};
use cloudkyc_store::api_key::Secret;
use serde::Serialize;

use crate::customers::{AccountAccess, CipStatus, CustomerRecord, Onboarded, ScreeningStatus};
use crate::keys::CreateKey;
use crate::{App, AppResult};

pub use compute::{COMPUTE_CUSTOMERS, ComputeDemo, seed_compute};
pub use generate::{
    Case, DEFAULT_COUNT, DEFAULT_SEED, DemoCustomer, DemoSpec, Failure, account_id, case_of,
    generate, through_reseller,
};
pub use measures::{MEASURE_JURISDICTION, MEASURE_REFERENCE, MeasureDemo};
pub use oversight::{OversightDemo, seed_oversight};
pub use ownership::{OWNERSHIP_CUSTOMER, OwnershipDemo};
pub use resellers::{ACTIVE_RESELLER, NON_COMPLIANT_RESELLER, ResellerDemo};

pub const DEMO_PROVIDER: &str = "Demo Cloud Inc.";
pub const DEMO_RESELLER: &str = "Nimbus Cloud Pte Ltd";

/// What `seed` did.
#[derive(Debug, Serialize)]
pub struct DemoSummary {
    pub provider_tenant: String,
    pub reseller_tenant: String,
    /// Every demo customer, documented and generated (`counts.customers`).
    pub customers: usize,
    pub counts: DemoCounts,
    /// Issue 6's part (ownership, registered resellers, a special measure); `None` from
    /// [`seed_with`], which seeds the customers alone.
    pub oversight: Option<OversightDemo>,
    /// A fresh admin key for this run; shown once.
    #[serde(skip)]
    pub admin_key: Secret,
}

/// The demo customers by outcome, counted from what onboarding decided (not from the plan).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DemoCounts {
    pub customers: usize,
    /// Onboarded by this run; the rest were found by their idempotency key.
    pub created: usize,
    pub reseller: usize,
    pub individuals: usize,
    pub entities: usize,
    pub entities_with_two_or_more_owners: usize,
    pub us: usize,
    pub foreign: usize,
    pub undetermined: usize,
    pub not_required: usize,
    pub verified: usize,
    pub pending: usize,
    pub failed: usize,
    pub access_full: usize,
    pub access_restricted: usize,
    pub access_none: usize,
    pub access_closed: usize,
    pub high_risk_tier: usize,
    pub screening_matches: usize,
}

impl DemoCounts {
    /// Adds one onboarded customer; `reseller` when it was onboarded in the reseller tenant.
    pub fn add(&mut self, onboarded: &Onboarded, reseller: bool) {
        let record: &CustomerRecord = &onboarded.customer;
        let decision = &record.decision;
        self.customers += 1;
        self.created += usize::from(!onboarded.replayed);
        self.reseller += usize::from(reseller);
        match record.kind {
            CustomerKind::Individual => self.individuals += 1,
            CustomerKind::Entity => {
                self.entities += 1;
                self.entities_with_two_or_more_owners +=
                    usize::from(record.customer.beneficial_owners.len() >= 2);
            }
        }
        match decision.person_status {
            PersonStatus::Us => self.us += 1,
            PersonStatus::Foreign => self.foreign += 1,
            PersonStatus::Undetermined => self.undetermined += 1,
        }
        match decision.cip_status {
            CipStatus::NotRequired => self.not_required += 1,
            CipStatus::Verified => self.verified += 1,
            CipStatus::Pending => self.pending += 1,
            CipStatus::Failed => self.failed += 1,
        }
        match decision.account_access {
            AccountAccess::Full => self.access_full += 1,
            AccountAccess::Restricted => self.access_restricted += 1,
            AccountAccess::None => self.access_none += 1,
            AccountAccess::Closed => self.access_closed += 1,
        }
        self.high_risk_tier += usize::from(decision.risk_tier == RiskTier::High);
        self.screening_matches += usize::from(
            record
                .screening
                .as_ref()
                .is_some_and(|s| s.status == ScreeningStatus::PotentialMatch),
        );
    }
}

impl fmt::Display for DemoCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "demo customers: {} ({} new this run; {} through the reseller): {} individuals, {} entities ({} with two or more owners)",
            self.customers,
            self.created,
            self.reseller,
            self.individuals,
            self.entities,
            self.entities_with_two_or_more_owners
        )?;
        writeln!(
            f,
            "  person status: {} U.S., {} foreign, {} undetermined; {} at the high risk tier",
            self.us, self.foreign, self.undetermined, self.high_risk_tier
        )?;
        writeln!(
            f,
            "  CIP: {} not required, {} verified, {} pending, {} failed",
            self.not_required, self.verified, self.pending, self.failed
        )?;
        write!(
            f,
            "  account access: {} full, {} restricted, {} not opened, {} closed; screening: {} potential match(es)",
            self.access_full,
            self.access_restricted,
            self.access_none,
            self.access_closed,
            self.screening_matches
        )
    }
}

/// Seeds the default set: [`DEFAULT_COUNT`] customers from [`DEFAULT_SEED`], dated for the
/// current year.
/// Then the compute monitor's owner groups ([`seed_compute`]) and issue 6's ownership
/// structure, registered resellers and special measure ([`seed_oversight`]); neither is in
/// `counts`, which describes onboarding cases.
pub async fn seed(app: &App) -> AppResult<DemoSummary> {
    let mut summary = seed_with(app, &DemoSpec::default_for(app.now().date_naive())).await?;
    let scope = app.operator_scope(DEMO_PROVIDER).await?;
    seed_compute(app, &scope).await?;
    summary.oversight = Some(seed_oversight(app, &scope).await?);
    Ok(summary)
}

/// Seeds the tenants, the documented customers and the customers `spec` generates, and returns
/// a fresh admin key.
pub async fn seed_with(app: &App, spec: &DemoSpec) -> AppResult<DemoSummary> {
    let scope = app.operator_scope(DEMO_PROVIDER).await?;
    let existing = app.list_tenants(&scope).await?;
    let reseller = match existing
        .into_iter()
        .find(|t| t.kind == TenantKind::Reseller && t.name == DEMO_RESELLER)
    {
        Some(t) => t,
        None => app.create_reseller_tenant(&scope, DEMO_RESELLER).await?,
    };
    let reseller_scope = app.operator_scope_for(reseller.id).await?;
    let mut counts = DemoCounts::default();
    for (key, body) in DOCUMENTED_CUSTOMERS {
        let draft: CustomerDraft = serde_json::from_str(body)
            .map_err(|e| crate::AppError::Internal(format!("demo customer {key}: {e}")))?;
        // The idempotency key makes a second `--demo` run find the first run's customer.
        let onboarded = app
            .onboard_customer(&scope, draft, Some((*key).to_owned()))
            .await?;
        counts.add(&onboarded, false);
    }
    for customer in generate(spec) {
        let target = if customer.reseller {
            &reseller_scope
        } else {
            &scope
        };
        let onboarded = app
            .onboard_customer(target, customer.draft, Some(customer.idempotency_key))
            .await?;
        counts.add(&onboarded, customer.reseller);
    }
    let created = app
        .create_key(
            &scope,
            CreateKey {
                role: Role::Admin,
                tenant: None,
                name: "demo admin".into(),
                expires_at: None,
            },
        )
        .await?;
    Ok(DemoSummary {
        provider_tenant: scope.tenant().to_string(),
        reseller_tenant: reseller.id.to_string(),
        customers: counts.customers,
        counts,
        oversight: None,
        admin_key: created.secret,
    })
}

/// The documented request bodies (a foreign individual with a passport MRZ, a foreign entity with
/// owners) and a U.S. individual, under their own idempotency keys and account ids.
pub const DOCUMENTED_CUSTOMERS: &[(&str, &str)] = &[
    ("demo-amara-okafor", include_str!("amara_okafor.json")),
    ("demo-helios-compute", include_str!("helios_compute.json")),
    ("demo-jordan-miller", include_str!("jordan_miller.json")),
];

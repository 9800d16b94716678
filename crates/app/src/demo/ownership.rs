//! The ownership part of the demo (issue 6, items 1-5): Corvid Compute Ltd, a U.K. company held
//! through a chain of three holding companies (Cyprus, the Netherlands, Luxembourg) by Elena
//! Marsh, and through Tern Capital (Singapore), which holds half of Tern Partners (Japan) while
//! Tern Partners holds 40 % of it: a cross-holding cycle the exact math resolves (a geometric
//! series, factor 1/5). Computed: Elena Marsh 48 %, Priya Nair 30 % (60 % of Tern Capital,
//! grossed up by the cycle to 75 %), Kenji Sato 10 % (under the threshold), Tom Reed by
//! management control, 12 % without a recorded owner.
//!
//! Idempotent: the customer is onboarded under an idempotency key and the structure is
//! submitted only when none is stored.

use cloudkyc_domain::cip::CustomerDraft;
use cloudkyc_store::TenantScope;
use serde::Serialize;

use crate::ownership::StructureDraft;
use crate::{App, AppError, AppResult};

pub const OWNERSHIP_CUSTOMER: (&str, &str) =
    ("demo-corvid-compute", include_str!("ownership_corvid.json"));
const STRUCTURE: &str = include_str!("ownership_corvid_structure.json");

/// What the ownership demo holds after seeding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OwnershipDemo {
    pub customer: String,
    pub name: String,
    /// The structure was submitted by this run (otherwise an earlier run stored it).
    pub submitted: bool,
    pub parties: usize,
    pub beneficial_owners: usize,
    /// Cycles of holdings among the parties (the Tern pair).
    pub cross_holdings: usize,
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, body: &str) -> AppResult<T> {
    serde_json::from_str(body).map_err(|e| AppError::Internal(format!("demo {what}: {e}")))
}

/// Onboards Corvid Compute Ltd in the provider tenant and submits its structure once.
pub async fn seed_ownership(app: &App, scope: &TenantScope) -> AppResult<OwnershipDemo> {
    let (key, body) = OWNERSHIP_CUSTOMER;
    let draft: CustomerDraft = parse(key, body)?;
    let name = draft.name.full.clone();
    let customer = app
        .onboard_customer(scope, draft, Some(key.to_owned()))
        .await?
        .customer;
    let (view, submitted) = match app.ownership(scope, customer.id).await {
        Ok(view) => (view, false),
        Err(AppError::NotFound(_)) => {
            let structure: StructureDraft = parse("ownership structure", STRUCTURE)?;
            let done = app.submit_ownership(scope, customer.id, &structure).await?;
            (done.ownership, true)
        }
        Err(e) => return Err(e),
    };
    Ok(OwnershipDemo {
        customer: customer.id.to_string(),
        name,
        submitted,
        parties: view.parties.len(),
        beneficial_owners: view.beneficial_owners.len(),
        cross_holdings: view.cross_holdings.len(),
    })
}

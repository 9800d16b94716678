//! Issue 6's demo (ownership graph, foreign resellers, special measures) in one summary, seeded
//! after the customers exist so the measure is "added after customers exist".

use std::fmt;

use cloudkyc_store::TenantScope;
use serde::Serialize;

use super::measures::{MeasureDemo, seed_measure};
use super::ownership::{OwnershipDemo, seed_ownership};
use super::resellers::{ResellerDemo, seed_resellers};
use crate::{App, AppResult};

/// What the issue-6 demo holds after seeding (one line each when printed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OversightDemo {
    pub ownership: OwnershipDemo,
    pub resellers: Vec<ResellerDemo>,
    pub measure: MeasureDemo,
}

/// Seeds, in order, the ownership structure, the registered resellers and the measure.
pub async fn seed_oversight(app: &App, scope: &TenantScope) -> AppResult<OversightDemo> {
    let ownership = seed_ownership(app, scope).await?;
    let resellers = seed_resellers(app, scope).await?;
    let measure = seed_measure(app, scope).await?;
    Ok(OversightDemo {
        ownership,
        resellers,
        measure,
    })
}

fn fresh(new: bool) -> &'static str {
    if new { "new this run" } else { "already there" }
}

impl fmt::Display for OversightDemo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.ownership;
        writeln!(
            f,
            "demo ownership: {} (customer {}, {}): {} parties, a chain of three holding \
             companies and {} cross-holding cycle(s), {} beneficial owners (GET \
             /v1/customers/{}/ownership)",
            o.name,
            o.customer,
            fresh(o.submitted),
            o.parties,
            o.cross_holdings,
            o.beneficial_owners,
            o.customer
        )?;
        for r in &self.resellers {
            let clock = r
                .termination_due
                .map(|due| format!(", termination due {due} (reseller case open)"))
                .unwrap_or_default();
            writeln!(
                f,
                "demo reseller: {} ({}, {}): {}{}; agreement {}, {} attestation(s)",
                r.name,
                r.country,
                fresh(r.registered),
                r.status,
                clock,
                if r.agreement_signed {
                    "signed"
                } else {
                    "not uploaded"
                },
                r.attestations
            )?;
        }
        let m = &self.measure;
        write!(
            f,
            "demo special measure: prohibit {} from {} until {} ({}; the re-check job \
             schedules the affected accounts' closing and opens special_measure cases)",
            m.jurisdiction,
            m.effective,
            m.expiry,
            fresh(m.registered)
        )
    }
}

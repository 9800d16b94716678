//! The demonstration data set behind `serve --demo`. Idempotent: running it twice leaves one copy.
//! Each capability adds its part here.

use cloudkyc_domain::cip::CustomerDraft;
use cloudkyc_domain::{Role, TenantKind};
use cloudkyc_store::api_key::Secret;
use serde::Serialize;

use crate::keys::CreateKey;
use crate::{App, AppResult};

pub const DEMO_PROVIDER: &str = "Demo Cloud Inc.";
pub const DEMO_RESELLER: &str = "Nimbus Cloud Pte Ltd";

#[derive(Debug, Serialize)]
pub struct DemoSummary {
    pub provider_tenant: String,
    pub reseller_tenant: String,
    pub customers: usize,
    /// A fresh admin key for this run; shown once.
    #[serde(skip)]
    pub admin_key: Secret,
}

pub async fn seed(app: &App) -> AppResult<DemoSummary> {
    let scope = app.operator_scope(DEMO_PROVIDER).await?;
    let existing = app.list_tenants(&scope).await?;
    let reseller = match existing
        .into_iter()
        .find(|t| t.kind == TenantKind::Reseller && t.name == DEMO_RESELLER)
    {
        Some(t) => t,
        None => app.create_reseller_tenant(&scope, DEMO_RESELLER).await?,
    };
    let mut customers = 0;
    for (key, body) in DEMO_CUSTOMERS {
        let draft: CustomerDraft = serde_json::from_str(body)
            .map_err(|e| crate::AppError::Internal(format!("demo customer {key}: {e}")))?;
        // The idempotency key makes a second `--demo` run find the first run's customer.
        app.onboard_customer(&scope, draft, Some((*key).to_owned()))
            .await?;
        customers += 1;
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
        customers,
        admin_key: created.secret,
    })
}

/// The documented request bodies (a foreign individual with a passport MRZ, a foreign entity with
/// owners) and a U.S. individual.
const DEMO_CUSTOMERS: &[(&str, &str)] = &[
    ("demo-amara-okafor", include_str!("demo/amara_okafor.json")),
    (
        "demo-helios-compute",
        include_str!("demo/helios_compute.json"),
    ),
    (
        "demo-jordan-miller",
        include_str!("demo/jordan_miller.json"),
    ),
];

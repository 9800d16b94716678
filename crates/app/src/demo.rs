//! The demonstration data set behind `serve --demo`. Idempotent: running it twice leaves one copy.
//! Each capability adds its part here.

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
        admin_key: created.secret,
    })
}

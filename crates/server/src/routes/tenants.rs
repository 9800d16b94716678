//! `/v1/tenants`: the caller's tenant and its descendants.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use cloudkyc_domain as domain;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::dto::TenantKind;
use crate::extract::Auth;
use crate::problem::ApiResult;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Tenant {
    pub id: Uuid,
    /// The parent tenant; absent for the provider at the root.
    pub parent: Option<Uuid>,
    pub name: String,
    pub kind: TenantKind,
    pub created_at: DateTime<Utc>,
}

impl From<domain::Tenant> for Tenant {
    fn from(t: domain::Tenant) -> Self {
        Self {
            id: *t.id.as_uuid(),
            parent: t.parent.map(|p| *p.as_uuid()),
            name: t.name,
            kind: t.kind.into(),
            created_at: t.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantList {
    pub tenants: Vec<Tenant>,
}

/// Lists the caller's tenant and its descendants.
///
/// A provider key sees its resellers; a reseller key sees its own tenant.
#[utoipa::path(
    get, path = "/v1/tenants", tag = "tenants",
    responses((status = 200, description = "The tenants", body = TenantList)),
    security(("bearer" = []))
)]
pub async fn list_tenants(
    Auth(scope): Auth,
    State(state): State<AppState>,
) -> ApiResult<Json<TenantList>> {
    let tenants = state.app.list_tenants(&scope).await?;
    Ok(Json(TenantList {
        tenants: tenants.into_iter().map(Tenant::from).collect(),
    }))
}

//! `/v1/keys`: create (the secret is shown once), list, revoke.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use chrono::{DateTime, Utc};
use cloudkyc_app::keys::CreateKey;
use cloudkyc_domain::{ApiKeyId, TenantId};
use cloudkyc_store::api_key;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::dto::Role;
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "analyst", "name": "case desk"}))]
pub struct CreateApiKey {
    pub role: Role,
    /// The tenant the key acts for: the caller's own (the default) or one of its resellers.
    /// A reseller tenant's keys take the `reseller` role, and only they do.
    #[serde(default)]
    pub tenant: Option<Uuid>,
    /// A label for people (1 to 100 characters), such as the machine or team using it.
    pub name: String,
    /// When the key stops working; must be in the future. Never, when absent.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// An API key as listed: everything but the secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKey {
    pub id: Uuid,
    pub tenant: Uuid,
    pub role: Role,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<api_key::ApiKey> for ApiKey {
    fn from(key: api_key::ApiKey) -> Self {
        Self {
            id: *key.id.as_uuid(),
            tenant: *key.tenant.as_uuid(),
            role: key.role.into(),
            name: key.name,
            created_at: key.created_at,
            expires_at: key.expires_at,
            revoked_at: key.revoked_at,
        }
    }
}

/// A new key and its secret. The secret is shown this once and never again: only its hash is
/// stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKey,
    /// Send it as `Authorization: Bearer <secret>`.
    pub secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyList {
    /// Keys of the caller's tenant and its descendants, newest first.
    pub keys: Vec<ApiKey>,
}

/// Creates an API key.
///
/// For the caller's tenant or one of its resellers. The answer holds the secret, shown this once.
#[utoipa::path(
    post, path = "/v1/keys", tag = "keys",
    request_body = CreateApiKey,
    responses(
        (status = 201, description = "The key, with its secret (shown once)", body = CreatedApiKey),
        (status = 404, description = "The tenant does not exist or is not visible to the caller", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The tenant is a terminated reseller's (or under one): it takes no new keys", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create_key(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CreateApiKey>,
) -> ApiResult<(
    StatusCode,
    [(header::HeaderName, &'static str); 1],
    Json<CreatedApiKey>,
)> {
    let request = CreateKey {
        role: body.role.into(),
        tenant: body.tenant.map(TenantId::from_uuid),
        name: body.name,
        expires_at: body.expires_at,
    };
    let created = state.app.create_key(&scope, request).await?;
    let body = CreatedApiKey {
        key: created.key.into(),
        secret: created.secret.expose().to_owned(),
    };
    // The secret must not linger in a cache between the server and the caller.
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(body),
    ))
}

/// Lists the keys of the caller's tenant and its descendants.
///
/// Secrets are never listed: only their hashes are stored.
#[utoipa::path(
    get, path = "/v1/keys", tag = "keys",
    responses((status = 200, description = "The keys, newest first", body = ApiKeyList)),
    security(("bearer" = []))
)]
pub async fn list_keys(
    Auth(scope): Auth,
    State(state): State<AppState>,
) -> ApiResult<Json<ApiKeyList>> {
    let keys = state.app.list_keys(&scope).await?;
    Ok(Json(ApiKeyList {
        keys: keys.into_iter().map(ApiKey::from).collect(),
    }))
}

/// Revokes a key.
///
/// The key stops working at once. Revoking a revoked key changes nothing and answers the same.
#[utoipa::path(
    delete, path = "/v1/keys/{id}", tag = "keys",
    params(("id" = Uuid, Path, description = "The key's id")),
    responses(
        (status = 200, description = "The revoked key", body = ApiKey),
        (status = 404, description = "No such key in the caller's tenants", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn revoke_key(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ApiKey>> {
    let key = state
        .app
        .revoke_key(&scope, ApiKeyId::from_uuid(id))
        .await?;
    Ok(Json(key.into()))
}

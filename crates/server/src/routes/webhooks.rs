//! `/v1/webhooks`: subscribe the provider's platform to signed `account_access` notices, list
//! and delete subscriptions, and see each subscription's deliveries.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use chrono::{DateTime, Utc};
use cloudkyc_app::webhooks::CreateWebhook;
use cloudkyc_store::customers::enum_text;
use cloudkyc_store::webhooks::{self as stored, WebhookId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, Auth};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://platform.example.com/hooks/cloudkyc", "events": ["customer.account_access"]}))]
pub struct CreateWebhookRequest {
    /// Where to POST: `https` (plain `http` only to localhost), no user name or password.
    pub url: String,
    /// The event types to receive: `customer.account_access`.
    pub events: Vec<String>,
}

/// A subscription as listed: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct Webhook {
    pub id: Uuid,
    pub tenant: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl From<stored::Webhook> for Webhook {
    fn from(w: stored::Webhook) -> Self {
        Self {
            id: *w.id.as_uuid(),
            tenant: *w.tenant.as_uuid(),
            url: w.url,
            events: w.events,
            created_at: w.created_at,
        }
    }
}

/// A new subscription and its signing secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The key of `Cloudkyc-Signature` (HMAC-SHA256); see the server README for the recipe.
    pub secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    /// The caller's tenants' subscriptions, newest first.
    pub webhooks: Vec<Webhook>,
}

/// One event's delivery to the subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    /// Also the body's `id` and the `Cloudkyc-Event-Id` header.
    pub id: Uuid,
    pub event_type: String,
    /// `pending`, `delivered`, `retrying`, `dead` or `cancelled`.
    pub state: String,
    pub attempts: u32,
    /// The HTTP status of the last attempt, when the endpoint answered.
    pub last_status: Option<u16>,
    /// Why the last attempt failed (`HTTP 500`, `timeout`, `connection failed`).
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    /// Newest first, at most 100.
    pub deliveries: Vec<Delivery>,
}

fn delivery(d: stored::Delivery) -> ApiResult<Delivery> {
    Ok(Delivery {
        id: *d.id.as_uuid(),
        event_type: d.event_type,
        state: enum_text(&d.state).map_err(|e| ApiError::internal(e.to_string()))?,
        attempts: d.attempts,
        last_status: d.last_status,
        last_error: d.last_error,
        created_at: d.created_at,
        last_attempt_at: d.last_attempt_at,
    })
}

/// Subscribes an endpoint to events.
///
/// Deliveries are POSTed as JSON and signed with the returned secret, which is shown this once.
#[utoipa::path(
    post, path = "/v1/webhooks", tag = "webhooks",
    request_body = CreateWebhookRequest,
    responses((status = 201, description = "The subscription, with its signing secret (shown once)", body = CreatedWebhook)),
    security(("bearer" = []))
)]
pub async fn create_webhook(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CreateWebhookRequest>,
) -> ApiResult<(
    StatusCode,
    [(header::HeaderName, &'static str); 1],
    Json<CreatedWebhook>,
)> {
    let request = CreateWebhook {
        url: body.url,
        events: body.events,
    };
    let created = state.app.create_webhook(&scope, request).await?;
    let body = CreatedWebhook {
        webhook: created.webhook.into(),
        secret: created.secret.expose().to_owned(),
    };
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(body),
    ))
}

/// Lists the subscriptions of the caller's tenants (never their secrets).
#[utoipa::path(
    get, path = "/v1/webhooks", tag = "webhooks",
    responses((status = 200, description = "The subscriptions, newest first", body = WebhookList)),
    security(("bearer" = []))
)]
pub async fn list_webhooks(
    Auth(scope): Auth,
    State(state): State<AppState>,
) -> ApiResult<Json<WebhookList>> {
    let webhooks = state.app.webhooks(&scope).await?;
    Ok(Json(WebhookList {
        webhooks: webhooks.into_iter().map(Webhook::from).collect(),
    }))
}

/// Deletes a subscription.
///
/// Deliveries still queued for it are cancelled. A deleted subscription answers 404.
#[utoipa::path(
    delete, path = "/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = Uuid, Path, description = "The subscription's id")),
    responses(
        (status = 200, description = "The deleted subscription", body = Webhook),
        (status = 404, description = "No such subscription in the caller's tenants", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn delete_webhook(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Webhook>> {
    let deleted = state
        .app
        .delete_webhook(&scope, WebhookId::from_uuid(id))
        .await?;
    Ok(Json(deleted.into()))
}

/// Lists a subscription's latest deliveries with their outcome.
#[utoipa::path(
    get, path = "/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = Uuid, Path, description = "The subscription's id")),
    responses(
        (status = 200, description = "The deliveries, newest first", body = DeliveryList),
        (status = 404, description = "No such subscription in the caller's tenants", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list_deliveries(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<DeliveryList>> {
    let deliveries = state
        .app
        .webhook_deliveries(&scope, WebhookId::from_uuid(id))
        .await?;
    Ok(Json(DeliveryList {
        deliveries: deliveries
            .into_iter()
            .map(delivery)
            .collect::<ApiResult<_>>()?,
    }))
}

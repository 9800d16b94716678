//! Records retention: legal holds on a customer (`/v1/customers/{id}/legal-hold`), one
//! customer's retention state, and what the daily purge has due, held and purged
//! (`/v1/retention`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::retention as stored;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, Auth};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Litigation hold: matter 24-117"}))]
pub struct LegalHoldRequest {
    /// Why the records must be kept (or may go again); sealed at rest, at most 2000 characters.
    pub reason: String,
}

/// A legal hold: while it is in force the customer's records are never purged.
#[derive(Debug, Serialize, ToSchema)]
pub struct LegalHold {
    pub id: Uuid,
    pub customer: Uuid,
    pub tenant: Uuid,
    pub reason: String,
    pub placed_by: String,
    pub placed_at: DateTime<Utc>,
    pub released_by: Option<String>,
    pub released_at: Option<DateTime<Utc>>,
    pub release_reason: Option<String>,
}

impl From<stored::LegalHold> for LegalHold {
    fn from(h: stored::LegalHold) -> Self {
        Self {
            id: h.id,
            customer: *h.customer.as_uuid(),
            tenant: *h.tenant.as_uuid(),
            reason: h.reason,
            placed_by: h.placed_by,
            placed_at: h.placed_at,
            released_by: h.released_by,
            released_at: h.released_at,
            release_reason: h.release_reason,
        }
    }
}

/// One customer's retention state; answers for purged customers too.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerRetention {
    pub customer: Uuid,
    pub tenant: Uuid,
    /// When the account was closed (absent while it is open).
    pub closed_at: Option<DateTime<Utc>>,
    /// The newest access event of the customer's accounts.
    pub last_access: Option<DateTime<Utc>>,
    /// When the personal data was crypto-shredded; the customer itself then reads as `409`.
    pub purged_at: Option<DateTime<Utc>>,
    /// The hold in force, if any.
    pub legal_hold: Option<LegalHold>,
}

/// What `GET /v1/retention` answers, over the caller's tenants.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetentionStatus {
    pub as_of: DateTime<Utc>,
    /// The rule pack's period and anchor (`later`, `closure` or `last_access`).
    pub retention_years: u32,
    pub retention_from: String,
    /// Closed customers closed before this instant, and not accessed since the other cutoff,
    /// have run out of retention.
    pub closed_before: Option<DateTime<Utc>>,
    pub last_access_before: Option<DateTime<Utc>>,
    /// Expired and not held: what the next daily run purges.
    pub due: u64,
    /// Customers under a hold in force.
    pub held: u64,
    pub purged: u64,
}

/// Places a legal hold on a customer's records.
///
/// `409` when a hold is already in force or the customer was already purged.
#[utoipa::path(
    post, path = "/v1/customers/{id}/legal-hold", tag = "retention",
    params(("id" = Uuid, Path, description = "The customer")),
    request_body = LegalHoldRequest,
    responses(
        (status = 201, description = "The hold, in force", body = LegalHold),
        (status = 404, description = "No such customer in the caller's tenants", body = Problem),
        (status = 409, description = "Already held, or already purged", body = Problem),
    ),
    security(("bearer" = []))
)]
pub async fn place_legal_hold(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<LegalHoldRequest>,
) -> ApiResult<(StatusCode, Json<LegalHold>)> {
    let customer = CustomerId::from_uuid(id);
    let hold = state
        .app
        .place_legal_hold(&scope, customer, &body.reason)
        .await?;
    Ok((StatusCode::CREATED, Json(hold.into())))
}

/// Releases the legal hold in force; an expired customer is purged by the next daily run.
#[utoipa::path(
    delete, path = "/v1/customers/{id}/legal-hold", tag = "retention",
    params(("id" = Uuid, Path, description = "The customer")),
    request_body = LegalHoldRequest,
    responses(
        (status = 200, description = "The released hold", body = LegalHold),
        (status = 404, description = "No such customer, or no hold in force", body = Problem),
    ),
    security(("bearer" = []))
)]
pub async fn release_legal_hold(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<LegalHoldRequest>,
) -> ApiResult<Json<LegalHold>> {
    let customer = CustomerId::from_uuid(id);
    let hold = state
        .app
        .release_legal_hold(&scope, customer, &body.reason)
        .await?;
    Ok(Json(hold.into()))
}

/// One customer's retention state: closure, last access, purge and hold.
#[utoipa::path(
    get, path = "/v1/customers/{id}/retention", tag = "retention",
    params(("id" = Uuid, Path, description = "The customer")),
    responses(
        (status = 200, description = "The customer's retention state", body = CustomerRetention),
        (status = 404, description = "No such customer in the caller's tenants", body = Problem),
    ),
    security(("bearer" = []))
)]
pub async fn customer_retention(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CustomerRetention>> {
    let r = state
        .app
        .customer_retention(&scope, CustomerId::from_uuid(id))
        .await?;
    Ok(Json(CustomerRetention {
        customer: *r.customer.as_uuid(),
        tenant: *r.tenant.as_uuid(),
        closed_at: r.closed_at,
        last_access: r.last_access,
        purged_at: r.purged_at,
        legal_hold: r.hold.map(LegalHold::from),
    }))
}

/// What records retention has due, held and purged in the caller's tenants, as of now.
#[utoipa::path(
    get, path = "/v1/retention", tag = "retention",
    responses((status = 200, description = "Cutoffs and counts", body = RetentionStatus)),
    security(("bearer" = []))
)]
pub async fn retention_status(
    Auth(scope): Auth,
    State(state): State<AppState>,
) -> ApiResult<Json<RetentionStatus>> {
    let s = state.app.retention_status(&scope).await?;
    let retention_from = cloudkyc_store::customers::enum_text(&s.retention_from)
        .map_err(|e| crate::problem::ApiError::internal(e.to_string()))?;
    Ok(Json(RetentionStatus {
        as_of: s.as_of,
        retention_years: s.retention_years,
        retention_from,
        closed_before: s.closed_before,
        last_access_before: s.last_access_before,
        due: s.counts.due,
        held: s.counts.held,
        purged: s.counts.purged,
    }))
}

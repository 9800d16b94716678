//! The status machine's events: reviews, findings, their withdrawal, and termination. Each
//! answers the reseller as it now stands; an event the status does not accept is a 409.

use axum::Json;
use axum::extract::State;
use cloudkyc_app::resellers::ResellerId;
use cloudkyc_domain::reseller::{ResellerEvent, Review};
use cloudkyc_store::TenantScope;
use uuid::Uuid;

use super::dto::{DateBody, FindingBody, ReasonBody, Reseller, ReviewBody};
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

async fn apply(
    state: &AppState,
    scope: &TenantScope,
    id: Uuid,
    event: impl FnOnce(chrono::NaiveDate) -> ResellerEvent,
    on: Option<chrono::NaiveDate>,
) -> ApiResult<Json<Reseller>> {
    let event = event(on.unwrap_or_else(|| state.app.reseller_today()));
    let id = ResellerId::from_uuid(id);
    Ok(Json(
        state.app.reseller_event(scope, id, event).await?.into(),
    ))
}

/// Starts a periodic review (`active` to `under_review`).
#[utoipa::path(
    post, path = "/v1/resellers/{id}/reviews/start", tag = "resellers",
    params(("id" = Uuid, Path, description = "The reseller's id")),
    request_body = DateBody,
    responses(
        (status = 200, description = "The reseller", body = Reseller),
        (status = 404, description = "No such reseller registered by the caller's tenants", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The reseller's status does not accept this", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn start_review(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<DateBody>,
) -> ApiResult<Json<Reseller>> {
    apply(
        &state,
        &scope,
        id,
        |on| ResellerEvent::StartReview { on },
        body.on,
    )
    .await
}

/// Completes a periodic review with its evidence; `non_compliant` is a finding.
#[utoipa::path(
    post, path = "/v1/resellers/{id}/reviews", tag = "resellers",
    params(("id" = Uuid, Path, description = "The reseller's id")),
    request_body = ReviewBody,
    responses(
        (status = 200, description = "The reseller", body = Reseller),
        (status = 404, description = "No such reseller registered by the caller's tenants", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The reseller's status does not accept this", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn complete_review(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> ApiResult<Json<Reseller>> {
    let review = |on| ResellerEvent::CompleteReview {
        review: Review {
            on,
            outcome: body.outcome.into(),
            evidence_reference: body.evidence_reference,
        },
    };
    apply(&state, &scope, id, review, body.on).await
}

/// Records a finding of non-compliance: starts the pack's termination clock and opens a
/// `reseller` case due at its deadline.
#[utoipa::path(
    post, path = "/v1/resellers/{id}/findings", tag = "resellers",
    params(("id" = Uuid, Path, description = "The reseller's id")),
    request_body = FindingBody,
    responses(
        (status = 200, description = "The reseller, `non_compliant`, with its clock", body = Reseller),
        (status = 404, description = "No such reseller registered by the caller's tenants", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The reseller's status does not accept this", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn find_non_compliance(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<FindingBody>,
) -> ApiResult<Json<Reseller>> {
    let reference = body.reference;
    let event = |on| ResellerEvent::FindNonCompliance { on, reference };
    apply(&state, &scope, id, event, body.on).await
}

/// Withdraws a finding that was wrong (back to `active`, the clock stops).
#[utoipa::path(
    post, path = "/v1/resellers/{id}/findings/withdrawal", tag = "resellers",
    params(("id" = Uuid, Path, description = "The reseller's id")),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "The reseller", body = Reseller),
        (status = 404, description = "No such reseller registered by the caller's tenants", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The reseller's status does not accept this", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn withdraw_finding(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> ApiResult<Json<Reseller>> {
    let reason = body.reason;
    let event = |on| ResellerEvent::WithdrawFinding { on, reason };
    apply(&state, &scope, id, event, body.on).await
}

/// Starts ending the relationship (`terminating`); the clock of a finding keeps running, or
/// the pack's notice period starts.
#[utoipa::path(
    post, path = "/v1/resellers/{id}/termination", tag = "resellers",
    params(("id" = Uuid, Path, description = "The reseller's id")),
    request_body = ReasonBody,
    responses(
        (status = 200, description = "The reseller", body = Reseller),
        (status = 404, description = "No such reseller registered by the caller's tenants", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The reseller's status does not accept this", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn start_termination(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> ApiResult<Json<Reseller>> {
    let reason = body.reason;
    let event = |on| ResellerEvent::StartTermination { on, reason };
    apply(&state, &scope, id, event, body.on).await
}

/// Ends the relationship (`terminated`, final): the reseller's customers follow the pack's
/// downstream rule (`suspend`: full access is restricted, with the webhook notice; `migrate`:
/// decided again), and every API key of the reseller's tenant is revoked; both reported in
/// `downstream`.
#[utoipa::path(
    post, path = "/v1/resellers/{id}/termination/complete", tag = "resellers",
    params(("id" = Uuid, Path, description = "The reseller's id")),
    request_body = DateBody,
    responses(
        (status = 200, description = "The terminated reseller with `downstream`", body = Reseller),
        (status = 404, description = "No such reseller registered by the caller's tenants", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The reseller's status does not accept this", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn complete_termination(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<DateBody>,
) -> ApiResult<Json<Reseller>> {
    let event = |on| ResellerEvent::CompleteTermination { on };
    apply(&state, &scope, id, event, body.on).await
}

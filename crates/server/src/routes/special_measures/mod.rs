//! `/v1/special-measures`: register measures Commerce determines (a jurisdiction or a named
//! foreign person; `prohibit` or a pack `condition`), list them, read one with the customers it
//! reaches and the evidence that matched, extend it and end it early.

mod dto;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cloudkyc_app::measures::MeasureRequest;
use cloudkyc_domain::measures::{Extension, Lifting};
use cloudkyc_store::measures::SpecialMeasureId;
use uuid::Uuid;

pub use dto::{
    CreateMeasureRequest, ExpireRequest, ExtendRequest, SpecialMeasure, SpecialMeasureDetail,
    SpecialMeasureList,
};
use dto::{detail, measure_dto, target};

use crate::extract::{ApiJson, ApiPath, Auth};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Registers a special measure.
///
/// Every existing customer (and its owners) is re-checked in the background: those the measure
/// reaches get an action (close or restrict by the effective date) and a review case.
#[utoipa::path(
    post, path = "/v1/special-measures", tag = "special-measures",
    request_body = CreateMeasureRequest,
    responses((status = 201, description = "The registered measure", body = SpecialMeasure)),
    security(("bearer" = []))
)]
pub async fn create_measure(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CreateMeasureRequest>,
) -> ApiResult<(StatusCode, Json<SpecialMeasure>)> {
    let request = MeasureRequest {
        target: target(body.target)?,
        kind: body.measure,
        condition: body.condition,
        determined: body.determined,
        effective: body.effective,
        expiry: body.expiry,
        reference: body.reference,
    };
    let created = state.app.register_measure(&scope, request).await?;
    Ok((StatusCode::CREATED, Json(measure_dto(created)?)))
}

/// Lists the registered measures, newest first.
#[utoipa::path(
    get, path = "/v1/special-measures", tag = "special-measures",
    responses((status = 200, description = "The measures", body = SpecialMeasureList)),
    security(("bearer" = []))
)]
pub async fn list_measures(
    Auth(scope): Auth,
    State(state): State<AppState>,
) -> ApiResult<Json<SpecialMeasureList>> {
    let measures = state.app.measures(&scope).await?;
    Ok(Json(SpecialMeasureList {
        special_measures: measures
            .into_iter()
            .map(measure_dto)
            .collect::<ApiResult<_>>()?,
    }))
}

/// A measure with the customers it reaches (of the caller's tenants) and the evidence.
#[utoipa::path(
    get, path = "/v1/special-measures/{id}", tag = "special-measures",
    params(("id" = Uuid, Path, description = "The measure's id")),
    responses(
        (status = 200, description = "The measure and its matched customers", body = SpecialMeasureDetail),
        (status = 404, description = "No such measure", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_measure(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<SpecialMeasureDetail>> {
    let found = state
        .app
        .measure_detail(&scope, SpecialMeasureId::from_uuid(id))
        .await?;
    Ok(Json(detail(found)?))
}

/// Extends a measure (decided while it runs; at most the pack's duration at a time).
#[utoipa::path(
    post, path = "/v1/special-measures/{id}/extend", tag = "special-measures",
    params(("id" = Uuid, Path, description = "The measure's id")),
    request_body = ExtendRequest,
    responses(
        (status = 200, description = "The extended measure", body = SpecialMeasure),
        (status = 404, description = "No such measure", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn extend_measure(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ExtendRequest>,
) -> ApiResult<Json<SpecialMeasure>> {
    let extension = Extension {
        decided_on: body
            .decided_on
            .unwrap_or_else(|| state.app.now().date_naive()),
        new_expiry: body.new_expiry,
        reference: body.reference,
    };
    let extended = state
        .app
        .extend_measure(&scope, SpecialMeasureId::from_uuid(id), extension)
        .await?;
    Ok(Json(measure_dto(extended)?))
}

/// Ends a measure early; the actions it caused are lifted from that day.
#[utoipa::path(
    post, path = "/v1/special-measures/{id}/expire", tag = "special-measures",
    params(("id" = Uuid, Path, description = "The measure's id")),
    request_body = ExpireRequest,
    responses(
        (status = 200, description = "The ended measure", body = SpecialMeasure),
        (status = 404, description = "No such measure", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn expire_measure(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ExpireRequest>,
) -> ApiResult<Json<SpecialMeasure>> {
    let lifting = Lifting {
        on: body.on.unwrap_or_else(|| state.app.now().date_naive()),
        reference: body.reference,
    };
    let ended = state
        .app
        .lift_measure(&scope, SpecialMeasureId::from_uuid(id), lifting)
        .await?;
    Ok(Json(measure_dto(ended)?))
}

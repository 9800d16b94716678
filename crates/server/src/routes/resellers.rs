//! `/v1/resellers`: register foreign resellers (each gets its own tenant for its keys), keep
//! their agreement, attestations and reviews, record findings and end the relationship.

mod dto;
mod events;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use cloudkyc_app::App;
use cloudkyc_app::documents::MediaType;
use cloudkyc_app::resellers::{AttestationRequest, RegisterReseller, ResellerId};
use cloudkyc_domain::cip::CustomerDraft;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

pub use dto::*;
pub use events::*;

use super::documents::FileBytes;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::problem::{ApiError, ApiResult, Problem, ProblemKind};
use crate::state::AppState;

/// Registers a foreign reseller.
///
/// Creates the reseller's own tenant (`tenant_id`: make its key with `cloudkyc keys create
/// --role reseller --tenant <tenant_id>`) and screens its legal name; a potential match puts it
/// `under_review`.
#[utoipa::path(
    post, path = "/v1/resellers", tag = "resellers",
    request_body = RegisterResellerRequest,
    responses((status = 201, description = "The registered reseller", body = Reseller)),
    security(("bearer" = []))
)]
pub async fn register_reseller(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RegisterResellerRequest>,
) -> ApiResult<(StatusCode, Json<Reseller>)> {
    let request = RegisterReseller {
        name: body.name.full,
        country: body.country,
        cip_agreement: body.cip_agreement.into(),
    };
    let registered = state.app.register_reseller(&scope, request).await?;
    Ok((StatusCode::CREATED, Json(registered.into())))
}

/// Lists the resellers the caller's tenants registered.
#[utoipa::path(
    get, path = "/v1/resellers", tag = "resellers",
    responses((status = 200, description = "The resellers, oldest first", body = ResellerList)),
    security(("bearer" = []))
)]
pub async fn list_resellers(
    Auth(scope): Auth,
    State(state): State<AppState>,
) -> ApiResult<Json<ResellerList>> {
    let resellers = state.app.resellers(&scope).await?;
    Ok(Json(ResellerList {
        resellers: resellers.into_iter().map(Reseller::from).collect(),
    }))
}

/// Reads one reseller with its oversight record.
#[utoipa::path(
    get, path = "/v1/resellers/{id}", tag = "resellers",
    params(("id" = Uuid, Path, description = "The reseller's id")),
    responses(
        (status = 200, description = "The reseller", body = Reseller),
        (status = 404, description = "No such reseller registered by the caller's tenants", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_reseller(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Reseller>> {
    let found = state
        .app
        .reseller(&scope, ResellerId::from_uuid(id))
        .await?;
    Ok(Json(found.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AgreementQuery {
    /// The day the agreement was signed (`YYYY-MM-DD`), not in the future. Required.
    #[param(value_type = Option<String>, format = Date)]
    pub signed_on: Option<NaiveDate>,
}

/// Uploads the written agreement (PDF or image, at most 10 MiB).
///
/// The bytes are stored encrypted with their SHA-256; the latest upload is the agreement in
/// force.
#[utoipa::path(
    put, path = "/v1/resellers/{id}/agreement", tag = "resellers",
    params(("id" = Uuid, Path, description = "The reseller's id"), AgreementQuery),
    request_body(content((FileBytes = "application/pdf"), (FileBytes = "image/png"), (FileBytes = "image/jpeg")), description = "The agreement's bytes, sent with their type"),
    responses(
        (status = 200, description = "The reseller with its agreement document", body = Reseller),
        (status = 404, description = "No such reseller registered by the caller's tenants", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn upload_agreement(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<AgreementQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Reseller>> {
    App::can_manage_resellers(&scope)?;
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| MediaType::parse(v.split(';').next().unwrap_or("").trim()))
        .ok_or_else(|| {
            ApiError::new(
                ProblemKind::UnsupportedMediaType,
                "send the agreement's bytes as `application/pdf`, `image/png` or `image/jpeg`",
            )
        })?;
    let id = ResellerId::from_uuid(id);
    let updated = state
        .app
        .upload_reseller_agreement(&scope, id, media_type, query.signed_on, body.to_vec())
        .await?;
    Ok(Json(updated.into()))
}

/// Reads the agreement in force (the read is audited).
#[utoipa::path(
    get, path = "/v1/resellers/{id}/agreement", tag = "resellers",
    params(("id" = Uuid, Path, description = "The reseller's id")),
    responses(
        (status = 200, description = "The bytes as uploaded, with their content type", content((FileBytes = "application/pdf"), (FileBytes = "image/png"), (FileBytes = "image/jpeg"))),
        (status = 404, description = "No such reseller, or no agreement uploaded", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn read_agreement(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    let opened = state
        .app
        .reseller_agreement(&scope, ResellerId::from_uuid(id))
        .await?;
    let headers = [
        (header::CONTENT_TYPE, opened.document.media_type.as_str()),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CONTENT_DISPOSITION, "attachment"),
    ];
    Ok((headers, opened.content).into_response())
}

/// Records an attestation the reseller made about its CIP.
#[utoipa::path(
    post, path = "/v1/resellers/{id}/attestations", tag = "resellers",
    params(("id" = Uuid, Path, description = "The reseller's id")),
    request_body = AttestationBody,
    responses(
        (status = 200, description = "The reseller", body = Reseller),
        (status = 404, description = "No such reseller registered by the caller's tenants", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn attest(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<AttestationBody>,
) -> ApiResult<Json<Reseller>> {
    let request = AttestationRequest {
        on: body.on,
        by: body.by,
        statement: body.statement,
    };
    let id = ResellerId::from_uuid(id);
    Ok(Json(
        state.app.attest_reseller(&scope, id, request).await?.into(),
    ))
}

/// Verifies the reseller's legal entity through the customer CIP.
///
/// The body is an entity customer (as `POST /v1/customers` takes it). The first submission
/// onboards it as a customer of the registering tenant, linked to the reseller (documents,
/// vendor verdicts and overrides then go through that customer's endpoints); a later one
/// resubmits the same record. A `failed` verification puts an `active` reseller under review.
#[utoipa::path(
    put, path = "/v1/resellers/{id}/legal-entity", tag = "resellers",
    params(("id" = Uuid, Path, description = "The reseller's id")),
    request_body = CustomerDraft,
    responses(
        (status = 200, description = "The reseller with its `legal_entity` verification", body = Reseller),
        (status = 404, description = "No such reseller registered by the caller's tenants", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The reseller was terminated, or the record cannot be resubmitted now", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an entity, or the data fails validation (every error, with its path)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn verify_legal_entity(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(draft): ApiJson<CustomerDraft>,
) -> ApiResult<Json<Reseller>> {
    let id = ResellerId::from_uuid(id);
    let verified = state.app.verify_reseller_entity(&scope, id, draft).await?;
    Ok(Json(verified.into()))
}

//! `/v1/customers/{id}/screening/dispositions`: an officer's "not this entity" decision for a
//! customer and a list entity, and the customer's decisions with whether each still applies.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use cloudkyc_app::AppError;
use cloudkyc_app::rescreen::{DispositionRequest, DispositionView};
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::screening_dispositions::{DispositionDecision, ScreeningDisposition};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, Auth};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"list": "ofac_sdn", "entity_id": "306", "decision": "not_this_entity",
    "note": "Listed person born 1955 in Havana; our customer born 1990 in Madrid"}))]
pub struct DispositionBody {
    /// The list id of the hit (`ofac_sdn`, `un_sc`, ...).
    pub list: String,
    /// The list's own id of the entity (the hit's `entity_id`).
    pub entity_id: String,
    /// `not_this_entity`: the customer and its owners are not this entity.
    pub decision: String,
    /// Why, in the officer's words (1 to 2,000 characters; stored encrypted).
    pub note: String,
}

/// A decision, made against the entity's record as the list published it then.
#[derive(Debug, Serialize, ToSchema)]
pub struct Disposition {
    pub customer: Uuid,
    pub list: String,
    pub entity_id: String,
    /// SHA-256 of the entity's record the decision was made against.
    pub entity_hash: String,
    pub decision: String,
    pub note: String,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
    /// Whether the entity's record in force is still that one: when the list changes the record,
    /// the decision no longer applies and the hit is raised again.
    pub in_force: bool,
}

impl Disposition {
    fn of(d: ScreeningDisposition, in_force: bool) -> Self {
        Self {
            customer: *d.customer.as_uuid(),
            list: d.list,
            entity_id: d.entity_id,
            entity_hash: d.entity_hash,
            decision: match d.decision {
                DispositionDecision::NotThisEntity => "not_this_entity".to_owned(),
            },
            note: d.note,
            decided_by: d.decided_by,
            decided_at: d.decided_at,
            in_force,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DispositionList {
    /// By list and entity id.
    pub dispositions: Vec<Disposition>,
}

fn decision(text: &str) -> Result<DispositionDecision, AppError> {
    match text {
        "not_this_entity" => Ok(DispositionDecision::NotThisEntity),
        _ => Err(AppError::invalid("/decision", "must be not_this_entity")),
    }
}

/// Records that the customer is not a list entity.
///
/// The decision is kept against the entity's record in force: the customer's hits on that
/// entity are not raised as cases again until the list publishes a changed record for it. A
/// later decision on the same entity replaces this one (both stay in the audit trail). The
/// entity must be on a list in force (422 otherwise).
#[utoipa::path(
    post, path = "/v1/customers/{id}/screening/dispositions", tag = "screening",
    params(("id" = Uuid, Path, description = "The customer's id")),
    request_body = DispositionBody,
    responses(
        (status = 201, description = "The decision as recorded", body = Disposition),
        (status = 404, description = "No such customer in the caller's tenants", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn record_disposition(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<DispositionBody>,
) -> ApiResult<(StatusCode, Json<Disposition>)> {
    let request = DispositionRequest {
        list: body.list,
        entity_id: body.entity_id,
        decision: decision(&body.decision)?,
        note: body.note,
    };
    let recorded = state
        .app
        .record_screening_disposition(&scope, CustomerId::from_uuid(id), request)
        .await?;
    Ok((StatusCode::CREATED, Json(Disposition::of(recorded, true))))
}

/// Lists the customer's screening decisions.
#[utoipa::path(
    get, path = "/v1/customers/{id}/screening/dispositions", tag = "screening",
    params(("id" = Uuid, Path, description = "The customer's id")),
    responses(
        (status = 200, description = "The decisions, by list and entity id", body = DispositionList),
        (status = 404, description = "No such customer in the caller's tenants", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list_dispositions(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<DispositionList>> {
    let views: Vec<DispositionView> = state
        .app
        .screening_dispositions(&scope, CustomerId::from_uuid(id))
        .await?;
    Ok(Json(DispositionList {
        dispositions: views
            .into_iter()
            .map(|v| Disposition::of(v.disposition, v.in_force))
            .collect(),
    }))
}

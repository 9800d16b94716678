//! `POST /v1/customers/{id}/redetermination`: an officer asks for the U.S./foreign determination
//! (and everything that follows from it) to be made again from the current evidence.

use axum::Json;
use axum::extract::State;
use cloudkyc_store::customers::CustomerId;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::customers::Customer;
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"reason": "card payments from a bank outside the United States"}))]
#[serde(deny_unknown_fields)]
pub struct RedeterminationRequest {
    /// Why, in words (1 to 500 characters); recorded in the decision reasons and the audit trail.
    pub reason: String,
}

/// Re-determines a customer.
///
/// Decides the customer again with the countries its accounts were accessed from (geolocated at
/// ingestion) and its payment data: a U.S. person accessed from abroad may become undetermined
/// or foreign, which then needs verification. The basis is recorded in words.
#[utoipa::path(
    post, path = "/v1/customers/{id}/redetermination", tag = "customers",
    params(("id" = Uuid, Path, description = "The customer's id")),
    request_body = RedeterminationRequest,
    responses(
        (status = 200, description = "The customer, decided again", body = Customer),
        (status = 404, description = "No such customer in the caller's tenants", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The customer changed meanwhile; retry", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn redetermine(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<RedeterminationRequest>,
) -> ApiResult<Json<Customer>> {
    let record = state
        .app
        .request_redetermination(&scope, CustomerId::from_uuid(id), &request.reason)
        .await?;
    Ok(Json(Customer::from_record(record)?))
}

//! `PUT /v1/customers/{id}/ownership` (submit a structure) and `GET` (read it with the computed
//! owners and every path).
//!
//! The handler deserialises straight into the application's draft; the `*Doc` types below
//! only describe that draft in the OpenAPI document (a server test submits the documented
//! example, so the description cannot drift from what is accepted).

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use cloudkyc_app::ownership::{OwnershipView, StructureDraft};
use cloudkyc_domain::cip::BeneficialOwnerDraft;
use cloudkyc_store::customers::CustomerId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::customers::Customer;
use crate::extract::{ApiJson, ApiPath, Auth};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;

/// A party above the customer: an entity with `name` and `jurisdiction`, or an individual with
/// `person` (the identifying data of a beneficial owner, without `ownership_percent` and
/// `control`, which are computed).
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct PartyDoc {
    /// Your reference for the party, unique in the structure; `customer` is the customer itself.
    id: String,
    /// `entity` or `individual`.
    kind: String,
    name: Option<String>,
    /// ISO 3166-1 alpha-2 country of organisation.
    jurisdiction: Option<String>,
    person: Option<BeneficialOwnerDraft>,
}

/// `from` owns, controls or directs `to` (an entity, or `customer`), valid on
/// `[valid_from, valid_until)` (open ends unbounded).
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct EdgeDoc {
    from: String,
    to: String,
    /// `ownership`, `control` or `directorship`.
    #[serde(rename = "type")]
    kind: String,
    /// Ownership: the share held directly, 0 < percent <= 100, a number or a string (`"100/3"`).
    percent: Option<f64>,
    /// Control: `voting`, `appointment`, `management`, `contractual`, `trust` or `nominee`.
    control: Option<String>,
    valid_from: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
}

/// A whole ownership structure: the company's chain of holding companies and the individuals
/// above it. It replaces the stored structure.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({
    "parties": [
        {"id": "cedar", "kind": "entity", "name": "Cedar Holdings Ltd", "jurisdiction": "KY"},
        {"id": "li", "kind": "individual", "person": {
            "name": {"full": "Li Wei"}, "date_of_birth": "1979-02-03", "nationalities": ["CN"],
            "addresses": [{"line1": "8 Jianguo Road", "city": "Beijing", "country": "CN"}]}},
        {"id": "omar", "kind": "individual", "person": {
            "name": {"full": "Omar Haddad"}, "date_of_birth": "1983-11-20", "nationalities": ["AE"],
            "addresses": [{"line1": "22 Al Wasl", "city": "Dubai", "country": "AE"}]}}
    ],
    "edges": [
        {"from": "cedar", "to": "customer", "type": "ownership", "percent": 100},
        {"from": "li", "to": "cedar", "type": "ownership", "percent": 60},
        {"from": "omar", "to": "customer", "type": "control", "control": "management",
         "valid_from": "2025-01-01"}
    ]
}))]
#[allow(dead_code)]
pub struct OwnershipSubmission {
    /// The version you read (0: none yet); without it the stored version is replaced.
    expected_version: Option<u32>,
    parties: Vec<PartyDoc>,
    edges: Vec<EdgeDoc>,
}

/// A customer's structure and everything computed from it on `as_of`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ownership {
    pub customer_id: Uuid,
    pub version: u32,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    pub as_of: NaiveDate,
    /// The pack's beneficial-ownership threshold.
    pub threshold_percent: String,
    /// `id`, `kind`, `name`, `jurisdiction`.
    #[schema(value_type = Vec<Object>)]
    pub parties: Vec<serde_json::Value>,
    /// `from`, `to`, `type`, `percent` (rounded) and `share` (exact fraction), `control`, dates.
    #[schema(value_type = Vec<Object>)]
    pub edges: Vec<serde_json::Value>,
    /// Individuals at or above the threshold or with substantial control: `party`, `name`,
    /// `effective_percent`, `effective_share` (exact), `by_ownership`, `by_control`, `basis`,
    /// and `paths`, every ownership path in words with its product.
    #[schema(value_type = Vec<Object>)]
    pub beneficial_owners: Vec<serde_json::Value>,
    /// Every ultimate holder (individuals, and entities without recorded owners) with its
    /// effective share and paths; `cycle_factor` when cross-holdings amplify the paths.
    #[schema(value_type = Vec<Object>)]
    pub holders: Vec<serde_json::Value>,
    /// The part held through capital whose owners were not recorded.
    pub unrecorded_percent: String,
    /// Groups of entities holding each other.
    pub cross_holdings: Vec<Vec<String>>,
    /// False when the path search stopped at its budget (the shares are exact regardless).
    pub paths_complete: bool,
    /// Screening hits on parties at any depth, each with every chain linking it to the customer.
    #[schema(value_type = Vec<Object>)]
    pub derived_hits: Vec<serde_json::Value>,
    /// The aggregate rule applied to the parties with hits, when there are any.
    #[schema(value_type = Option<Object>)]
    pub aggregate: Option<serde_json::Value>,
}

fn values<T: Serialize>(items: &[T]) -> ApiResult<Vec<serde_json::Value>> {
    items
        .iter()
        .map(|item| serde_json::to_value(item).map_err(|e| ApiError::internal(e.to_string())))
        .collect()
}

impl Ownership {
    fn from_view(view: OwnershipView) -> ApiResult<Self> {
        Ok(Self {
            customer_id: *view.customer.as_uuid(),
            version: view.version,
            updated_at: view.updated_at,
            updated_by: view.updated_by,
            as_of: view.as_of,
            threshold_percent: view.threshold_percent,
            parties: values(&view.parties)?,
            edges: values(&view.edges)?,
            beneficial_owners: values(&view.beneficial_owners)?,
            holders: values(&view.holders)?,
            unrecorded_percent: view.unrecorded_percent,
            cross_holdings: view.cross_holdings,
            paths_complete: view.paths_complete,
            derived_hits: values(&view.derived_hits)?,
            aggregate: view
                .aggregate
                .map(|a| serde_json::to_value(a).map_err(|e| ApiError::internal(e.to_string())))
                .transpose()?,
        })
    }
}

/// The answer to a submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnershipSubmitted {
    pub ownership: Ownership,
    /// The customer, decided again with the computed beneficial owners.
    pub customer: Customer,
}

/// Submits a customer's ownership structure.
///
/// Validates the structure (every problem at once: unknown parties, shares out of range,
/// owners of one entity holding more than 100 %, entities owning each other entirely),
/// computes effective ownership through every path (cross-holdings included, exactly), stores
/// the structure, and makes the beneficial owners computed under the rule pack (at or above
/// its threshold, or with substantial control) the customer's beneficial owners: the customer
/// is decided again (U.S./foreign determination, verification, screening). A screening hit on
/// any party of the structure is raised on the customer with its ownership path.
#[utoipa::path(
    put, path = "/v1/customers/{id}/ownership", tag = "customers",
    params(("id" = Uuid, Path, description = "The customer's id")),
    request_body = OwnershipSubmission,
    responses(
        (status = 200, description = "The structure with its computed owners, and the customer decided again", body = OwnershipSubmitted),
        (status = 404, description = "No such customer in the caller's tenants", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The structure or the customer changed meanwhile; read again and retry", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn submit_ownership(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(draft): ApiJson<StructureDraft>,
) -> ApiResult<Json<OwnershipSubmitted>> {
    let submitted = state
        .app
        .submit_ownership(&scope, CustomerId::from_uuid(id), &draft)
        .await?;
    Ok(Json(OwnershipSubmitted {
        ownership: Ownership::from_view(submitted.ownership)?,
        customer: Customer::from_record(submitted.customer)?,
    }))
}

/// A customer's ownership structure with its computed owners and every path.
#[utoipa::path(
    get, path = "/v1/customers/{id}/ownership", tag = "customers",
    params(("id" = Uuid, Path, description = "The customer's id")),
    responses(
        (status = 200, description = "The structure, evaluated today", body = Ownership),
        (status = 404, description = "No such customer in the caller's tenants, or no structure submitted", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_ownership(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Ownership>> {
    let view = state
        .app
        .ownership(&scope, CustomerId::from_uuid(id))
        .await?;
    Ok(Json(Ownership::from_view(view)?))
}

//! `/v1/customers`: onboarding (idempotent on the `Idempotency-Key` header), read, list and
//! search by email, phone or document number.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use cloudkyc_app::customers::{CustomerQuery, CustomerRecord, CustomerScreening};
use cloudkyc_domain::cip::{CheckOutcome, CustomerDraft};
use cloudkyc_store::customers::{CustomerId, enum_text};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;

const DEFAULT_LIMIT: u32 = 50;

/// The latest screening of the customer's name and each beneficial owner's name.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScreeningSummary {
    /// `clear`, `potential_match`, or `not_screened` (onboarded before screening was wired in).
    pub status: String,
    /// Each hit names whose name it is on (`subject`: `customer` or `beneficial_owner`,
    /// `subject_name`) and the threshold it passed, then the list entity, score and explanation.
    pub hits: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list_versions: Option<Vec<serde_json::Value>>,
    /// The threshold the customer's own name was screened at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
}

fn json_values<T: Serialize>(items: &[T]) -> ApiResult<Vec<serde_json::Value>> {
    items
        .iter()
        .map(|item| serde_json::to_value(item).map_err(|e| ApiError::internal(e.to_string())))
        .collect()
}

impl ScreeningSummary {
    fn from_record(screening: Option<&CustomerScreening>) -> ApiResult<Self> {
        let Some(s) = screening else {
            return Ok(Self {
                status: "not_screened".into(),
                hits: Vec::new(),
                algorithm_version: None,
                list_versions: None,
                threshold: None,
            });
        };
        Ok(Self {
            status: text(&s.status)?,
            hits: json_values(&s.hits)?,
            algorithm_version: Some(s.algorithm_version.clone()),
            list_versions: Some(json_values(&s.list_versions)?),
            threshold: Some(s.threshold),
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicySummary {
    pub id: String,
    pub version: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerName {
    pub full: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerAccount {
    pub external_id: String,
}

/// A beneficial owner's name and U.S./foreign determination.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnerDetermination {
    pub name: CustomerName,
    /// `us`, `foreign` or `undetermined`.
    pub person_status: String,
    /// The evidence that decided, in words.
    pub basis: String,
}

/// One verification check and its result, kept as evidence.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationCheckResult {
    pub name: String,
    /// `pass`, `fail`, `not_applicable` or `cannot_run`.
    pub outcome: String,
    pub detail: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Customer {
    pub id: Uuid,
    pub tenant: Uuid,
    /// `individual` or `entity`.
    pub kind: String,
    /// `us`, `foreign` or `undetermined`.
    pub person_status: String,
    /// `pending`, `verified`, `failed` or `not_required`.
    pub cip_status: String,
    /// `none`, `restricted`, `full` or `closed`.
    pub account_access: String,
    /// `low`, `medium` or `high`.
    pub risk_tier: String,
    pub screening: ScreeningSummary,
    /// Why: determination, risk factors, each verification check, the outcome.
    pub decision_reasons: Vec<String>,
    pub policy: PolicySummary,
    pub name: CustomerName,
    pub accounts: Vec<CustomerAccount>,
    pub beneficial_owners: Vec<OwnerDetermination>,
    pub verification_checks: Vec<VerificationCheckResult>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerList {
    /// Newest first.
    pub customers: Vec<Customer>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<Uuid>,
}

fn text<T: Serialize>(value: &T) -> ApiResult<String> {
    enum_text(value).map_err(|e| ApiError::internal(e.to_string()))
}

fn outcome(outcome: &CheckOutcome) -> &'static str {
    match outcome {
        CheckOutcome::Pass => "pass",
        CheckOutcome::Fail => "fail",
        CheckOutcome::NotApplicable => "not_applicable",
        CheckOutcome::CannotRun { .. } => "cannot_run",
    }
}

impl Customer {
    pub(crate) fn from_record(record: CustomerRecord) -> ApiResult<Self> {
        let owners = record
            .customer
            .beneficial_owners
            .iter()
            .zip(&record.determination.owners)
            .map(|(owner, determination)| {
                Ok(OwnerDetermination {
                    name: CustomerName {
                        full: owner.name.full().as_str().to_owned(),
                    },
                    person_status: text(&determination.status)?,
                    basis: determination.basis.clone(),
                })
            })
            .collect::<ApiResult<Vec<_>>>()?;
        let decision = &record.decision;
        Ok(Self {
            id: *record.id.as_uuid(),
            tenant: *record.tenant.as_uuid(),
            kind: record.kind.as_str().to_owned(),
            person_status: text(&decision.person_status)?,
            cip_status: text(&decision.cip_status)?,
            account_access: text(&decision.account_access)?,
            risk_tier: decision.risk_tier.key().to_owned(),
            screening: ScreeningSummary::from_record(record.screening.as_ref())?,
            decision_reasons: decision.reasons.clone(),
            policy: PolicySummary {
                id: decision.policy_id.clone(),
                version: decision.policy_version.clone(),
            },
            name: CustomerName {
                full: record.customer.name.full().as_str().to_owned(),
            },
            accounts: record
                .accounts
                .iter()
                .map(|id| CustomerAccount {
                    external_id: id.clone(),
                })
                .collect(),
            beneficial_owners: owners,
            verification_checks: record
                .checks
                .iter()
                .map(|c| VerificationCheckResult {
                    name: c.name.clone(),
                    outcome: outcome(&c.outcome).to_owned(),
                    detail: match &c.outcome {
                        CheckOutcome::CannotRun { reason } => reason.clone(),
                        _ => c.detail.clone(),
                    },
                })
                .collect(),
            created_at: record.created_at,
            updated_at: record.updated_at,
        })
    }
}

/// Onboards a customer.
///
/// Validates every field (all errors at once), decides U.S. or foreign for the customer and each
/// beneficial owner, screens the customer's and each owner's name against the restricted-party
/// lists (a potential match restricts access pending review), assesses the risk tier, runs the offline verification checks of that tier,
/// and grants account access per the rule pack. With an `Idempotency-Key` header, a repeated
/// request answers 200 with the customer the first one created.
#[utoipa::path(
    post, path = "/v1/customers", tag = "customers",
    request_body = CustomerDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeating a request with the same key returns the first result")),
    responses(
        (status = 201, description = "The customer, with its CIP decision", body = Customer),
        (status = 200, description = "A replay: the customer the first request with this key created", body = Customer),
        (status = 409, description = "An account id already belongs to another customer", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn create_customer(
    Auth(scope): Auth,
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(draft): ApiJson<CustomerDraft>,
) -> ApiResult<(StatusCode, Json<Customer>)> {
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .map_err(|_| ApiError::bad_request("Idempotency-Key must be printable ASCII"))?
                .to_owned(),
        ),
    };
    let onboarded = state.app.onboard_customer(&scope, draft, key).await?;
    let status = if onboarded.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(Customer::from_record(onboarded.customer)?)))
}

/// Reads a customer of the caller's tenants.
#[utoipa::path(
    get, path = "/v1/customers/{id}", tag = "customers",
    params(("id" = Uuid, Path, description = "The customer's id")),
    responses(
        (status = 200, description = "The customer", body = Customer),
        (status = 404, description = "No such customer in the caller's tenants", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_customer(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Customer>> {
    let record = state
        .app
        .customer(&scope, CustomerId::from_uuid(id))
        .await?;
    Ok(Json(Customer::from_record(record)?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CustomerListQuery {
    /// Find the customers with this email (theirs or a beneficial owner's).
    pub email: Option<String>,
    /// Find the customers with this phone number (any format that parses to E.164).
    pub phone: Option<String>,
    /// Find the customers with this identity document number.
    pub document: Option<String>,
    /// At most this many customers (1 to 500, default 50); lists only.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// Continue after this customer id (the previous page's `next_after`); lists only.
    pub after: Option<Uuid>,
}

/// Lists the customers of the caller's tenants, or finds them by email, phone or document.
///
/// Searches go through keyed blind indexes: the store never holds these values in plaintext.
#[utoipa::path(
    get, path = "/v1/customers", tag = "customers",
    params(CustomerListQuery),
    responses((status = 200, description = "The customers, newest first", body = CustomerList)),
    security(("bearer" = []))
)]
pub async fn list_customers(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<CustomerListQuery>,
) -> ApiResult<Json<CustomerList>> {
    let search = match (query.email, query.phone, query.document) {
        (None, None, None) => None,
        (Some(email), None, None) => Some(CustomerQuery::Email(email)),
        (None, Some(phone), None) => Some(CustomerQuery::Phone(phone)),
        (None, None, Some(document)) => Some(CustomerQuery::Document(document)),
        _ => {
            return Err(ApiError::bad_request(
                "search by one of email, phone or document at a time",
            ));
        }
    };
    let (records, next_after) = match search {
        Some(search) => (state.app.search_customers(&scope, &search).await?, None),
        None => {
            let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
            let records = state
                .app
                .list_customers(&scope, query.after.map(CustomerId::from_uuid), limit)
                .await?;
            let full = u32::try_from(records.len()).is_ok_and(|n| n == limit);
            let next = if full {
                records.last().map(|r| *r.id.as_uuid())
            } else {
                None
            };
            (records, next)
        }
    };
    Ok(Json(CustomerList {
        customers: records
            .into_iter()
            .map(Customer::from_record)
            .collect::<ApiResult<_>>()?,
        next_after,
    }))
}

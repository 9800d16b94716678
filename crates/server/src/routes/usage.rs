//! `/v1/usage`, `/v1/reservations` (bulk, JSON array or NDJSON) and
//! `/v1/compute/accounts/{account}` (the assessment of the account's owner group).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use cloudkyc_app::App;
use cloudkyc_app::usage::IngestReport;
use serde::Serialize;
use utoipa::ToSchema;

use crate::extract::{ApiPath, Auth};
use crate::problem::{ApiError, ApiResult, ProblemKind};
use crate::state::AppState;

/// A usage record: what ran. Records are idempotent on `id` (per tenant).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "u-1", "account": "acct-2001", "accelerator": "H100",
    "count": 4096, "start": "2026-10-01T00:00:00Z", "end": "2026-10-31T00:00:00Z",
    "cluster": "dc7-pg-12", "datacenter": "dc7", "fabric_gbps": 3200}))]
pub struct UsageRecord {
    pub id: String,
    /// The provider's external account id.
    pub account: String,
    /// Accelerator model as the provider names it (`H100`, `h100-sxm`, `TPU v5p`, ...).
    pub accelerator: String,
    pub count: i64,
    /// RFC 3339.
    pub start: String,
    /// RFC 3339, after `start`.
    pub end: String,
    pub cluster: Option<String>,
    pub datacenter: Option<String>,
    /// Interconnect bandwidth per accelerator, Gbit/s.
    pub fabric_gbps: Option<f64>,
    /// The reservation this usage draws on.
    pub reservation: Option<String>,
    /// `{duty, ofu, precision}`: measured duty cycle and model FLOPs utilisation in [0, 1],
    /// precision `fp8`, `bf16`, `fp16`, `tf32` or `fp32`.
    #[schema(value_type = Option<Object>)]
    pub telemetry: Option<serde_json::Value>,
    /// `training`, `fine_tuning`, `inference`, `serving`, `bio_training`, `research`, `other`.
    pub purpose: Option<String>,
}

/// A reservation or committed spend: what could run. A `count` or a `committed_spend_usd` is
/// required.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "r-1", "account": "acct-2001", "accelerator": "H100",
    "count": 24576, "start": "2026-11-01T00:00:00Z", "end": "2027-05-01T00:00:00Z",
    "cluster": "dc7-pg-12", "datacenter": "dc7", "fabric_gbps": 3200}))]
pub struct ReservationRecord {
    pub id: String,
    pub account: String,
    pub accelerator: String,
    pub count: Option<i64>,
    pub start: String,
    pub end: String,
    pub cluster: Option<String>,
    pub datacenter: Option<String>,
    pub fabric_gbps: Option<f64>,
    pub committed_spend_usd: Option<f64>,
    pub price_per_chip_hour: Option<f64>,
    /// `on_demand`, `one_year` or `three_year`.
    pub price_term: Option<String>,
}

/// A bulk body of usage records: a JSON array, or the same records as NDJSON lines.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!([{"id": "u-1", "account": "acct-2001", "accelerator": "H100",
    "count": 4096, "start": "2026-10-01T00:00:00Z", "end": "2026-10-31T00:00:00Z",
    "cluster": "dc7-pg-12", "datacenter": "dc7", "fabric_gbps": 3200}]))]
pub struct UsageBatch(pub Vec<UsageRecord>);

/// A bulk body of reservations: a JSON array, or the same records as NDJSON lines.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!([{"id": "r-1", "account": "acct-2001", "accelerator": "H100",
    "count": 24576, "start": "2026-11-01T00:00:00Z", "end": "2027-05-01T00:00:00Z",
    "cluster": "dc7-pg-12", "datacenter": "dc7", "fabric_gbps": 3200}]))]
pub struct ReservationBatch(pub Vec<ReservationRecord>);

/// One refused record.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedRecord {
    /// The record's id, when one could be read.
    pub id: Option<String>,
    /// Its position in the body (0-based; blank NDJSON lines are not counted).
    pub index: usize,
    /// Every problem, each starting with the field it concerns.
    pub reasons: Vec<String>,
}

/// What became of a bulk body.
#[derive(Debug, Serialize, ToSchema)]
pub struct IngestCounts {
    /// New records, committed.
    pub accepted: usize,
    /// Records whose id this tenant already had (or that repeated an id of the body).
    pub duplicate: usize,
    pub rejected: Vec<RejectedRecord>,
}

impl From<IngestReport> for IngestCounts {
    fn from(r: IngestReport) -> Self {
        Self {
            accepted: r.accepted,
            duplicate: r.duplicate,
            rejected: r
                .rejected
                .into_iter()
                .map(|x| RejectedRecord {
                    id: x.id,
                    index: x.index,
                    reasons: x.reasons,
                })
                .collect(),
        }
    }
}

/// `application/json` (an array) or `application/x-ndjson` (one record per line).
fn bulk_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(
        essence.as_str(),
        "application/json" | "application/x-ndjson" | "application/ndjson" | "application/jsonl"
    )
}

pub(super) fn check_content_type(headers: &HeaderMap) -> ApiResult<()> {
    if bulk_content_type(headers) {
        Ok(())
    } else {
        Err(ApiError::new(
            ProblemKind::UnsupportedMediaType,
            "send a JSON array as `application/json` or NDJSON as `application/x-ndjson`",
        ))
    }
}

/// Ingests usage records.
///
/// A JSON array or NDJSON. Each record is validated on its own: the valid ones are stored
/// (idempotent on `id`), the others come back with their reasons. 200 even when some records
/// are rejected; 422 only when the body as a whole is unusable (empty, not JSON or NDJSON).
#[utoipa::path(
    post, path = "/v1/usage", tag = "compute",
    request_body(content = UsageBatch, description = "A JSON array (`application/json`) or NDJSON (`application/x-ndjson`) of usage records"),
    responses((status = 200, description = "Counts of accepted, duplicate and rejected records", body = IngestCounts)),
    security(("bearer" = []))
)]
pub async fn ingest_usage(
    Auth(scope): Auth,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<IngestCounts>> {
    App::can_ingest_usage(&scope)?;
    check_content_type(&headers)?;
    let report = state.app.ingest_usage(&scope, &body).await?;
    Ok(Json(report.into()))
}

/// Ingests reservations and committed spend.
///
/// Same body rules and answer as `POST /v1/usage`.
#[utoipa::path(
    post, path = "/v1/reservations", tag = "compute",
    request_body(content = ReservationBatch, description = "A JSON array (`application/json`) or NDJSON (`application/x-ndjson`) of reservations"),
    responses((status = 200, description = "Counts of accepted, duplicate and rejected records", body = IngestCounts)),
    security(("bearer" = []))
)]
pub async fn ingest_reservations(
    Auth(scope): Auth,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<IngestCounts>> {
    App::can_ingest_usage(&scope)?;
    check_content_type(&headers)?;
    let report = state.app.ingest_reservations(&scope, &body).await?;
    Ok(Json(report.into()))
}

/// The compute assessment of an account's owner group.
///
/// Episodes with estimates (p05/p50/p95 and ceiling), lineages, cluster evidence, "could result"
/// projections from reservations and red-flag firings with their inputs, as of now. Person
/// status is `undetermined` until accounts are linked to CIP customers, so would-be report
/// cases show as reviews.
#[utoipa::path(
    get, path = "/v1/compute/accounts/{account}", tag = "compute",
    params(("account" = String, Path, description = "The provider's external account id")),
    responses(
        (status = 200, description = "The assessment", body = Object),
        (status = 404, description = "No usage or reservation of this account is visible")
    ),
    security(("bearer" = []))
)]
pub async fn assess_account(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(account): ApiPath<String>,
) -> ApiResult<Json<cloudkyc_app::usage::Assessment>> {
    let now = state.app.now();
    Ok(Json(state.app.assess_account(&scope, &account, now).await?))
}

//! `/v1/access-events` (bulk, JSON array or NDJSON) and `/v1/access-events/summary`: the access
//! and administration IP log of the provider's accounts.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use cloudkyc_app::App;
use cloudkyc_app::access::{AccessIngestReport, AccountAccessSummary, ReviewFlag};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::usage::{RejectedRecord, check_content_type};
use crate::extract::{ApiQuery, Auth};
use crate::problem::ApiResult;
use crate::state::AppState;

/// One access to one of the provider's accounts. Idempotent on `id` (per tenant).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "ev-1", "account": "acct-1001", "ip": "102.89.34.10",
    "at": "2026-11-01T08:15:00Z", "action": "login"}))]
pub struct AccessEventRecord {
    pub id: String,
    /// The provider's external account id (`accounts[].external_id` of a customer of the
    /// caller's tenant).
    pub account: String,
    /// IPv4 or IPv6 address the account was used from. Stored encrypted; the country it is
    /// placed in is attached at ingestion.
    pub ip: String,
    /// RFC 3339; at most an hour in the future.
    pub at: String,
    /// `login`, `logout`, `api`, `console`, `admin` or `ssh`.
    pub action: String,
}

/// A bulk body of access events: a JSON array, or the same records as NDJSON lines.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!([{"id": "ev-1", "account": "acct-1001", "ip": "102.89.34.10",
    "at": "2026-11-01T08:15:00Z", "action": "login"}]))]
pub struct AccessEventBatch(pub Vec<AccessEventRecord>);

/// A customer recorded as a U.S. person whose accounts were accessed from another country.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessReviewFlag {
    /// `foreign_access_to_us_person`.
    pub kind: String,
    pub customer: Uuid,
    pub accounts: Vec<String>,
    /// ISO 3166-1 alpha-2 codes of the countries other than the United States.
    pub countries: Vec<String>,
    pub reason: String,
}

impl From<ReviewFlag> for AccessReviewFlag {
    fn from(f: ReviewFlag) -> Self {
        Self {
            kind: f.kind.to_owned(),
            customer: *f.customer.as_uuid(),
            accounts: f.accounts,
            countries: f.countries.iter().map(|c| c.as_str().to_owned()).collect(),
            reason: f.reason,
        }
    }
}

/// What became of a bulk body of access events.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessIngestCounts {
    /// New events, committed.
    pub accepted: usize,
    /// Events whose id this tenant already had (or that repeated an id of the body).
    pub duplicate: usize,
    pub rejected: Vec<RejectedRecord>,
    /// Customers this body flagged for review; a re-determination is queued for each.
    pub review_flags: Vec<AccessReviewFlag>,
}

impl From<AccessIngestReport> for AccessIngestCounts {
    fn from(r: AccessIngestReport) -> Self {
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
            review_flags: r.review_flags.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// The provider's external account id.
    pub account: String,
}

/// What the log says about one account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessSummary {
    pub account: String,
    /// The customer holding the account.
    pub customer: Uuid,
    pub events: u64,
    pub distinct_ips: u64,
    /// Distinct countries the account was used from (ISO 3166-1 alpha-2, in code order).
    pub countries: Vec<String>,
    /// Events whose address could not be placed (private, reserved, or not in the database).
    pub unplaced_events: u64,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub review_flags: Vec<AccessReviewFlag>,
}

impl From<AccountAccessSummary> for AccessSummary {
    fn from(s: AccountAccessSummary) -> Self {
        Self {
            customer: *s.customer.as_uuid(),
            countries: s
                .summary
                .countries
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            account: s.summary.account,
            events: s.summary.events,
            distinct_ips: s.summary.distinct_ips,
            unplaced_events: s.summary.unplaced_events,
            first_seen: s.summary.first_seen,
            last_seen: s.summary.last_seen,
            review_flags: s.review_flags.into_iter().map(Into::into).collect(),
        }
    }
}

/// Ingests access events.
///
/// A JSON array or NDJSON. Each event is checked on its own (address, time, action, and an
/// account of one of the caller's tenant's customers): the valid ones get their country from
/// the geolocation database and are stored (idempotent on `id`), the others come back with
/// their reasons. 200 even when some events are rejected; 422 only when the body as a whole is
/// unusable. Access from abroad to an account of a customer recorded as a U.S. person raises a
/// review flag and queues a re-determination.
#[utoipa::path(
    post, path = "/v1/access-events", tag = "customers",
    request_body(content = AccessEventBatch, description = "A JSON array (`application/json`) or NDJSON (`application/x-ndjson`) of access events"),
    responses((status = 200, description = "Counts of accepted, duplicate and rejected events, and review flags", body = AccessIngestCounts)),
    security(("bearer" = []))
)]
pub async fn ingest_access_events(
    Auth(scope): Auth,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<AccessIngestCounts>> {
    App::can_ingest_access_events(&scope)?;
    check_content_type(&headers)?;
    let report = state.app.ingest_access_events(&scope, &body).await?;
    Ok(Json(report.into()))
}

/// The access summary of one account.
///
/// Event count, distinct addresses and countries, first and last access, and the review flags
/// (a customer recorded as a U.S. person whose account was used from abroad).
#[utoipa::path(
    get, path = "/v1/access-events/summary", tag = "customers",
    params(SummaryQuery),
    responses(
        (status = 200, description = "The account's summary", body = AccessSummary),
        (status = 404, description = "No customer of the caller's tenant holds this account")
    ),
    security(("bearer" = []))
)]
pub async fn access_summary(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SummaryQuery>,
) -> ApiResult<Json<AccessSummary>> {
    let summary = state.app.access_summary(&scope, &query.account).await?;
    Ok(Json(summary.into()))
}

//! `/v1/cases`: list and read cases, open one by hand, and work it with actions
//! (`POST /v1/cases/{id}/actions`, one endpoint tagged by `action`, so every command goes
//! through the same domain state machine and the same optimistic-concurrency check).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cloudkyc_domain::cases::{CaseId, CaseKind, CaseStatus, NewCase, Note};
use cloudkyc_domain::rule_pack::RiskTier;
use cloudkyc_store::cases::{CaseFilter, MAX_CASES_LISTED};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;
use uuid::Uuid;

use super::case_dto::{
    ActionBody, CaseActionRequest, CaseList, CaseSummary, CaseView, OpenCaseRequest, subject,
};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::problem::{ApiError, ApiResult, InvalidField, Problem};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// Only cases in this status.
    pub status: Option<String>,
    /// Only cases of this kind.
    pub kind: Option<String>,
    /// Only cases about this subject id (a customer id, a reseller id, ...).
    pub subject: Option<String>,
    /// Only cases assigned to this actor.
    pub assignee: Option<String>,
    /// `true`: only cases that are not closed.
    pub open: Option<bool>,
    /// `true`: only open cases whose due date has passed.
    pub overdue: Option<bool>,
    /// Only cases due before this day.
    pub due_before: Option<chrono::NaiveDate>,
    /// Paging: cases opened before this case (the previous page's `next_before`).
    pub before: Option<Uuid>,
    /// Page size, 1 to 500 (default 100).
    pub limit: Option<u32>,
}

/// A snake_case enum named by text, or a 422 naming the parameter.
fn parse_label<T: DeserializeOwned>(path: &str, text: &str, expected: &str) -> ApiResult<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|_| {
        ApiError::invalid(vec![InvalidField {
            path: path.to_owned(),
            message: format!("unknown value {text:?}; expected one of {expected}"),
        }])
    })
}

const KINDS: &str = "screening_hit, verification, special_measure, reseller, ai_training_report, compute_review, records_request";
const STATUSES: &str = "open, investigating, awaiting_customer, escalated, closed";

fn invalid(path: &str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(vec![InvalidField {
        path: path.to_owned(),
        message: message.into(),
    }])
}

fn filter(query: CaseQuery, today: chrono::NaiveDate) -> ApiResult<CaseFilter> {
    let limit = query.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_CASES_LISTED {
        return Err(invalid(
            "/limit",
            format!("must be from 1 to {MAX_CASES_LISTED}"),
        ));
    }
    let overdue = query.overdue.unwrap_or(false);
    let due_before = match (query.due_before, overdue) {
        (Some(day), true) => Some(day.min(today)),
        (Some(day), false) => Some(day),
        (None, true) => Some(today),
        (None, false) => None,
    };
    Ok(CaseFilter {
        status: query
            .status
            .map(|s| parse_label::<CaseStatus>("/status", &s, STATUSES))
            .transpose()?,
        open_only: query.open.unwrap_or(false) || overdue,
        kind: query
            .kind
            .map(|k| parse_label::<CaseKind>("/kind", &k, KINDS))
            .transpose()?,
        subject: query
            .subject
            .map(|s| cloudkyc_domain::cases::SubjectRef::parse(&s))
            .transpose()
            .map_err(|e| invalid("/subject", e.to_string()))?,
        assignee: query
            .assignee
            .map(|a| cloudkyc_domain::cases::ActorId::parse(&a))
            .transpose()
            .map_err(|e| invalid("/assignee", e.to_string()))?,
        due_before,
        before: query.before.map(CaseId::from_uuid),
        limit,
    })
}

/// Lists cases.
///
/// Every case of the caller's tenants, newest first, filtered by status, kind, subject,
/// assignee, openness or due date. Readable by admins, officers, analysts and auditors.
#[utoipa::path(
    get, path = "/v1/cases", tag = "cases",
    params(CaseQuery),
    responses((status = 200, description = "The cases, newest first", body = CaseList)),
    security(("bearer" = []))
)]
pub async fn list_cases(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<CaseQuery>,
) -> ApiResult<Json<CaseList>> {
    let filter = filter(query, state.app.today())?;
    let records = state.app.cases(&scope, &filter).await?;
    let full = records.len() >= filter.limit as usize;
    Ok(Json(CaseList {
        next_before: records
            .last()
            .filter(|_| full)
            .map(|r| *r.case.id().as_uuid()),
        cases: records
            .iter()
            .map(|r| CaseSummary::of(r, state.app.today()))
            .collect(),
    }))
}

/// Opens a case by hand.
///
/// The pack sets the priority and the due date from the kind and the knowledge date (a case
/// with a clock of its own: AI-training report 15 days, reseller termination 30 days, records
/// production 10 business days, verification pending).
#[utoipa::path(
    post, path = "/v1/cases", tag = "cases",
    request_body = OpenCaseRequest,
    responses((status = 201, description = "The opened case", body = CaseView)),
    security(("bearer" = []))
)]
pub async fn open_case(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<OpenCaseRequest>,
) -> ApiResult<(StatusCode, Json<CaseView>)> {
    let mut errors = Vec::new();
    let mut field = |path: &str, message: String| {
        errors.push(InvalidField {
            path: path.to_owned(),
            message,
        })
    };
    let kind = parse_label::<CaseKind>("/kind", &body.kind, KINDS)
        .map_err(|_| field("/kind", format!("expected one of {KINDS}")))
        .ok();
    let subject = subject(body.subject_type.as_deref(), &body.subject)
        .map_err(|e| field("/subject", e))
        .ok();
    let summary = Note::parse(&body.summary)
        .map_err(|e| field("/summary", e.to_string()))
        .ok();
    let risk = match body.risk.as_deref() {
        None => None,
        Some(text) => parse_label::<RiskTier>("/risk", text, "low, medium, high")
            .map_err(|_| field("/risk", "expected one of low, medium, high".into()))
            .ok(),
    };
    let (Some(kind), Some(subject), Some(summary)) = (kind, subject, summary) else {
        return Err(ApiError::invalid(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let new = NewCase {
        kind,
        subject,
        summary,
        risk,
        knowledge_date: body.knowledge_date.unwrap_or_else(|| state.app.today()),
        due: body.due,
    };
    let record = state.app.open_case(&scope, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(CaseView::of(&record, state.app.today())),
    ))
}

/// Reads a case with its timeline.
#[utoipa::path(
    get, path = "/v1/cases/{id}", tag = "cases",
    params(("id" = Uuid, Path, description = "The case's id")),
    responses(
        (status = 200, description = "The case and its timeline", body = CaseView),
        (status = 404, description = "No such case in the caller's tenants", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_case(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CaseView>> {
    let record = state.app.case(&scope, CaseId::from_uuid(id)).await?;
    Ok(Json(CaseView::of(&record, state.app.today())))
}

/// Works a case: one action.
///
/// The action is checked against the case's state and the caller's role: a command that does
/// not fit the case's status answers 409 with why; a decision on a high-priority case (or a
/// CIP override where the pack asks) waits for a second, different officer
/// (`approve_decision`).
#[utoipa::path(
    post, path = "/v1/cases/{id}/actions", tag = "cases",
    params(("id" = Uuid, Path, description = "The case's id")),
    request_body = CaseActionRequest,
    responses(
        (status = 200, description = "The case after the action", body = CaseView),
        (status = 404, description = "No such case in the caller's tenants", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The action does not fit the case's state, or the case changed since `expected_version`", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn act(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ActionBody>,
) -> ApiResult<Json<CaseView>> {
    let record = state
        .app
        .work_case(
            &scope,
            CaseId::from_uuid(id),
            body.expected_version,
            body.command,
        )
        .await?;
    Ok(Json(CaseView::of(&record, state.app.today())))
}

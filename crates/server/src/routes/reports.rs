//! `/v1/reports`: generate a regulator report from the records (kept with its SHA-256 in the
//! audit chain), list and describe the reports kept, and read their JSON, PDF and (for a
//! production) archive; every read is logged as a disclosure.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use cloudkyc_app::reports::{Officer, ReportRequest};
use cloudkyc_reports::{OutOfCycleTrigger, ReportKind};
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::report_figures::{ReportFile, ReportId, StoredReport};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::routes::documents::FileBytes;
use crate::state::AppState;

const DEFAULT_LIMIT: u32 = 100;

/// The signing officer; absent fields default to the key's name in the audit chain.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficerBody {
    pub name: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "certification-annual", "year": 2026, "officer": {"name": "Ngozi Adeyemi", "title": "Chief Compliance Officer"}}))]
pub struct GenerateReportRequest {
    /// `certification-initial`, `certification-annual`, `certification-out-of-cycle`,
    /// `written-cip`, `ai-training`, `adp` or `production`.
    pub kind: String,
    /// The year an annual certification covers (default: the current one).
    pub year: Option<i32>,
    /// The case an AI-training report is decided in.
    pub case: Option<String>,
    /// The customers a production names (1 to 100), or the one customer of an AI-training
    /// report made without a case.
    #[serde(default)]
    pub customers: Vec<Uuid>,
    /// Commerce's reference of the request a production answers.
    pub reference: Option<String>,
    /// What changed: required for `certification-out-of-cycle` (at most 2000 characters),
    /// refused for other kinds.
    pub reason: Option<String>,
    /// The kind of change behind an out-of-cycle certification: `operations_change`,
    /// `corporate_structure_change`, `program_change`, `new_contact` or `other` (the default).
    pub trigger: Option<String>,
    #[serde(default)]
    pub officer: Option<OfficerBody>,
}

/// A kept report's metadata.
#[derive(Debug, Serialize, ToSchema)]
pub struct Report {
    pub id: Uuid,
    pub tenant: Uuid,
    pub kind: String,
    /// SHA-256 of the JSON file: what the audit chain records and every PDF page prints.
    pub sha256: String,
    /// What it was generated with (year, case, customers, reference).
    #[schema(value_type = Object)]
    pub parameters: serde_json::Value,
    /// Whether the files carry personal data (they are then stored encrypted).
    pub personal: bool,
    pub json_bytes: u64,
    pub pdf_bytes: u64,
    /// The size of a production's archive.
    pub archive_bytes: Option<u64>,
    /// Who generated it, as the audit chain names them.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<StoredReport> for Report {
    fn from(r: StoredReport) -> Self {
        Self {
            id: *r.id.as_uuid(),
            tenant: *r.tenant.as_uuid(),
            kind: r.kind,
            sha256: r.sha256,
            parameters: r.parameters,
            personal: r.personal,
            json_bytes: r.json_bytes,
            pdf_bytes: r.pdf_bytes,
            archive_bytes: r.archive_bytes,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportList {
    /// The caller's tenants' reports, newest first.
    pub reports: Vec<Report>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportListQuery {
    /// At most this many (1 to 500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

fn request(body: GenerateReportRequest) -> ApiResult<ReportRequest> {
    let kind: ReportKind = body.kind.parse().map_err(|_| {
        ApiError::from(cloudkyc_app::AppError::invalid(
            "/kind",
            format!("must be one of {}", ReportKind::NAMES.join(", ")),
        ))
    })?;
    let trigger = match body.trigger.as_deref() {
        None => None,
        Some(name) => Some(OutOfCycleTrigger::parse(name).ok_or_else(|| {
            let names: Vec<&str> = OutOfCycleTrigger::ALL.map(OutOfCycleTrigger::as_str).into();
            ApiError::from(cloudkyc_app::AppError::invalid(
                "/trigger",
                format!("must be one of {}", names.join(", ")),
            ))
        })?),
    };
    let officer = body.officer.unwrap_or_default();
    Ok(ReportRequest {
        year: body.year,
        case: body.case,
        customers: body
            .customers
            .into_iter()
            .map(CustomerId::from_uuid)
            .collect(),
        reference: body.reference,
        reason: body.reason,
        trigger,
        officer: Officer {
            name: officer.name,
            title: officer.title,
            email: officer.email,
            phone: officer.phone,
        },
        ..ReportRequest::new(kind)
    })
}

/// Generates a report from the records.
///
/// The report is rendered to JSON and PDF, kept, and its SHA-256 recorded in the audit chain.
/// Needs a role that decides cases (an officer signs reports).
#[utoipa::path(
    post, path = "/v1/reports", tag = "reports",
    request_body = GenerateReportRequest,
    responses(
        (status = 201, description = "The report kept, with its id and digest", body = Report),
        (status = 404, description = "A named customer or case is not in the caller's tenants", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The records do not make this report yet (no compute estimate for an AI-training report)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn generate_report(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<GenerateReportRequest>,
) -> ApiResult<(StatusCode, Json<Report>)> {
    let generated = state.app.generate_report(&scope, request(body)?).await?;
    Ok((StatusCode::CREATED, Json(generated.report.into())))
}

/// Lists the reports kept for the caller's tenants.
#[utoipa::path(
    get, path = "/v1/reports", tag = "reports",
    params(ReportListQuery),
    responses((status = 200, description = "The reports, newest first", body = ReportList)),
    security(("bearer" = []))
)]
pub async fn list_reports(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ReportListQuery>,
) -> ApiResult<Json<ReportList>> {
    let reports = state
        .app
        .list_reports(&scope, query.limit.unwrap_or(DEFAULT_LIMIT))
        .await?;
    Ok(Json(ReportList {
        reports: reports.into_iter().map(Report::from).collect(),
    }))
}

/// A report's metadata.
#[utoipa::path(
    get, path = "/v1/reports/{id}", tag = "reports",
    params(("id" = Uuid, Path, description = "The report's id")),
    responses(
        (status = 200, description = "The report's metadata", body = Report),
        (status = 404, description = "No such report in the caller's tenants", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_report(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Report>> {
    let report = state
        .app
        .report_metadata(&scope, ReportId::from_uuid(id))
        .await?;
    Ok(Json(report.into()))
}

async fn file(
    state: &AppState,
    scope: &cloudkyc_store::TenantScope,
    id: Uuid,
    file: ReportFile,
) -> ApiResult<Response> {
    let (report, bytes) = state
        .app
        .disclose_report(scope, ReportId::from_uuid(id), file)
        .await?;
    let (media_type, extension) = match file {
        ReportFile::Json => ("application/json", "json"),
        ReportFile::Pdf => ("application/pdf", "pdf"),
        ReportFile::Archive => ("application/x-tar", "tar"),
    };
    let disposition = format!("attachment; filename=\"{}.{extension}\"", report.kind);
    let headers = [
        (header::CONTENT_TYPE, media_type.to_owned()),
        // Reports may carry personal data: never kept by shared caches.
        (header::CACHE_CONTROL, "no-store".to_owned()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (header::CONTENT_DISPOSITION, disposition),
    ];
    Ok((headers, bytes).into_response())
}

/// A report's JSON, exactly as kept (its SHA-256 is the report's); the read is logged.
#[utoipa::path(
    get, path = "/v1/reports/{id}/json", tag = "reports",
    params(("id" = Uuid, Path, description = "The report's id")),
    responses(
        (status = 200, description = "The JSON file", body = Object, content_type = "application/json"),
        (status = 404, description = "No such report in the caller's tenants", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn report_json(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    file(&state, &scope, id, ReportFile::Json).await
}

/// A report's PDF, exactly as kept; the read is logged.
#[utoipa::path(
    get, path = "/v1/reports/{id}/pdf", tag = "reports",
    params(("id" = Uuid, Path, description = "The report's id")),
    responses(
        (status = 200, description = "The PDF file", content((FileBytes = "application/pdf"))),
        (status = 404, description = "No such report in the caller's tenants", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn report_pdf(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    file(&state, &scope, id, ReportFile::Pdf).await
}

/// A production's tar archive (the files its manifest lists, and the manifest); the read is
/// logged.
#[utoipa::path(
    get, path = "/v1/reports/{id}/archive", tag = "reports",
    params(("id" = Uuid, Path, description = "The report's id")),
    responses(
        (status = 200, description = "The tar archive", content((FileBytes = "application/x-tar"))),
        (status = 404, description = "No such report, or the report has no archive", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn report_archive(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    file(&state, &scope, id, ReportFile::Archive).await
}

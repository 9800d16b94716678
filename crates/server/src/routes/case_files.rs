//! `/v1/cases/{id}/attachments` (evidence files, stored encrypted, reads audited) and
//! `/v1/calendar` (every dated clock, overdue and due-soon flagged).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use cloudkyc_app::App;
use cloudkyc_app::cases::attachments::AttachFile;
use cloudkyc_app::documents::MediaType;
use cloudkyc_domain::cases::CaseId;
use cloudkyc_store::cases::{Attachment as StoredAttachment, AttachmentId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::case_dto::{CalendarItem, CalendarView, label};
use super::documents::FileBytes;
use crate::extract::{ApiPath, ApiQuery, Auth};
use crate::problem::{ApiError, ApiResult, Problem, ProblemKind};
use crate::state::AppState;

/// An attachment's metadata; `sha256` is also on the timeline's `evidence_added` entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseAttachment {
    pub id: Uuid,
    pub case_id: Uuid,
    pub file_name: String,
    /// `image/jpeg`, `image/png` or `application/pdf`.
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
    pub uploaded_by: String,
}

impl From<StoredAttachment> for CaseAttachment {
    fn from(a: StoredAttachment) -> Self {
        Self {
            id: *a.id.as_uuid(),
            case_id: *a.case.as_uuid(),
            file_name: a.file_name,
            content_type: a.media_type.as_str().to_owned(),
            size: a.size,
            sha256: a.sha256,
            uploaded_at: a.uploaded_at,
            uploaded_by: a.uploaded_by,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachedFile {
    pub attachment: CaseAttachment,
    /// The case's version after the upload.
    pub version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseAttachmentList {
    /// Oldest first.
    pub attachments: Vec<CaseAttachment>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AttachQuery {
    /// The file's name, as the examiner should see it. Required.
    pub file_name: Option<String>,
    /// What the file shows or proves (recorded on the timeline). Required.
    pub description: Option<String>,
}

fn media_type(headers: &HeaderMap) -> ApiResult<MediaType> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| MediaType::parse(v.split(';').next().unwrap_or("").trim()))
        .ok_or_else(|| {
            ApiError::new(
                ProblemKind::UnsupportedMediaType,
                "send the file's bytes as `image/jpeg`, `image/png` or `application/pdf`",
            )
        })
}

/// Attaches an evidence file to a case.
///
/// The body is the file's bytes (at most 10 MiB) with its `Content-Type`. It is stored
/// encrypted with its SHA-256, and an `evidence_added` entry naming it is appended to the
/// timeline in the same transaction.
#[utoipa::path(
    post, path = "/v1/cases/{id}/attachments", tag = "cases",
    params(("id" = Uuid, Path, description = "The case's id"), AttachQuery),
    request_body(content((FileBytes = "image/jpeg"), (FileBytes = "image/png"), (FileBytes = "application/pdf")), description = "The file's bytes, sent with their type"),
    responses(
        (status = 201, description = "The stored attachment", body = AttachedFile),
        (status = 404, description = "No such case in the caller's tenants", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The case is closed", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn upload_attachment(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<AttachQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<AttachedFile>)> {
    App::can_work_cases(&scope)?;
    let file = AttachFile {
        file_name: query.file_name.unwrap_or_default(),
        description: query.description.unwrap_or_default(),
        media_type: media_type(&headers)?,
        content: body.to_vec(),
    };
    let (attachment, version) = state
        .app
        .attach_to_case(&scope, CaseId::from_uuid(id), file)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(AttachedFile {
            attachment: attachment.into(),
            version,
        }),
    ))
}

/// Lists a case's attachments (metadata and SHA-256).
#[utoipa::path(
    get, path = "/v1/cases/{id}/attachments", tag = "cases",
    params(("id" = Uuid, Path, description = "The case's id")),
    responses(
        (status = 200, description = "The attachments, oldest first", body = CaseAttachmentList),
        (status = 404, description = "No such case in the caller's tenants", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list_attachments(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CaseAttachmentList>> {
    let attachments = state
        .app
        .case_attachments(&scope, CaseId::from_uuid(id))
        .await?;
    Ok(Json(CaseAttachmentList {
        attachments: attachments.into_iter().map(Into::into).collect(),
    }))
}

/// Reads an attachment's bytes; the read is recorded in the audit trail.
#[utoipa::path(
    get, path = "/v1/cases/{id}/attachments/{attachment_id}/content", tag = "cases",
    params(
        ("id" = Uuid, Path, description = "The case's id"),
        ("attachment_id" = Uuid, Path, description = "The attachment's id"),
    ),
    responses(
        (status = 200, description = "The bytes as uploaded", content((FileBytes = "image/jpeg"), (FileBytes = "image/png"), (FileBytes = "application/pdf"))),
        (status = 404, description = "No such attachment of this case in the caller's tenants", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn attachment_content(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath((id, attachment_id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    let opened = state
        .app
        .case_attachment_content(
            &scope,
            CaseId::from_uuid(id),
            AttachmentId::from_uuid(attachment_id),
        )
        .await?;
    let headers = [
        (header::CONTENT_TYPE, opened.attachment.media_type.as_str()),
        // Evidence may be personal data: kept out of shared caches, never sniffed.
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CONTENT_DISPOSITION, "attachment"),
    ];
    Ok((headers, opened.content).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// Items due within this many days are `due_soon` (1 to 366, default 7).
    pub window_days: Option<u32>,
}

/// The deadline calendar.
///
/// Every dated clock of the caller's tenants, earliest first: open cases' due dates (AI-training
/// report, reseller termination, records production, verification pending, case due dates),
/// the next annual certification, special measures' effective and lapse dates and foreign
/// resellers' next periodic reviews, each flagged `overdue`, `due_soon` or `later`.
#[utoipa::path(
    get, path = "/v1/calendar", tag = "cases",
    params(CalendarQuery),
    responses((status = 200, description = "The calendar as of today (UTC)", body = CalendarView)),
    security(("bearer" = []))
)]
pub async fn calendar(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<CalendarQuery>,
) -> ApiResult<Json<CalendarView>> {
    let calendar = state
        .app
        .deadline_calendar(&scope, query.window_days)
        .await?;
    Ok(Json(CalendarView {
        today: calendar.today,
        window_days: calendar.window_days,
        overdue: calendar.overdue,
        due_soon: calendar.due_soon,
        items: calendar
            .entries
            .into_iter()
            .map(|e| CalendarItem {
                due: e.item.due,
                clock: label(&e.item.clock),
                title: e.item.title,
                state: label(&e.state),
                days_left: e.days_left,
                case: e.item.case.map(|c| *c.as_uuid()),
                subject: e.item.subject.as_ref().map(|s| s.reference().to_string()),
                subject_type: e.item.subject.as_ref().map(|s| s.type_name().to_owned()),
            })
            .collect(),
    }))
}

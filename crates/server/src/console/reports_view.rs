//! One kept report: its metadata, a preview of its contents, and the JSON, PDF and archive
//! downloads. Every read of a file, the preview included, is a disclosure the app logs.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cloudkyc_store::report_figures::{ReportFile, ReportId, StoredReport};
use uuid::Uuid;

use super::layout::{Chrome, Nav, PageError, PageResult, render};
use super::session::Console;
use super::words::minute;
use crate::state::AppState;

/// Longest preview shown; the download has the whole file.
const PREVIEW_CHARS: usize = 20_000;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/reports/{id}", get(page))
        .route("/console/reports/{id}/{file}", get(download))
}

#[derive(Debug)]
pub(crate) struct ReportRow {
    pub id: Uuid,
    pub kind: String,
    pub sha256: String,
    pub sha256_short: String,
    pub personal: bool,
    pub json_bytes: u64,
    pub pdf_bytes: u64,
    pub archive: bool,
    pub created_by: String,
    pub created_at: String,
}

impl From<StoredReport> for ReportRow {
    fn from(r: StoredReport) -> Self {
        Self {
            id: *r.id.as_uuid(),
            kind: r.kind,
            sha256_short: r.sha256.chars().take(12).collect(),
            sha256: r.sha256,
            personal: r.personal,
            json_bytes: r.json_bytes,
            pdf_bytes: r.pdf_bytes,
            archive: r.archive_bytes.is_some(),
            created_by: r.created_by,
            created_at: minute(r.created_at),
        }
    }
}

fn report_id(id: &str) -> Result<ReportId, PageError> {
    Uuid::parse_str(id)
        .map(ReportId::from_uuid)
        .map_err(|_| PageError::NotFound("report".into()))
}

#[derive(Template)]
#[template(path = "console/report.html")]
struct ReportPage {
    chrome: Chrome,
    report: ReportRow,
    preview: String,
    truncated: bool,
}

async fn page(
    Console(signed_in): Console,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> PageResult {
    let (report, json) = state
        .app
        .disclose_report(&signed_in.scope, report_id(&id)?, ReportFile::Json)
        .await?;
    let pretty = serde_json::from_slice::<serde_json::Value>(&json)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| String::from_utf8_lossy(&json).into_owned());
    let truncated = pretty.chars().count() > PREVIEW_CHARS;
    let preview = pretty.chars().take(PREVIEW_CHARS).collect();
    let report = ReportRow::from(report);
    let chrome = Chrome::new(&signed_in, Nav::Reports, format!("Report: {}", report.kind));
    Ok(render(&ReportPage {
        chrome,
        report,
        preview,
        truncated,
    }))
}

/// `json`, `pdf` or `archive`: the file exactly as kept, as an attachment.
async fn download(
    Console(signed_in): Console,
    State(state): State<AppState>,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (file, media_type, extension) = match file.as_str() {
        "json" => (ReportFile::Json, "application/json", "json"),
        "pdf" => (ReportFile::Pdf, "application/pdf", "pdf"),
        "archive" => (ReportFile::Archive, "application/x-tar", "tar"),
        _ => return Err(PageError::NotFound("file".into())),
    };
    let (report, bytes) = state
        .app
        .disclose_report(&signed_in.scope, report_id(&id)?, file)
        .await?;
    let disposition = format!("attachment; filename=\"{}.{extension}\"", report.kind);
    let headers = [
        (header::CONTENT_TYPE, media_type.to_owned()),
        (header::CONTENT_DISPOSITION, disposition),
    ];
    Ok((headers, bytes).into_response())
}

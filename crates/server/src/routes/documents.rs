//! `/v1/customers/{id}/documents`: upload a document image (raw bytes), list the metadata, read
//! the bytes back (audited).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use cloudkyc_app::App;
use cloudkyc_app::documents::{Document as StoredDocument, DocumentId, MediaType};
use cloudkyc_store::customers::CustomerId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::{ApiPath, ApiQuery, Auth};
use crate::problem::{ApiError, ApiResult, Problem, ProblemKind};
use crate::state::AppState;

/// An uploaded document's metadata. `sha256` is the fingerprint of the bytes as uploaded.
#[derive(Debug, Serialize, ToSchema)]
pub struct Document {
    pub id: Uuid,
    pub customer_id: Uuid,
    /// `passport`, `national_id`, `driving_licence`, `residence_permit`, `selfie` or
    /// `proof_of_address`.
    pub kind: String,
    /// `image/jpeg`, `image/png` or `application/pdf`.
    pub content_type: String,
    /// Bytes.
    pub size: u64,
    /// Lowercase hex SHA-256 of the bytes.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

impl From<StoredDocument> for Document {
    fn from(d: StoredDocument) -> Self {
        Self {
            id: *d.id.as_uuid(),
            customer_id: *d.customer.as_uuid(),
            kind: d.kind.as_str().to_owned(),
            content_type: d.media_type.as_str().to_owned(),
            size: d.size,
            sha256: d.sha256,
            uploaded_at: d.uploaded_at,
        }
    }
}

/// A file's raw bytes (not JSON).
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // Only a schema for the OpenAPI document: handlers take axum's `Bytes`.
pub struct FileBytes(Vec<u8>);

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentList {
    /// Oldest first.
    pub documents: Vec<Document>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// What the document shows: `passport`, `national_id`, `driving_licence`,
    /// `residence_permit`, `selfie` or `proof_of_address`. Required.
    pub kind: Option<String>,
}

/// The declared media type, from `Content-Type` (parameters ignored).
fn media_type(headers: &HeaderMap) -> ApiResult<MediaType> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| MediaType::parse(v.split(';').next().unwrap_or("").trim()))
        .ok_or_else(|| {
            ApiError::new(
                ProblemKind::UnsupportedMediaType,
                "send the document's bytes as `image/jpeg`, `image/png` or `application/pdf`",
            )
        })
}

/// Uploads a document image of a customer.
///
/// The body is the file's bytes, at most 10 MiB, sent with its `Content-Type`; the bytes must
/// be what the type says (their leading signature is checked). They are stored encrypted with
/// their SHA-256. Uploading the same bytes again for the customer answers 200 with the first
/// record.
#[utoipa::path(
    post, path = "/v1/customers/{id}/documents", tag = "documents",
    params(("id" = Uuid, Path, description = "The customer's id"), UploadQuery),
    request_body(content((FileBytes = "image/jpeg"), (FileBytes = "image/png"), (FileBytes = "application/pdf")), description = "The file's bytes, sent with their type"),
    responses(
        (status = 201, description = "The stored document", body = Document),
        (status = 200, description = "The same bytes were already stored for this customer: the first record", body = Document),
        (status = 404, description = "No such customer in the caller's tenants", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn upload_document(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Document>)> {
    App::can_upload_documents(&scope)?;
    let media_type = media_type(&headers)?;
    let stored = state
        .app
        .upload_document(
            &scope,
            CustomerId::from_uuid(id),
            query.kind.as_deref(),
            media_type,
            body.to_vec(),
        )
        .await?;
    let status = if stored.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(stored.document.into())))
}

/// Lists a customer's documents (metadata and SHA-256, never the bytes).
#[utoipa::path(
    get, path = "/v1/customers/{id}/documents", tag = "documents",
    params(("id" = Uuid, Path, description = "The customer's id")),
    responses(
        (status = 200, description = "The documents, oldest first", body = DocumentList),
        (status = 404, description = "No such customer in the caller's tenants", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list_documents(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<DocumentList>> {
    let documents = state
        .app
        .documents(&scope, CustomerId::from_uuid(id))
        .await?;
    Ok(Json(DocumentList {
        documents: documents.into_iter().map(Document::from).collect(),
    }))
}

/// Reads a document's bytes.
///
/// Answers the bytes with their content type; the read is recorded in the audit trail. Only
/// admins, officers and analysts may read images.
#[utoipa::path(
    get, path = "/v1/customers/{id}/documents/{document_id}/content", tag = "documents",
    params(
        ("id" = Uuid, Path, description = "The customer's id"),
        ("document_id" = Uuid, Path, description = "The document's id"),
    ),
    responses(
        (status = 200, description = "The bytes as uploaded, with their content type", content((FileBytes = "image/jpeg"), (FileBytes = "image/png"), (FileBytes = "application/pdf"))),
        (status = 404, description = "No such document of this customer in the caller's tenants", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn document_content(
    Auth(scope): Auth,
    State(state): State<AppState>,
    ApiPath((id, document_id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    let opened = state
        .app
        .document_content(
            &scope,
            CustomerId::from_uuid(id),
            DocumentId::from_uuid(document_id),
        )
        .await?;
    let headers = [
        (header::CONTENT_TYPE, opened.document.media_type.as_str()),
        // Personal data: kept out of shared caches, and never rendered as anything else.
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CONTENT_DISPOSITION, "attachment"),
    ];
    Ok((headers, opened.content).into_response())
}

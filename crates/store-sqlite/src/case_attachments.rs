//! Case attachments: sealed bytes and file name, SHA-256 in clear; reads audited.

use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_domain::cases::CaseId;
use cloudkyc_store::audit::truncate_to_micros;
use cloudkyc_store::backend::to_micros;
use cloudkyc_store::cases::{
    Attachment, AttachmentContent, AttachmentId, NewAttachment, attachment_read_event,
    open_attachment, seal_attachment,
};
use cloudkyc_store::customers::parse_enum;
use cloudkyc_store::documents::sha256_hex;
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnection, SqliteRow};

use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{self, id_list};

const COLUMNS: &str =
    "id, case_id, tenant_id, file_name_ct, media_type, size, sha256, uploaded_at, uploaded_by";

pub(crate) async fn insert(
    store: &SqliteStore,
    conn: &mut SqliteConnection,
    scope: &TenantScope,
    tenant: TenantId,
    case: CaseId,
    new: NewAttachment,
    now: DateTime<Utc>,
) -> StoreResult<Attachment> {
    let (name_ct, content_ct) =
        seal_attachment(&store.ring, tenant, new.id, &new.file_name, &new.content)?;
    let attachment = Attachment {
        id: new.id,
        case,
        tenant,
        size: u64::try_from(new.content.len()).unwrap_or(u64::MAX),
        sha256: sha256_hex(&new.content),
        file_name: new.file_name,
        media_type: new.media_type,
        uploaded_at: truncate_to_micros(now),
        uploaded_by: scope.actor().audit_name(),
    };
    sqlx::query(&format!(
        "INSERT INTO case_attachments ({COLUMNS}, content_ct) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(attachment.id.to_string())
    .bind(case.to_string())
    .bind(tenant.to_string())
    .bind(name_ct)
    .bind(attachment.media_type.as_str())
    .bind(i64::try_from(new.content.len()).unwrap_or(i64::MAX))
    .bind(&attachment.sha256)
    .bind(to_micros(attachment.uploaded_at))
    .bind(&attachment.uploaded_by)
    .bind(content_ct)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(attachment)
}

fn parse(
    store: &SqliteStore,
    row: &SqliteRow,
    with_content: bool,
) -> StoreResult<(Attachment, Option<Vec<u8>>)> {
    let id: AttachmentId = rows::id(row, "id")?;
    let tenant: TenantId = rows::id(row, "tenant_id")?;
    let name_ct: Vec<u8> = row.try_get("file_name_ct").map_err(db)?;
    let content_ct: Option<Vec<u8>> = if with_content {
        Some(row.try_get("content_ct").map_err(db)?)
    } else {
        None
    };
    let (file_name, content) =
        open_attachment(&store.ring, tenant, id, &name_ct, content_ct.as_deref())?;
    let size: i64 = row.try_get("size").map_err(db)?;
    let attachment = Attachment {
        id,
        case: rows::id(row, "case_id")?,
        tenant,
        file_name,
        media_type: parse_enum("media_type", &rows::text(row, "media_type")?)?,
        size: u64::try_from(size).map_err(|_| StoreError::Corrupt("column size".into()))?,
        sha256: rows::text(row, "sha256")?,
        uploaded_at: rows::time(row, "uploaded_at")?,
        uploaded_by: rows::text(row, "uploaded_by")?,
    };
    Ok((attachment, content))
}

/// Checks the case is visible to the scope (`NotFound` otherwise).
async fn visible_case(
    conn: &mut SqliteConnection,
    scope: &TenantScope,
    case: CaseId,
) -> StoreResult<()> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT id FROM cases WHERE id = ? AND tenant_id IN (SELECT value FROM json_each(?))",
    )
    .bind(case.to_string())
    .bind(id_list(scope.visible()))
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::not_found("case"))
}

pub(crate) async fn list(
    store: &SqliteStore,
    scope: &TenantScope,
    case: CaseId,
) -> StoreResult<Vec<Attachment>> {
    let mut conn = store.reader.acquire().await.map_err(db)?;
    visible_case(&mut conn, scope, case).await?;
    let found = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM case_attachments WHERE case_id = ? ORDER BY id"
    ))
    .bind(case.to_string())
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    found
        .iter()
        .map(|row| Ok(parse(store, row, false)?.0))
        .collect()
}

pub(crate) async fn content(
    store: &SqliteStore,
    scope: &TenantScope,
    case: CaseId,
    id: AttachmentId,
    now: DateTime<Utc>,
) -> StoreResult<AttachmentContent> {
    let mut tx = store.begin_write().await?;
    visible_case(&mut tx, scope, case).await?;
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}, content_ct FROM case_attachments WHERE id = ? AND case_id = ?"
    ))
    .bind(id.to_string())
    .bind(case.to_string())
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?
    .ok_or_else(|| StoreError::not_found("attachment"))?;
    let (attachment, content) = parse(store, &row, true)?;
    let tenant = attachment.tenant;
    append(
        &mut tx,
        tenant,
        scope.actor(),
        now,
        attachment_read_event(&attachment),
    )
    .await?;
    tx.commit().await.map_err(db)?;
    Ok(AttachmentContent {
        attachment,
        content: content.unwrap_or_default(),
    })
}

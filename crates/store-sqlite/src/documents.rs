//! Document images: the sealed bytes with their SHA-256, written with their audit event in one
//! transaction; reads of the bytes audited too. Sealing and row parsing live in
//! `cloudkyc_store::documents`, so this file only knows SQLite's SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::truncate_to_micros;
use cloudkyc_store::backend::to_micros;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::documents::{
    Document, DocumentContent, DocumentId, DocumentRow, DocumentStore, NewDocument, StoredDocument,
    column_texts, read_event, seal_content, sha256_hex, upload_event,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnection, SqliteRow};

use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{self, id_list};

const COLUMNS: &str =
    "id, tenant_id, customer_id, kind, media_type, size, sha256, uploaded_at, uploaded_by";

fn document_row(row: &SqliteRow) -> StoreResult<DocumentRow> {
    Ok(DocumentRow {
        id: rows::id(row, "id")?,
        tenant: rows::id(row, "tenant_id")?,
        customer: rows::id(row, "customer_id")?,
        kind: rows::text(row, "kind")?,
        media_type: rows::text(row, "media_type")?,
        size: row.try_get("size").map_err(db)?,
        sha256: rows::text(row, "sha256")?,
        uploaded_at: rows::time(row, "uploaded_at")?,
        uploaded_by: rows::text(row, "uploaded_by")?,
    })
}

/// The tenant of a customer the scope can see; `NotFound` otherwise.
async fn customer_tenant(
    conn: &mut SqliteConnection,
    scope: &TenantScope,
    customer: CustomerId,
) -> StoreResult<TenantId> {
    let tenant: Option<String> = sqlx::query_scalar(
        "SELECT tenant_id FROM customers WHERE id = ? AND tenant_id IN (SELECT value FROM json_each(?))",
    )
    .bind(customer.to_string())
    .bind(id_list(scope.visible()))
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    let tenant = tenant.ok_or_else(|| StoreError::not_found("customer"))?;
    cloudkyc_store::backend::parse_id("tenant_id", &tenant)
}

#[async_trait]
impl DocumentStore for SqliteStore {
    async fn add_document(
        &self,
        scope: &TenantScope,
        new: NewDocument,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredDocument> {
        let mut tx = self.begin_write().await?;
        let tenant = customer_tenant(&mut tx, scope, new.customer).await?;
        let sha256 = sha256_hex(&new.content);
        let earlier = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM documents WHERE customer_id = ? AND sha256 = ?"
        ))
        .bind(new.customer.to_string())
        .bind(&sha256)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if let Some(row) = earlier {
            return Ok(StoredDocument {
                document: document_row(&row)?.parse()?,
                replayed: true,
            });
        }
        let id = DocumentId::new();
        let (kind, media_type) = column_texts(&new)?;
        let document = Document {
            id,
            tenant,
            customer: new.customer,
            kind: new.kind,
            media_type: new.media_type,
            size: u64::try_from(new.content.len()).unwrap_or(u64::MAX),
            sha256,
            uploaded_at: truncate_to_micros(now),
            uploaded_by: scope.actor().audit_name(),
        };
        let sealed = seal_content(&self.ring, tenant, id, &new.content)?;
        sqlx::query(&format!(
            "INSERT INTO documents ({COLUMNS}, content_ct) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(id.to_string())
        .bind(tenant.to_string())
        .bind(new.customer.to_string())
        .bind(kind)
        .bind(media_type)
        .bind(i64::try_from(new.content.len()).unwrap_or(i64::MAX))
        .bind(&document.sha256)
        .bind(to_micros(document.uploaded_at))
        .bind(&document.uploaded_by)
        .bind(sealed)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append(&mut tx, tenant, scope.actor(), now, upload_event(&document)).await?;
        tx.commit().await.map_err(db)?;
        Ok(StoredDocument {
            document,
            replayed: false,
        })
    }

    async fn documents(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
    ) -> StoreResult<Vec<Document>> {
        let mut conn = self.reader.acquire().await.map_err(db)?;
        customer_tenant(&mut conn, scope, customer).await?;
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM documents WHERE customer_id = ? ORDER BY id"
        ))
        .bind(customer.to_string())
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        found.iter().map(|row| document_row(row)?.parse()).collect()
    }

    async fn document_content(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        id: DocumentId,
        now: DateTime<Utc>,
    ) -> StoreResult<DocumentContent> {
        let mut tx = self.begin_write().await?;
        customer_tenant(&mut tx, scope, customer).await?;
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS}, content_ct FROM documents WHERE id = ? AND customer_id = ?"
        ))
        .bind(id.to_string())
        .bind(customer.to_string())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("document"))?;
        let content_ct: Vec<u8> = row.try_get("content_ct").map_err(db)?;
        let opened = document_row(&row)?.open(&self.ring, &content_ct)?;
        let tenant = opened.document.tenant;
        append(
            &mut tx,
            tenant,
            scope.actor(),
            now,
            read_event(&opened.document),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(opened)
    }
}

//! Document images: the sealed bytes with their SHA-256, written with their audit event in one
//! transaction; reads of the bytes audited too. Sealing and row parsing live in
//! `cloudkyc_store::documents`, so this file only knows PostgreSQL's SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::truncate_to_micros;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::documents::{
    Document, DocumentContent, DocumentId, DocumentRow, DocumentStore, NewDocument, StoredDocument,
    column_texts, read_event, seal_content, sha256_hex, upload_event,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::postgres::{PgConnection, PgRow};
use uuid::Uuid;

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{get, time, uuids};

const COLUMNS: &str =
    "id, tenant_id, customer_id, kind, media_type, size, sha256, uploaded_at, uploaded_by";

fn document_row(row: &PgRow) -> StoreResult<DocumentRow> {
    Ok(DocumentRow {
        id: DocumentId::from_uuid(get(row, "id")?),
        tenant: TenantId::from_uuid(get(row, "tenant_id")?),
        customer: CustomerId::from_uuid(get(row, "customer_id")?),
        kind: get(row, "kind")?,
        media_type: get(row, "media_type")?,
        size: get(row, "size")?,
        sha256: get(row, "sha256")?,
        uploaded_at: time(row, "uploaded_at")?,
        uploaded_by: get(row, "uploaded_by")?,
    })
}

/// The tenant of a customer the scope can see; `NotFound` otherwise.
async fn customer_tenant(
    conn: &mut PgConnection,
    scope: &TenantScope,
    customer: CustomerId,
) -> StoreResult<TenantId> {
    let tenant: Option<Uuid> =
        sqlx::query_scalar("SELECT tenant_id FROM customers WHERE id = $1 AND tenant_id = ANY($2)")
            .bind(customer.as_uuid())
            .bind(uuids(scope.visible()))
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
    tenant
        .map(TenantId::from_uuid)
        .ok_or_else(|| StoreError::not_found("customer"))
}

async fn find_by_hash(
    conn: &mut PgConnection,
    customer: CustomerId,
    sha256: &str,
) -> StoreResult<Option<Document>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM documents WHERE customer_id = $1 AND sha256 = $2"
    ))
    .bind(customer.as_uuid())
    .bind(sha256)
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    .map(|row| document_row(&row)?.parse())
    .transpose()
}

#[async_trait]
impl DocumentStore for PgStore {
    async fn add_document(
        &self,
        scope: &TenantScope,
        new: NewDocument,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredDocument> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let tenant = customer_tenant(&mut tx, scope, new.customer).await?;
        let sha256 = sha256_hex(&new.content);
        if let Some(document) = find_by_hash(&mut tx, new.customer, &sha256).await? {
            return Ok(StoredDocument {
                document,
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
        // A concurrent upload of the same bytes may commit between the look-up and here: the
        // unique (customer, sha256) then skips this insert and the earlier row is the answer.
        let inserted = sqlx::query(&format!(
            "INSERT INTO documents ({COLUMNS}, content_ct) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (customer_id, sha256) DO NOTHING"
        ))
        .bind(id.as_uuid())
        .bind(tenant.as_uuid())
        .bind(new.customer.as_uuid())
        .bind(kind)
        .bind(media_type)
        .bind(i64::try_from(new.content.len()).unwrap_or(i64::MAX))
        .bind(&document.sha256)
        .bind(document.uploaded_at)
        .bind(&document.uploaded_by)
        .bind(sealed)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if inserted.rows_affected() == 0 {
            drop(tx);
            let mut conn = self.pool.acquire().await.map_err(db)?;
            let document = find_by_hash(&mut conn, new.customer, &document.sha256)
                .await?
                .ok_or_else(|| {
                    StoreError::Conflict("the document was uploaded concurrently".into())
                })?;
            return Ok(StoredDocument {
                document,
                replayed: true,
            });
        }
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
        let mut conn = self.pool.acquire().await.map_err(db)?;
        customer_tenant(&mut conn, scope, customer).await?;
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM documents WHERE customer_id = $1 ORDER BY id"
        ))
        .bind(customer.as_uuid())
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
        let mut tx = self.pool.begin().await.map_err(db)?;
        customer_tenant(&mut tx, scope, customer).await?;
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS}, content_ct FROM documents WHERE id = $1 AND customer_id = $2"
        ))
        .bind(id.as_uuid())
        .bind(customer.as_uuid())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("document"))?;
        let content_ct: Vec<u8> = get(&row, "content_ct")?;
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

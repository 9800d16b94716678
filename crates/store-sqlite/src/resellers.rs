//! Foreign resellers: the registry row and its child tenant written together, changes guarded
//! by `updated_at`, agreement bytes sealed. What a change means and how a record maps to its
//! columns live in `cloudkyc_store::resellers`; this file only knows SQLite's SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::reseller::ResellerStatus;
use cloudkyc_domain::{Tenant, TenantId, TenantKind};
use cloudkyc_store::audit::{NewAuditEvent, truncate_to_micros};
use cloudkyc_store::backend::to_micros;
use cloudkyc_store::documents::sha256_hex;
use cloudkyc_store::resellers::{
    AgreementContent, AgreementRow, NewReseller, RESELLER_AGREEMENT_READ, RESELLER_SUBJECT,
    ResellerChange, ResellerColumns, ResellerId, ResellerRecord, ResellerRow, ResellerStore,
    seal_agreement, stale,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnection, SqliteRow};

use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{self, id_list};

const COLUMNS: &str = "id, tenant_id, reseller_tenant_id, name_ct, country, agreement_kind, \
    agreement_document, registered_on, screening_ct, attestations_ct, reviews, status, state, \
    history, termination_due, reminded_through, created_at, updated_at, legal_entity_customer_id";

fn reseller_row(row: &SqliteRow) -> StoreResult<ResellerRow> {
    let get = |column: &str| -> StoreResult<Option<String>> { row.try_get(column).map_err(db) };
    let bytes = |column: &str| -> StoreResult<Vec<u8>> { row.try_get(column).map_err(db) };
    Ok(ResellerRow {
        id: rows::id(row, "id")?,
        tenant: rows::id(row, "tenant_id")?,
        reseller_tenant: rows::id(row, "reseller_tenant_id")?,
        created_at: rows::time(row, "created_at")?,
        updated_at: rows::time(row, "updated_at")?,
        columns: ResellerColumns {
            name_ct: bytes("name_ct")?,
            country: rows::text(row, "country")?,
            agreement_kind: rows::text(row, "agreement_kind")?,
            agreement_document: get("agreement_document")?,
            registered_on: rows::text(row, "registered_on")?,
            screening_ct: bytes("screening_ct")?,
            attestations_ct: bytes("attestations_ct")?,
            reviews: rows::text(row, "reviews")?,
            status: rows::text(row, "status")?,
            state: rows::text(row, "state")?,
            history: rows::text(row, "history")?,
            termination_due: get("termination_due")?,
            reminded_through: get("reminded_through")?,
            legal_entity_customer_id: get("legal_entity_customer_id")?,
        },
    })
}

async fn find(
    conn: &mut SqliteConnection,
    ring: &cloudkyc_store::crypto::KeyRing,
    scope: &TenantScope,
    id: ResellerId,
) -> StoreResult<ResellerRecord> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM resellers WHERE id = ? AND tenant_id IN (SELECT value FROM json_each(?))"
    ))
    .bind(id.to_string())
    .bind(id_list(scope.visible()))
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    .ok_or_else(|| StoreError::not_found("reseller"))?;
    reseller_row(&row)?.open(ring)
}

/// Writes `record`: inserts the row, or updates what a change can change.
async fn write(
    conn: &mut SqliteConnection,
    ring: &cloudkyc_store::crypto::KeyRing,
    record: &ResellerRecord,
) -> StoreResult<()> {
    let c = ResellerColumns::seal(ring, record)?;
    sqlx::query(&format!(
        "INSERT INTO resellers ({COLUMNS}) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET agreement_document = excluded.agreement_document, \
         screening_ct = excluded.screening_ct, attestations_ct = excluded.attestations_ct, \
         reviews = excluded.reviews, status = excluded.status, state = excluded.state, \
         history = excluded.history, termination_due = excluded.termination_due, \
         reminded_through = excluded.reminded_through, updated_at = excluded.updated_at, \
         legal_entity_customer_id = excluded.legal_entity_customer_id"
    ))
    .bind(record.id.to_string())
    .bind(record.tenant.to_string())
    .bind(record.reseller_tenant.to_string())
    .bind(c.name_ct)
    .bind(c.country)
    .bind(c.agreement_kind)
    .bind(c.agreement_document)
    .bind(c.registered_on)
    .bind(c.screening_ct)
    .bind(c.attestations_ct)
    .bind(c.reviews)
    .bind(c.status)
    .bind(c.state)
    .bind(c.history)
    .bind(c.termination_due)
    .bind(c.reminded_through)
    .bind(to_micros(record.created_at))
    .bind(to_micros(record.updated_at))
    .bind(c.legal_entity_customer_id)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

#[async_trait]
impl ResellerStore for SqliteStore {
    async fn create_reseller(
        &self,
        scope: &TenantScope,
        new: NewReseller,
        now: DateTime<Utc>,
    ) -> StoreResult<ResellerRecord> {
        let id = ResellerId::new();
        let created_at = truncate_to_micros(now);
        let child = Tenant {
            id: TenantId::new(),
            parent: Some(scope.tenant()),
            name: format!("foreign reseller ({})", new.country.as_str()),
            kind: TenantKind::Reseller,
            created_at,
        };
        let record = ResellerRecord {
            id,
            tenant: scope.tenant(),
            reseller_tenant: child.id,
            name: new.name,
            country: new.country,
            agreement: new.agreement,
            agreement_document: None,
            registered_on: new.registered_on,
            screening: new.screening,
            attestations: Vec::new(),
            reviews: Vec::new(),
            status: ResellerStatus::Active,
            history: Vec::new(),
            termination_due: None,
            reminded_through: None,
            legal_entity: None,
            created_at,
            updated_at: created_at,
        };
        let mut tx = self.begin_write().await?;
        crate::tenants::insert(&mut tx, &child).await?;
        append(
            &mut tx,
            scope.tenant(),
            scope.actor(),
            now,
            crate::tenants::created(&child),
        )
        .await?;
        write(&mut tx, &self.ring, &record).await?;
        append(
            &mut tx,
            scope.tenant(),
            scope.actor(),
            now,
            record.registered_event(),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(record)
    }

    async fn resellers(&self, scope: &TenantScope) -> StoreResult<Vec<ResellerRecord>> {
        let mut conn = self.reader.acquire().await.map_err(db)?;
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM resellers WHERE tenant_id IN (SELECT value FROM json_each(?)) ORDER BY id"
        ))
        .bind(id_list(scope.visible()))
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        found
            .iter()
            .map(|row| reseller_row(row)?.open(&self.ring))
            .collect()
    }

    async fn reseller(&self, scope: &TenantScope, id: ResellerId) -> StoreResult<ResellerRecord> {
        let mut conn = self.reader.acquire().await.map_err(db)?;
        find(&mut conn, &self.ring, scope, id).await
    }

    async fn update_reseller(
        &self,
        scope: &TenantScope,
        id: ResellerId,
        change: ResellerChange,
        expected_updated_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<ResellerRecord> {
        let mut tx = self.begin_write().await?;
        let current = find(&mut tx, &self.ring, scope, id).await?;
        if current.updated_at != truncate_to_micros(expected_updated_at) {
            return Err(stale(id));
        }
        let (next, event) = current.changed(&change, &scope.actor().audit_name(), now)?;
        if let ResellerChange::Agreement(new) = &change {
            let sha256 = sha256_hex(&new.content);
            let sealed = seal_agreement(&self.ring, current.tenant, id, &sha256, &new.content)?;
            sqlx::query(
                "INSERT INTO reseller_agreements (reseller_id, tenant_id, sha256, content_ct, uploaded_at) \
                 VALUES (?, ?, ?, ?, ?) ON CONFLICT (reseller_id, sha256) DO NOTHING",
            )
            .bind(id.to_string())
            .bind(current.tenant.to_string())
            .bind(&sha256)
            .bind(sealed)
            .bind(to_micros(next.updated_at))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        write(&mut tx, &self.ring, &next).await?;
        append(&mut tx, current.tenant, scope.actor(), now, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(next)
    }

    async fn agreement_content(
        &self,
        scope: &TenantScope,
        id: ResellerId,
        now: DateTime<Utc>,
    ) -> StoreResult<AgreementContent> {
        let mut tx = self.begin_write().await?;
        let record = find(&mut tx, &self.ring, scope, id).await?;
        let document = record
            .agreement_document
            .clone()
            .ok_or_else(|| StoreError::not_found("agreement document"))?;
        let content_ct: Vec<u8> = sqlx::query_scalar(
            "SELECT content_ct FROM reseller_agreements WHERE reseller_id = ? AND sha256 = ?",
        )
        .bind(id.to_string())
        .bind(document.sha256.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("agreement document"))?;
        let opened = AgreementRow { content_ct }.open(&self.ring, &record)?;
        let event = NewAuditEvent::new(
            RESELLER_AGREEMENT_READ,
            RESELLER_SUBJECT,
            id,
            None::<&ResellerRecord>,
            Some(&opened.document),
        );
        append(&mut tx, record.tenant, scope.actor(), now, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(opened)
    }
}

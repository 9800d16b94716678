//! Foreign resellers: the registry row and its child tenant written together, changes guarded
//! by `updated_at`, agreement bytes sealed. What a change means and how a record maps to its
//! columns live in `cloudkyc_store::resellers`; this file only knows PostgreSQL's SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::reseller::ResellerStatus;
use cloudkyc_domain::{Tenant, TenantId, TenantKind};
use cloudkyc_store::audit::{NewAuditEvent, truncate_to_micros};
use cloudkyc_store::documents::sha256_hex;
use cloudkyc_store::resellers::{
    AgreementContent, AgreementRow, NewReseller, RESELLER_AGREEMENT_READ, RESELLER_SUBJECT,
    ResellerChange, ResellerColumns, ResellerId, ResellerRecord, ResellerRow, ResellerStore,
    seal_agreement, stale,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::postgres::{PgConnection, PgRow};

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{get, time, uuids};

const COLUMNS: &str = "id, tenant_id, reseller_tenant_id, name_ct, country, agreement_kind, \
    agreement_document, registered_on, screening_ct, attestations_ct, reviews, status, state, \
    history, termination_due, reminded_through, created_at, updated_at, legal_entity_customer_id";

fn reseller_row(row: &PgRow) -> StoreResult<ResellerRow> {
    Ok(ResellerRow {
        id: ResellerId::from_uuid(get(row, "id")?),
        tenant: TenantId::from_uuid(get(row, "tenant_id")?),
        reseller_tenant: TenantId::from_uuid(get(row, "reseller_tenant_id")?),
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
        columns: ResellerColumns {
            name_ct: get(row, "name_ct")?,
            country: get(row, "country")?,
            agreement_kind: get(row, "agreement_kind")?,
            agreement_document: get(row, "agreement_document")?,
            registered_on: get(row, "registered_on")?,
            screening_ct: get(row, "screening_ct")?,
            attestations_ct: get(row, "attestations_ct")?,
            reviews: get(row, "reviews")?,
            status: get(row, "status")?,
            state: get(row, "state")?,
            history: get(row, "history")?,
            termination_due: get(row, "termination_due")?,
            reminded_through: get(row, "reminded_through")?,
            legal_entity_customer_id: get(row, "legal_entity_customer_id")?,
        },
    })
}

/// The reseller row, locked until the transaction ends when `lock` (a change reads, checks and
/// writes it with no other writer in between).
async fn find(
    conn: &mut PgConnection,
    ring: &cloudkyc_store::crypto::KeyRing,
    scope: &TenantScope,
    id: ResellerId,
    lock: bool,
) -> StoreResult<ResellerRecord> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM resellers WHERE id = $1 AND tenant_id = ANY($2){lock}"
    ))
    .bind(id.as_uuid())
    .bind(uuids(scope.visible()))
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    .ok_or_else(|| StoreError::not_found("reseller"))?;
    reseller_row(&row)?.open(ring)
}

/// Writes `record`: inserts the row, or updates what a change can change.
async fn write(
    conn: &mut PgConnection,
    ring: &cloudkyc_store::crypto::KeyRing,
    record: &ResellerRecord,
) -> StoreResult<()> {
    let c = ResellerColumns::seal(ring, record)?;
    sqlx::query(&format!(
        "INSERT INTO resellers ({COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
         ON CONFLICT (id) DO UPDATE SET agreement_document = EXCLUDED.agreement_document, \
         screening_ct = EXCLUDED.screening_ct, attestations_ct = EXCLUDED.attestations_ct, \
         reviews = EXCLUDED.reviews, status = EXCLUDED.status, state = EXCLUDED.state, \
         history = EXCLUDED.history, termination_due = EXCLUDED.termination_due, \
         reminded_through = EXCLUDED.reminded_through, updated_at = EXCLUDED.updated_at, \
         legal_entity_customer_id = EXCLUDED.legal_entity_customer_id"
    ))
    .bind(record.id.as_uuid())
    .bind(record.tenant.as_uuid())
    .bind(record.reseller_tenant.as_uuid())
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
    .bind(record.created_at)
    .bind(record.updated_at)
    .bind(c.legal_entity_customer_id)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

#[async_trait]
impl ResellerStore for PgStore {
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
        let mut tx = self.pool.begin().await.map_err(db)?;
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
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM resellers WHERE tenant_id = ANY($1) ORDER BY id"
        ))
        .bind(uuids(scope.visible()))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        found
            .iter()
            .map(|row| reseller_row(row)?.open(&self.ring))
            .collect()
    }

    async fn reseller(&self, scope: &TenantScope, id: ResellerId) -> StoreResult<ResellerRecord> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        find(&mut conn, &self.ring, scope, id, false).await
    }

    async fn update_reseller(
        &self,
        scope: &TenantScope,
        id: ResellerId,
        change: ResellerChange,
        expected_updated_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<ResellerRecord> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let current = find(&mut tx, &self.ring, scope, id, true).await?;
        if current.updated_at != truncate_to_micros(expected_updated_at) {
            return Err(stale(id));
        }
        let (next, event) = current.changed(&change, &scope.actor().audit_name(), now)?;
        if let ResellerChange::Agreement(new) = &change {
            let sha256 = sha256_hex(&new.content);
            let sealed = seal_agreement(&self.ring, current.tenant, id, &sha256, &new.content)?;
            sqlx::query(
                "INSERT INTO reseller_agreements (reseller_id, tenant_id, sha256, content_ct, uploaded_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (reseller_id, sha256) DO NOTHING",
            )
            .bind(id.as_uuid())
            .bind(current.tenant.as_uuid())
            .bind(&sha256)
            .bind(sealed)
            .bind(next.updated_at)
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
        let mut tx = self.pool.begin().await.map_err(db)?;
        let record = find(&mut tx, &self.ring, scope, id, false).await?;
        let document = record
            .agreement_document
            .clone()
            .ok_or_else(|| StoreError::not_found("agreement document"))?;
        let content_ct: Vec<u8> = sqlx::query_scalar(
            "SELECT content_ct FROM reseller_agreements WHERE reseller_id = $1 AND sha256 = $2",
        )
        .bind(id.as_uuid())
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

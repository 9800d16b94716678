//! Screening dispositions: one row per (customer, list, entity), replaced by a later decision,
//! written with its audit event in one transaction; sealing lives in
//! `cloudkyc_store::screening_dispositions`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::truncate_to_micros;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::screening_dispositions::{
    NewDisposition, ScreeningDisposition, ScreeningDispositionStore, decision_text, open_note,
    parse_decision, recorded_event, seal_note,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::postgres::PgRow;

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{get, time, uuids};

const COLUMNS: &str = "customer_id, tenant_id, list, entity_id, entity_hash, decision, note_ct, decided_by, decided_at";

impl PgStore {
    fn disposition(&self, row: &PgRow) -> StoreResult<ScreeningDisposition> {
        let customer = CustomerId::from_uuid(get(row, "customer_id")?);
        let tenant = TenantId::from_uuid(get(row, "tenant_id")?);
        let list: String = get(row, "list")?;
        let entity_id: String = get(row, "entity_id")?;
        let note_ct: Vec<u8> = get(row, "note_ct")?;
        Ok(ScreeningDisposition {
            note: open_note(&self.ring, tenant, customer, &list, &entity_id, &note_ct)?,
            customer,
            tenant,
            list,
            entity_id,
            entity_hash: get(row, "entity_hash")?,
            decision: parse_decision(&get::<String>(row, "decision")?)?,
            decided_by: get(row, "decided_by")?,
            decided_at: time(row, "decided_at")?,
        })
    }

    /// The tenant of a customer visible to the scope.
    async fn visible_customer_tenant(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
    ) -> StoreResult<TenantId> {
        let row =
            sqlx::query("SELECT tenant_id FROM customers WHERE id = $1 AND tenant_id = ANY($2)")
                .bind(customer.as_uuid())
                .bind(uuids(scope.visible()))
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?
                .ok_or_else(|| StoreError::not_found("customer"))?;
        Ok(TenantId::from_uuid(get(&row, "tenant_id")?))
    }
}

#[async_trait]
impl ScreeningDispositionStore for PgStore {
    async fn record_screening_disposition(
        &self,
        scope: &TenantScope,
        new: NewDisposition,
        now: DateTime<Utc>,
    ) -> StoreResult<ScreeningDisposition> {
        let tenant = self.visible_customer_tenant(scope, new.customer).await?;
        let note_ct = seal_note(&self.ring, tenant, &new)?;
        let mut tx = self.pool.begin().await.map_err(db)?;
        let before = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM screening_dispositions \
             WHERE customer_id = $1 AND list = $2 AND entity_id = $3 FOR UPDATE"
        ))
        .bind(new.customer.as_uuid())
        .bind(&new.list)
        .bind(&new.entity_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .map(|row| self.disposition(&row))
        .transpose()?;
        let after = ScreeningDisposition {
            customer: new.customer,
            tenant,
            list: new.list,
            entity_id: new.entity_id,
            entity_hash: new.entity_hash,
            decision: new.decision,
            note: new.note,
            decided_by: scope.actor().audit_name(),
            decided_at: truncate_to_micros(now),
        };
        sqlx::query(
            "INSERT INTO screening_dispositions (customer_id, tenant_id, list, entity_id, \
             entity_hash, decision, note_ct, decided_by, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (customer_id, list, entity_id) DO UPDATE SET \
             entity_hash = excluded.entity_hash, decision = excluded.decision, \
             note_ct = excluded.note_ct, decided_by = excluded.decided_by, \
             decided_at = excluded.decided_at",
        )
        .bind(after.customer.as_uuid())
        .bind(tenant.as_uuid())
        .bind(&after.list)
        .bind(&after.entity_id)
        .bind(&after.entity_hash)
        .bind(decision_text(after.decision)?)
        .bind(note_ct)
        .bind(&after.decided_by)
        .bind(after.decided_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append(
            &mut tx,
            tenant,
            scope.actor(),
            now,
            recorded_event(before.as_ref(), &after),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    async fn screening_dispositions(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
    ) -> StoreResult<Vec<ScreeningDisposition>> {
        let tenant = self.visible_customer_tenant(scope, customer).await?;
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM screening_dispositions \
             WHERE customer_id = $1 AND tenant_id = $2 ORDER BY list, entity_id"
        ))
        .bind(customer.as_uuid())
        .bind(tenant.as_uuid())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        found.iter().map(|row| self.disposition(row)).collect()
    }
}

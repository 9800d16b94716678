//! Screening dispositions: one row per (customer, list, entity), replaced by a later decision,
//! written with its audit event in one transaction; sealing lives in
//! `cloudkyc_store::screening_dispositions`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::truncate_to_micros;
use cloudkyc_store::backend::to_micros;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::screening_dispositions::{
    NewDisposition, ScreeningDisposition, ScreeningDispositionStore, decision_text, open_note,
    parse_decision, recorded_event, seal_note,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{self, id_list};

const COLUMNS: &str = "customer_id, tenant_id, list, entity_id, entity_hash, decision, note_ct, decided_by, decided_at";

impl SqliteStore {
    fn disposition(&self, row: &SqliteRow) -> StoreResult<ScreeningDisposition> {
        let customer: CustomerId = rows::id(row, "customer_id")?;
        let tenant: TenantId = rows::id(row, "tenant_id")?;
        let list = rows::text(row, "list")?;
        let entity_id = rows::text(row, "entity_id")?;
        let note_ct: Vec<u8> = row.try_get("note_ct").map_err(db)?;
        Ok(ScreeningDisposition {
            note: open_note(&self.ring, tenant, customer, &list, &entity_id, &note_ct)?,
            customer,
            tenant,
            list,
            entity_id,
            entity_hash: rows::text(row, "entity_hash")?,
            decision: parse_decision(&rows::text(row, "decision")?)?,
            decided_by: rows::text(row, "decided_by")?,
            decided_at: rows::time(row, "decided_at")?,
        })
    }

    /// The tenant of a customer visible to the scope.
    async fn visible_customer_tenant(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
    ) -> StoreResult<TenantId> {
        let row = sqlx::query(
            "SELECT tenant_id FROM customers WHERE id = ? \
             AND tenant_id IN (SELECT value FROM json_each(?))",
        )
        .bind(customer.to_string())
        .bind(id_list(scope.visible()))
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("customer"))?;
        rows::id(&row, "tenant_id")
    }
}

#[async_trait]
impl ScreeningDispositionStore for SqliteStore {
    async fn record_screening_disposition(
        &self,
        scope: &TenantScope,
        new: NewDisposition,
        now: DateTime<Utc>,
    ) -> StoreResult<ScreeningDisposition> {
        let tenant = self.visible_customer_tenant(scope, new.customer).await?;
        let note_ct = seal_note(&self.ring, tenant, &new)?;
        let mut tx = self.begin_write().await?;
        let before = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM screening_dispositions \
             WHERE customer_id = ? AND list = ? AND entity_id = ?"
        ))
        .bind(new.customer.to_string())
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
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (customer_id, list, entity_id) DO UPDATE SET \
             entity_hash = excluded.entity_hash, decision = excluded.decision, \
             note_ct = excluded.note_ct, decided_by = excluded.decided_by, \
             decided_at = excluded.decided_at",
        )
        .bind(after.customer.to_string())
        .bind(tenant.to_string())
        .bind(&after.list)
        .bind(&after.entity_id)
        .bind(&after.entity_hash)
        .bind(decision_text(after.decision)?)
        .bind(note_ct)
        .bind(&after.decided_by)
        .bind(to_micros(after.decided_at))
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
             WHERE customer_id = ? AND tenant_id = ? ORDER BY list, entity_id"
        ))
        .bind(customer.to_string())
        .bind(tenant.to_string())
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        found.iter().map(|row| self.disposition(row)).collect()
    }
}

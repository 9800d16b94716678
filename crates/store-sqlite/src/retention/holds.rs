//! Legal holds: placed and released with their audit events, reasons sealed.

use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::truncate_to_micros;
use cloudkyc_store::backend::to_micros;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::retention::{LegalHold, hold_event, open_reason, refusal, seal_reason};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use uuid::Uuid;

use super::visible_customer;
use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::rows;

const HOLD_COLUMNS: &str = "id, tenant_id, customer_id, reason_ct, placed_by, placed_at, \
     release_reason_ct, released_by, released_at";

impl SqliteStore {
    fn hold(&self, row: &SqliteRow) -> StoreResult<LegalHold> {
        let id: Uuid = rows::id(row, "id")?;
        let tenant: TenantId = rows::id(row, "tenant_id")?;
        let reason_ct: Vec<u8> = row.try_get("reason_ct").map_err(db)?;
        let release_ct: Option<Vec<u8>> = row.try_get("release_reason_ct").map_err(db)?;
        Ok(LegalHold {
            id,
            tenant,
            customer: rows::id(row, "customer_id")?,
            reason: open_reason(&self.ring, tenant, id, "reason", &reason_ct)?,
            placed_by: rows::text(row, "placed_by")?,
            placed_at: rows::time(row, "placed_at")?,
            released_by: row.try_get("released_by").map_err(db)?,
            released_at: rows::optional_time(row, "released_at")?,
            release_reason: release_ct
                .map(|ct| open_reason(&self.ring, tenant, id, "release_reason", &ct))
                .transpose()?,
        })
    }

    pub(super) async fn insert_hold(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<LegalHold> {
        let mut tx = self.begin_write().await?;
        let (tenant, purged) = visible_customer(&mut tx, scope, customer).await?;
        if purged {
            return Err(refusal(true, false));
        }
        let hold = LegalHold {
            id: Uuid::now_v7(),
            tenant,
            customer,
            reason: reason.to_owned(),
            placed_by: scope.actor().audit_name(),
            placed_at: truncate_to_micros(now),
            released_by: None,
            released_at: None,
            release_reason: None,
        };
        let reason_ct = seal_reason(&self.ring, tenant, hold.id, "reason", reason)?;
        sqlx::query(
            "INSERT INTO legal_holds (id, tenant_id, customer_id, reason_ct, placed_by, placed_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        )
        .bind(hold.id.to_string())
        .bind(tenant.to_string())
        .bind(customer.to_string())
        .bind(reason_ct)
        .bind(&hold.placed_by)
        .bind(to_micros(hold.placed_at))
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected()
        .eq(&1)
        .then_some(())
        .ok_or_else(|| StoreError::Conflict("a legal hold is already in force".into()))?;
        append(&mut tx, tenant, scope.actor(), now, hold_event(None, &hold)).await?;
        tx.commit().await.map_err(db)?;
        Ok(hold)
    }

    pub(super) async fn end_hold(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<LegalHold> {
        let mut tx = self.begin_write().await?;
        visible_customer(&mut tx, scope, customer).await?;
        let row = sqlx::query(&format!(
            "SELECT {HOLD_COLUMNS} FROM legal_holds WHERE customer_id = ? AND released_at IS NULL"
        ))
        .bind(customer.to_string())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("legal hold"))?;
        let before = self.hold(&row)?;
        let mut after = before.clone();
        after.released_by = Some(scope.actor().audit_name());
        after.released_at = Some(truncate_to_micros(now));
        after.release_reason = Some(reason.to_owned());
        let ct = seal_reason(&self.ring, after.tenant, after.id, "release_reason", reason)?;
        sqlx::query(
            "UPDATE legal_holds SET release_reason_ct = ?, released_by = ?, released_at = ? \
             WHERE id = ?",
        )
        .bind(ct)
        .bind(&after.released_by)
        .bind(after.released_at.map(to_micros))
        .bind(after.id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append(
            &mut tx,
            after.tenant,
            scope.actor(),
            now,
            hold_event(Some(&before), &after),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    /// The hold in force on a customer, if any.
    pub(super) async fn active_hold(&self, id: CustomerId) -> StoreResult<Option<LegalHold>> {
        let row = sqlx::query(&format!(
            "SELECT {HOLD_COLUMNS} FROM legal_holds WHERE customer_id = ? AND released_at IS NULL"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?;
        row.map(|h| self.hold(&h)).transpose()
    }

    /// The holds in force over the scope's tenants, oldest first.
    pub(super) async fn holds_in_force(
        &self,
        scope: &TenantScope,
        limit: u32,
    ) -> StoreResult<Vec<LegalHold>> {
        let found = sqlx::query(&format!(
            "SELECT {HOLD_COLUMNS} FROM legal_holds \
              WHERE released_at IS NULL AND tenant_id IN (SELECT value FROM json_each(?)) \
              ORDER BY placed_at, id LIMIT ?"
        ))
        .bind(rows::id_list(scope.visible()))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        found.iter().map(|row| self.hold(row)).collect()
    }
}

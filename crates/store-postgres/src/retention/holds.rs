//! Legal holds: placed and released with their audit events, reasons sealed.

use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::truncate_to_micros;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::retention::{LegalHold, hold_event, open_reason, refusal, seal_reason};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::postgres::PgRow;
use uuid::Uuid;

use super::visible_customer;
use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{get, time, uuids};

const HOLD_COLUMNS: &str = "id, tenant_id, customer_id, reason_ct, placed_by, placed_at, \
     release_reason_ct, released_by, released_at";

impl PgStore {
    fn hold(&self, row: &PgRow) -> StoreResult<LegalHold> {
        let id: Uuid = get(row, "id")?;
        let tenant = TenantId::from_uuid(get(row, "tenant_id")?);
        let reason_ct: Vec<u8> = get(row, "reason_ct")?;
        let release_ct: Option<Vec<u8>> = get(row, "release_reason_ct")?;
        Ok(LegalHold {
            id,
            tenant,
            customer: CustomerId::from_uuid(get(row, "customer_id")?),
            reason: open_reason(&self.ring, tenant, id, "reason", &reason_ct)?,
            placed_by: get(row, "placed_by")?,
            placed_at: time(row, "placed_at")?,
            released_by: get(row, "released_by")?,
            released_at: get(row, "released_at")?,
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
        let mut tx = self.pool.begin().await.map_err(db)?;
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
        let inserted = sqlx::query(
            "INSERT INTO legal_holds (id, tenant_id, customer_id, reason_ct, placed_by, placed_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(hold.id)
        .bind(tenant.as_uuid())
        .bind(customer.as_uuid())
        .bind(reason_ct)
        .bind(&hold.placed_by)
        .bind(hold.placed_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if inserted.rows_affected() != 1 {
            return Err(StoreError::Conflict(
                "a legal hold is already in force".into(),
            ));
        }
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
        let mut tx = self.pool.begin().await.map_err(db)?;
        visible_customer(&mut tx, scope, customer).await?;
        let row = sqlx::query(&format!(
            "SELECT {HOLD_COLUMNS} FROM legal_holds \
             WHERE customer_id = $1 AND released_at IS NULL"
        ))
        .bind(customer.as_uuid())
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
            "UPDATE legal_holds SET release_reason_ct = $1, released_by = $2, released_at = $3 \
             WHERE id = $4",
        )
        .bind(ct)
        .bind(&after.released_by)
        .bind(after.released_at)
        .bind(after.id)
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
            "SELECT {HOLD_COLUMNS} FROM legal_holds \
             WHERE customer_id = $1 AND released_at IS NULL"
        ))
        .bind(id.as_uuid())
        .fetch_optional(&self.pool)
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
              WHERE released_at IS NULL AND tenant_id = ANY($1) \
              ORDER BY placed_at, id LIMIT $2"
        ))
        .bind(uuids(scope.visible()))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        found.iter().map(|row| self.hold(row)).collect()
    }
}

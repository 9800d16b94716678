//! Records retention: which closed customers have expired, their crypto-shredding and legal
//! holds (migration 0016). Sealing and the audit events live in `cloudkyc_store::retention`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::truncate_to_micros;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::retention::{
    CustomerRetention, ExpiredCustomer, LegalHold, PURGED_TABLES, PurgeReceipt, RetentionCounts,
    RetentionQuery, RetentionStore, purge_event, refusal,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::PgConnection;

mod holds;

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{get, time, uuids};

// The newest access to any of the customer's accounts (NULL when the log has none).
const LAST_ACCESS: &str = "(SELECT MAX(e.at) FROM customer_accounts a JOIN access_events e \
     ON e.tenant_id = a.tenant_id AND e.account = a.external_id WHERE a.customer_id = c.id)";
const HELD: &str =
    "EXISTS (SELECT 1 FROM legal_holds h WHERE h.customer_id = c.id AND h.released_at IS NULL)";

/// The expiry condition over `customers c`, with the closure cutoff as `$2` and the last-access
/// cutoff as `$3` (a NULL cutoff is not checked).
fn expired() -> String {
    "c.account_access = 'closed' AND c.purged_at IS NULL \
     AND ($2::timestamptz IS NULL OR COALESCE(c.closed_at, c.updated_at) < $2) \
     AND ($3::timestamptz IS NULL OR NOT EXISTS (SELECT 1 FROM customer_accounts a \
          JOIN access_events e ON e.tenant_id = a.tenant_id AND e.account = a.external_id \
          WHERE a.customer_id = c.id AND e.at >= $3)) \
     AND NOT "
        .to_owned()
        + HELD
}

/// The tenant of a customer the scope sees, and whether it was purged; `NotFound` otherwise.
/// Locks the row so a purge and a hold on the same customer serialise.
async fn visible_customer(
    conn: &mut PgConnection,
    scope: &TenantScope,
    id: CustomerId,
) -> StoreResult<(TenantId, bool)> {
    let row = sqlx::query(
        "SELECT tenant_id, purged_at IS NOT NULL AS purged FROM customers \
         WHERE id = $1 AND tenant_id = ANY($2) FOR UPDATE",
    )
    .bind(id.as_uuid())
    .bind(uuids(scope.visible()))
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    .ok_or_else(|| StoreError::not_found("customer"))?;
    Ok((
        TenantId::from_uuid(get(&row, "tenant_id")?),
        get(&row, "purged")?,
    ))
}

async fn delete_count(conn: &mut PgConnection, sql: &str, id: CustomerId) -> StoreResult<u64> {
    let done = sqlx::query(sql)
        .bind(id.as_uuid())
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(done.rows_affected())
}

#[async_trait]
impl RetentionStore for PgStore {
    async fn expired_customers(
        &self,
        scope: &TenantScope,
        query: RetentionQuery,
        after: Option<CustomerId>,
        limit: u32,
    ) -> StoreResult<Vec<ExpiredCustomer>> {
        let found = sqlx::query(&format!(
            "SELECT c.id, c.tenant_id, COALESCE(c.closed_at, c.updated_at) AS closed, \
                    {LAST_ACCESS} AS last_access \
               FROM customers c \
              WHERE c.tenant_id = ANY($1) AND {} \
                AND ($4::uuid IS NULL OR c.id > $4) ORDER BY c.id LIMIT $5",
            expired()
        ))
        .bind(uuids(scope.visible()))
        .bind(query.closed_before)
        .bind(query.last_access_before)
        .bind(after.map(|id| *id.as_uuid()))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        found
            .iter()
            .map(|row| {
                Ok(ExpiredCustomer {
                    id: CustomerId::from_uuid(get(row, "id")?),
                    tenant: TenantId::from_uuid(get(row, "tenant_id")?),
                    closed_at: time(row, "closed")?,
                    last_access: get(row, "last_access")?,
                })
            })
            .collect()
    }

    async fn purge_customer(
        &self,
        scope: &TenantScope,
        id: CustomerId,
        query: RetentionQuery,
        now: DateTime<Utc>,
    ) -> StoreResult<PurgeReceipt> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let (tenant, purged) = visible_customer(&mut tx, scope, id).await?;
        let due = sqlx::query(&format!(
            "SELECT {HELD} AS held, ({}) AS expired FROM customers c WHERE c.id = $1",
            expired()
        ))
        .bind(id.as_uuid())
        .bind(query.closed_before)
        .bind(query.last_access_before)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        if !get::<bool>(&due, "expired")? {
            return Err(refusal(purged, get(&due, "held")?));
        }
        let mut documents: Vec<String> =
            sqlx::query_scalar("DELETE FROM documents WHERE customer_id = $1 RETURNING id::text")
                .bind(id.as_uuid())
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?;
        documents.sort();
        let access_events = delete_count(
            &mut tx,
            "DELETE FROM access_events WHERE (tenant_id, account) IN \
             (SELECT tenant_id, external_id FROM customer_accounts WHERE customer_id = $1)",
            id,
        )
        .await?;
        let lookups = delete_count(
            &mut tx,
            "DELETE FROM customer_lookups WHERE customer_id = $1",
            id,
        )
        .await?;
        let verifications = delete_count(
            &mut tx,
            "DELETE FROM customer_verifications WHERE customer_id = $1",
            id,
        )
        .await?;
        let ownership_structures = delete_count(
            &mut tx,
            "DELETE FROM ownership_structures WHERE customer_id = $1",
            id,
        )
        .await?;
        let screening_dispositions = delete_count(
            &mut tx,
            "DELETE FROM screening_dispositions WHERE customer_id = $1",
            id,
        )
        .await?;
        let receipt = PurgeReceipt {
            customer: id,
            tenant,
            purged_at: truncate_to_micros(now),
            documents,
            lookups,
            verifications,
            ownership_structures,
            screening_dispositions,
            access_events,
        };
        // Empty ciphertexts: nothing of the customer stays readable under any key.
        sqlx::query(
            "UPDATE customers SET personal_ct = ''::bytea, reasons_ct = ''::bytea, \
             idempotency_bidx = NULL, purged_at = $1 WHERE id = $2",
        )
        .bind(receipt.purged_at)
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append(&mut tx, tenant, scope.actor(), now, purge_event(&receipt)).await?;
        tx.commit().await.map_err(db)?;
        Ok(receipt)
    }

    async fn place_legal_hold(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<LegalHold> {
        self.insert_hold(scope, customer, reason, now).await
    }

    async fn release_legal_hold(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<LegalHold> {
        self.end_hold(scope, customer, reason, now).await
    }

    async fn retention_counts(
        &self,
        scope: &TenantScope,
        query: RetentionQuery,
    ) -> StoreResult<RetentionCounts> {
        let row = sqlx::query(&format!(
            "SELECT COUNT(*) FILTER (WHERE {}) AS due, COUNT(*) FILTER (WHERE {HELD}) AS held, \
                    COUNT(*) FILTER (WHERE c.purged_at IS NOT NULL) AS purged \
               FROM customers c WHERE c.tenant_id = ANY($1)",
            expired()
        ))
        .bind(uuids(scope.visible()))
        .bind(query.closed_before)
        .bind(query.last_access_before)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        let count = |column: &str| -> StoreResult<u64> {
            let n: i64 = get(&row, column)?;
            u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("{column}: {n}")))
        };
        Ok(RetentionCounts {
            due: count("due")?,
            held: count("held")?,
            purged: count("purged")?,
        })
    }

    async fn customer_retention(
        &self,
        scope: &TenantScope,
        id: CustomerId,
    ) -> StoreResult<CustomerRetention> {
        let row = sqlx::query(&format!(
            "SELECT c.tenant_id, c.closed_at, c.purged_at, {LAST_ACCESS} AS last_access \
               FROM customers c WHERE c.id = $1 AND c.tenant_id = ANY($2)"
        ))
        .bind(id.as_uuid())
        .bind(uuids(scope.visible()))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("customer"))?;
        let hold = self.active_hold(id).await?;
        Ok(CustomerRetention {
            customer: id,
            tenant: TenantId::from_uuid(get(&row, "tenant_id")?),
            closed_at: get(&row, "closed_at")?,
            last_access: get(&row, "last_access")?,
            purged_at: get(&row, "purged_at")?,
            hold,
        })
    }

    async fn legal_holds(&self, scope: &TenantScope, limit: u32) -> StoreResult<Vec<LegalHold>> {
        self.holds_in_force(scope, limit).await
    }

    /// `VACUUM` of the tables a purge touches (their TOAST tables included): the purge's
    /// updates and deletes leave the old row versions, ciphertext and all, in the heap until a
    /// vacuum removes them. It cannot run in a transaction block, so it runs alone on a pooled
    /// connection once a run's purges have committed. The freed space is reused by later
    /// writes; only `VACUUM FULL` (an exclusive lock, for a maintenance window) rewrites the
    /// files.
    async fn reclaim_purged_space(&self) -> StoreResult<()> {
        let sql = format!("VACUUM {}", PURGED_TABLES.join(", "));
        sqlx::raw_sql(&sql).execute(&self.pool).await.map_err(db)?;
        Ok(())
    }
}

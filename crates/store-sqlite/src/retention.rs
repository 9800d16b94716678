//! Records retention: which closed customers have expired, their crypto-shredding and legal
//! holds (migration 0016). Sealing and the audit events live in `cloudkyc_store::retention`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::truncate_to_micros;
use cloudkyc_store::backend::to_micros;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::retention::{
    CustomerRetention, ExpiredCustomer, LegalHold, PurgeReceipt, RetentionCounts, RetentionQuery,
    RetentionStore, purge_event, refusal,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::{Row, SqliteConnection};

mod holds;

use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{self, id_list};

// The newest access to any of the customer's accounts (NULL when the log has none).
const LAST_ACCESS: &str = "(SELECT MAX(e.at) FROM customer_accounts a \
     JOIN tenant_keys k ON k.tenant_id = a.tenant_id JOIN access_events e \
     ON e.tenant_key = k.key AND e.account = a.external_id WHERE a.customer_id = c.id)";
const HELD: &str =
    "EXISTS (SELECT 1 FROM legal_holds h WHERE h.customer_id = c.id AND h.released_at IS NULL)";

/// The expiry condition over `customers c`, with the closure cutoff as `?2` and the last-access
/// cutoff as `?3` (a NULL cutoff is not checked).
fn expired() -> String {
    format!(
        "c.account_access = 'closed' AND c.purged_at IS NULL \
         AND (?2 IS NULL OR COALESCE(c.closed_at, c.updated_at) < ?2) \
         AND (?3 IS NULL OR COALESCE({LAST_ACCESS}, ?3 - 1) < ?3) AND NOT {HELD}"
    )
}

/// The tenant of a customer the scope sees, and whether it was purged; `NotFound` otherwise.
async fn visible_customer(
    conn: &mut SqliteConnection,
    scope: &TenantScope,
    id: CustomerId,
) -> StoreResult<(TenantId, bool)> {
    let row = sqlx::query(
        "SELECT tenant_id, purged_at IS NOT NULL AS purged FROM customers \
         WHERE id = ? AND tenant_id IN (SELECT value FROM json_each(?))",
    )
    .bind(id.to_string())
    .bind(id_list(scope.visible()))
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    .ok_or_else(|| StoreError::not_found("customer"))?;
    Ok((
        rows::id(&row, "tenant_id")?,
        row.try_get("purged").map_err(db)?,
    ))
}

async fn delete_count(conn: &mut SqliteConnection, sql: &str, id: &str) -> StoreResult<u64> {
    let done = sqlx::query(sql)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(done.rows_affected())
}

impl SqliteStore {
    /// Copies the write-ahead log into the database file and truncates the log.
    async fn checkpoint(&self) -> StoreResult<()> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.writer)
            .await
            .map_err(db)?;
        Ok(())
    }

    /// The purge itself, inside the caller's transaction.
    async fn shred(
        &self,
        tx: &mut SqliteConnection,
        scope: &TenantScope,
        id: CustomerId,
        query: RetentionQuery,
        now: DateTime<Utc>,
    ) -> StoreResult<PurgeReceipt> {
        let (tenant, purged) = visible_customer(tx, scope, id).await?;
        let key = id.to_string();
        let due = sqlx::query(&format!(
            "SELECT {HELD} AS held, ({}) AS expired FROM customers c WHERE c.id = ?1",
            expired()
        ))
        .bind(&key)
        .bind(query.closed_before.map(to_micros))
        .bind(query.last_access_before.map(to_micros))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        if !due.try_get::<bool, _>("expired").map_err(db)? {
            return Err(refusal(purged, due.try_get("held").map_err(db)?));
        }
        let documents: Vec<String> =
            sqlx::query_scalar("DELETE FROM documents WHERE customer_id = ? RETURNING id")
                .bind(&key)
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?;
        let access_events = delete_count(
            &mut *tx,
            "DELETE FROM access_events WHERE (tenant_key, account) IN \
             (SELECT k.key, a.external_id FROM customer_accounts a \
              JOIN tenant_keys k ON k.tenant_id = a.tenant_id WHERE a.customer_id = ?)",
            &key,
        )
        .await?;
        let mut receipt = PurgeReceipt {
            customer: id,
            tenant,
            purged_at: truncate_to_micros(now),
            documents,
            lookups: delete_count(
                &mut *tx,
                "DELETE FROM customer_lookups WHERE customer_id = ?",
                &key,
            )
            .await?,
            verifications: delete_count(
                &mut *tx,
                "DELETE FROM customer_verifications WHERE customer_id = ?",
                &key,
            )
            .await?,
            ownership_structures: delete_count(
                &mut *tx,
                "DELETE FROM ownership_structures WHERE customer_id = ?",
                &key,
            )
            .await?,
            screening_dispositions: delete_count(
                &mut *tx,
                "DELETE FROM screening_dispositions WHERE customer_id = ?",
                &key,
            )
            .await?,
            access_events,
        };
        receipt.documents.sort();
        // Empty ciphertexts: nothing of the customer stays readable under any key.
        sqlx::query(
            "UPDATE customers SET personal_ct = X'', reasons_ct = X'', idempotency_bidx = NULL, \
             purged_at = ? WHERE id = ?",
        )
        .bind(to_micros(receipt.purged_at))
        .bind(&key)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append(&mut *tx, tenant, scope.actor(), now, purge_event(&receipt)).await?;
        Ok(receipt)
    }
}

#[async_trait]
impl RetentionStore for SqliteStore {
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
              WHERE c.tenant_id IN (SELECT value FROM json_each(?1)) AND {} \
                AND (?4 IS NULL OR c.id > ?4) ORDER BY c.id LIMIT ?5",
            expired()
        ))
        .bind(id_list(scope.visible()))
        .bind(query.closed_before.map(to_micros))
        .bind(query.last_access_before.map(to_micros))
        .bind(after.map(|id| id.to_string()))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        found
            .iter()
            .map(|row| {
                Ok(ExpiredCustomer {
                    id: rows::id(row, "id")?,
                    tenant: rows::id(row, "tenant_id")?,
                    closed_at: rows::time(row, "closed")?,
                    last_access: rows::optional_time(row, "last_access")?,
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
        let mut tx = self.begin_write().await?;
        // Deleted cells are zeroed rather than left in free space, for this purge only.
        sqlx::query("PRAGMA secure_delete = ON")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let outcome = self.shred(&mut tx, scope, id, query, now).await;
        sqlx::query("PRAGMA secure_delete = OFF")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let receipt = outcome?;
        tx.commit().await.map_err(db)?;
        // The WAL still holds the pages as they were before the purge: fold it into the file
        // and truncate it. Best effort: with readers active it completes at a later checkpoint.
        if let Err(e) = self.checkpoint().await {
            tracing::warn!(error = %e, "checkpoint after a retention purge failed");
        }
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
            "SELECT COALESCE(SUM({}), 0) AS due, COALESCE(SUM({HELD}), 0) AS held, \
                    COALESCE(SUM(c.purged_at IS NOT NULL), 0) AS purged \
               FROM customers c WHERE c.tenant_id IN (SELECT value FROM json_each(?1))",
            expired()
        ))
        .bind(id_list(scope.visible()))
        .bind(query.closed_before.map(to_micros))
        .bind(query.last_access_before.map(to_micros))
        .fetch_one(&self.reader)
        .await
        .map_err(db)?;
        let count = |column: &str| -> StoreResult<u64> {
            let n: i64 = row.try_get(column).map_err(db)?;
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
               FROM customers c WHERE c.id = ? AND c.tenant_id IN (SELECT value FROM json_each(?))"
        ))
        .bind(id.to_string())
        .bind(id_list(scope.visible()))
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("customer"))?;
        let hold = self.active_hold(id).await?;
        Ok(CustomerRetention {
            customer: id,
            tenant: rows::id(&row, "tenant_id")?,
            closed_at: rows::optional_time(&row, "closed_at")?,
            last_access: rows::optional_time(&row, "last_access")?,
            purged_at: rows::optional_time(&row, "purged_at")?,
            hold,
        })
    }

    async fn legal_holds(&self, scope: &TenantScope, limit: u32) -> StoreResult<Vec<LegalHold>> {
        self.holds_in_force(scope, limit).await
    }

    async fn reclaim_purged_space(&self) -> StoreResult<()> {
        self.checkpoint().await
    }
}

//! Creating a batch of customers in one write transaction: a few multi-row statements and one
//! commit for the whole batch instead of about ten statements and a commit per customer. What
//! each customer becomes is decided by `cloudkyc_store::customer_batch`; this file only knows
//! SQLite's SQL.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::AuditEntry;
use cloudkyc_store::backend::to_micros;
use cloudkyc_store::customer_batch::{CustomerBatch, PlannedRow};
use cloudkyc_store::customers::{CreatedCustomer, Customer, NewCustomer};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::sqlite::SqliteConnection;
use sqlx::{QueryBuilder, Row, Sqlite};

use crate::SqliteStore;
use crate::customers::COLUMNS;
use crate::error::db;
use crate::rows;

/// Rows per `INSERT` for the narrow tables, well under SQLite's 32,766 parameters.
const ROWS_PER_INSERT: usize = 1000;

pub(crate) async fn create_customers(
    store: &SqliteStore,
    scope: &TenantScope,
    news: Vec<NewCustomer>,
    now: DateTime<Utc>,
) -> StoreResult<Vec<StoreResult<CreatedCustomer>>> {
    let mut batch = CustomerBatch::new(&store.ring, news)?;
    let tenants: Vec<TenantId> = batch
        .tenants()
        .into_iter()
        .filter(|t| scope.can_see(*t))
        .collect();
    if tenants.is_empty() {
        // Nothing the scope may write: every customer is refused without a transaction.
        batch.plan(&store.ring, scope, now, HashMap::new(), HashSet::new())?;
        return Ok(batch.finish());
    }
    // The single writer connection serialises this transaction with every other write, so
    // what the checks below read stays true until the commit.
    let mut tx = store.begin_write().await?;
    let mut earlier = HashMap::new();
    let mut taken = HashSet::new();
    for &tenant in &tenants {
        earlier.extend(
            store
                .earlier(&mut tx, tenant, batch.key_indexes(tenant))
                .await?,
        );
        taken.extend(
            taken_accounts(&mut tx, tenant, batch.accounts(tenant))
                .await?
                .into_iter()
                .map(|account| (tenant, account)),
        );
    }
    batch.plan(&store.ring, scope, now, earlier, taken)?;
    if !batch.rows().is_empty() {
        insert_rows(&mut tx, batch.rows()).await?;
        let actor = scope.actor().audit_name();
        for &tenant in &tenants {
            let head = chain_head(&mut tx, tenant).await?;
            let entries = batch.chain(tenant, head, now, &actor);
            append_events(&mut tx, &entries).await?;
        }
        tx.commit().await.map_err(db)?;
    }
    Ok(batch.finish())
}

impl SqliteStore {
    /// The customers of `tenant` stored under the idempotency blind indexes `keys`.
    async fn earlier(
        &self,
        conn: &mut SqliteConnection,
        tenant: TenantId,
        keys: Vec<String>,
    ) -> StoreResult<Vec<((TenantId, String), Customer)>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS}, idempotency_bidx FROM customers WHERE tenant_id = ? \
             AND idempotency_bidx IN (SELECT value FROM json_each(?))"
        ))
        .bind(tenant.to_string())
        .bind(json_list(&keys)?)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let indexes = found
            .iter()
            .map(|row| rows::text(row, "idempotency_bidx"))
            .collect::<StoreResult<Vec<_>>>()?;
        let customers = self.open_rows(conn, found).await?;
        Ok(indexes
            .into_iter()
            .map(|bidx| (tenant, bidx))
            .zip(customers)
            .collect())
    }
}

fn json_list(values: &[String]) -> StoreResult<String> {
    serde_json::to_string(values).map_err(|e| StoreError::Corrupt(format!("json list: {e}")))
}

async fn taken_accounts(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    accounts: Vec<String>,
) -> StoreResult<Vec<String>> {
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_scalar(
        "SELECT external_id FROM customer_accounts WHERE tenant_id = ? \
         AND external_id IN (SELECT value FROM json_each(?))",
    )
    .bind(tenant.to_string())
    .bind(json_list(&accounts)?)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)
}

async fn insert_rows(conn: &mut SqliteConnection, planned: &[PlannedRow]) -> StoreResult<()> {
    let mut insert = QueryBuilder::<Sqlite>::new(format!(
        "INSERT INTO customers ({COLUMNS}, idempotency_bidx) "
    ));
    insert.push_values(planned, |mut values, row| {
        let (c, columns) = (&row.customer, &row.columns);
        let at = to_micros(c.created_at);
        values
            .push_bind(c.id.to_string())
            .push_bind(c.tenant.to_string())
            .push_bind(columns.kind)
            .push_bind(columns.person_status.as_str())
            .push_bind(columns.cip_status.as_str())
            .push_bind(columns.account_access.as_str())
            .push_bind(columns.risk_tier.as_str())
            .push_bind(c.decision.policy_id.as_str())
            .push_bind(c.decision.policy_version.as_str())
            .push_bind(columns.reasons_ct.as_slice())
            .push_bind(columns.personal_ct.as_slice())
            .push_bind(at)
            .push_bind(at)
            .push_bind(columns.idempotency_bidx.as_deref());
    });
    insert.build().execute(&mut *conn).await.map_err(db)?;

    let lookups: Vec<(String, String, &str)> = planned
        .iter()
        .flat_map(|row| {
            let (tenant, id) = (row.customer.tenant.to_string(), row.customer.id.to_string());
            row.lookups
                .iter()
                .map(move |bidx| (tenant.clone(), id.clone(), bidx.as_str()))
        })
        .collect();
    for chunk in lookups.chunks(ROWS_PER_INSERT) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT OR IGNORE INTO customer_lookups (tenant_id, customer_id, bidx) ",
        );
        insert.push_values(chunk, |mut values, (tenant, id, bidx)| {
            values.push_bind(tenant).push_bind(id).push_bind(*bidx);
        });
        insert.build().execute(&mut *conn).await.map_err(db)?;
    }

    let accounts: Vec<(String, String, &str, i64)> = planned
        .iter()
        .flat_map(|row| {
            let (tenant, id) = (row.customer.tenant.to_string(), row.customer.id.to_string());
            (0_i64..)
                .zip(&row.customer.accounts)
                .map(move |(position, external)| {
                    (tenant.clone(), id.clone(), external.as_str(), position)
                })
        })
        .collect();
    for chunk in accounts.chunks(ROWS_PER_INSERT) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO customer_accounts (tenant_id, customer_id, external_id, position) ",
        );
        insert.push_values(chunk, |mut values, (tenant, id, external, position)| {
            values
                .push_bind(tenant)
                .push_bind(id)
                .push_bind(*external)
                .push_bind(*position);
        });
        insert.build().execute(&mut *conn).await.map_err(db)?;
    }
    Ok(())
}

async fn chain_head(
    conn: &mut SqliteConnection,
    tenant: TenantId,
) -> StoreResult<Option<(i64, String)>> {
    sqlx::query("SELECT seq, hash FROM audit_heads WHERE tenant_id = ?")
        .bind(tenant.to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .map(|row| Ok((row.try_get("seq").map_err(db)?, rows::text(&row, "hash")?)))
        .transpose()
}

/// The events in one statement and the chain head moved once, to the last of them.
async fn append_events(conn: &mut SqliteConnection, entries: &[AuditEntry]) -> StoreResult<()> {
    let Some(last) = entries.last() else {
        return Ok(());
    };
    for chunk in entries.chunks(ROWS_PER_INSERT / 4) {
        let mut insert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO audit_events (tenant_id, seq, at, actor, action, subject_kind, \
             subject_id, before_digest, after_digest, prev_hash, hash) ",
        );
        insert.push_values(chunk, |mut values, e| {
            values
                .push_bind(e.tenant.to_string())
                .push_bind(e.seq)
                .push_bind(e.at.timestamp_micros())
                .push_bind(e.actor.as_str())
                .push_bind(e.action.as_str())
                .push_bind(e.subject_kind.as_str())
                .push_bind(e.subject_id.as_str())
                .push_bind(e.before_digest.as_deref())
                .push_bind(e.after_digest.as_deref())
                .push_bind(e.prev_hash.as_str())
                .push_bind(e.hash.as_str());
        });
        insert.build().execute(&mut *conn).await.map_err(db)?;
    }
    sqlx::query(
        "INSERT INTO audit_heads (tenant_id, seq, hash) VALUES (?, ?, ?) \
         ON CONFLICT (tenant_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )
    .bind(last.tenant.to_string())
    .bind(last.seq)
    .bind(&last.hash)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

//! Creating a batch of customers in one transaction: one `INSERT … SELECT FROM UNNEST` per
//! table (a constant statement text, so it stays prepared whatever the batch size) and one
//! commit for the whole batch instead of about ten statements and a commit per customer. What
//! each customer becomes is decided by `cloudkyc_store::customer_batch`; this file only knows
//! PostgreSQL's SQL.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::{AuditEntry, GENESIS_HASH};
use cloudkyc_store::customer_batch::{CustomerBatch, PlannedRow};
use cloudkyc_store::customers::{CreatedCustomer, Customer, NewCustomer};
use cloudkyc_store::{StoreResult, TenantScope};
use sqlx::postgres::PgConnection;
use uuid::Uuid;

use crate::PgStore;
use crate::customers::COLUMNS;
use crate::error::db;
use crate::rows;

pub(crate) async fn create_customers(
    store: &PgStore,
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
    let mut tx = store.pool.begin().await.map_err(db)?;
    let mut heads = Vec::with_capacity(tenants.len());
    for &tenant in &tenants {
        // Concurrent creates with one key take turns on these locks (as `create_customer`
        // always did), so the second sees the first; sorted, so two batches cannot deadlock.
        let keys: Vec<String> = batch
            .key_indexes(tenant)
            .into_iter()
            .map(|bidx| format!("{tenant}:{bidx}"))
            .collect();
        if !keys.is_empty() {
            sqlx::query(
                "SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) \
                 FROM unnest($1::text[]) AS k ORDER BY k",
            )
            .bind(&keys)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        // The chain head is locked before the checks: every creation in the tenant appends to
        // this chain, so while it is held no other creation can take an account id checked
        // free below.
        heads.push((tenant, lock_head(&mut tx, tenant).await?));
    }
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
        for (tenant, head) in heads {
            let entries = batch.chain(tenant, head, now, &actor);
            append_events(&mut tx, &entries).await?;
        }
        tx.commit().await.map_err(db)?;
    }
    Ok(batch.finish())
}

impl PgStore {
    /// The customers of `tenant` stored under the idempotency blind indexes `keys`.
    async fn earlier(
        &self,
        conn: &mut PgConnection,
        tenant: TenantId,
        keys: Vec<String>,
    ) -> StoreResult<Vec<((TenantId, String), Customer)>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS}, idempotency_bidx FROM customers WHERE tenant_id = $1 \
             AND idempotency_bidx = ANY($2)"
        ))
        .bind(tenant.as_uuid())
        .bind(&keys)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let indexes = found
            .iter()
            .map(|row| rows::get::<String>(row, "idempotency_bidx"))
            .collect::<StoreResult<Vec<_>>>()?;
        let customers = self.open_rows(conn, found).await?;
        Ok(indexes
            .into_iter()
            .map(|bidx| (tenant, bidx))
            .zip(customers)
            .collect())
    }
}

/// The tenant's chain head, created if missing and locked until the commit.
async fn lock_head(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> StoreResult<Option<(i64, String)>> {
    sqlx::query(
        "INSERT INTO audit_heads (tenant_id, seq, hash) VALUES ($1, 0, $2) \
         ON CONFLICT (tenant_id) DO NOTHING",
    )
    .bind(tenant.as_uuid())
    .bind(GENESIS_HASH)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    let row = sqlx::query("SELECT seq, hash FROM audit_heads WHERE tenant_id = $1 FOR UPDATE")
        .bind(tenant.as_uuid())
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
    let seq: i64 = rows::get(&row, "seq")?;
    (seq > 0)
        .then(|| rows::get::<String>(&row, "hash").map(|hash| (seq, hash)))
        .transpose()
}

async fn taken_accounts(
    conn: &mut PgConnection,
    tenant: TenantId,
    accounts: Vec<String>,
) -> StoreResult<Vec<String>> {
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_scalar(
        "SELECT external_id FROM customer_accounts WHERE tenant_id = $1 AND external_id = ANY($2)",
    )
    .bind(tenant.as_uuid())
    .bind(&accounts)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)
}

async fn insert_rows(conn: &mut PgConnection, planned: &[PlannedRow]) -> StoreResult<()> {
    let column = |f: fn(&PlannedRow) -> String| planned.iter().map(f).collect::<Vec<_>>();
    let ids: Vec<Uuid> = planned.iter().map(|r| *r.customer.id.as_uuid()).collect();
    let tenants: Vec<Uuid> = planned
        .iter()
        .map(|r| *r.customer.tenant.as_uuid())
        .collect();
    let times: Vec<DateTime<Utc>> = planned.iter().map(|r| r.customer.created_at).collect();
    let reasons: Vec<&[u8]> = planned
        .iter()
        .map(|r| r.columns.reasons_ct.as_slice())
        .collect();
    let personal: Vec<&[u8]> = planned
        .iter()
        .map(|r| r.columns.personal_ct.as_slice())
        .collect();
    let idempotency: Vec<Option<&str>> = planned
        .iter()
        .map(|r| r.columns.idempotency_bidx.as_deref())
        .collect();
    sqlx::query(&format!(
        "INSERT INTO customers ({COLUMNS}, idempotency_bidx) \
         SELECT id, tenant_id, kind, person_status, cip_status, account_access, risk_tier, \
                policy_id, policy_version, reasons_ct, personal_ct, at, at, idempotency_bidx \
         FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], \
                     $7::text[], $8::text[], $9::text[], $10::bytea[], $11::bytea[], \
                     $12::timestamptz[], $13::text[]) \
              AS t(id, tenant_id, kind, person_status, cip_status, account_access, risk_tier, \
                   policy_id, policy_version, reasons_ct, personal_ct, at, idempotency_bidx)"
    ))
    .bind(&ids)
    .bind(&tenants)
    .bind(column(|r| r.columns.kind.to_owned()))
    .bind(column(|r| r.columns.person_status.clone()))
    .bind(column(|r| r.columns.cip_status.clone()))
    .bind(column(|r| r.columns.account_access.clone()))
    .bind(column(|r| r.columns.risk_tier.clone()))
    .bind(column(|r| r.customer.decision.policy_id.clone()))
    .bind(column(|r| r.customer.decision.policy_version.clone()))
    .bind(&reasons)
    .bind(&personal)
    .bind(&times)
    .bind(&idempotency)
    .execute(&mut *conn)
    .await
    .map_err(db)?;

    let (mut tenant_col, mut customer_col, mut bidx_col) = (Vec::new(), Vec::new(), Vec::new());
    for row in planned {
        for bidx in &row.lookups {
            tenant_col.push(*row.customer.tenant.as_uuid());
            customer_col.push(*row.customer.id.as_uuid());
            bidx_col.push(bidx.as_str());
        }
    }
    if !bidx_col.is_empty() {
        sqlx::query(
            "INSERT INTO customer_lookups (tenant_id, customer_id, bidx) \
             SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[]) ON CONFLICT DO NOTHING",
        )
        .bind(&tenant_col)
        .bind(&customer_col)
        .bind(&bidx_col)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }

    let (mut tenant_col, mut customer_col) = (Vec::new(), Vec::new());
    let (mut external_col, mut position_col) = (Vec::new(), Vec::new());
    for row in planned {
        for (position, external) in (0_i32..).zip(&row.customer.accounts) {
            tenant_col.push(*row.customer.tenant.as_uuid());
            customer_col.push(*row.customer.id.as_uuid());
            external_col.push(external.as_str());
            position_col.push(position);
        }
    }
    if !external_col.is_empty() {
        sqlx::query(
            "INSERT INTO customer_accounts (tenant_id, customer_id, external_id, position) \
             SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::int4[])",
        )
        .bind(&tenant_col)
        .bind(&customer_col)
        .bind(&external_col)
        .bind(&position_col)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    }
    Ok(())
}

/// The events in one statement and the chain head (locked by `lock_head`) moved once, to the
/// last of them.
async fn append_events(conn: &mut PgConnection, entries: &[AuditEntry]) -> StoreResult<()> {
    let Some(last) = entries.last() else {
        return Ok(());
    };
    let text = |f: fn(&AuditEntry) -> &str| entries.iter().map(f).collect::<Vec<_>>();
    let optional = |f: fn(&AuditEntry) -> Option<&str>| entries.iter().map(f).collect::<Vec<_>>();
    let tenants: Vec<Uuid> = entries.iter().map(|e| *e.tenant.as_uuid()).collect();
    let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    let times: Vec<DateTime<Utc>> = entries.iter().map(|e| e.at).collect();
    sqlx::query(
        "INSERT INTO audit_events (tenant_id, seq, at, actor, action, subject_kind, subject_id, \
         before_digest, after_digest, prev_hash, hash) \
         SELECT * FROM UNNEST($1::uuid[], $2::int8[], $3::timestamptz[], $4::text[], $5::text[], \
                              $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], \
                              $11::text[])",
    )
    .bind(&tenants)
    .bind(&seqs)
    .bind(&times)
    .bind(text(|e| &e.actor))
    .bind(text(|e| &e.action))
    .bind(text(|e| &e.subject_kind))
    .bind(text(|e| &e.subject_id))
    .bind(optional(|e| e.before_digest.as_deref()))
    .bind(optional(|e| e.after_digest.as_deref()))
    .bind(text(|e| &e.prev_hash))
    .bind(text(|e| &e.hash))
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    sqlx::query("UPDATE audit_heads SET seq = $2, hash = $3 WHERE tenant_id = $1")
        .bind(last.tenant.as_uuid())
        .bind(last.seq)
        .bind(&last.hash)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

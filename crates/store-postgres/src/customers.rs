//! Customers: the sealed row, its blind-index lookups and its accounts, written with their audit
//! event in one transaction (`customer_batch.rs`, also for a single customer), and read back.
//! The column values are built by `cloudkyc_store::customers`, so this file only knows
//! PostgreSQL's SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::customers::{
    CreatedCustomer, Customer, CustomerId, CustomerRow, CustomerStore, Lookup, NewCustomer,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::postgres::{PgConnection, PgRow};

use crate::PgStore;
use crate::error::db;
use crate::rows::{get, time, uuids};

pub(crate) const COLUMNS: &str = "id, tenant_id, kind, person_status, cip_status, account_access, risk_tier, \
     policy_id, policy_version, reasons_ct, personal_ct, created_at, updated_at";

pub(crate) fn customer_row(row: &PgRow) -> StoreResult<CustomerRow> {
    Ok(CustomerRow {
        id: CustomerId::from_uuid(get(row, "id")?),
        tenant: TenantId::from_uuid(get(row, "tenant_id")?),
        kind: get(row, "kind")?,
        person_status: get(row, "person_status")?,
        cip_status: get(row, "cip_status")?,
        account_access: get(row, "account_access")?,
        risk_tier: get(row, "risk_tier")?,
        policy_id: get(row, "policy_id")?,
        policy_version: get(row, "policy_version")?,
        reasons_ct: get(row, "reasons_ct")?,
        personal_ct: get(row, "personal_ct")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

impl PgStore {
    pub(crate) async fn open_rows(
        &self,
        conn: &mut PgConnection,
        found: Vec<PgRow>,
    ) -> StoreResult<Vec<Customer>> {
        let mut out = Vec::with_capacity(found.len());
        for row in &found {
            let row = customer_row(row)?;
            let accounts: Vec<String> = sqlx::query_scalar(
                "SELECT external_id FROM customer_accounts WHERE customer_id = $1 ORDER BY position",
            )
            .bind(row.id.as_uuid())
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
            out.push(row.open(&self.ring, accounts)?);
        }
        Ok(out)
    }
}

#[async_trait]
impl CustomerStore for PgStore {
    async fn create_customer(
        &self,
        scope: &TenantScope,
        new: NewCustomer,
        now: DateTime<Utc>,
    ) -> StoreResult<CreatedCustomer> {
        // A batch of one: the same locks, checks, statements and audit event as a group commit.
        crate::customer_batch::create_customers(self, scope, vec![new], now)
            .await?
            .pop()
            .unwrap_or_else(|| {
                Err(StoreError::Corrupt(
                    "a batch of one answered nothing".into(),
                ))
            })
    }

    async fn create_customers(
        &self,
        scope: &TenantScope,
        news: Vec<NewCustomer>,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<StoreResult<CreatedCustomer>>> {
        crate::customer_batch::create_customers(self, scope, news, now).await
    }

    async fn customer(&self, scope: &TenantScope, id: CustomerId) -> StoreResult<Customer> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM customers WHERE id = $1 AND tenant_id = ANY($2)"
        ))
        .bind(id.as_uuid())
        .bind(uuids(scope.visible()))
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        self.open_rows(&mut conn, found)
            .await?
            .pop()
            .ok_or_else(|| StoreError::not_found("customer"))
    }

    async fn customers(
        &self,
        scope: &TenantScope,
        after: Option<CustomerId>,
        limit: u32,
    ) -> StoreResult<Vec<Customer>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM customers WHERE tenant_id = ANY($1) \
             AND purged_at IS NULL AND ($2::uuid IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
        ))
        .bind(uuids(scope.visible()))
        .bind(after.map(|id| *id.as_uuid()))
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        self.open_rows(&mut conn, found).await
    }

    async fn find_customers(
        &self,
        scope: &TenantScope,
        lookup: &Lookup,
    ) -> StoreResult<Vec<Customer>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM customers WHERE id IN (SELECT customer_id FROM customer_lookups \
             WHERE bidx = $1 AND tenant_id = ANY($2)) AND purged_at IS NULL ORDER BY id DESC"
        ))
        .bind(lookup.blind_index(&self.ring))
        .bind(uuids(scope.visible()))
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        self.open_rows(&mut conn, found).await
    }

    async fn customer_by_account(
        &self,
        scope: &TenantScope,
        tenant: TenantId,
        external_id: &str,
    ) -> StoreResult<Customer> {
        if !scope.can_see(tenant) {
            return Err(StoreError::not_found("account"));
        }
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM customers WHERE id = (SELECT customer_id FROM customer_accounts \
             WHERE tenant_id = $1 AND external_id = $2)"
        ))
        .bind(tenant.as_uuid())
        .bind(external_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        self.open_rows(&mut conn, found)
            .await?
            .pop()
            .ok_or_else(|| StoreError::not_found("account"))
    }

    async fn update_customer(
        &self,
        scope: &TenantScope,
        id: CustomerId,
        change: cloudkyc_store::customer_updates::CustomerChange,
        now: DateTime<Utc>,
    ) -> StoreResult<Customer> {
        crate::customer_updates::update(self, scope, id, change, now).await
    }
}

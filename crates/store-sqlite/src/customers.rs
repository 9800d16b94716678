//! Customers: the sealed row, its blind-index lookups and its accounts, written with their audit
//! event in one transaction (`customer_batch.rs`, also for a single customer), and read back.
//! The column values are built by `cloudkyc_store::customers`, so this file only knows SQLite's
//! SQL.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::customers::{
    CreatedCustomer, Customer, CustomerId, CustomerRow, CustomerStore, Lookup, NewCustomer,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnection, SqliteRow};

use crate::SqliteStore;
use crate::error::db;
use crate::rows::{self, id_list};

pub(crate) const COLUMNS: &str = "id, tenant_id, kind, person_status, cip_status, account_access, risk_tier, \
     policy_id, policy_version, reasons_ct, personal_ct, created_at, updated_at";

pub(crate) fn customer_row(row: &SqliteRow) -> StoreResult<CustomerRow> {
    Ok(CustomerRow {
        id: rows::id(row, "id")?,
        tenant: rows::id(row, "tenant_id")?,
        kind: rows::text(row, "kind")?,
        person_status: rows::text(row, "person_status")?,
        cip_status: rows::text(row, "cip_status")?,
        account_access: rows::text(row, "account_access")?,
        risk_tier: rows::text(row, "risk_tier")?,
        policy_id: rows::text(row, "policy_id")?,
        policy_version: rows::text(row, "policy_version")?,
        reasons_ct: row.try_get("reasons_ct").map_err(db)?,
        personal_ct: row.try_get("personal_ct").map_err(db)?,
        created_at: rows::time(row, "created_at")?,
        updated_at: rows::time(row, "updated_at")?,
    })
}

impl SqliteStore {
    pub(crate) async fn open_rows(
        &self,
        conn: &mut SqliteConnection,
        found: Vec<SqliteRow>,
    ) -> StoreResult<Vec<Customer>> {
        let customers = found
            .iter()
            .map(customer_row)
            .collect::<StoreResult<Vec<_>>>()?;
        if customers.is_empty() {
            return Ok(Vec::new());
        }
        // The accounts of every row in one query: one query per customer made a listing of a
        // few hundred customers spend most of its time passing queries to SQLite's thread.
        let ids: Vec<String> = customers.iter().map(|c| c.id.to_string()).collect();
        let held = sqlx::query(
            "SELECT customer_id, external_id FROM customer_accounts \
             WHERE customer_id IN (SELECT value FROM json_each(?)) ORDER BY customer_id, position",
        )
        .bind(serde_json::Value::from(ids).to_string())
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let mut accounts: HashMap<String, Vec<String>> = HashMap::new();
        for row in &held {
            accounts
                .entry(rows::text(row, "customer_id")?)
                .or_default()
                .push(rows::text(row, "external_id")?);
        }
        customers
            .into_iter()
            .map(|row| {
                let held = accounts.remove(&row.id.to_string()).unwrap_or_default();
                row.open(&self.ring, held)
            })
            .collect()
    }
}

#[async_trait]
impl CustomerStore for SqliteStore {
    async fn create_customer(
        &self,
        scope: &TenantScope,
        new: NewCustomer,
        now: DateTime<Utc>,
    ) -> StoreResult<CreatedCustomer> {
        // A batch of one: the same checks, statements and audit event as a group commit.
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
        let mut conn = self.reader.acquire().await.map_err(db)?;
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM customers WHERE id = ? AND tenant_id IN (SELECT value FROM json_each(?))"
        ))
        .bind(id.to_string())
        .bind(id_list(scope.visible()))
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
        let mut conn = self.reader.acquire().await.map_err(db)?;
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM customers WHERE tenant_id IN (SELECT value FROM json_each(?)) \
             AND purged_at IS NULL AND (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?"
        ))
        .bind(id_list(scope.visible()))
        .bind(after.map(|id| id.to_string()))
        .bind(after.map(|id| id.to_string()))
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
        let mut conn = self.reader.acquire().await.map_err(db)?;
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM customers WHERE id IN (SELECT customer_id FROM customer_lookups \
             WHERE bidx = ? AND tenant_id IN (SELECT value FROM json_each(?))) \
             AND purged_at IS NULL ORDER BY id DESC"
        ))
        .bind(lookup.blind_index(&self.ring))
        .bind(id_list(scope.visible()))
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
        let mut conn = self.reader.acquire().await.map_err(db)?;
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM customers WHERE id = (SELECT customer_id FROM customer_accounts \
             WHERE tenant_id = ? AND external_id = ?)"
        ))
        .bind(tenant.to_string())
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

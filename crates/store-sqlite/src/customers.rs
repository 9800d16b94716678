//! Customers: the sealed row, its blind-index lookups and its accounts, written with their audit
//! event in one transaction. The column values are built by `cloudkyc_store::customers`, so this
//! file only knows SQLite's SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::{NewAuditEvent, truncate_to_micros};
use cloudkyc_store::backend::to_micros;
use cloudkyc_store::customers::{
    CUSTOMER_CREATE, CUSTOMER_SUBJECT, CreatedCustomer, Customer, CustomerColumns, CustomerId,
    CustomerRow, CustomerStore, Lookup, NewCustomer, idempotency_index,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnection, SqliteRow};

use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{self, id_list};

const COLUMNS: &str = "id, tenant_id, kind, person_status, cip_status, account_access, risk_tier, \
     policy_id, policy_version, reasons_ct, personal_ct, created_at, updated_at";

fn customer_row(row: &SqliteRow) -> StoreResult<CustomerRow> {
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
    async fn open_rows(
        &self,
        conn: &mut SqliteConnection,
        found: Vec<SqliteRow>,
    ) -> StoreResult<Vec<Customer>> {
        let mut out = Vec::with_capacity(found.len());
        for row in &found {
            let row = customer_row(row)?;
            let accounts: Vec<String> = sqlx::query_scalar(
                "SELECT external_id FROM customer_accounts WHERE customer_id = ? ORDER BY position",
            )
            .bind(row.id.to_string())
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
            out.push(row.open(&self.ring, accounts)?);
        }
        Ok(out)
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
        if !scope.can_see(new.tenant) {
            return Err(StoreError::not_found("tenant"));
        }
        let mut tx = self.begin_write().await?;
        if let Some(key) = &new.idempotency_key {
            let earlier = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM customers WHERE tenant_id = ? AND idempotency_bidx = ?"
            ))
            .bind(new.tenant.to_string())
            .bind(idempotency_index(&self.ring, key))
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            if let Some(customer) = self.open_rows(&mut tx, earlier).await?.pop() {
                return Ok(CreatedCustomer {
                    customer,
                    replayed: true,
                });
            }
        }
        let id = CustomerId::new();
        let at = truncate_to_micros(now);
        let columns = CustomerColumns::seal(&self.ring, id, &new)?;
        sqlx::query(&format!(
            "INSERT INTO customers ({COLUMNS}, idempotency_bidx) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(id.to_string())
        .bind(new.tenant.to_string())
        .bind(columns.kind)
        .bind(&columns.person_status)
        .bind(&columns.cip_status)
        .bind(&columns.account_access)
        .bind(&columns.risk_tier)
        .bind(&new.decision.policy_id)
        .bind(&new.decision.policy_version)
        .bind(&columns.reasons_ct)
        .bind(&columns.personal_ct)
        .bind(to_micros(at))
        .bind(to_micros(at))
        .bind(&columns.idempotency_bidx)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        for lookup in &new.lookups {
            sqlx::query("INSERT OR IGNORE INTO customer_lookups (tenant_id, bidx, customer_id) VALUES (?, ?, ?)")
                .bind(new.tenant.to_string())
                .bind(lookup.blind_index(&self.ring))
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        for (position, external_id) in (0_i64..).zip(&new.accounts) {
            sqlx::query(
                "INSERT INTO customer_accounts (tenant_id, external_id, customer_id, position) VALUES (?, ?, ?, ?)",
            )
            .bind(new.tenant.to_string())
            .bind(external_id)
            .bind(id.to_string())
            .bind(position)
            .execute(&mut *tx)
            .await
            .map_err(|e| match db(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!("account {external_id:?} already belongs to a customer")),
                other => other,
            })?;
        }
        let customer = Customer {
            id,
            tenant: new.tenant,
            kind: new.kind,
            decision: new.decision,
            personal: new.personal,
            accounts: new.accounts,
            created_at: at,
            updated_at: at,
        };
        let event = NewAuditEvent::new(
            CUSTOMER_CREATE,
            CUSTOMER_SUBJECT,
            id,
            None::<&Customer>,
            Some(&customer),
        );
        append(&mut tx, customer.tenant, scope.actor(), now, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(CreatedCustomer {
            customer,
            replayed: false,
        })
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
             AND (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?"
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
             WHERE bidx = ? AND tenant_id IN (SELECT value FROM json_each(?))) ORDER BY id DESC"
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
}

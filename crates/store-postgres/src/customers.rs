//! Customers: the sealed row, its blind-index lookups and its accounts, written with their audit
//! event in one transaction. The column values are built by `cloudkyc_store::customers`, so this
//! file only knows PostgreSQL's SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::{NewAuditEvent, truncate_to_micros};
use cloudkyc_store::customers::{
    CUSTOMER_CREATE, CUSTOMER_SUBJECT, CreatedCustomer, Customer, CustomerColumns, CustomerId,
    CustomerRow, CustomerStore, Lookup, NewCustomer, idempotency_index,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::postgres::{PgConnection, PgRow};

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{get, time, uuids};

const COLUMNS: &str = "id, tenant_id, kind, person_status, cip_status, account_access, risk_tier, \
     policy_id, policy_version, reasons_ct, personal_ct, created_at, updated_at";

fn customer_row(row: &PgRow) -> StoreResult<CustomerRow> {
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
    async fn open_rows(
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
        if !scope.can_see(new.tenant) {
            return Err(StoreError::not_found("tenant"));
        }
        let mut tx = self.pool.begin().await.map_err(db)?;
        if let Some(key) = &new.idempotency_key {
            // Concurrent creates with one key take turns on this lock, so the second sees the first.
            let bidx = idempotency_index(&self.ring, key);
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind(format!("{}:{bidx}", new.tenant))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            let earlier = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM customers WHERE tenant_id = $1 AND idempotency_bidx = $2"
            ))
            .bind(new.tenant.as_uuid())
            .bind(&bidx)
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
            "INSERT INTO customers ({COLUMNS}, idempotency_bidx) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        ))
        .bind(id.as_uuid())
        .bind(new.tenant.as_uuid())
        .bind(columns.kind)
        .bind(&columns.person_status)
        .bind(&columns.cip_status)
        .bind(&columns.account_access)
        .bind(&columns.risk_tier)
        .bind(&new.decision.policy_id)
        .bind(&new.decision.policy_version)
        .bind(&columns.reasons_ct)
        .bind(&columns.personal_ct)
        .bind(at)
        .bind(at)
        .bind(&columns.idempotency_bidx)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        for lookup in &new.lookups {
            sqlx::query(
                "INSERT INTO customer_lookups (tenant_id, bidx, customer_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(new.tenant.as_uuid())
            .bind(lookup.blind_index(&self.ring))
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        for (position, external_id) in (0_i32..).zip(&new.accounts) {
            sqlx::query(
                "INSERT INTO customer_accounts (tenant_id, external_id, customer_id, position) VALUES ($1, $2, $3, $4)",
            )
            .bind(new.tenant.as_uuid())
            .bind(external_id)
            .bind(id.as_uuid())
            .bind(position)
            .execute(&mut *tx)
            .await
            .map_err(|e| match db(e) {
                StoreError::Conflict(_) => {
                    StoreError::Conflict(format!("account {external_id:?} already belongs to a customer"))
                }
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
             AND ($2::uuid IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
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
             WHERE bidx = $1 AND tenant_id = ANY($2)) ORDER BY id DESC"
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
}

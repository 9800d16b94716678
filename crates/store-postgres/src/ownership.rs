//! Ownership structures (see `cloudkyc_store::ownership`). A replacement locks the customer's
//! row (`FOR UPDATE`), so racing replacements of one structure run one after the other and the
//! version comparison below sees the latest write.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::truncate_to_micros;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::ownership::{
    OwnershipReplacement, OwnershipStore, OwnershipStructure, StoredOwnership, open_structure,
    parse_version, replaced_event, seal_structure, stale_version,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::postgres::{PgConnection, PgRow};

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{get, time, uuids};

const COLUMNS: &str = "customer_id, tenant_id, version, structure_ct, updated_at, updated_by";

impl PgStore {
    fn stored_ownership(&self, row: &PgRow) -> StoreResult<StoredOwnership> {
        let customer = CustomerId::from_uuid(get(row, "customer_id")?);
        let tenant = TenantId::from_uuid(get(row, "tenant_id")?);
        let ciphertext: Vec<u8> = get(row, "structure_ct")?;
        Ok(StoredOwnership {
            customer,
            tenant,
            version: parse_version(get(row, "version")?)?,
            structure: open_structure(&self.ring, tenant, customer, &ciphertext)?,
            updated_at: time(row, "updated_at")?,
            updated_by: get(row, "updated_by")?,
        })
    }

    /// The customer's tenant when the scope sees the customer; `lock` holds the customer's row
    /// until the transaction ends.
    async fn visible_customer(
        conn: &mut PgConnection,
        scope: &TenantScope,
        customer: CustomerId,
        lock: bool,
    ) -> StoreResult<TenantId> {
        let sql = if lock {
            "SELECT tenant_id FROM customers WHERE id = $1 AND tenant_id = ANY($2) FOR UPDATE"
        } else {
            "SELECT tenant_id FROM customers WHERE id = $1 AND tenant_id = ANY($2)"
        };
        let row = sqlx::query(sql)
            .bind(customer.as_uuid())
            .bind(uuids(scope.visible()))
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?
            .ok_or_else(|| StoreError::not_found("customer"))?;
        Ok(TenantId::from_uuid(get(&row, "tenant_id")?))
    }

    async fn current(
        &self,
        conn: &mut PgConnection,
        customer: CustomerId,
    ) -> StoreResult<Option<StoredOwnership>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM ownership_structures WHERE customer_id = $1"
        ))
        .bind(customer.as_uuid())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .map(|row| self.stored_ownership(&row))
        .transpose()
    }

    /// Writes a replacement in the caller's transaction, with its audit event; the caller
    /// checked that the scope sees the customer of `tenant` and holds its row locked (`FOR
    /// UPDATE`), which serialises replacements. A customer change carrying a structure
    /// (`CustomerChange::ownership`) calls this from its own transaction.
    pub(crate) async fn replace_in(
        &self,
        conn: &mut PgConnection,
        scope: &TenantScope,
        customer: CustomerId,
        tenant: TenantId,
        replacement: OwnershipReplacement,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredOwnership> {
        let before = self.current(conn, customer).await?;
        let stored_version = before.as_ref().map_or(0, |b| b.version);
        if stored_version != replacement.expected_version {
            return Err(stale_version(
                customer,
                replacement.expected_version,
                stored_version,
            ));
        }
        let after = StoredOwnership {
            customer,
            tenant,
            version: stored_version.saturating_add(1),
            structure: replacement.structure,
            updated_at: truncate_to_micros(now),
            updated_by: scope.actor().audit_name(),
        };
        let ciphertext = seal_structure(&self.ring, tenant, customer, &after.structure)?;
        sqlx::query(
            "INSERT INTO ownership_structures \
             (customer_id, tenant_id, version, structure_ct, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (customer_id) DO UPDATE SET \
             version = excluded.version, structure_ct = excluded.structure_ct, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(customer.as_uuid())
        .bind(tenant.as_uuid())
        .bind(i64::from(after.version))
        .bind(ciphertext)
        .bind(after.updated_at)
        .bind(&after.updated_by)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        append(
            conn,
            tenant,
            scope.actor(),
            now,
            replaced_event(before.as_ref(), &after),
        )
        .await?;
        Ok(after)
    }
}

#[async_trait]
impl OwnershipStore for PgStore {
    async fn replace_ownership(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        structure: OwnershipStructure,
        expected_version: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredOwnership> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let tenant = Self::visible_customer(&mut tx, scope, customer, true).await?;
        let replacement = OwnershipReplacement {
            structure,
            expected_version,
        };
        let after = self
            .replace_in(&mut tx, scope, customer, tenant, replacement, now)
            .await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    async fn ownership(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
    ) -> StoreResult<Option<StoredOwnership>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        Self::visible_customer(&mut conn, scope, customer, false).await?;
        self.current(&mut conn, customer).await
    }

    async fn ownership_structures(
        &self,
        scope: &TenantScope,
        after: Option<CustomerId>,
        limit: u32,
    ) -> StoreResult<Vec<StoredOwnership>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM ownership_structures WHERE tenant_id = ANY($1) \
             AND ($2::uuid IS NULL OR customer_id > $2) ORDER BY customer_id LIMIT $3"
        ))
        .bind(uuids(scope.visible()))
        .bind(after.map(|id| *id.as_uuid()))
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(|row| self.stored_ownership(row))
        .collect()
    }
}

//! Ownership structures (see `cloudkyc_store::ownership`). A replacement runs on the one writer
//! connection, which serialises racing writers, so the version comparison below cannot be
//! overtaken between the read and the write.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::truncate_to_micros;
use cloudkyc_store::backend::to_micros;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::ownership::{
    OwnershipReplacement, OwnershipStore, OwnershipStructure, StoredOwnership, open_structure,
    parse_version, replaced_event, seal_structure, stale_version,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{Executor, Row, Sqlite};

use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{self, id_list};

const COLUMNS: &str = "customer_id, tenant_id, version, structure_ct, updated_at, updated_by";

impl SqliteStore {
    fn stored_ownership(&self, row: &SqliteRow) -> StoreResult<StoredOwnership> {
        let customer: CustomerId = rows::id(row, "customer_id")?;
        let tenant: TenantId = rows::id(row, "tenant_id")?;
        let ciphertext: Vec<u8> = row.try_get("structure_ct").map_err(db)?;
        Ok(StoredOwnership {
            customer,
            tenant,
            version: parse_version(row.try_get("version").map_err(db)?)?,
            structure: open_structure(&self.ring, tenant, customer, &ciphertext)?,
            updated_at: rows::time(row, "updated_at")?,
            updated_by: rows::text(row, "updated_by")?,
        })
    }

    /// The customer's tenant when the scope sees the customer.
    async fn visible_customer<'e, E>(
        executor: E,
        scope: &TenantScope,
        customer: CustomerId,
    ) -> StoreResult<TenantId>
    where
        E: Executor<'e, Database = Sqlite>,
    {
        let row = sqlx::query(
            "SELECT tenant_id FROM customers WHERE id = ? \
             AND tenant_id IN (SELECT value FROM json_each(?))",
        )
        .bind(customer.to_string())
        .bind(id_list(scope.visible()))
        .fetch_optional(executor)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("customer"))?;
        rows::id(&row, "tenant_id")
    }

    async fn current(
        &self,
        conn: &mut SqliteConnection,
        customer: CustomerId,
    ) -> StoreResult<Option<StoredOwnership>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM ownership_structures WHERE customer_id = ?"
        ))
        .bind(customer.to_string())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .map(|row| self.stored_ownership(&row))
        .transpose()
    }

    /// Writes a replacement in the caller's write transaction, with its audit event; the caller
    /// checked that the scope sees the customer of `tenant`. A customer change carrying a
    /// structure (`CustomerChange::ownership`) calls this from its own transaction.
    pub(crate) async fn replace_in(
        &self,
        conn: &mut SqliteConnection,
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
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id) DO UPDATE SET \
             version = excluded.version, structure_ct = excluded.structure_ct, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(customer.to_string())
        .bind(tenant.to_string())
        .bind(i64::from(after.version))
        .bind(ciphertext)
        .bind(to_micros(after.updated_at))
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
impl OwnershipStore for SqliteStore {
    async fn replace_ownership(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        structure: OwnershipStructure,
        expected_version: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredOwnership> {
        let mut tx = self.begin_write().await?;
        let tenant = Self::visible_customer(&mut *tx, scope, customer).await?;
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
        let mut conn = self.reader.acquire().await.map_err(db)?;
        Self::visible_customer(&mut *conn, scope, customer).await?;
        self.current(&mut conn, customer).await
    }

    async fn ownership_structures(
        &self,
        scope: &TenantScope,
        after: Option<CustomerId>,
        limit: u32,
    ) -> StoreResult<Vec<StoredOwnership>> {
        let mut conn = self.reader.acquire().await.map_err(db)?;
        // Ids are UUID v7 written in lower-case hex, so text order is id order.
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM ownership_structures \
             WHERE tenant_id IN (SELECT value FROM json_each(?)) \
             AND (? IS NULL OR customer_id > ?) ORDER BY customer_id LIMIT ?"
        ))
        .bind(id_list(scope.visible()))
        .bind(after.map(|id| id.to_string()))
        .bind(after.map(|id| id.to_string()))
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?
        .iter()
        .map(|row| self.stored_ownership(row))
        .collect()
    }
}

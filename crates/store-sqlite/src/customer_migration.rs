//! Moving a customer into an ancestor tenant (see `cloudkyc_store::customer_migration`): one
//! write transaction on the single writer connection. The bulk tables name their tenant by its
//! integer key (migration 0021), so their rows move by key; everything else by `tenant_id`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::backend::parse_id;
use cloudkyc_store::customer_migration::{
    ACCOUNT_COLLISIONS, BULK_TABLES, CASE_COLLISIONS, CustomerMigrationStore,
    IDEMPOTENCY_COLLISION, MigrationReceipt, NAMED_COLLISIONS, ParamStyle, SEALED_TABLES,
    SealedTable, TENANT_TABLES, check_target, collision_refusal, numbered, receipt, reseal,
};
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::{Row, SqliteConnection};

use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::id_list;
use crate::tenant_keys::tenant_key;

/// The customer's account ids, as a subquery on `?1`.
const ACCOUNTS_OF: &str = "(SELECT external_id FROM customer_accounts WHERE customer_id = ?1)";
const ACCESS_IP_COLUMN: &str = "ip";

struct Move {
    id: CustomerId,
    from: TenantId,
    to: TenantId,
}

impl Move {
    fn sql(&self, template: &str) -> (String, Vec<String>) {
        numbered(template, ParamStyle::Sqlite, self.id, self.from, self.to)
    }
}

async fn texts(
    conn: &mut SqliteConnection,
    sql: &str,
    values: Vec<String>,
) -> StoreResult<Vec<String>> {
    let mut query = sqlx::query_scalar::<_, String>(sql);
    for value in values {
        query = query.bind(value);
    }
    query.fetch_all(&mut *conn).await.map_err(db)
}

async fn execute(conn: &mut SqliteConnection, sql: &str, values: Vec<String>) -> StoreResult<u64> {
    let mut query = sqlx::query(sql);
    for value in values {
        query = query.bind(value);
    }
    Ok(query.execute(&mut *conn).await.map_err(db)?.rows_affected())
}

impl SqliteStore {
    /// What collides in the target, by kind.
    async fn collisions(
        &self,
        conn: &mut SqliteConnection,
        m: &Move,
        keys: (i64, i64),
    ) -> StoreResult<Vec<(String, Vec<String>)>> {
        let mut found = Vec::new();
        for (what, template) in [
            ("account", ACCOUNT_COLLISIONS),
            ("open case", CASE_COLLISIONS),
        ] {
            let (sql, values) = m.sql(template);
            found.push((what.to_owned(), texts(conn, &sql, values).await?));
        }
        let (sql, values) = m.sql(IDEMPOTENCY_COLLISION);
        let mut query = sqlx::query(&sql);
        for value in values {
            query = query.bind(value);
        }
        if query
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?
            .is_some()
        {
            found.push((
                "idempotency key".to_owned(),
                vec!["(the customer's)".to_owned()],
            ));
        }
        for table in BULK_TABLES {
            let ids: Vec<String> = sqlx::query_scalar(&format!(
                "SELECT r.id FROM {table} r WHERE r.tenant_key = ?2 AND r.account IN {ACCOUNTS_OF} \
                 AND EXISTS (SELECT 1 FROM {table} s WHERE s.tenant_key = ?3 AND s.id = r.id) \
                 ORDER BY r.id LIMIT ?4"
            ))
            .bind(m.id.to_string())
            .bind(keys.0)
            .bind(keys.1)
            .bind(i64::try_from(NAMED_COLLISIONS).unwrap_or(i64::MAX))
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
            found.push((format!("{table} id"), ids));
        }
        Ok(found)
    }

    /// Re-seals the customer's rows of one table for the target; returns how many rows.
    async fn reseal_table(
        &self,
        conn: &mut SqliteConnection,
        m: &Move,
        spec: &SealedTable,
    ) -> StoreResult<u64> {
        let keys: Vec<String> = spec
            .key
            .iter()
            .map(|(column, _)| format!("CAST({column} AS TEXT)"))
            .collect();
        let sealed: Vec<&str> = spec.sealed.iter().map(|(column, _)| *column).collect();
        let (select, values) = m.sql(&format!(
            "SELECT {}, {} FROM {} WHERE {}",
            keys.join(", "),
            sealed.join(", "),
            spec.table,
            spec.rows
        ));
        let mut query = sqlx::query(&select);
        for value in values {
            query = query.bind(value);
        }
        let rows = query.fetch_all(&mut *conn).await.map_err(db)?;
        let set: Vec<String> = sealed.iter().map(|c| format!("{c} = ?")).collect();
        let by: Vec<String> = spec.key.iter().map(|(c, _)| format!("{c} = ?")).collect();
        let update = format!(
            "UPDATE {} SET {} WHERE {}",
            spec.table,
            set.join(", "),
            by.join(" AND ")
        );
        for row in &rows {
            let key: Vec<String> = (0..spec.key.len())
                .map(|i| row.try_get::<String, _>(i).map_err(db))
                .collect::<StoreResult<_>>()?;
            let aad_row = key.join("/");
            let mut query = sqlx::query(&update);
            for (i, (_, aad_column)) in spec.sealed.iter().enumerate() {
                let cell: Option<Vec<u8>> = row.try_get(spec.key.len() + i).map_err(db)?;
                let moved = cell
                    .map(|ct| {
                        reseal(
                            &self.ring, &ct, m.from, m.to, spec.table, &aad_row, aad_column,
                        )
                    })
                    .transpose()?;
                query = query.bind(moved);
            }
            for part in key {
                query = query.bind(part);
            }
            query.execute(&mut *conn).await.map_err(db)?;
        }
        Ok(u64::try_from(rows.len()).unwrap_or(u64::MAX))
    }

    /// Re-seals the IP of the access events of the customer's accounts and moves the bulk rows.
    async fn move_bulk(
        &self,
        conn: &mut SqliteConnection,
        m: &Move,
        keys: (i64, i64),
        receipt: &mut MigrationReceipt,
    ) -> StoreResult<()> {
        let events = sqlx::query(&format!(
            "SELECT rowid AS rid, id, ip_ct FROM access_events WHERE tenant_key = ?2 AND account IN {ACCOUNTS_OF}"
        ))
        .bind(m.id.to_string())
        .bind(keys.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        for event in &events {
            let rowid: i64 = event.try_get("rid").map_err(db)?;
            let id: String = event.try_get("id").map_err(db)?;
            let ct: Vec<u8> = event.try_get("ip_ct").map_err(db)?;
            let moved = reseal(
                &self.ring,
                &ct,
                m.from,
                m.to,
                "access_events",
                &id,
                ACCESS_IP_COLUMN,
            )?;
            sqlx::query("UPDATE access_events SET ip_ct = ? WHERE rowid = ?")
                .bind(moved)
                .bind(rowid)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
        }
        for table in BULK_TABLES {
            let moved = sqlx::query(&format!(
                "UPDATE {table} SET tenant_key = ?3 WHERE tenant_key = ?2 AND account IN {ACCOUNTS_OF}"
            ))
            .bind(m.id.to_string())
            .bind(keys.0)
            .bind(keys.1)
            .execute(&mut *conn)
            .await
            .map_err(db)?
            .rows_affected();
            receipt.count(table, moved);
        }
        Ok(())
    }

    /// The tenants above `tenant`, nearest first.
    async fn ancestors(
        conn: &mut SqliteConnection,
        tenant: TenantId,
    ) -> StoreResult<Vec<TenantId>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "WITH RECURSIVE up (id, depth) AS ( \
                 SELECT parent_id, 1 FROM tenants WHERE id = ? \
                 UNION ALL \
                 SELECT t.parent_id, up.depth + 1 FROM tenants t JOIN up ON t.id = up.id \
             ) SELECT id FROM up WHERE id IS NOT NULL ORDER BY depth",
        )
        .bind(tenant.to_string())
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        ids.iter().map(|t| parse_id("tenant_id", t)).collect()
    }

    async fn migrate_in(
        &self,
        conn: &mut SqliteConnection,
        scope: &TenantScope,
        id: CustomerId,
        to: TenantId,
        now: DateTime<Utc>,
    ) -> StoreResult<MigrationReceipt> {
        let from: String = sqlx::query_scalar(
            "SELECT tenant_id FROM customers WHERE id = ? AND tenant_id IN (SELECT value FROM json_each(?))",
        )
        .bind(id.to_string())
        .bind(id_list(scope.visible()))
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("customer"))?;
        let from: TenantId = parse_id("tenant_id", &from)?;
        check_target(scope, from, to, &Self::ancestors(conn, from).await?)?;
        let m = Move { id, from, to };
        let keys = (tenant_key(conn, from).await?, tenant_key(conn, to).await?);
        if let Some(refusal) = collision_refusal(id, to, &self.collisions(conn, &m, keys).await?) {
            return Err(refusal);
        }
        let accounts: Vec<String> = sqlx::query_scalar(
            "SELECT external_id FROM customer_accounts WHERE customer_id = ? ORDER BY position",
        )
        .bind(id.to_string())
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        let mut receipt = receipt(id, from, to, accounts, now);
        for spec in &SEALED_TABLES {
            let rows = self.reseal_table(conn, &m, spec).await?;
            if spec.table == "case_events" {
                receipt.count(spec.table, rows);
            }
        }
        // The bulk rows are found by the customer's accounts (whose condition names no tenant),
        // so it does not matter that `customer_accounts` moves after them.
        self.move_bulk(conn, &m, keys, &mut receipt).await?;
        for (table, rows) in TENANT_TABLES {
            let (sql, values) = m.sql(&format!(
                "UPDATE {table} SET tenant_id = {{to}} WHERE {rows}"
            ));
            receipt.count(table, execute(conn, &sql, values).await?);
        }
        let (out, into) = receipt.events();
        append(&mut *conn, from, scope.actor(), now, out).await?;
        append(&mut *conn, to, scope.actor(), now, into).await?;
        Ok(receipt)
    }
}

#[async_trait]
impl CustomerMigrationStore for SqliteStore {
    async fn migrate_customer(
        &self,
        scope: &TenantScope,
        id: CustomerId,
        to: TenantId,
        now: DateTime<Utc>,
    ) -> StoreResult<MigrationReceipt> {
        let mut tx = self.begin_write().await?;
        let receipt = self.migrate_in(&mut tx, scope, id, to, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(receipt)
    }
}

//! Moving a customer into an ancestor tenant (see `cloudkyc_store::customer_migration`): one
//! transaction that first locks the customer's row (`FOR UPDATE`), so a racing change to the
//! customer waits for the move and then finds the row in its new tenant.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::customer_migration::{
    ACCOUNT_COLLISIONS, BULK_TABLES, CASE_COLLISIONS, CustomerMigrationStore,
    IDEMPOTENCY_COLLISION, MigrationReceipt, NAMED_COLLISIONS, ParamStyle, SEALED_TABLES,
    SealedTable, TENANT_TABLES, check_target, collision_refusal, numbered, receipt, reseal,
};
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::{PgConnection, Row};
use uuid::Uuid;

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::uuids;

/// The customer's account ids, as a subquery on `$1`.
const ACCOUNTS_OF: &str = "(SELECT external_id FROM customer_accounts WHERE customer_id = $1)";
const ACCESS_IP_COLUMN: &str = "ip";

struct Move {
    id: CustomerId,
    from: TenantId,
    to: TenantId,
}

impl Move {
    fn sql(&self, template: &str) -> (String, Vec<String>) {
        numbered(template, ParamStyle::Postgres, self.id, self.from, self.to)
    }
}

async fn texts(
    conn: &mut PgConnection,
    sql: &str,
    values: Vec<String>,
) -> StoreResult<Vec<String>> {
    let mut query = sqlx::query_scalar::<_, String>(sql);
    for value in values {
        query = query.bind(value);
    }
    query.fetch_all(&mut *conn).await.map_err(db)
}

async fn execute(conn: &mut PgConnection, sql: &str, values: Vec<String>) -> StoreResult<u64> {
    let mut query = sqlx::query(sql);
    for value in values {
        query = query.bind(value);
    }
    Ok(query.execute(&mut *conn).await.map_err(db)?.rows_affected())
}

impl PgStore {
    /// What collides in the target, by kind.
    async fn collisions(
        &self,
        conn: &mut PgConnection,
        m: &Move,
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
                "SELECT r.id FROM {table} r WHERE r.tenant_id = $2 AND r.account IN {ACCOUNTS_OF} \
                 AND EXISTS (SELECT 1 FROM {table} s WHERE s.tenant_id = $3 AND s.id = r.id) \
                 ORDER BY r.id LIMIT $4"
            ))
            .bind(m.id.as_uuid())
            .bind(m.from.as_uuid())
            .bind(m.to.as_uuid())
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
        conn: &mut PgConnection,
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
            "SELECT {}, {} FROM {} WHERE {} FOR UPDATE",
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
        let mut n = 0;
        let mut set = Vec::new();
        for column in &sealed {
            n += 1;
            set.push(format!("{column} = ${n}"));
        }
        let mut by = Vec::new();
        for (column, pg_type) in spec.key {
            n += 1;
            by.push(format!("{column} = CAST(${n} AS {pg_type})"));
        }
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
        conn: &mut PgConnection,
        m: &Move,
        receipt: &mut MigrationReceipt,
    ) -> StoreResult<()> {
        let events = sqlx::query(&format!(
            "SELECT id, ip_ct FROM access_events WHERE tenant_id = $2 AND account IN {ACCOUNTS_OF} \
             FOR UPDATE"
        ))
        .bind(m.id.as_uuid())
        .bind(m.from.as_uuid())
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        for event in &events {
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
            sqlx::query("UPDATE access_events SET ip_ct = $1 WHERE tenant_id = $2 AND id = $3")
                .bind(moved)
                .bind(m.from.as_uuid())
                .bind(&id)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
        }
        for table in BULK_TABLES {
            let moved = sqlx::query(&format!(
                "UPDATE {table} SET tenant_id = $3 WHERE tenant_id = $2 AND account IN {ACCOUNTS_OF}"
            ))
            .bind(m.id.as_uuid())
            .bind(m.from.as_uuid())
            .bind(m.to.as_uuid())
            .execute(&mut *conn)
            .await
            .map_err(db)?
            .rows_affected();
            receipt.count(table, moved);
        }
        Ok(())
    }

    /// The tenants above `tenant`, nearest first.
    async fn ancestors(conn: &mut PgConnection, tenant: TenantId) -> StoreResult<Vec<TenantId>> {
        let ids: Vec<Uuid> = sqlx::query_scalar(
            "WITH RECURSIVE up (id, depth) AS ( \
                 SELECT parent_id, 1 FROM tenants WHERE id = $1 \
                 UNION ALL \
                 SELECT t.parent_id, up.depth + 1 FROM tenants t JOIN up ON t.id = up.id \
             ) SELECT id FROM up WHERE id IS NOT NULL ORDER BY depth",
        )
        .bind(tenant.as_uuid())
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        Ok(ids.into_iter().map(TenantId::from_uuid).collect())
    }

    async fn migrate_in(
        &self,
        conn: &mut PgConnection,
        scope: &TenantScope,
        id: CustomerId,
        to: TenantId,
        now: DateTime<Utc>,
    ) -> StoreResult<MigrationReceipt> {
        let from: Uuid = sqlx::query_scalar(
            "SELECT tenant_id FROM customers WHERE id = $1 AND tenant_id = ANY($2) FOR UPDATE",
        )
        .bind(id.as_uuid())
        .bind(uuids(scope.visible()))
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("customer"))?;
        let from = TenantId::from_uuid(from);
        check_target(scope, from, to, &Self::ancestors(conn, from).await?)?;
        let m = Move { id, from, to };
        if let Some(refusal) = collision_refusal(id, to, &self.collisions(conn, &m).await?) {
            return Err(refusal);
        }
        let accounts: Vec<String> = sqlx::query_scalar(
            "SELECT external_id FROM customer_accounts WHERE customer_id = $1 ORDER BY position",
        )
        .bind(id.as_uuid())
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
        self.move_bulk(conn, &m, &mut receipt).await?;
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
impl CustomerMigrationStore for PgStore {
    async fn migrate_customer(
        &self,
        scope: &TenantScope,
        id: CustomerId,
        to: TenantId,
        now: DateTime<Utc>,
    ) -> StoreResult<MigrationReceipt> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let receipt = self.migrate_in(&mut tx, scope, id, to, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(receipt)
    }
}

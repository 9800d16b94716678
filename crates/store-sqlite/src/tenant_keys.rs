//! The integer key a tenant has in the bulk telemetry tables (`tenant_keys`, migration 0021):
//! access events, usage records and reservations carry it instead of the tenant's UUID text, so
//! their rows and index entries are about a third smaller and a bulk insert writes less.

use cloudkyc_domain::TenantId;
use cloudkyc_store::{StoreError, StoreResult};
use sqlx::SqliteConnection;

use crate::error::db;

/// A scalar subquery for a tenant's key from its UUID text bound at `?`; SQLite evaluates it once
/// per statement. A tenant without a key (one that does not exist) matches no row.
pub(crate) const KEY_OF: &str = "(SELECT key FROM tenant_keys WHERE tenant_id = ?)";

/// The tenant's key, for a write: every tenant gets one when it is inserted (trigger
/// `tenants_key`), so a missing key means the tenant does not exist.
pub(crate) async fn tenant_key(conn: &mut SqliteConnection, tenant: TenantId) -> StoreResult<i64> {
    sqlx::query_scalar("SELECT key FROM tenant_keys WHERE tenant_id = ?")
        .bind(tenant.to_string())
        .fetch_optional(conn)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("tenant"))
}

#[cfg(test)]
mod tests {
    use std::ops::Range;

    use sqlx::{Connection, Executor, SqliteConnection};

    /// Applies the embedded migrations whose version is in `versions`, in order.
    async fn apply(conn: &mut SqliteConnection, versions: Range<i64>) {
        for migration in sqlx::migrate!("./migrations").iter() {
            if versions.contains(&migration.version) {
                sqlx::raw_sql(&migration.sql)
                    .execute(&mut *conn)
                    .await
                    .unwrap();
            }
        }
    }

    /// Migrations 0021 and 0027 (and those after them) on a database holding rows in the old
    /// layout: every row is kept under its tenant's key, `seq` values and the AUTOINCREMENT
    /// counter survive, and a tenant created afterwards gets a key from the trigger.
    #[tokio::test]
    async fn the_migration_keeps_existing_rows() {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        conn.execute("PRAGMA foreign_keys = ON").await.unwrap();
        apply(&mut conn, 0..21).await;
        sqlx::raw_sql(
            "INSERT INTO tenants VALUES ('t-root', NULL, 'root', 'provider', 1), \
                 ('t-child', 't-root', 'child', 'reseller', 2); \
             INSERT INTO access_events VALUES \
                 ('t-child', 'e1', 'a1', x'00', '0b1c', 5, 'login', 'DE', 6), \
                 ('t-root', 'e1', 'a1', x'01', 'ff00', 7, 'ssh', NULL, 8); \
             INSERT INTO usage_records (tenant_id, id, account, accelerator, \
                 accelerator_resolved, count, start_at, end_at, created_at) VALUES \
                 ('t-root', 'u1', 'a', 'H100', 'H100', 8, 1, 2, 3), \
                 ('t-child', 'u2', 'a', 'H100', 'H100', 8, 1, 2, 3), \
                 ('t-root', 'u3', 'a', 'H100', 'H100', 8, 1, 2, 3); \
             DELETE FROM usage_records WHERE id = 'u3'; \
             INSERT INTO reservations (tenant_id, id, account, accelerator, \
                 accelerator_resolved, count, start_at, end_at, created_at) VALUES \
                 ('t-child', 'r1', 'a', 'H100', 'H100', 8, 1, 2, 3);",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        apply(&mut conn, 21..i64::MAX).await;

        // 0027 keeps them too, the blind index as its bytes.
        let events: Vec<(String, String, i64, Vec<u8>)> = sqlx::query_as(
            "SELECT k.tenant_id, e.id, e.at, e.ip_bidx FROM access_events e \
             JOIN tenant_keys k ON k.key = e.tenant_key ORDER BY e.rowid",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        assert_eq!(
            events,
            [
                ("t-child".into(), "e1".into(), 5, vec![0x0b, 0x1c]),
                ("t-root".into(), "e1".into(), 7, vec![0xff, 0x00])
            ]
        );
        let usage: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT seq, k.tenant_id, id FROM usage_records \
             JOIN tenant_keys k ON k.key = tenant_key ORDER BY seq",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        assert_eq!(
            usage,
            [
                (1, "t-root".into(), "u1".into()),
                (2, "t-child".into(), "u2".into())
            ]
        );
        let reservation: String = sqlx::query_scalar(
            "SELECT k.tenant_id FROM reservations JOIN tenant_keys k ON k.key = tenant_key",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(reservation, "t-child");

        // A new tenant gets its key; the next seq continues after the deleted u3.
        sqlx::raw_sql(
            "INSERT INTO tenants VALUES ('t-new', 't-root', 'new', 'reseller', 9); \
             INSERT INTO usage_records (tenant_key, id, account, accelerator, \
                 accelerator_resolved, count, start_at, end_at, created_at) VALUES \
                 ((SELECT key FROM tenant_keys WHERE tenant_id = 't-new'), 'u4', 'a', 'H100', \
                  'H100', 8, 1, 2, 3);",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        let seq: i64 = sqlx::query_scalar("SELECT seq FROM usage_records WHERE id = 'u4'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(seq, 4);
        let violations: Vec<(String,)> =
            sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert!(violations.is_empty(), "{violations:?}");
    }
}

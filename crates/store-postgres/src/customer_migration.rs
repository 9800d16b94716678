//! Moving a customer into an ancestor tenant (see `cloudkyc_store::customer_migration`): one
//! transaction that first locks the customer's row (`FOR UPDATE`), so a racing change to the
//! customer waits for the move and then finds the row in its new tenant.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::customer_migration::{
    CustomerMigrationStore, MigrationReceipt, NAMED_COLLISIONS, check_target, collision_refusal,
    receipt, reseal,
};
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{PgConnection, Postgres, Row};
use uuid::Uuid;

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::uuids;

// The statements on the customer's rows read `$1` the customer id, `$2` its tenant, `$3` the
// target (all uuid) and `$4` the customer id as text (a case's `subject_ref`). `with_move` binds
// all four with their types, so a statement need not read them all.

/// The customer's own row.
const ITSELF: &str = "id = $1";
/// The rows that name the customer.
const BY_CUSTOMER: &str = "customer_id = $1";
/// The cases about the customer in its tenant.
const ITS_CASES: &str = "tenant_id = $2 AND subject_type = 'customer' AND subject_ref = $4";
/// The rows of those cases (found through the cases' tenant, so moved before the cases).
const OF_ITS_CASES: &str = "case_id IN (SELECT id FROM cases WHERE tenant_id = $2 \
     AND subject_type = 'customer' AND subject_ref = $4)";

/// A table with sealed columns whose rows of the customer are re-sealed.
struct SealedTable {
    table: &'static str,
    /// Key columns with their type; their text values joined with `/` are the row the associated
    /// data names.
    key: &'static [(&'static str, &'static str)],
    /// `(column, associated-data column)`; a NULL cell stays NULL.
    sealed: &'static [(&'static str, &'static str)],
    /// Which rows are the customer's.
    rows: &'static str,
}

/// Every sealed table of a customer, in the order the re-sealing goes: the case's own tables
/// before `cases`, whose tenant condition the others depend on.
const SEALED_TABLES: [SealedTable; 10] = [
    SealedTable {
        table: "customers",
        key: &[("id", "uuid")],
        sealed: &[("reasons_ct", "reasons"), ("personal_ct", "personal")],
        rows: ITSELF,
    },
    SealedTable {
        table: "customer_verifications",
        key: &[("id", "uuid")],
        sealed: &[("evidence_ct", "evidence")],
        rows: BY_CUSTOMER,
    },
    SealedTable {
        table: "documents",
        key: &[("id", "uuid")],
        sealed: &[("content_ct", "content")],
        rows: BY_CUSTOMER,
    },
    SealedTable {
        table: "ownership_structures",
        key: &[("customer_id", "uuid")],
        sealed: &[("structure_ct", "structure")],
        rows: BY_CUSTOMER,
    },
    SealedTable {
        table: "screening_dispositions",
        key: &[
            ("customer_id", "uuid"),
            ("list", "text"),
            ("entity_id", "text"),
        ],
        sealed: &[("note_ct", "note")],
        rows: BY_CUSTOMER,
    },
    SealedTable {
        table: "legal_holds",
        key: &[("id", "uuid")],
        sealed: &[
            ("reason_ct", "reason"),
            ("release_reason_ct", "release_reason"),
        ],
        rows: BY_CUSTOMER,
    },
    SealedTable {
        table: "special_measure_actions",
        key: &[("id", "uuid")],
        sealed: &[("plan_ct", "plan")],
        rows: BY_CUSTOMER,
    },
    SealedTable {
        table: "case_events",
        key: &[("case_id", "uuid"), ("seq", "bigint")],
        sealed: &[("entry_ct", "entry")],
        rows: OF_ITS_CASES,
    },
    SealedTable {
        table: "case_attachments",
        key: &[("id", "uuid")],
        sealed: &[("file_name_ct", "file_name"), ("content_ct", "content")],
        rows: OF_ITS_CASES,
    },
    SealedTable {
        table: "cases",
        key: &[("id", "uuid")],
        sealed: &[("state_ct", "state")],
        rows: ITS_CASES,
    },
];

/// Every table with a `tenant_id` column whose rows of the customer change tenant, with the
/// condition that finds them; `cases` last (the attachments' condition reads it).
const TENANT_TABLES: [(&str, &str); 11] = [
    ("customers", ITSELF),
    ("customer_lookups", BY_CUSTOMER),
    ("customer_accounts", BY_CUSTOMER),
    ("customer_verifications", BY_CUSTOMER),
    ("documents", BY_CUSTOMER),
    ("ownership_structures", BY_CUSTOMER),
    ("screening_dispositions", BY_CUSTOMER),
    ("legal_holds", BY_CUSTOMER),
    ("special_measure_actions", BY_CUSTOMER),
    ("case_attachments", OF_ITS_CASES),
    ("cases", ITS_CASES),
];

/// The customer's account ids another customer of the target holds.
const ACCOUNT_COLLISIONS: &str = "SELECT a.external_id FROM customer_accounts a \
     WHERE a.customer_id = $1 AND EXISTS (SELECT 1 FROM customer_accounts b \
     WHERE b.tenant_id = $3 AND b.external_id = a.external_id)";

/// The open cases about the customer whose dedupe key the target has open already.
const CASE_COLLISIONS: &str = "SELECT CAST(c.id AS TEXT) FROM cases c \
     WHERE c.tenant_id = $2 AND c.subject_type = 'customer' AND c.subject_ref = $4 \
     AND c.status <> 'closed' AND c.dedupe_key IS NOT NULL AND EXISTS (SELECT 1 FROM cases d \
     WHERE d.tenant_id = $3 AND d.kind = c.kind AND d.subject_type = c.subject_type \
     AND d.subject_ref = c.subject_ref AND d.dedupe_key = c.dedupe_key AND d.status <> 'closed')";

/// A row when the customer's idempotency key is used in the target already.
const IDEMPOTENCY_COLLISION: &str = "SELECT 1 FROM customers c WHERE c.id = $1 \
     AND c.idempotency_bidx IS NOT NULL AND EXISTS (SELECT 1 FROM customers d \
     WHERE d.tenant_id = $3 AND d.idempotency_bidx = c.idempotency_bidx)";

/// The bulk tables whose rows of the customer's accounts move.
const BULK_TABLES: [&str; 3] = ["access_events", "usage_records", "reservations"];

/// The customer's account ids, as a subquery on `$1`.
const ACCOUNTS_OF: &str = "(SELECT external_id FROM customer_accounts WHERE customer_id = $1)";
const ACCESS_IP_COLUMN: &str = "ip";

struct Move {
    id: CustomerId,
    from: TenantId,
    to: TenantId,
}

/// `sql` with the move's values bound as `$1` to `$4` (see above).
fn with_move<'q>(sql: &'q str, m: &Move) -> Query<'q, Postgres, PgArguments> {
    sqlx::query(sql)
        .bind(*m.id.as_uuid())
        .bind(*m.from.as_uuid())
        .bind(*m.to.as_uuid())
        .bind(m.id.to_string())
}

/// The first column, as text, of each row `sql` finds.
async fn texts(conn: &mut PgConnection, sql: &str, m: &Move) -> StoreResult<Vec<String>> {
    let rows = with_move(sql, m).fetch_all(&mut *conn).await.map_err(db)?;
    rows.iter().map(|row| row.try_get(0).map_err(db)).collect()
}

impl PgStore {
    /// What collides in the target, by kind.
    async fn collisions(
        &self,
        conn: &mut PgConnection,
        m: &Move,
    ) -> StoreResult<Vec<(String, Vec<String>)>> {
        let mut found = Vec::new();
        for (what, sql) in [
            ("account", ACCOUNT_COLLISIONS),
            ("open case", CASE_COLLISIONS),
        ] {
            found.push((what.to_owned(), texts(conn, sql, m).await?));
        }
        let idempotency = with_move(IDEMPOTENCY_COLLISION, m)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
        if idempotency.is_some() {
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
        let select = format!(
            "SELECT {}, {} FROM {} WHERE {} FOR UPDATE",
            keys.join(", "),
            sealed.join(", "),
            spec.table,
            spec.rows
        );
        let rows = with_move(&select, m)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
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
            let update = format!("UPDATE {table} SET tenant_id = $3 WHERE {rows}");
            let moved = with_move(&update, &m)
                .execute(&mut *conn)
                .await
                .map_err(db)?
                .rows_affected();
            receipt.count(table, moved);
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

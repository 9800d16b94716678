//! The PostgreSQL backend's integration tests: the whole contract suite, then what only
//! PostgreSQL has (several processes, triggers under attack, connection errors).
//!
//! Every test runs in a database of its own, created on the server named by
//! `CLOUDKYC_TEST_POSTGRES_URL` and dropped afterwards. Without the variable each test says so
//! on stderr and passes; with it, an unreachable server fails the test.

mod store_postgres {
    pub mod connecting;
    pub mod sealed;
    pub mod tamper;
    pub mod vacuum;
}

use std::sync::Arc;

use async_trait::async_trait;
use cloudkyc_store::contract::ContractDatabase;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store::{Store, StoreResult};
use cloudkyc_store_postgres::PgStore;
use sqlx::{Connection, PgConnection, Row};

const URL_VARIABLE: &str = "CLOUDKYC_TEST_POSTGRES_URL";

/// A database created for one test and dropped (best effort) when the test ends.
#[derive(Debug)]
pub struct PgDatabase {
    server_url: String,
    name: String,
}

/// The server URL with its database replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    format!("{}/{database}{query}", &base[..authority_end])
}

/// Says once per test run, on the real stderr (the test harness captures `eprintln!` of passing
/// tests), that the PostgreSQL tests passed without running, so a laptop run is never mistaken
/// for a PostgreSQL run.
fn announce_skip() {
    use std::io::Write;
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "skipped: the PostgreSQL tests did not run because {URL_VARIABLE} is not set"
        );
    });
}

impl PgDatabase {
    /// A fresh database, or `None` (after saying so) when no server is configured. Panics when
    /// a server is configured but cannot be reached: CI must never skip PostgreSQL silently.
    pub async fn create() -> Option<Self> {
        let Ok(server_url) = std::env::var(URL_VARIABLE) else {
            announce_skip();
            return None;
        };
        let name = format!("cloudkyc_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&server_url)
            .await
            .unwrap_or_else(|e| {
                panic!("{URL_VARIABLE} is set but the server cannot be reached: {e}")
            });
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        let _ = admin.close().await;
        Some(Self { server_url, name })
    }

    pub fn url(&self) -> String {
        with_database(&self.server_url, &self.name)
    }

    pub async fn connect(&self, master: &MasterKey) -> StoreResult<PgStore> {
        PgStore::connect(&self.url(), master).await
    }

    /// A plain connection beside the store, as someone with access to the database would have.
    pub async fn raw(&self) -> PgConnection {
        PgConnection::connect(&self.url())
            .await
            .expect("raw connection")
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let server_url = self.server_url.clone();
        let name = self.name.clone();
        // Drop cannot await, and the test's runtime is busy ending: use a thread of our own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&server_url).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .ok()
            })
        });
        let _ = dropped.join();
    }
}

#[async_trait]
impl ContractDatabase for PgDatabase {
    async fn open(&self, master: &MasterKey) -> StoreResult<Arc<dyn Store>> {
        Ok(Arc::new(self.connect(master).await?))
    }

    /// Renders every row of every table as text (`bytea` as hex) and searches it.
    async fn raw_contains(&self, needle: &str) -> bool {
        let mut conn = self.raw().await;
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
                .fetch_all(&mut conn)
                .await
                .expect("tables");
        let hex_needle: String = needle.bytes().map(|b| format!("{b:02x}")).collect();
        for table in tables {
            let row = sqlx::query(&format!(
                "SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM \"{table}\" t"
            ))
            .fetch_one(&mut conn)
            .await
            .expect("dump");
            let text: String = row.get(0);
            if text.contains(needle) || text.contains(&hex_needle) {
                return true;
            }
        }
        false
    }
}

pub async fn fresh_database() -> Option<PgDatabase> {
    PgDatabase::create().await
}

cloudkyc_store::contract_suite!(fresh_database);

#[test]
fn the_database_name_replaces_the_one_in_the_url() {
    assert_eq!(
        with_database("postgres://u@h:5432/postgres", "t1"),
        "postgres://u@h:5432/t1"
    );
    assert_eq!(
        with_database("postgres://u@h:5432", "t1"),
        "postgres://u@h:5432/t1"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "t1"),
        "postgres://u:p@h/t1?sslmode=disable"
    );
}

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
use cloudkyc_test_pg::TestDatabase;
use sqlx::{Connection, PgConnection, Row};

/// A database created for one test (see `cloudkyc-test-pg`), with the store's ways in.
#[derive(Debug)]
pub struct PgDatabase(TestDatabase);

impl PgDatabase {
    /// A fresh database, or `None` (after saying so) when no server is configured. Panics when
    /// a server is configured but cannot be reached: CI must never skip PostgreSQL silently.
    pub async fn create() -> Option<Self> {
        TestDatabase::create("the store tests").await.map(Self)
    }

    pub fn url(&self) -> String {
        self.0.url()
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

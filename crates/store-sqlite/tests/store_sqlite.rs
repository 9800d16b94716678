//! The SQLite backend's integration tests: the whole contract suite, then what only SQLite has
//! (files, triggers under attack, garbage files).

mod store_sqlite {
    pub mod opening;
    pub mod purge_bytes;
    pub mod tamper;
}

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use cloudkyc_store::contract::ContractDatabase;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store::{Store, StoreResult};
use cloudkyc_store_sqlite::SqliteStore;

/// A database file in a directory of its own under the system's temporary directory, removed
/// with it. (Not the `tempfile` crate: its feature choices would make the two backends' test
/// builds recompile sqlx for each other.)
#[derive(Debug)]
pub struct SqliteDatabase {
    dir: PathBuf,
}

impl SqliteDatabase {
    pub fn create() -> Self {
        let dir =
            std::env::temp_dir().join(format!("cloudkyc-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        Self { dir }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join("nested").join("cloudkyc.db")
    }

    pub fn url(&self) -> String {
        format!("sqlite://{}", self.path().display())
    }

    pub async fn open_store(&self, master: &MasterKey) -> StoreResult<SqliteStore> {
        SqliteStore::open(&self.url(), master).await
    }

    /// A plain connection beside the store, as someone with access to the file would have.
    pub async fn raw(&self) -> sqlx::SqliteConnection {
        use sqlx::Connection;
        sqlx::SqliteConnection::connect(&self.url())
            .await
            .expect("raw connection")
    }
}

impl Drop for SqliteDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[async_trait]
impl ContractDatabase for SqliteDatabase {
    async fn open(&self, master: &MasterKey) -> StoreResult<Arc<dyn Store>> {
        Ok(Arc::new(self.open_store(master).await?))
    }

    async fn raw_contains(&self, needle: &str) -> bool {
        let mut wal = self.path().into_os_string();
        wal.push("-wal");
        let mut bytes = tokio::fs::read(self.path()).await.expect("database file");
        bytes.extend(tokio::fs::read(wal).await.unwrap_or_default());
        bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
    }
}

async fn fresh_database() -> Option<SqliteDatabase> {
    Some(SqliteDatabase::create())
}

cloudkyc_store::contract_suite!(fresh_database);

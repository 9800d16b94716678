//! `SqliteStore`: the pools, the key ring, and the `Store` trait itself.

use async_trait::async_trait;
use chrono::Utc;
use cloudkyc_store::crypto::{KeyRing, MasterKey};
use cloudkyc_store::{Store, StoreResult};
use sqlx::Sqlite;
use sqlx::sqlite::SqlitePool;
use tokio::sync::Mutex;

use crate::checkpoint::Checkpointer;
use crate::error::db;
use crate::keyring;
use crate::open::{Location, Pools, open_pools};

/// The SQLite backend. Cheap to share behind an `Arc`; every method is safe to call from many
/// tasks at once.
#[derive(Debug)]
pub struct SqliteStore {
    location: Location,
    pub(crate) writer: SqlitePool,
    pub(crate) reader: SqlitePool,
    checkpointer: Option<Checkpointer>,
    pub(crate) ring: KeyRing,
    /// The key that wraps the stored data keys; replaced by `rotate_master_key`. Held for the
    /// whole of a key-ring change so two changes in one process cannot interleave.
    pub(crate) master: Mutex<MasterKey>,
}

impl SqliteStore {
    /// Opens (creating on first use) the database at `url`: `sqlite://path/to/file.db`, or
    /// `sqlite::memory:` for a database that lives as long as the store. Applies pending
    /// migrations and opens the key ring with `master` (bootstrapping it on an empty database).
    pub async fn open(url: &str, master: &MasterKey) -> StoreResult<SqliteStore> {
        let location = Location::parse(url)?;
        let Pools {
            writer,
            reader,
            checkpointer,
        } = open_pools(&location).await?;
        let ring = match keyring::load_or_bootstrap(&writer, master, Utc::now()).await {
            Ok(ring) => ring,
            Err(e) => {
                if let Some(checkpointer) = &checkpointer {
                    checkpointer.stop().await;
                }
                writer.close().await;
                reader.close().await;
                return Err(e);
            }
        };
        Ok(SqliteStore {
            location,
            writer,
            reader,
            checkpointer,
            ring,
            master: Mutex::new(master.clone()),
        })
    }

    /// Stops the checkpointer and closes both pools, waiting for connections in use to come back;
    /// later calls fail.
    pub async fn close(&self) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.stop().await;
        }
        self.writer.close().await;
        self.reader.close().await;
    }

    /// Starts a write transaction on the single writer connection. `BEGIN IMMEDIATE` takes the
    /// write lock up front, so a transaction never has to upgrade a read lock (which SQLite
    /// refuses with `SQLITE_BUSY` instead of waiting) when another process writes too.
    pub(crate) async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, Sqlite>> {
        if self.location == Location::Memory {
            // One connection, nobody else to race with.
            return self.writer.begin().await.map_err(db);
        }
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(db)
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.reader)
            .await
            .map_err(db)?;
        Ok(())
    }
}

//! `PgStore`: the pool, the key ring, and the `Store` trait itself.

use async_trait::async_trait;
use chrono::Utc;
use cloudkyc_store::crypto::{KeyRing, MasterKey};
use cloudkyc_store::{Store, StoreResult};
use sqlx::postgres::PgPool;
use tokio::sync::Mutex;

use crate::error::db;
use crate::keyring;
use crate::open;

/// The PostgreSQL backend. Any number of processes may share one database: chains are
/// serialised by a row lock on their head, jobs are claimed with `FOR UPDATE SKIP LOCKED`.
#[derive(Debug)]
pub struct PgStore {
    server: String,
    pub(crate) pool: PgPool,
    pub(crate) ring: KeyRing,
    /// The key that wraps the stored data keys; replaced by `rotate_master_key`. Held for the
    /// whole of a key-ring change so two changes in one process cannot interleave.
    pub(crate) master: Mutex<MasterKey>,
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`), applies pending
    /// migrations and opens the key ring with `master` (bootstrapping it on an empty database).
    /// An unreachable server fails here with a message naming `host:port`, never the password.
    pub async fn connect(url: &str, master: &MasterKey) -> StoreResult<PgStore> {
        let options = open::parse(url)?;
        let server = open::describe(&options);
        let pool = open::connect(options).await?;
        let ring = match keyring::load_or_bootstrap(&pool, master, Utc::now()).await {
            Ok(ring) => ring,
            Err(e) => {
                pool.close().await;
                return Err(e);
            }
        };
        Ok(PgStore {
            server,
            pool,
            ring,
            master: Mutex::new(master.clone()),
        })
    }

    /// Closes the pool, waiting for connections in use to come back; later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// `host:port/database` of the server, for status output.
    pub fn server(&self) -> &str {
        &self.server
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }
}

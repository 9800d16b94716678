//! What the app's benchmarks share: a fresh database on either backend, removed at the end, and
//! percentiles. Each example includes it with `#[path = "support/bench_store.rs"] mod bench_store;`.

use std::sync::Arc;
use std::time::Duration;

use cloudkyc_store::Store;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store_postgres::PgStore;
use cloudkyc_store_sqlite::SqliteStore;
use sqlx::Connection;
use sqlx::postgres::PgConnection;

pub type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The nearest-rank percentile of sorted durations (`p` in 0..=1).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1);
    sorted.get(rank).copied().unwrap_or_default()
}

pub struct PgDatabase {
    server_url: String,
    name: String,
}

impl PgDatabase {
    async fn create(server_url: String) -> BenchResult<Self> {
        let name = format!("cloudkyc_bench_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&server_url).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await?;
        admin.close().await?;
        Ok(Self { server_url, name })
    }

    /// The server URL with its database replaced by ours (query parameters kept).
    fn url(&self) -> String {
        let (base, query) = match self.server_url.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (self.server_url.as_str(), String::new()),
        };
        let authority = base.find("://").map_or(0, |i| i + 3);
        let server = match base.get(authority..).and_then(|rest| rest.find('/')) {
            Some(slash) => base.get(..authority + slash).unwrap_or(base),
            None => base,
        };
        format!("{server}/{}{query}", self.name)
    }

    async fn drop_database(self) -> BenchResult<()> {
        let mut admin = PgConnection::connect(&self.server_url).await?;
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut admin)
        .await?;
        admin.close().await?;
        Ok(())
    }
}

/// Where the data lives, kept so it can be removed at the end.
pub enum Fixture {
    Sqlite(Arc<SqliteStore>, tempfile::TempDir),
    Postgres(Arc<PgStore>, PgDatabase),
}

impl Fixture {
    pub async fn open(backend: Backend) -> BenchResult<(Self, Arc<dyn Store>)> {
        let master = MasterKey::generate();
        Ok(match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir()?;
                let url = format!("sqlite://{}", dir.path().join("bench.db").display());
                let store = Arc::new(SqliteStore::open(&url, &master).await?);
                (Self::Sqlite(store.clone(), dir), store)
            }
            Backend::Postgres => {
                let server = std::env::var("CLOUDKYC_BENCH_POSTGRES_URL")
                    .unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
                let database = PgDatabase::create(server).await?;
                match PgStore::connect(&database.url(), &master).await {
                    Ok(store) => {
                        let store = Arc::new(store);
                        (Self::Postgres(store.clone(), database), store)
                    }
                    Err(e) => {
                        database.drop_database().await?;
                        return Err(e.into());
                    }
                }
            }
        })
    }

    pub async fn close(self) -> BenchResult<()> {
        match self {
            Self::Sqlite(store, dir) => {
                store.close().await;
                dir.close()?;
            }
            Self::Postgres(store, database) => {
                store.close().await;
                database.drop_database().await?;
            }
        }
        Ok(())
    }
}

//! Opening a database file: where it is, whether it is ours, the connection settings and the
//! migrations.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use cloudkyc_store::{StoreError, StoreResult};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection, Row};

use crate::checkpoint::Checkpointer;

/// `PRAGMA application_id` of a cloudkyc database ("ckyc"), set by the first migration.
const APPLICATION_ID: i64 = 0x636b_7963;
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
const READERS: u32 = 4;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    File(PathBuf),
    Memory,
}

impl Location {
    pub(crate) fn parse(url: &str) -> StoreResult<Self> {
        if url == "sqlite::memory:" || url == "sqlite://:memory:" {
            return Ok(Location::Memory);
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .filter(|p| !p.is_empty())
            .ok_or_else(|| {
                StoreError::Database(format!(
                    "unsupported SQLite URL {url:?}: expected sqlite://path/to/file.db or sqlite::memory:"
                ))
            })?;
        Ok(Location::File(PathBuf::from(path)))
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File(path) => path.display().fmt(f),
            Location::Memory => f.write_str(":memory:"),
        }
    }
}

/// The two pools: every write goes through the single writer connection, so writers queue in
/// the pool instead of meeting SQLite's lock; reads run beside it on WAL snapshots. An in-memory
/// database exists only inside its one connection, so there both pools are that connection.
pub(crate) struct Pools {
    pub(crate) writer: SqlitePool,
    pub(crate) reader: SqlitePool,
    /// A file's WAL checkpointer; an in-memory database has no WAL.
    pub(crate) checkpointer: Option<Checkpointer>,
}

pub(crate) async fn open_pools(location: &Location) -> StoreResult<Pools> {
    match location {
        Location::Memory => {
            let options = SqliteConnectOptions::from_str("sqlite::memory:")
                .map_err(|e| StoreError::Database(e.to_string()))?
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await
                .map_err(|e| {
                    StoreError::Database(format!("cannot open an in-memory SQLite database: {e}"))
                })?;
            migrate(&pool, location).await?;
            Ok(Pools {
                writer: pool.clone(),
                reader: pool,
                checkpointer: None,
            })
        }
        Location::File(path) => {
            probe(path).await?;
            let not_ours = |e: sqlx::Error| not_a_cloudkyc_database(path, e);
            let base = SqliteConnectOptions::new()
                .filename(path)
                .foreign_keys(true)
                .busy_timeout(BUSY_TIMEOUT);
            let writer_options = base
                .clone()
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL syncs the WAL at every commit, so an acknowledged change (an onboarded
                // customer, its audit event) survives a power cut or an OS crash; NORMAL syncs
                // only at checkpoints and can lose the last acknowledged transactions there. A
                // compliance record may not lose what it acknowledged, and with onboardings
                // committed in groups the sync is paid once per batch, not per customer.
                .synchronous(SqliteSynchronous::Full)
                // A 64 MiB page cache (the default is 2 MiB) for the one writer: a bulk batch of
                // access events or usage records touches more index pages than 2 MiB holds, and
                // re-reading them from the file was a quarter of the ingestion time.
                .pragma("cache_size", "-65536")
                // A multi-row INSERT inside a transaction keeps a statement journal (so that a
                // failing row undoes only its statement); in memory it costs a copy, on disk a
                // write system call per page, which was a sixth of bulk ingestion.
                .pragma("temp_store", "memory")
                // The checkpointer task (`checkpoint.rs`) copies the WAL into the database
                // beside the writer; the writer checkpoints by itself only when the log passes
                // 64 MiB, a backstop for when the task falls behind (a commit that runs such a
                // checkpoint waits for it: at 8 MiB that was two thirds of a bulk commit).
                .pragma("wal_autocheckpoint", "16000");
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .connect_with(writer_options)
                .await
                .map_err(not_ours)?;
            migrate(&writer, location).await?;
            let reader = SqlitePoolOptions::new()
                .max_connections(READERS)
                .connect_with(base.clone().read_only(true))
                .await
                .map_err(not_ours)?;
            let checkpointer = Checkpointer::start(base.synchronous(SqliteSynchronous::Full))
                .await
                .map_err(not_ours)?;
            Ok(Pools {
                writer,
                reader,
                checkpointer: Some(checkpointer),
            })
        }
    }
}

/// Refuses a file that is not a cloudkyc database before anything can write to it: opening it in
/// WAL mode or migrating it would change it.
async fn probe(path: &Path) -> StoreResult<()> {
    let header = match read_header(path).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return create_parent(path).await,
        Err(e) => {
            return Err(StoreError::Database(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    if header.is_empty() {
        // SQLite treats an empty file as an empty database.
        return Ok(());
    }
    if header != SQLITE_HEADER {
        return Err(StoreError::Database(format!(
            "{} is not a cloudkyc SQLite database: the file does not start with the SQLite header",
            path.display()
        )));
    }
    let not_ours = |e: sqlx::Error| not_a_cloudkyc_database(path, e);
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .busy_timeout(BUSY_TIMEOUT)
        .connect()
        .await
        .map_err(not_ours)?;
    let tables: i64 = sqlx::query("SELECT count(*) FROM sqlite_schema")
        .fetch_one(&mut conn)
        .await
        .and_then(|row| row.try_get(0))
        .map_err(not_ours)?;
    let application_id: i64 = sqlx::query("PRAGMA application_id")
        .fetch_one(&mut conn)
        .await
        .and_then(|row| row.try_get(0))
        .map_err(not_ours)?;
    conn.close().await.map_err(not_ours)?;
    if tables > 0 && application_id != APPLICATION_ID {
        return Err(StoreError::Database(format!(
            "{} is not a cloudkyc SQLite database: it belongs to another application (application_id {application_id})",
            path.display()
        )));
    }
    Ok(())
}

async fn read_header(path: &Path) -> std::io::Result<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let file = tokio::fs::File::open(path).await?;
    let mut header = Vec::with_capacity(SQLITE_HEADER.len());
    file.take(SQLITE_HEADER.len() as u64)
        .read_to_end(&mut header)
        .await?;
    Ok(header)
}

async fn create_parent(path: &Path) -> StoreResult<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            tokio::fs::create_dir_all(dir).await.map_err(|e| {
                StoreError::Database(format!("cannot create directory {}: {e}", dir.display()))
            })
        }
        _ => Ok(()),
    }
}

fn not_a_cloudkyc_database(path: &Path, e: sqlx::Error) -> StoreError {
    let detail = e.to_string().replace('\n', " ");
    StoreError::Database(format!(
        "{} is not a cloudkyc SQLite database: {detail}",
        path.display()
    ))
}

async fn migrate(pool: &SqlitePool, location: &Location) -> StoreResult<()> {
    MIGRATOR.run(pool).await.map_err(|e| {
        let detail = e.to_string().replace('\n', " ");
        StoreError::Database(format!(
            "migrating SQLite database {location} failed: {detail}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_file_or_memory() {
        assert_eq!(
            Location::parse("sqlite::memory:").ok(),
            Some(Location::Memory)
        );
        assert_eq!(
            Location::parse("sqlite://data/ck.db").ok(),
            Some(Location::File("data/ck.db".into()))
        );
        assert_eq!(
            Location::parse("sqlite:///var/ck.db").ok(),
            Some(Location::File("/var/ck.db".into()))
        );
        for bad in ["postgres://x", "sqlite://", "ck.db"] {
            assert!(Location::parse(bad).is_err(), "{bad}");
        }
    }
}

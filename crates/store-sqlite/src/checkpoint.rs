//! The WAL checkpointer: a background task that copies committed pages from the write-ahead log
//! into the database file, so the writer's commits do not wait for that copy.
//!
//! Without it, the commit that takes the WAL past `wal_autocheckpoint` pages runs the checkpoint
//! itself, under the write lock: it copies the pages and syncs the database file. In bulk
//! ingestion that was two thirds of a commit's time and an eighth of a batch's (commits waited
//! 40 ms for it, 16 ms without). SQLite lets a checkpoint on another connection run beside the
//! writer (a PASSIVE checkpoint never blocks it, and stops at frames a reader still needs), so
//! this task does it on a connection of its own. The writer keeps a larger automatic checkpoint
//! as a backstop for when the task falls behind (`open.rs`).

use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, Row};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How soon the next checkpoint runs after one that found new frames: a bulk writer adds several
/// MiB a second, and a short pause keeps the log (and so each checkpoint) small.
const AFTER_WORK: Duration = Duration::from_millis(50);
/// How soon it runs after one that found nothing new, or failed: an idle database costs one
/// cheap PRAGMA four times a second.
const AFTER_IDLE: Duration = Duration::from_millis(250);

/// The running task; stopped by `stop` (or when the store, and with it this, is dropped).
#[derive(Debug)]
pub(crate) struct Checkpointer {
    stop: watch::Sender<bool>,
    task: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl Checkpointer {
    /// Opens the task's own connection with `options` and starts it.
    pub(crate) async fn start(options: SqliteConnectOptions) -> Result<Self, sqlx::Error> {
        let conn = options.connect().await?;
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(conn, stopped));
        Ok(Self {
            stop,
            task: std::sync::Mutex::new(Some(task)),
        })
    }

    /// Stops the task and waits until its connection is closed.
    pub(crate) async fn stop(&self) {
        let _ = self.stop.send(true);
        let task = self.task.lock().ok().and_then(|mut task| task.take());
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

async fn run(mut conn: SqliteConnection, mut stopped: watch::Receiver<bool>) {
    let mut last = None;
    loop {
        let pause = match checkpoint(&mut conn).await {
            Ok(log) if log > 0 && Some(log) != last => {
                last = Some(log);
                AFTER_WORK
            }
            Ok(log) => {
                last = Some(log);
                AFTER_IDLE
            }
            Err(e) => {
                tracing::warn!(error = %e, "WAL checkpoint failed; the writer's own checkpoints continue");
                AFTER_IDLE
            }
        };
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            // A stop, or the store (holding the sender) dropped.
            _ = stopped.changed() => break,
        }
    }
    let _ = conn.close().await;
}

/// One PASSIVE checkpoint; returns the number of frames in the log.
async fn checkpoint(conn: &mut SqliteConnection) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(conn)
        .await?;
    row.try_get(1)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
    use sqlx::{ConnectOptions, Executor};

    use super::Checkpointer;

    /// Frames the writer committed reach the database file without the writer checkpointing,
    /// and stopping the task closes its connection.
    #[tokio::test]
    async fn committed_frames_are_copied_into_the_database_file() {
        let dir = std::env::temp_dir().join(format!("ckpt-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("db.sqlite");
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .unwrap()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .pragma("wal_autocheckpoint", "0");
        let mut writer = options.clone().connect().await.unwrap();
        writer
            .execute("CREATE TABLE t (x BLOB); INSERT INTO t VALUES (zeroblob(100000))")
            .await
            .unwrap();
        let file_size = || std::fs::metadata(&path).unwrap().len();
        assert!(file_size() < 100_000, "the writer checkpointed by itself");
        let checkpointer = Checkpointer::start(options.clone()).await.unwrap();
        for _ in 0..250 {
            if file_size() >= 100_000 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(
            file_size() >= 100_000,
            "the frames never reached the database file"
        );
        checkpointer.stop().await;
        assert!(checkpointer.task.lock().unwrap().is_none());
        drop(writer);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! Change notifications between the instances that share one database.
//!
//! A transaction that changes state some instances keep in memory (the lists in force, the
//! special measures, the compute records their engines are built from) announces it with `pg_notify` before it commits. PostgreSQL delivers a
//! notification only when its transaction commits, so a listener never hears of a change it
//! cannot read yet, and never of one that was rolled back. Listeners are told *that* something
//! changed and re-read the store; the payload only says which kind, for the logs.

use std::time::Duration;

use cloudkyc_store::StoreResult;
use sqlx::postgres::{PgConnection, PgListener};
use tokio::sync::watch;

use crate::PgStore;
use crate::error::db;

/// The one channel every instance listens on.
pub const CHANNEL: &str = "cloudkyc_changes";

/// What changed, as the payload names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Lists,
    Measures,
    /// Usage records or reservations: other instances' engines catch up with the store.
    Usage,
}

impl Change {
    fn payload(self) -> &'static str {
        match self {
            Self::Lists => "lists",
            Self::Measures => "measures",
            Self::Usage => "usage",
        }
    }
}

/// Announces `change` inside the caller's transaction: delivered when it commits, dropped when
/// it rolls back.
pub(crate) async fn announce(conn: &mut PgConnection, change: Change) -> StoreResult<()> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(change.payload())
        .execute(conn)
        .await
        .map_err(db)?;
    Ok(())
}

/// How long the listener waits before connecting again after an error.
const RETRY_AFTER: Duration = Duration::from_secs(1);

impl PgStore {
    /// Listens for the changes every process announces. The value of the returned watch counts
    /// the notifications heard, plus one for every lost connection (a change may have been
    /// missed while it was down, so followers re-read the store then too). The listening task
    /// holds its own connection, reconnects by itself, and ends when every receiver is dropped.
    pub async fn watch_changes(&self) -> StoreResult<watch::Receiver<u64>> {
        let mut listener = PgListener::connect_with(&self.pool).await.map_err(db)?;
        listener.listen(CHANNEL).await.map_err(db)?;
        let (tx, rx) = watch::channel(0_u64);
        tokio::spawn(async move {
            loop {
                let heard = tokio::select! {
                    () = tx.closed() => return,
                    heard = listener.try_recv() => heard,
                };
                match heard {
                    Ok(Some(notice)) => {
                        tracing::debug!(change = notice.payload(), "change announced");
                    }
                    // The connection was lost; the next `try_recv` reconnects and listens again.
                    Ok(None) => tracing::warn!("change listener reconnecting to PostgreSQL"),
                    Err(error) => {
                        tracing::warn!(%error, "change listener failed; retrying");
                        tokio::time::sleep(RETRY_AFTER).await;
                    }
                }
                tx.send_modify(|n| *n = n.wrapping_add(1));
            }
        });
        Ok(rx)
    }
}

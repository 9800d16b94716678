//! Following what other processes change in the shared store (issue 9: stateless instances).
//!
//! Most state is read from the store on every use, so any number of instances see each other's
//! writes at once: customers, cases, jobs (claimed with row locks that skip locked rows), API
//! keys, and the special measures (onboarding and every re-check read the registry). What an
//! instance keeps in memory is the screening index, built from the lists in force, and the
//! compute engines, built from the usage records and reservations (`compute_follow`). It
//! follows both in two ways: at once when the store announces a change (PostgreSQL `LISTEN/NOTIFY`,
//! [`App::with_change_signal`]), and by comparing the store with memory every
//! [`CHANGE_POLL_FALLBACK`], so a lost notification (or a backend without them, such as SQLite
//! shared with the `cloudkyc lists import` or `usage import` command) delays a change, never
//! loses it. The compute engines also catch up before every read of compute state.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

use crate::{App, AppResult};

/// How often an instance compares its in-memory state with the store without a notification.
pub const CHANGE_POLL_FALLBACK: Duration = Duration::from_secs(30);

impl App {
    /// This app woken by `signal` whenever another process announces a change (the value is a
    /// counter; only its changes matter). `cloudkyc serve` passes PostgreSQL's listener.
    #[must_use]
    pub fn with_change_signal(self, signal: watch::Receiver<u64>) -> Self {
        self.set_change_signal(signal)
    }

    /// Brings the in-memory state up to what the store holds now: the screening index (whether
    /// it was rebuilt is the answer) and the compute engines. Both are tried when one fails.
    pub async fn sync_with_store(&self) -> AppResult<bool> {
        let lists = self.follow_list_changes().await;
        let compute = self.catch_up_engines().await;
        let rebuilt = lists?;
        compute?;
        Ok(rebuilt)
    }

    /// Runs until `stop` resolves: [`App::sync_with_store`] after every announced change and
    /// every `fallback` without one. A failed sync is logged and tried again on the next wake.
    pub async fn follow_changes(&self, fallback: Duration, stop: impl Future<Output = ()>) {
        let mut signal = self.change_signal();
        tokio::pin!(stop);
        loop {
            let announced = async {
                // Several notifications while a sync runs are marked seen together.
                let heard = match signal.as_mut() {
                    Some(s) => s.changed().await.is_ok(),
                    None => false,
                };
                if !heard {
                    // No listener, or it ended: the fallback alone wakes the loop.
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                () = &mut stop => return,
                () = announced => {}
                () = tokio::time::sleep(fallback) => {}
            }
            match self.sync_with_store().await {
                Ok(true) => {
                    tracing::info!("screening index rebuilt: another instance changed the lists")
                }
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "following the store's changes failed"),
            }
        }
    }
}

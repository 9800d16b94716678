//! The `screening.rescreen` job: after a change of the lists in force, the whole portfolio is
//! re-screened in pages of customers, delta-aware (see `delta.rs`).
//!
//! A run is a chain of jobs, one per page: each page's job enqueues the next page's (with the
//! cursor, deduplicated per run and cursor) before it completes, so a run survives restarts
//! and a page that fails is retried alone. Re-running a page is harmless: a customer whose
//! screening already matches the lists is left alone. The payload carries the delta's entity
//! keys (ids of public list entries, no personal data), or `full` when the lists before the
//! change are unknown or the delta is too large to carry; the small index is rebuilt from the
//! index in force and kept in memory per run.
//!
//! A delta run that changed entities walks twice: the customers (their own names, beneficial
//! owners and stored hits), then the stored ownership structures (every party's name, see
//! `structures.rs`), paged and chained the same way. A full run screens every customer's
//! structure with the customer and has no second walk.

use std::sync::{Arc, Mutex, OnceLock, Weak};

use async_trait::async_trait;
use cloudkyc_domain::TenantId;
use cloudkyc_screening::Index;
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::jobs::{Job, NewJob};
use serde::{Deserialize, Serialize};

use super::delta::{DeltaScreen, ListDelta};
use crate::jobs::JobHandler;
use crate::{App, AppError, AppResult};

/// The job kind of a re-screening page.
pub const RESCREEN_JOB: &str = "screening.rescreen";
/// Customers per page (the most `list_customers` reads at once).
pub const PAGE: u32 = 500;
/// Beyond this many changed or removed entities the payload says `full` instead of listing them
/// (every page's job carries the payload).
pub const MAX_PAYLOAD_KEYS: usize = 500;

/// Which walk of a run a page belongs to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RescreenPhase {
    /// Customers, newest first.
    #[default]
    Customers,
    /// Stored ownership structures, by customer id (delta runs with changed entities only).
    Structures,
}

/// One page of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RescreenPage {
    /// The run's id (a UUID): pages of one run share it.
    pub run: String,
    /// `None`: every customer is screened in full.
    pub delta: Option<ListDelta>,
    /// Absent in pages queued before the second walk existed: customers.
    #[serde(default)]
    pub phase: RescreenPhase,
    /// The last customer of the previous page (customers are read newest first, structures
    /// by customer id).
    pub after: Option<CustomerId>,
}

impl RescreenPage {
    fn job(&self, now: chrono::DateTime<chrono::Utc>) -> NewJob {
        let cursor = self
            .after
            .map_or_else(|| "start".to_owned(), |c| c.to_string());
        let cursor = match self.phase {
            RescreenPhase::Customers => cursor,
            RescreenPhase::Structures => format!("structures:{cursor}"),
        };
        NewJob {
            kind: RESCREEN_JOB.to_owned(),
            payload: serde_json::to_value(self).unwrap_or_default(),
            run_at: now,
            dedupe_key: Some(format!("{}:{cursor}", self.run)),
            queued_key: None,
        }
    }
}

/// The prepared delta of the latest run, with the index in force it was prepared against
/// (pages of one run share it; a new index or another run prepares again).
#[derive(Debug, Default)]
struct RescreenCache {
    current: Mutex<Option<CachedDelta>>,
}

/// A run's id, the index it was prepared against, and the prepared delta.
type CachedDelta = (String, Weak<Index>, Arc<DeltaScreen>);

impl RescreenCache {
    fn get(&self, run: &str, index: &Arc<Index>) -> Option<Arc<DeltaScreen>> {
        let guard = self.current.lock().ok()?;
        let (cached_run, at, screen) = guard.as_ref()?;
        let same_index = at.upgrade().is_some_and(|at| Arc::ptr_eq(&at, index));
        (cached_run == run && same_index).then(|| Arc::clone(screen))
    }

    fn put(&self, run: &str, index: &Arc<Index>, screen: Arc<DeltaScreen>) {
        if let Ok(mut guard) = self.current.lock() {
            *guard = Some((run.to_owned(), Arc::downgrade(index), screen));
        }
    }
}

/// One cache per process: a run id is a fresh UUID and the index is compared by identity, so
/// apps of one process (tests) cannot see each other's entries.
fn cache() -> &'static RescreenCache {
    static CACHE: OnceLock<RescreenCache> = OnceLock::new();
    CACHE.get_or_init(RescreenCache::default)
}

impl App {
    /// Starts a re-screening run for the change from `old` to `new` (`old` unknown: a full run);
    /// nothing when no entity changed or no provider exists yet.
    pub(crate) async fn schedule_rescreen(
        &self,
        old: Option<Arc<Index>>,
        new: Arc<Index>,
    ) -> AppResult<()> {
        let Some(provider) = self.store().provider().await? else {
            return Ok(());
        };
        let delta = match old {
            Some(old) => Some(
                tokio::task::spawn_blocking(move || ListDelta::between(&old, &new))
                    .await
                    .map_err(|e| AppError::Internal(format!("computing the list delta: {e}")))?,
            ),
            None => None,
        };
        if delta.as_ref().is_some_and(ListDelta::is_empty) {
            return Ok(());
        }
        tracing::info!(
            changed = delta.as_ref().map(|d| d.changed.len()),
            removed = delta.as_ref().map(|d| d.removed.len()),
            "lists changed; re-screening the portfolio"
        );
        let page = RescreenPage {
            run: uuid::Uuid::now_v7().to_string(),
            delta: delta.filter(|d| d.len() <= MAX_PAYLOAD_KEYS),
            phase: RescreenPhase::Customers,
            after: None,
        };
        self.enqueue_rescreen(provider.id, &page).await
    }

    async fn enqueue_rescreen(&self, provider: TenantId, page: &RescreenPage) -> AppResult<()> {
        let scope = TenantScope::system(provider, Vec::new(), RESCREEN_JOB);
        self.store()
            .enqueue(&scope, page.job(self.now()), self.now())
            .await?;
        Ok(())
    }

    /// The delta of `page`'s run, prepared against `index` (built off the async workers once
    /// per run and index).
    async fn delta_screen(
        &self,
        page: &RescreenPage,
        index: &Arc<Index>,
    ) -> AppResult<Arc<DeltaScreen>> {
        if let Some(screen) = cache().get(&page.run, index) {
            return Ok(screen);
        }
        let (delta, current) = (page.delta.clone(), Arc::clone(index));
        let screen = tokio::task::spawn_blocking(move || match delta {
            Some(delta) => DeltaScreen::new(delta, &current),
            None => DeltaScreen::full(),
        })
        .await
        .map_err(|e| AppError::Internal(format!("preparing the list delta: {e}")))?;
        let screen = Arc::new(screen);
        cache().put(&page.run, index, Arc::clone(&screen));
        Ok(screen)
    }

    /// Re-screens one page; returns the next page, if any, and how many customers were
    /// screened in full.
    pub(crate) async fn rescreen_page(
        &self,
        scope: &TenantScope,
        page: &RescreenPage,
    ) -> AppResult<(Option<RescreenPage>, usize)> {
        // Another instance may have made the change: screen against the lists now in force.
        self.follow_list_changes().await?;
        let index = self.screening_index().load().await?;
        let screen = self.delta_screen(page, &index).await?;
        let (after, full) = match page.phase {
            RescreenPhase::Customers => self.rescreen_customers(scope, page.after, &screen).await?,
            RescreenPhase::Structures => {
                self.rescreen_structures(scope, page.after, &screen, &index)
                    .await?
            }
        };
        let next = match after {
            Some(after) => Some(RescreenPage {
                after: Some(after),
                ..page.clone()
            }),
            // Only changed entities can name a party anew (a full run screened every
            // structure with its customer).
            None if page.phase == RescreenPhase::Customers
                && !screen.delta().changed.is_empty() =>
            {
                Some(RescreenPage {
                    phase: RescreenPhase::Structures,
                    after: None,
                    ..page.clone()
                })
            }
            None => None,
        };
        Ok((next, full))
    }

    /// One page of customers (newest first, after `after`); returns the cursor of the next
    /// page, if any, and how many customers were screened in full.
    async fn rescreen_customers(
        &self,
        scope: &TenantScope,
        after: Option<CustomerId>,
        screen: &DeltaScreen,
    ) -> AppResult<(Option<CustomerId>, usize)> {
        let customers = self.list_customers(scope, after, PAGE).await?;
        let mut full = 0;
        for customer in &customers {
            if self.rescreen_customer(scope, customer, screen).await? {
                full += 1;
            }
        }
        let next = (customers.len() == PAGE as usize)
            .then(|| customers.last().map(|c| c.id))
            .flatten();
        Ok((next, full))
    }
}

/// Runs one [`RescreenPage`] and enqueues the next.
#[derive(Debug, Default)]
pub struct RescreenPortfolio;

#[async_trait]
impl JobHandler for RescreenPortfolio {
    fn kind(&self) -> &'static str {
        RESCREEN_JOB
    }

    async fn run(&self, app: &App, job: &Job) -> Result<(), String> {
        let page: RescreenPage =
            serde_json::from_value(job.payload.clone()).map_err(|e| e.to_string())?;
        let scope = app
            .system_scope(Some(job.tenant), RESCREEN_JOB)
            .await
            .map_err(|e| e.to_string())?;
        let (next, full) = app
            .rescreen_page(&scope, &page)
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(run = %page.run, phase = ?page.phase, full, "re-screened a page");
        if let Some(next) = next {
            app.enqueue_rescreen(job.tenant, &next)
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

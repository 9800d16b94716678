//! `lists update` and the scheduled `lists.update` job: download every configured list, and put
//! a download in force only when it is whole, parses, and does not lose a suspicious share of
//! the entries. Anything else is recorded as the list's failure and the last good snapshot
//! stays in force (fail closed).

use async_trait::async_trait;
use chrono::Duration;
use cloudkyc_domain::{Permission, TenantId};
use cloudkyc_screening::{ListFormat, ListId};
use cloudkyc_store::TenantScope;
use cloudkyc_store::jobs::{Job, NewJob};
use cloudkyc_store::lists::ListAttempt;
use serde::Serialize;

use super::{ListFetcher, ListFiles, ListSourceConfig, new_snapshot, parse, parse_format};
use crate::jobs::JobHandler;
use crate::{App, AppError, AppResult};

/// The job kind of the scheduled update.
pub const LIST_UPDATE_JOB: &str = "lists.update";

/// How long after the server starts the first scheduled update runs (not at once: a restart
/// loop must not hammer the publishers).
const FIRST_UPDATE_AFTER_MINUTES: i64 = 5;

/// What happened to one list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ListUpdateOutcome {
    /// A new snapshot is in force.
    Updated { version: String, entity_count: u64 },
    /// The publication has not changed since the snapshot in force.
    Unchanged { version: String },
    /// Nothing changed; the reason is recorded in the list's status.
    Failed { error: String },
}

/// One update run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpdateReport {
    pub lists: Vec<(String, ListUpdateOutcome)>,
}

impl UpdateReport {
    pub fn failures(&self) -> usize {
        self.lists
            .iter()
            .filter(|(_, o)| matches!(o, ListUpdateOutcome::Failed { .. }))
            .count()
    }
}

impl App {
    /// Downloads every configured list with the configured fetcher.
    pub async fn update_lists(&self, scope: &TenantScope) -> AppResult<UpdateReport> {
        let fetcher = std::sync::Arc::clone(&self.list_sources().fetcher);
        self.update_lists_with(scope, fetcher.as_ref()).await
    }

    /// Downloads every configured list through `fetcher`; the index is swapped once at the end
    /// when any list changed.
    pub async fn update_lists_with(
        &self,
        scope: &TenantScope,
        fetcher: &dyn ListFetcher,
    ) -> AppResult<UpdateReport> {
        Self::require(scope, Permission::ManagePolicy)?;
        let _change = self.list_sources().changes.lock().await;
        // The lists before the change, so re-screening works on the delta (issue 4).
        self.screening_index().load().await?;
        let config = self.list_sources().config().clone();
        let in_force = self.store().list_statuses(scope).await?;
        let mut report = UpdateReport { lists: Vec::new() };
        let mut changed = false;
        for (id, source) in config.downloadable() {
            let active = in_force
                .iter()
                .find(|s| &s.list == id)
                .and_then(|s| s.active.clone());
            let result = self
                .update_one(
                    scope,
                    id,
                    source,
                    fetcher,
                    active.as_ref(),
                    config.max_entity_drop,
                )
                .await;
            let (attempt, outcome) = match result {
                Ok(outcome) => (ListAttempt::Succeeded, outcome),
                Err(error) => {
                    tracing::warn!(list = %id, %error, "list update failed; the snapshot in force stays");
                    (
                        ListAttempt::Failed(error.clone()),
                        ListUpdateOutcome::Failed { error },
                    )
                }
            };
            changed |= matches!(outcome, ListUpdateOutcome::Updated { .. });
            self.store()
                .record_list_attempt(scope, id, attempt, self.now())
                .await?;
            report.lists.push((id.clone(), outcome));
        }
        if changed {
            self.rebuild_screening_index().await?;
        }
        Ok(report)
    }

    /// One list; `Err` is the failure in words.
    async fn update_one(
        &self,
        scope: &TenantScope,
        id: &str,
        source: &ListSourceConfig,
        fetcher: &dyn ListFetcher,
        active: Option<&cloudkyc_store::lists::ListSnapshotInfo>,
        max_drop: f64,
    ) -> Result<ListUpdateOutcome, String> {
        let list = ListId::new(id).map_err(|e| e.to_string())?;
        let format = parse_format(&source.format).map_err(|e| e.to_string())?;
        let files = download(&format, source, fetcher).await?;
        let parsed = parse(&list, &format, &files).await.map_err(|e| match e {
            AppError::Invalid(fields) => fields
                .into_iter()
                .map(|f| f.message)
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        })?;
        if let Some(active) = active {
            if active.content_sha256 == parsed.content_hash().as_str() {
                return Ok(ListUpdateOutcome::Unchanged {
                    version: active.version.clone(),
                });
            }
            let floor = active.entity_count as f64 * (1.0 - max_drop);
            if (parsed.entity_count() as f64) < floor {
                return Err(format!(
                    "the download has {} entries, the list in force {}: a drop of more than {:.0} % \
                     is refused as a broken publication",
                    parsed.entity_count(),
                    active.entity_count,
                    max_drop * 100.0
                ));
            }
        }
        if parsed.entity_count() == 0 {
            return Err("the download has no entries".to_owned());
        }
        let imported = self
            .store()
            .import_list_snapshot(scope, new_snapshot(&format, &files, &parsed), self.now())
            .await
            .map_err(|e| format!("storing the snapshot: {e}"))?;
        tracing::info!(list = %id, version = parsed.version(), entities = parsed.entity_count(), "list updated");
        Ok(ListUpdateOutcome::Updated {
            version: imported.snapshot.version,
            entity_count: imported.snapshot.entity_count,
        })
    }

    /// Schedules the next `lists.update` run after `in_` (a no-op without downloadable sources
    /// or with the schedule turned off). Idempotent per interval.
    pub async fn schedule_list_updates(&self, provider: TenantId, in_: Duration) -> AppResult<()> {
        let config = self.list_sources().config();
        if config.update_interval_secs == 0 || config.downloadable().next().is_none() {
            return Ok(());
        }
        let scope = TenantScope::system(provider, Vec::new(), LIST_UPDATE_JOB);
        let run_at = self.now() + in_;
        let job = NewJob {
            kind: LIST_UPDATE_JOB.to_owned(),
            payload: serde_json::Value::Null,
            run_at,
            // One run per interval: a restart, or a run rescheduling itself, within the same
            // interval finds the waiting job instead of starting a second chain of runs.
            dedupe_key: Some(
                (run_at.timestamp()
                    / i64::try_from(config.update_interval_secs).unwrap_or(i64::MAX))
                .to_string(),
            ),
            queued_key: None,
        };
        self.store().enqueue(&scope, job, self.now()).await?;
        Ok(())
    }

    /// The first scheduled update after a start.
    pub async fn schedule_first_list_update(&self, provider: TenantId) -> AppResult<()> {
        self.schedule_list_updates(provider, Duration::minutes(FIRST_UPDATE_AFTER_MINUTES))
            .await
    }
}

async fn download(
    format: &ListFormat,
    source: &ListSourceConfig,
    fetcher: &dyn ListFetcher,
) -> Result<ListFiles, String> {
    if *format != ListFormat::OfacCsv {
        return Ok(ListFiles::Single(fetcher.fetch(&source.url).await?));
    }
    let optional = async |url: &Option<String>| match url.as_deref().filter(|u| !u.is_empty()) {
        Some(url) => fetcher.fetch(url).await.map(Some),
        None => Ok(None),
    };
    Ok(ListFiles::Ofac {
        primary: fetcher.fetch(&source.url).await?,
        addresses: optional(&source.addresses_url).await?,
        aliases: optional(&source.aliases_url).await?,
        comments: optional(&source.comments_url).await?,
    })
}

/// The scheduled update: runs every configured download, then schedules the next run.
#[derive(Debug, Default)]
pub struct UpdateLists;

#[async_trait]
impl JobHandler for UpdateLists {
    fn kind(&self) -> &'static str {
        LIST_UPDATE_JOB
    }

    async fn run(&self, app: &App, job: &Job) -> Result<(), String> {
        let scope = app
            .system_scope(Some(job.tenant), LIST_UPDATE_JOB)
            .await
            .map_err(|e| e.to_string())?;
        // Failures of single lists are recorded in their status; only a store failure fails
        // the job (and is retried).
        let report = app.update_lists(&scope).await.map_err(|e| e.to_string())?;
        tracing::info!(
            lists = report.lists.len(),
            failures = report.failures(),
            "lists updated"
        );
        // At most a century, so the instant arithmetic cannot overflow.
        let secs = app
            .list_sources()
            .config()
            .update_interval_secs
            .min(3_155_760_000);
        let every = i64::try_from(secs).unwrap_or(3_155_760_000);
        app.schedule_list_updates(job.tenant, Duration::seconds(every))
            .await
            .map_err(|e| e.to_string())
    }
}

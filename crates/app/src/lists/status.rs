//! The status of every list: the snapshot in force (from the store or bundled), when it was
//! loaded, and how its last update went. `lists status`, `GET /v1/lists`, `/readyz` and the
//! metrics all read this.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use cloudkyc_domain::Permission;
use cloudkyc_store::TenantScope;
use cloudkyc_store::lists::ListStatus;
use serde::Serialize;

use super::index::provider_read_scope;
use crate::{App, AppResult};

/// How a list stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListState {
    /// A snapshot is in force and the last update (if any) succeeded.
    Ok,
    /// The last update failed; the last good snapshot stays in force.
    UpdateFailed,
    /// No snapshot of this configured list is in force: screening cannot use it.
    Missing,
}

/// One list as `lists status` and `GET /v1/lists` show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListStatusView {
    pub list: String,
    pub state: ListState,
    /// `store` (imported or downloaded), `bundled` (shipped with the binary) or `none`.
    pub source: &'static str,
    pub version: Option<String>,
    pub content_sha256: Option<String>,
    pub published: Option<NaiveDate>,
    /// When the snapshot in force was stored (`None` for a bundled list).
    pub loaded_at: Option<DateTime<Utc>>,
    pub entity_count: Option<u64>,
    /// Where updates come from, when configured.
    pub url: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Failed update attempts so far.
    pub update_failures: u64,
}

impl ListStatusView {
    /// Seconds since the data in force was published (or, undated, stored), at `now`.
    pub fn age_seconds(&self, now: DateTime<Utc>) -> Option<i64> {
        let since = self
            .published
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| d.and_utc())
            .or(self.loaded_at)?;
        Some((now - since).num_seconds().max(0))
    }
}

/// What `/readyz` says about the lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListsReadiness {
    /// Every configured list has a snapshot in force, and at least one list is loaded.
    pub ready: bool,
    /// One sentence per list that is not simply fine.
    pub detail: Vec<String>,
}

impl App {
    /// Every list in force, configured or known to the store, by id.
    pub async fn list_status(&self, scope: &TenantScope) -> AppResult<Vec<ListStatusView>> {
        Self::require(scope, Permission::ReadCustomers)?;
        let statuses = self.store().list_statuses(scope).await?;
        self.status_views(statuses).await
    }

    async fn status_views(&self, statuses: Vec<ListStatus>) -> AppResult<Vec<ListStatusView>> {
        let mut index = self.screening_index().load().await?;
        // Another process (`cloudkyc lists import`, another instance's scheduled update) may
        // have put a snapshot in force that this index lacks: rebuild it before reporting.
        // `/readyz` is polled, so every instance converges within the probe interval.
        if super::index::lacks_stored(&index, &statuses) {
            let _change = self.list_sources().changes.lock().await;
            self.refresh_screening_index().await?;
            index = self.screening_index().load().await?;
        }
        let mut stored: BTreeMap<String, ListStatus> =
            statuses.into_iter().map(|s| (s.list.clone(), s)).collect();
        let config = self.list_sources().config();
        let mut views = BTreeMap::new();
        for v in index.list_versions() {
            let id = v.list.as_str().to_owned();
            let status = stored.remove(&id);
            let active = status.as_ref().and_then(|s| s.active.as_ref());
            let from_store = active.is_some_and(|a| a.content_sha256 == v.content_hash.as_str());
            views.insert(
                id.clone(),
                view(
                    &id,
                    status.as_ref(),
                    config.sources.get(&id).map(|s| s.url.clone()),
                    Some(InForce {
                        source: if from_store { "store" } else { "bundled" },
                        version: v.version.clone(),
                        sha256: v.content_hash.as_str().to_owned(),
                        published: v.published,
                        loaded_at: active.filter(|_| from_store).map(|a| a.loaded_at),
                        entities: v.entity_count as u64,
                    }),
                ),
            );
        }
        for (id, status) in stored {
            let url = config.sources.get(&id).map(|s| s.url.clone());
            views.insert(id.clone(), view(&id, Some(&status), url, None));
        }
        for (id, source) in config.downloadable() {
            if !views.contains_key(id) {
                views.insert(id.clone(), view(id, None, Some(source.url.clone()), None));
            }
        }
        Ok(views.into_values().collect())
    }

    /// Per list: the age in seconds of the snapshot in force and the failed updates so far,
    /// for `/metrics` (no caller scope: the lists are the provider's and public).
    pub async fn lists_metrics(&self) -> AppResult<Vec<(String, Option<i64>, u64)>> {
        let now = self.now();
        Ok(self
            .system_status_views()
            .await?
            .into_iter()
            .map(|v| (v.list.clone(), v.age_seconds(now), v.update_failures))
            .collect())
    }

    async fn system_status_views(&self) -> AppResult<Vec<ListStatusView>> {
        let statuses = match provider_read_scope(self.store()).await? {
            Some(scope) => self.store().list_statuses(&scope).await?,
            None => Vec::new(),
        };
        self.status_views(statuses).await
    }

    /// Lists readiness for `/readyz`: not ready while a configured list has no snapshot in
    /// force or no list is loaded at all; a failed update with a good snapshot in force is ready
    /// but said in the detail.
    pub async fn lists_readiness(&self) -> AppResult<ListsReadiness> {
        let views = self.system_status_views().await?;
        let mut ready = views.iter().any(|v| v.state != ListState::Missing);
        let mut detail = Vec::new();
        if !ready {
            detail.push("no restricted-party list is loaded".to_owned());
        }
        for v in &views {
            match v.state {
                ListState::Ok => {}
                ListState::UpdateFailed => detail.push(format!(
                    "{}: last update failed ({}); snapshot {} stays in force",
                    v.list,
                    v.last_error.as_deref().unwrap_or("unknown error"),
                    v.version.as_deref().unwrap_or("?"),
                )),
                ListState::Missing => {
                    ready = false;
                    detail.push(format!(
                        "{}: no snapshot in force{}",
                        v.list,
                        v.last_error
                            .as_deref()
                            .map(|e| format!(" (last update failed: {e})"))
                            .unwrap_or_default()
                    ));
                }
            }
        }
        Ok(ListsReadiness { ready, detail })
    }
}

struct InForce {
    source: &'static str,
    version: String,
    sha256: String,
    published: Option<NaiveDate>,
    loaded_at: Option<DateTime<Utc>>,
    entities: u64,
}

fn view(
    id: &str,
    status: Option<&ListStatus>,
    url: Option<String>,
    in_force: Option<InForce>,
) -> ListStatusView {
    let last_error = status.and_then(|s| s.last_error.clone());
    let state = match (&in_force, &last_error) {
        (None, _) => ListState::Missing,
        (Some(_), Some(_)) => ListState::UpdateFailed,
        (Some(_), None) => ListState::Ok,
    };
    ListStatusView {
        list: id.to_owned(),
        state,
        source: in_force.as_ref().map_or("none", |f| f.source),
        version: in_force.as_ref().map(|f| f.version.clone()),
        content_sha256: in_force.as_ref().map(|f| f.sha256.clone()),
        published: in_force.as_ref().and_then(|f| f.published),
        loaded_at: in_force.as_ref().and_then(|f| f.loaded_at),
        entity_count: in_force.as_ref().map(|f| f.entities),
        url: url.filter(|u| !u.trim().is_empty()),
        last_attempt_at: status.and_then(|s| s.last_attempt_at),
        last_success_at: status.and_then(|s| s.last_success_at),
        last_error,
        update_failures: status.map_or(0, |s| s.failures),
    }
}

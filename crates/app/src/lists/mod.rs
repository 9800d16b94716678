//! Restricted-party lists (issue 4): importing a list file, downloading updates that fail
//! closed, and the status of every list in force.
//!
//! A list's bytes are parsed with `cloudkyc-screening` before anything is stored, so a file that
//! does not parse is refused and stores nothing. Stored snapshots are the lists in force; a list
//! the store has no snapshot of is screened from the copy bundled with the binary, so a first
//! start works offline and no list ever silently disappears. After every change the screening
//! index is rebuilt from the store and swapped atomically.

mod config;
mod content;
mod fetch;
mod index;
mod status;
#[cfg(test)]
mod tests;
mod update;

pub use config::{ListSourceConfig, ListsConfig, format_name, parse_format};
pub use content::ListFiles;
pub use fetch::{HttpFetcher, ListFetcher};
pub(crate) use index::index_from_store;
pub use status::{ListState, ListStatusView, ListsReadiness};
pub use update::{LIST_UPDATE_JOB, ListUpdateOutcome, UpdateLists, UpdateReport};

use std::sync::Arc;

use cloudkyc_domain::Permission;
use cloudkyc_screening::{ListFormat, ListId, ListSnapshot, SnapshotMeta};
use cloudkyc_store::TenantScope;
use cloudkyc_store::lists::{ImportedList, NewListSnapshot};
use serde::Serialize;

use crate::{App, AppError, AppResult};

/// Where lists are downloaded from and how, held by the [`App`]; the default configures no
/// source (nothing is downloaded until the configuration names one).
#[derive(Debug)]
pub struct ListSources {
    config: ListsConfig,
    fetcher: Arc<dyn ListFetcher>,
    /// Serialises list changes in this process, so two rebuilds cannot swap out of order.
    changes: tokio::sync::Mutex<()>,
}

impl Default for ListSources {
    fn default() -> Self {
        Self::new(ListsConfig::none(), Arc::new(HttpFetcher::default()))
    }
}

impl ListSources {
    pub fn new(config: ListsConfig, fetcher: Arc<dyn ListFetcher>) -> Self {
        Self {
            config,
            fetcher,
            changes: tokio::sync::Mutex::new(()),
        }
    }

    pub fn config(&self) -> &ListsConfig {
        &self.config
    }
}

/// One list file (or OFAC's four) to import.
#[derive(Debug, Clone)]
pub struct ImportList {
    /// The list id; derived from the format when `None` (`un_xml` -> `un_sc`, ...).
    pub list: Option<String>,
    pub format: ListFormat,
    pub files: ListFiles,
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportOutcome {
    pub list: String,
    pub version: String,
    pub content_sha256: String,
    pub published: Option<chrono::NaiveDate>,
    pub entity_count: u64,
    /// The same bytes were stored before.
    pub unchanged: bool,
}

/// The list id a format stands for when the caller names none.
fn default_list_id(format: &ListFormat) -> Option<&'static str> {
    match format {
        ListFormat::OfacCsv => Some("ofac_sdn"),
        ListFormat::UnXml => Some("un_sc"),
        ListFormat::CslCsv | ListFormat::CslJson => Some("csl"),
        ListFormat::DplTsv => Some("bis_dpl"),
        ListFormat::FtmJsonl | ListFormat::CustomCsv { .. } => None,
    }
}

/// Parses list bytes off the async workers (a large list takes a noticeable fraction of a
/// second), so nothing is stored unless they parse.
pub(crate) async fn parse(
    list: &ListId,
    format: &ListFormat,
    files: &ListFiles,
) -> AppResult<ListSnapshot> {
    let (list, format, files) = (list.clone(), format.clone(), files.clone());
    tokio::task::spawn_blocking(move || {
        format
            .parse(files.as_bytes(), &SnapshotMeta::new(list))
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| AppError::Internal(format!("parsing a list: {e}")))?
    .map_err(|e| AppError::invalid("/content", format!("the list does not parse: {e}")))
}

fn new_snapshot(format: &ListFormat, files: &ListFiles, parsed: &ListSnapshot) -> NewListSnapshot {
    NewListSnapshot {
        list: parsed.list().as_str().to_owned(),
        format: format_name(format),
        content_sha256: parsed.content_hash().as_str().to_owned(),
        published: parsed.published(),
        version: parsed.version().to_owned(),
        entity_count: parsed.entity_count() as u64,
        content: files.encode(),
    }
}

fn outcome(parsed: &ListSnapshot, imported: &ImportedList) -> ImportOutcome {
    ImportOutcome {
        list: imported.snapshot.list.clone(),
        version: imported.snapshot.version.clone(),
        content_sha256: imported.snapshot.content_sha256.clone(),
        published: parsed.published(),
        entity_count: imported.snapshot.entity_count,
        unchanged: !imported.activated,
    }
}

impl App {
    /// This app downloading lists as `sources` says.
    #[must_use]
    pub fn with_list_sources(self, sources: ListSources) -> Self {
        self.set_list_sources(Arc::new(sources))
    }

    /// Parses and stores a list file and puts it in force (the provider's administrators only).
    /// A file that does not parse is refused and nothing is stored; the same bytes twice keep
    /// one snapshot.
    pub async fn import_list(
        &self,
        scope: &TenantScope,
        req: ImportList,
    ) -> AppResult<ImportOutcome> {
        Self::require(scope, Permission::ManagePolicy)?;
        let id = match &req.list {
            Some(id) => id.as_str(),
            None => default_list_id(&req.format).ok_or_else(|| {
                AppError::invalid("/list", "this format needs a list id (--list)")
            })?,
        };
        let list = ListId::new(id).map_err(|e| AppError::invalid("/list", e.to_string()))?;
        let parsed = parse(&list, &req.format, &req.files).await?;
        if parsed.entity_count() == 0 {
            return Err(AppError::invalid("/content", "the list has no entries"));
        }
        let _change = self.list_sources().changes.lock().await;
        // The lists before the change, so re-screening works on the delta (issue 4).
        self.screening_index().load().await?;
        let imported = self
            .store()
            .import_list_snapshot(
                scope,
                new_snapshot(&req.format, &req.files, &parsed),
                self.now(),
            )
            .await?;
        if imported.activated {
            self.rebuild_screening_index().await?;
        }
        tracing::info!(list = %list, version = parsed.version(), entities = parsed.entity_count(),
            unchanged = !imported.activated, "list imported");
        Ok(outcome(&parsed, &imported))
    }
}

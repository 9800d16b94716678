//! The screening index from the lists in force: the store's active snapshots, and the bundled
//! copy of every list the store has none of.

use std::collections::BTreeSet;
use std::sync::Arc;

use cloudkyc_screening::bundled::default_snapshots;
use cloudkyc_screening::{Index, ListFormat, ListId, ListSnapshot, SnapshotMeta};
use cloudkyc_store::lists::StoredListSnapshot;
use cloudkyc_store::{Store, TenantScope};

use super::{ListFiles, parse_format};
use crate::{App, AppError, AppResult};

/// The component name list reads and writes of the system are audited under.
pub(crate) const COMPONENT: &str = "lists";

/// A read-only scope for the provider-level list tables when no caller scope exists (the first
/// index build, `/readyz`); `None` before the provider tenant exists.
pub(crate) async fn provider_read_scope(store: &dyn Store) -> AppResult<Option<TenantScope>> {
    Ok(store
        .provider()
        .await?
        .map(|p| TenantScope::system(p.id, Vec::new(), COMPONENT)))
}

/// Parses one stored snapshot again. It parsed when it was stored, so a failure here is
/// corruption, reported rather than skipped: a list never silently drops out.
fn reparse(stored: &StoredListSnapshot) -> AppResult<ListSnapshot> {
    let info = &stored.info;
    let format = parse_format(&info.format)?;
    let files = ListFiles::decode(&stored.content, format == ListFormat::OfacCsv)?;
    let list = ListId::new(&info.list).map_err(|e| AppError::Internal(e.to_string()))?;
    let snapshot = format
        .parse(files.as_bytes(), &SnapshotMeta::new(list))
        .map_err(|e| {
            AppError::Internal(format!("stored list {} does not parse: {e}", info.list))
        })?;
    if snapshot.content_hash().as_str() != info.content_sha256 {
        return Err(AppError::Internal(format!(
            "stored list {} does not hash to its recorded SHA-256",
            info.list
        )));
    }
    Ok(snapshot)
}

/// Builds the index off the async workers.
fn build(stored: Vec<StoredListSnapshot>) -> AppResult<Index> {
    let mut snapshots = stored.iter().map(reparse).collect::<AppResult<Vec<_>>>()?;
    let stored_ids: BTreeSet<String> = stored.iter().map(|s| s.info.list.clone()).collect();
    let bundled =
        default_snapshots().map_err(|e| AppError::Internal(format!("bundled lists: {e}")))?;
    snapshots.extend(
        bundled
            .into_iter()
            .filter(|b| !stored_ids.contains(b.list().as_str())),
    );
    Ok(Index::build(&snapshots))
}

/// The index of the lists in force in `store` (the shared bundled index when it has none).
pub(crate) async fn index_from_store(store: &dyn Store) -> AppResult<Arc<Index>> {
    let stored = match provider_read_scope(store).await? {
        Some(scope) => store.active_list_snapshots(&scope).await?,
        None => Vec::new(),
    };
    if stored.is_empty() {
        return crate::screening::shared_bundled().await;
    }
    tokio::task::spawn_blocking(move || build(stored))
        .await
        .map_err(|e| AppError::Internal(format!("building the screening index: {e}")))?
        .map(Arc::new)
}

impl App {
    /// Rebuilds the index from the lists in force and swaps it in; screenings in flight finish
    /// on the index they started with.
    /// The portfolio is then re-screened against what changed (issue 4, continuous screening).
    pub(crate) async fn rebuild_screening_index(&self) -> AppResult<()> {
        let old = self.screening_index().loaded();
        let index = index_from_store(self.store()).await?;
        self.screening_index().replace_shared(Arc::clone(&index));
        self.schedule_rescreen(old, index).await?;
        Ok(())
    }

    /// Rebuilds the index after another process changed the lists, without re-screening: the
    /// process that made the change scheduled that.
    pub(crate) async fn refresh_screening_index(&self) -> AppResult<()> {
        let index = index_from_store(self.store()).await?;
        self.screening_index().replace_shared(index);
        Ok(())
    }
}

/// Whether `index` lacks a snapshot the store has in force (another process imported or
/// updated a list since it was built).
pub(crate) fn lacks_stored(index: &Index, statuses: &[cloudkyc_store::lists::ListStatus]) -> bool {
    statuses.iter().any(|s| {
        s.active.as_ref().is_some_and(|a| {
            !index
                .list_versions()
                .iter()
                .any(|v| v.list.as_str() == s.list && v.content_hash.as_str() == a.content_sha256)
        })
    })
}

impl App {
    /// Rebuilds the index when another process put a list in force that it lacks, without
    /// re-screening (the process that made the change scheduled that); whether it did. An index
    /// never loaded is left alone: its first use reads the store anyway.
    pub(crate) async fn follow_list_changes(&self) -> AppResult<bool> {
        if self.screening_index().loaded().is_none() {
            return Ok(false);
        }
        let Some(scope) = provider_read_scope(self.store()).await? else {
            return Ok(false);
        };
        let statuses = self.store().list_statuses(&scope).await?;
        let stale = |app: &Self| {
            app.screening_index()
                .loaded()
                .is_some_and(|index| lacks_stored(&index, &statuses))
        };
        if !stale(self) {
            return Ok(false);
        }
        let _change = self.list_sources().changes.lock().await;
        // A change of this process may have swapped the index while the lock was awaited.
        if !stale(self) {
            return Ok(false);
        }
        self.refresh_screening_index().await?;
        Ok(true)
    }
}

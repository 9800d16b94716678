//! Online backup: a consistent copy of the database file while the server keeps writing.

use std::path::Path;

use cloudkyc_store::{StoreError, StoreResult};

use crate::SqliteStore;
use crate::error::db;

impl SqliteStore {
    /// Writes a consistent copy of the whole database to `out` with `VACUUM INTO`, on a reader
    /// connection: it reads one snapshot of the WAL database (writers go on meanwhile; what
    /// they commit after the snapshot is not in the copy) and writes a compacted, self-contained
    /// file with no WAL beside it. `out` must not exist: a backup never overwrites one.
    pub async fn backup_to(&self, out: &Path) -> StoreResult<()> {
        if out.exists() {
            return Err(StoreError::Conflict(format!(
                "{} exists; a backup never overwrites a file",
                out.display()
            )));
        }
        let target = out.to_str().ok_or_else(|| {
            StoreError::Database(format!("{} is not a UTF-8 path", out.display()))
        })?;
        sqlx::query("VACUUM INTO ?1")
            .bind(target)
            .execute(&self.reader)
            .await
            .map_err(db)?;
        Ok(())
    }
}

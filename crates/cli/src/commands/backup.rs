//! `cloudkyc backup --out FILE`: an online copy of the SQLite database.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use cloudkyc_store_sqlite::SqliteStore;

use crate::config::Config;
use crate::{master_key, output};

pub async fn run(config: &Config, json: bool, out: &Path) -> Result<ExitCode> {
    if !config.database_url.starts_with("sqlite:") {
        // PostgreSQL has its own consistent online tools; docs/operations.md shows them.
        bail!(
            "`cloudkyc backup` copies a SQLite database; back up PostgreSQL with \
             `pg_dump --format=custom` (see docs/operations.md)"
        );
    }
    let key = master_key::resolve(config)?;
    if key.save_to.is_some() {
        bail!("no master key found: a backup needs the database's key (CLOUDKYC_MASTER_KEY_FILE)");
    }
    let store = SqliteStore::open(&config.database_url, &key.key).await?;
    let result = store.backup_to(out).await;
    store.close().await;
    result?;
    let size = std::fs::metadata(out)?.len();
    output::print(
        json,
        &serde_json::json!({"backup": out.display().to_string(), "bytes": size}),
        |_| {
            format!(
                "backed up to {} ({size} bytes); restore by copying it in place of the \
                 database while cloudkyc is stopped",
                out.display()
            )
        },
    )?;
    Ok(ExitCode::SUCCESS)
}

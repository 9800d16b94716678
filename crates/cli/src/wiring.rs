//! The only place that names concrete backends.

use std::sync::Arc;

use anyhow::{Result, bail};
use cloudkyc_app::{App, SystemClock};
use cloudkyc_store::Store;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store_postgres::PgStore;
use cloudkyc_store_sqlite::SqliteStore;

use crate::config::Config;
use crate::{master_key, policy};

/// Opens the configured database (applying migrations) with the configured master key.
pub async fn open_app(config: &Config) -> Result<App> {
    let pack = policy::load(&config.policy)?;
    let store = open_store(config).await?;
    let lists = &config.lists;
    let fetcher = cloudkyc_app::lists::HttpFetcher::new(
        std::time::Duration::from_secs(lists.download_timeout_secs),
        lists.max_download_bytes,
    );
    let app = App::new(store, Arc::new(SystemClock), Arc::new(pack)).with_list_sources(
        cloudkyc_app::lists::ListSources::new(lists.clone(), Arc::new(fetcher)),
    );
    Ok(match &config.geo.database {
        Some(path) => app.with_geo(cloudkyc_geo::Geo::open(path)?),
        None => app,
    })
}

pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>> {
    let resolved = master_key::resolve(config)?;
    let Some(path) = resolved.save_to else {
        return open_with(&config.database_url, &resolved.key).await;
    };
    // A generated key is written beside its final name first and moved into place only once the
    // database accepted it: a failed start leaves neither an orphan key nor a database whose key
    // was lost.
    let pending = path.with_extension("key.new");
    let _ = std::fs::remove_file(&pending);
    master_key::save(&resolved.key, &pending)?;
    match open_with(&config.database_url, &resolved.key).await {
        Ok(store) => {
            std::fs::rename(&pending, &path)?;
            Ok(store)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&pending);
            Err(e)
        }
    }
}

async fn open_with(url: &str, key: &MasterKey) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url, key).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url, key).await?))
    } else {
        bail!("unsupported database URL: expected sqlite://PATH or postgres://...")
    }
}

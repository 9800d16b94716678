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
    app_over(config, pack, store, None)
}

/// The app `cloudkyc serve` runs: as [`open_app`], and on PostgreSQL woken by the changes other
/// instances announce (`LISTEN/NOTIFY`), so their list updates reach its screening index at once.
pub async fn open_serving_app(config: &Config) -> Result<App> {
    let pack = policy::load(&config.policy)?;
    let (store, signal) = open_store_following(config).await?;
    app_over(config, pack, store, signal)
}

fn app_over(
    config: &Config,
    pack: cloudkyc_domain::rule_pack::RulePack,
    store: Arc<dyn Store>,
    signal: Option<tokio::sync::watch::Receiver<u64>>,
) -> Result<App> {
    let lists = &config.lists;
    let fetcher = cloudkyc_app::lists::HttpFetcher::new(
        std::time::Duration::from_secs(lists.download_timeout_secs),
        lists.max_download_bytes,
    );
    let app = App::new(store, Arc::new(SystemClock), Arc::new(pack)).with_list_sources(
        cloudkyc_app::lists::ListSources::new(lists.clone(), Arc::new(fetcher)),
    );
    let app = match signal {
        Some(signal) => app.with_change_signal(signal),
        None => app,
    };
    Ok(match &config.geo.database {
        Some(path) => app.with_geo(cloudkyc_geo::Geo::open(path)?),
        None => app,
    })
}

async fn open_store_following(
    config: &Config,
) -> Result<(Arc<dyn Store>, Option<tokio::sync::watch::Receiver<u64>>)> {
    if !is_postgres(&config.database_url) {
        return Ok((open_store(config).await?, None));
    }
    let key = master_key::resolve(config)?;
    if key.save_to.is_some() {
        bail!(
            "no master key configured: several instances must share one (CLOUDKYC_MASTER_KEY_FILE)"
        );
    }
    let store = PgStore::connect(&config.database_url, &key.key).await?;
    let signal = store.watch_changes().await?;
    Ok((Arc::new(store), Some(signal)))
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
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
    } else if is_postgres(url) {
        Ok(Arc::new(PgStore::connect(url, key).await?))
    } else {
        bail!("unsupported database URL: expected sqlite://PATH or postgres://...")
    }
}

//! Measures audited writes and key authentications per second on a fresh database file.
//!
//! `cargo run --release -p cloudkyc-store-sqlite --example write_throughput [writes] [tasks]`
//!
//! Each write is `create_key`: one transaction holding the key row, its audit event and the
//! chain-head update, like every state change of the program. The writes come from `tasks`
//! concurrent tasks, as requests would.

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use cloudkyc_domain::Role;
use cloudkyc_store::api_key::NewKey;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store::{AuditStore, KeyStore, TenantScope, TenantStore};
use cloudkyc_store_sqlite::SqliteStore;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let writes: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(20_000);
    let tasks: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(32);
    let dir =
        std::env::temp_dir().join(format!("cloudkyc-bench-{}", uuid::Uuid::new_v4().simple()));
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let store = Arc::new(SqliteStore::open(&url, &MasterKey::generate()).await?);
    let provider = store.ensure_provider("Bench Cloud", Utc::now()).await?;
    let scope = TenantScope::operator(provider.id, vec![]);

    let started = Instant::now();
    let workers: Vec<_> = (0..tasks)
        .map(|t| {
            let (store, scope) = (store.clone(), scope.clone());
            let share = writes / tasks + usize::from(t < writes % tasks);
            tokio::spawn(async move {
                let mut secrets = Vec::with_capacity(share);
                for i in 0..share {
                    let new = NewKey {
                        tenant: scope.tenant(),
                        role: Role::Integration,
                        name: format!("k{t}-{i}"),
                        expires_at: None,
                    };
                    secrets.push(store.create_key(&scope, new, Utc::now()).await?.secret);
                }
                Ok::<_, cloudkyc_store::StoreError>(secrets)
            })
        })
        .collect();
    let mut secrets = Vec::with_capacity(writes);
    for worker in workers {
        secrets.extend(worker.await??);
    }
    let write_secs = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let readers: Vec<_> = secrets
        .chunks(secrets.len().div_ceil(tasks).max(1))
        .map(|chunk| {
            let (store, chunk) = (store.clone(), chunk.to_vec());
            tokio::spawn(async move {
                for secret in chunk {
                    store
                        .authenticate(secret.expose(), Utc::now())
                        .await?
                        .map_err(|e| cloudkyc_store::StoreError::Conflict(e.to_string()))?;
                }
                Ok::<_, cloudkyc_store::StoreError>(())
            })
        })
        .collect();
    for reader in readers {
        reader.await??;
    }
    let auth_secs = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let report = store.verify_audit().await?;
    let verify_secs = started.elapsed().as_secs_f64();
    assert!(report.intact());
    let events: u64 = report.chains.iter().map(|c| c.entries).sum();

    println!(
        "audited writes: {writes} in {write_secs:.2} s = {:.0}/s ({tasks} tasks)",
        writes as f64 / write_secs
    );
    println!(
        "authentications: {} in {auth_secs:.2} s = {:.0}/s",
        secrets.len(),
        secrets.len() as f64 / auth_secs
    );
    println!(
        "verify_audit: {events} events in {verify_secs:.2} s = {:.0} events/s",
        events as f64 / verify_secs
    );
    store.close().await;
    std::fs::remove_dir_all(dir)?;
    Ok(())
}

//! End-to-end bulk ingestion through the HTTP router into SQLite or PostgreSQL: `POST /v1/usage`
//! with NDJSON bodies of 10,000 hourly 8-chip records each (1,000 accounts, 20 clusters),
//! in-process (`tower::ServiceExt::oneshot`, no socket). Prints records per second.
//!
//! `cargo run --release -p cloudkyc-server --example usage_ingest -- [RECORDS] [CLIENTS] [sqlite|postgres]`
//!
//! `CLIENTS` (default 2) requests are in flight at once, as on a server with several
//! telemetry senders: one batch's decoding and checking overlaps another's write.
//! PostgreSQL: `CLOUDKYC_BENCH_POSTGRES_URL` names a server and a user allowed to create
//! databases; a database with a random name is created and dropped at the end.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use cloudkyc_app::keys::CreateKey;
use cloudkyc_app::{App, SystemClock};
use cloudkyc_domain::Role;
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_server::ServerConfig;
use tower::ServiceExt;

#[path = "../../app/examples/support/bench_store.rs"]
#[allow(
    dead_code,
    reason = "the fixture also holds what only the app's benchmarks use"
)]
mod bench_store;

use bench_store::{Backend, Fixture};

const BATCH: usize = 10_000;

fn record(i: usize) -> String {
    let account = i % 1000;
    let hour = i / 1000;
    let start = 1_790_000_000 + hour as i64 * 3600;
    let at = |s: i64| {
        chrono::DateTime::from_timestamp(s, 0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    format!(
        r#"{{"id":"u-{i}","account":"acct-{account}","accelerator":"{}","count":8,"start":"{}","end":"{}","cluster":"c{}","datacenter":"dc1","fabric_gbps":400}}"#,
        if account.is_multiple_of(2) {
            "H100"
        } else {
            "A100"
        },
        at(start),
        at(start + 3600),
        account % 20
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let records: usize = std::env::args().nth(1).map_or(Ok(100_000), |a| a.parse())?;
    let clients: usize = std::env::args().nth(2).map_or(Ok(2), |a| a.parse())?;
    if clients == 0 {
        return Err("CLIENTS must be positive".into());
    }
    let backend = match std::env::args().nth(3).as_deref() {
        None | Some("sqlite") => Backend::Sqlite,
        Some("postgres") => Backend::Postgres,
        Some(other) => return Err(format!("unknown backend {other:?}").into()),
    };
    let (fixture, store) = Fixture::open(backend).await.map_err(|e| e.to_string())?;
    let policy = Arc::new(RulePack::bundled(DEFAULT_PACK_ID).ok_or("no bundled pack")?);
    let app = App::new(store, Arc::new(SystemClock), policy);
    let operator = app.operator_scope("Bench Cloud").await?;
    let key = app
        .create_key(
            &operator,
            CreateKey {
                role: Role::Integration,
                tenant: None,
                name: "bench".into(),
                expires_at: None,
            },
        )
        .await?;
    let secret = key.secret.expose().to_owned();
    let router = cloudkyc_server::router(app, &ServerConfig::default());

    let bodies: Vec<String> = (0..records)
        .collect::<Vec<_>>()
        .chunks(BATCH)
        .map(|chunk| chunk.iter().map(|&i| record(i) + "\n").collect())
        .collect();
    let queue = Arc::new(std::sync::Mutex::new(bodies));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (router, queue, secret) = (router.clone(), queue.clone(), secret.clone());
        tasks.push(tokio::spawn(async move {
            let mut accepted = 0;
            loop {
                let next = queue.lock().map_err(|_| "queue poisoned")?.pop();
                let Some(body) = next else { break };
                accepted += post(&router, &secret, body).await?;
            }
            Ok::<u64, Box<dyn std::error::Error + Send + Sync>>(accepted)
        }));
    }
    let mut accepted = 0;
    for task in tasks {
        accepted += task.await?.map_err(|e| e.to_string())?;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{backend:?}: {records} records in {} batches of {BATCH} from {clients} clients: {accepted} accepted in {seconds:.2} s = {:.0} records/s",
        records.div_ceil(BATCH),
        records as f64 / seconds
    );
    fixture.close().await.map_err(|e| e.to_string())?;
    Ok(())
}

/// One `POST /v1/usage`; the number of records it accepted.
async fn post(
    router: &axum::Router,
    secret: &str,
    body: String,
) -> Result<u64, Box<dyn std::error::Error + Send + Sync>> {
    let request = Request::post("/v1/usage")
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .header(header::CONTENT_TYPE, "application/x-ndjson")
        .body(Body::from(body))?;
    let response = router.clone().oneshot(request).await?;
    if response.status() != StatusCode::OK {
        return Err(format!("answered {}", response.status()).into());
    }
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
    let counts: serde_json::Value = serde_json::from_slice(&bytes)?;
    Ok(counts["accepted"].as_u64().unwrap_or(0))
}

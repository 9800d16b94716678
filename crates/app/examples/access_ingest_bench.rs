//! Measures bulk ingestion of access events (issue 3 target: at least 100,000 events/s) through
//! `App::ingest_access_events`: NDJSON decoding, per-record checks, the account-holder lookup,
//! geolocation with the bundled database, sealing each address (AES-256-GCM + blind index), the
//! multi-row insert, one audit event per batch, on a fresh SQLite file or PostgreSQL database.
//!
//! ```sh
//! cargo run --release -p cloudkyc-app --example access_ingest_bench -- \
//!     [--backend sqlite|postgres] [--events N] [--batch B] [--accounts A] [--concurrency C]
//! ```
//!
//! Before the store is involved it times, on one core, the geolocation lookup alone and the
//! NDJSON decoding alone, so their share of an event's cost can be read off. Then it ingests
//! `N` events in batches of `B` from `C` concurrent clients (as a server sees them: one batch's
//! decoding and sealing overlaps another's write; bodies are generated before the clock starts),
//! across `A` accounts held by `A` customers, a tenth of them recorded as U.S. persons
//! (so review flags and re-determination jobs are part of the work), and prints events/s and
//! the batch latencies.
//!
//! PostgreSQL: `CLOUDKYC_BENCH_POSTGRES_URL` names a server and a user allowed to create
//! databases (default below); a database with a random name is created and dropped at the end.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use cloudkyc_app::access::AccessEventInput;
use cloudkyc_app::{App, SystemClock};
use cloudkyc_domain::cip::{CustomerKind, IpAddress, PersonStatus};
use cloudkyc_domain::rule_pack::{RiskTier, RulePack};
use cloudkyc_store::Store;
use cloudkyc_store::customers::{AccountAccess, CipStatus, CustomerDecision, NewCustomer};

#[path = "support/bench_store.rs"]
mod bench_store;

use bench_store::{Backend, BenchResult, DEFAULT_POSTGRES_URL, Fixture, percentile};

const PACK: &str = "bis-2024-nprm";
const ACTIONS: [&str; 4] = ["login", "api", "console", "admin"];

#[derive(Debug)]
struct Options {
    backend: Backend,
    events: usize,
    batch: usize,
    accounts: usize,
    concurrency: usize,
}

fn parse_options() -> BenchResult<Options> {
    let mut options = Options {
        backend: Backend::Sqlite,
        events: 1_000_000,
        batch: 10_000,
        accounts: 1_000,
        concurrency: 2,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            println!(
                "access_ingest_bench [--backend sqlite|postgres] [--events N (1000000)] \
                 [--batch B (10000)] [--accounts A (1000)] [--concurrency C (2)]\n\
                 PostgreSQL: CLOUDKYC_BENCH_POSTGRES_URL (default {DEFAULT_POSTGRES_URL})"
            );
            std::process::exit(0);
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--backend" => {
                options.backend = match value.as_str() {
                    "sqlite" => Backend::Sqlite,
                    "postgres" => Backend::Postgres,
                    other => return Err(format!("unknown backend {other:?}").into()),
                }
            }
            "--events" => options.events = value.parse()?,
            "--batch" => options.batch = value.parse()?,
            "--accounts" => options.accounts = value.parse()?,
            "--concurrency" => options.concurrency = value.parse()?,
            other => return Err(format!("unknown option {other:?}").into()),
        }
    }
    if options.events == 0
        || options.batch == 0
        || options.accounts == 0
        || options.concurrency == 0
    {
        return Err("--events, --batch, --accounts and --concurrency must be positive".into());
    }
    Ok(options)
}

/// A public IPv4 address spread over the whole space (a multiplicative hash of `i`), skipping
/// the private and reserved ranges the app would not place anyway.
fn address(i: usize) -> String {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    loop {
        let [a, b, c, d] = u32::try_from(x & 0xFFFF_FFFF)
            .unwrap_or_default()
            .to_be_bytes();
        let text = format!("{a}.{b}.{c}.{d}");
        if IpAddress::parse(&text).is_ok_and(|ip| ip.is_public()) {
            return text;
        }
        x = x.wrapping_add(0x0101_0101);
    }
}

/// One NDJSON body of `len` events starting at event `start`.
fn body(start: usize, len: usize, accounts: usize, at: DateTime<Utc>) -> Vec<u8> {
    let mut out = String::with_capacity(len * 130);
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for i in start..start + len {
        out.push_str(&format!(
            "{{\"id\":\"ev-{i}\",\"account\":\"acct-{}\",\"ip\":\"{}\",\"at\":\"{at}\",\"action\":\"{}\"}}\n",
            i % accounts,
            address(i),
            ACTIONS[i % ACTIONS.len()],
        ));
    }
    out.into_bytes()
}

/// Customers holding the accounts, written straight to the store (onboarding has its own
/// benchmark); every tenth is recorded as a U.S. person.
async fn customers(
    store: &Arc<dyn Store>,
    scope: &cloudkyc_store::TenantScope,
    accounts: usize,
) -> BenchResult<()> {
    for i in 0..accounts {
        let us = i % 10 == 0;
        let new = NewCustomer {
            tenant: scope.tenant(),
            idempotency_key: None,
            kind: CustomerKind::Individual,
            decision: CustomerDecision {
                person_status: if us {
                    PersonStatus::Us
                } else {
                    PersonStatus::Foreign
                },
                cip_status: CipStatus::Pending,
                account_access: AccountAccess::Restricted,
                risk_tier: RiskTier::Medium,
                policy_id: PACK.into(),
                policy_version: "bench".into(),
                reasons: vec!["benchmark customer".into()],
            },
            personal: serde_json::json!({"name": {"full": format!("Bench Customer {i}")}}),
            lookups: Vec::new(),
            accounts: vec![format!("acct-{i}")],
        };
        store.create_customer(scope, new, Utc::now()).await?;
    }
    Ok(())
}

fn geo_phase(app: &App) -> BenchResult<()> {
    let Some(geo) = app.geo() else {
        return Err("no geolocation database in this build".into());
    };
    let ips: Vec<IpAddress> = (0..200_000)
        .filter_map(|i| IpAddress::parse(&address(i)).ok())
        .collect();
    let started = Instant::now();
    let placed = ips.iter().filter(|ip| geo.country(**ip).is_some()).count();
    let per = started.elapsed().as_secs_f64() / ips.len() as f64;
    println!(
        "geolocation alone (1 core): {:.0} ns/lookup, {:.1} M lookups/s; {placed} of {} placed ({})",
        per * 1e9,
        1e-6 / per,
        ips.len(),
        geo.source()
    );
    let sample = body(0, 100_000, 1_000, Utc::now());
    let started = Instant::now();
    let decoded = cloudkyc_compute::decode_batch::<AccessEventInput>(&sample)?;
    let per = started.elapsed().as_secs_f64() / decoded.len() as f64;
    println!(
        "NDJSON decoding alone (1 core): {:.0} ns/event, {:.0} events/s",
        per * 1e9,
        1.0 / per
    );
    Ok(())
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    let options = parse_options()?;
    let pack = RulePack::bundled(PACK).ok_or("the bundled pack is missing")?;
    let (opened, store) = Fixture::open(options.backend).await?;
    let app = App::new(store.clone(), Arc::new(SystemClock), Arc::new(pack));
    let scope = app.operator_scope("Bench Cloud Inc.").await?;
    println!(
        "backend {:?}: {} events in batches of {} over {} accounts; load average {}",
        options.backend,
        options.events,
        options.batch,
        options.accounts,
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    geo_phase(&app)?;
    customers(&store, &scope, options.accounts).await?;

    let at = Utc::now() - chrono::Duration::minutes(5);
    let mut bodies = Vec::new();
    let mut start = 0;
    while start < options.events {
        let len = options.batch.min(options.events - start);
        bodies.push(body(start, len, options.accounts, at));
        start += len;
    }
    let queue = Arc::new(std::sync::Mutex::new(bodies));
    let began = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..options.concurrency {
        let (app, scope, queue) = (app.clone(), scope.clone(), queue.clone());
        clients.push(tokio::spawn(async move {
            let mut done = Vec::new();
            loop {
                let next = queue.lock().map_err(|_| "queue poisoned")?.pop();
                let Some(payload) = next else { break };
                let started = Instant::now();
                let report = app.ingest_access_events(&scope, &payload).await?;
                done.push((started.elapsed(), report));
            }
            BenchResult::Ok(done)
        }));
    }
    let mut latencies = Vec::new();
    let (mut accepted, mut rejected, mut flags) = (0, 0, 0);
    for client in clients {
        for (took, report) in client.await?? {
            latencies.push(took);
            accepted += report.accepted;
            rejected += report.rejected.len();
            flags += report.review_flags.len();
        }
    }
    let busy = began.elapsed();
    latencies.sort();
    println!(
        "ingested {accepted} events ({rejected} rejected, {flags} review flags) from {} clients \
         in {:.2} s: \
         {:.0} events/s; per batch p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        options.concurrency,
        busy.as_secs_f64(),
        accepted as f64 / busy.as_secs_f64(),
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.95).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    let replay_began = Instant::now();
    let replay = app
        .ingest_access_events(
            &scope,
            &body(0, options.batch.min(options.events), options.accounts, at),
        )
        .await?;
    println!(
        "replay of the first batch: {} duplicates in {:.1} ms",
        replay.duplicate,
        replay_began.elapsed().as_secs_f64() * 1e3
    );
    opened.close().await?;
    Ok(())
}

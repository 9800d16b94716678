//! Measures customer onboarding (issue 3): an entity with two beneficial owners, through
//! `App::onboard_customer` (validation, U.S./foreign determination, risk tier, offline checks,
//! sealing, persistence and the audit event), on a fresh SQLite file or PostgreSQL database.
//!
//! ```sh
//! cargo run --release -p cloudkyc-app --example onboarding_bench -- \
//!     [--backend sqlite|postgres] [--count N] [--concurrency C] [--rate R]
//! ```
//!
//! Three measurements, each on customers nobody onboarded before:
//! 1. the CPU work before the store, on one core: validate + determine + encode, and screening
//!    the three names, so the store's share of the time can be read off by difference;
//! 2. throughput: `C` tasks onboard `N` customers as fast as they can, with the process's CPU
//!    time per customer (user + system, all threads: what two cores must fit);
//! 3. latency at a fixed rate (`--rate`, default 1,000/s, half the issue's target): open-loop
//!    arrivals, each latency counted from the arrival's *scheduled* time so a stalled store is
//!    charged for the queue it causes; p50, p95, p99 and max.
//!
//! Concurrent onboardings of one tenant are written together by the app's group commit, so the
//! throughput phase measures batched commits once callers pile up.
//!
//! PostgreSQL: `CLOUDKYC_BENCH_POSTGRES_URL` names a server and a user allowed to create
//! databases; the benchmark creates a database with a random name and drops it at the end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use cloudkyc_app::customers::CipStatus;
use cloudkyc_app::screening::ScreenRequest;
use cloudkyc_app::{App, SystemClock};
use cloudkyc_domain::cip::{CustomerDraft, determine_customer, validate};
use cloudkyc_domain::rule_pack::RulePack;
use cloudkyc_screening::Schema;
use cloudkyc_store::{Store, TenantScope};
use serde_json::json;

#[path = "support/bench_store.rs"]
mod bench_store;

use bench_store::{Backend, BenchResult, DEFAULT_POSTGRES_URL, Fixture, percentile};

const PACK: &str = "bis-2024-nprm";

#[derive(Debug)]
struct Options {
    backend: Backend,
    count: usize,
    concurrency: usize,
    rate: Option<f64>,
}

fn parse_options() -> BenchResult<Options> {
    let mut options = Options {
        backend: Backend::Sqlite,
        count: 20_000,
        concurrency: 32,
        rate: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            println!(
                "onboarding_bench [--backend sqlite|postgres] [--count N (20000)] \
                 [--concurrency C (32)] [--rate R per second (1000)]\n\
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
            "--count" => options.count = value.parse()?,
            "--concurrency" => options.concurrency = value.parse()?,
            "--rate" => options.rate = Some(value.parse()?),
            other => return Err(format!("unknown option {other:?}").into()),
        }
    }
    if options.count == 0 || options.concurrency == 0 || options.rate.is_some_and(|r| r <= 0.0) {
        return Err("--count, --concurrency and --rate must be positive".into());
    }
    Ok(options)
}

const GIVEN: &[&str] = &[
    "Wei", "Omar", "Fatima", "Chen", "Aisha", "Yusuf", "Mei", "Khalid", "Lina", "Hassan", "Jun",
    "Noura", "Tariq", "Xiu", "Rania", "Bilal",
];
const FAMILY: &[&str] = &[
    "Li", "Haddad", "Zhang", "Mansour", "Wang", "Rahman", "Liu", "Saleh", "Zhao", "Nasser",
    "Huang", "Farouk", "Sun", "Karim", "Zhou", "Aziz",
];

fn pick(list: &[&'static str], index: usize) -> &'static str {
    list.get(index % list.len().max(1))
        .copied()
        .unwrap_or("Doe")
}

/// The Helios body (a UAE entity, a Chinese owner with 60 %, a UAE managing owner) with every
/// identifier derived from `index`, so no two customers share a name, email, phone or account.
fn customer(index: usize) -> BenchResult<CustomerDraft> {
    let (i, j) = (index, index / GIVEN.len());
    let first = format!("{} {}", pick(GIVEN, i), pick(FAMILY, i + j + 3));
    let second = format!("{} {}", pick(GIVEN, i + 7), pick(FAMILY, j));
    // UAE fixed lines are 4 + [2-8] + six digits, UAE mobiles 50 + seven, Chinese mobiles
    // 138 + eight: every index maps to a number the phone library accepts.
    let body = json!({
        "kind": "entity",
        "name": {"full": format!("Helios Compute {i} FZ-LLC")},
        "incorporation": {"country": "AE", "date": "2024-03-01",
                          "registration_number": format!("DMCC-{i:07}")},
        "addresses": [{"line1": format!("Unit {}, Cluster X", i % 900 + 1), "city": "Dubai",
                       "country": "AE"}],
        "emails": [format!("ops{i}@helios{}.example", i % 97)],
        "phones": [format!("+971 4 {}{:06}", 2 + (i / 1_000_000) % 7, i % 1_000_000)],
        "accounts": [{"external_id": format!("acct-bench-{i}"),
                      "payment_methods": [{"type": "bank_account", "country": "AE",
                                           "source": "customer"}]}],
        "beneficial_owners": [
            {"name": {"full": first}, "date_of_birth": "1979-02-03", "nationalities": ["CN"],
             "addresses": [{"line1": format!("{} Jianguo Road", i % 300 + 1), "city": "Beijing",
                            "country": "CN"}],
             "emails": [format!("owner1.{i}@helios{}.example", i % 97)],
             "phones": [format!("+86 138 {:08}", i % 100_000_000)],
             "ownership_percent": 60},
            {"name": {"full": second}, "date_of_birth": "1983-11-20", "nationalities": ["AE"],
             "addresses": [{"line1": format!("{} Al Wasl", i % 200 + 1), "city": "Dubai",
                            "country": "AE"}],
             "emails": [format!("owner2.{i}@helios{}.example", i % 97)],
             "phones": [format!("+971 50 {:07}", i % 10_000_000)],
             "control": "management"}
        ]
    });
    Ok(serde_json::from_value(body)?)
}

fn customers(range: std::ops::Range<usize>) -> BenchResult<Vec<CustomerDraft>> {
    range.map(customer).collect()
}

/// A database of the benchmark's own on the server, dropped by `drop_database`.
/// The work `onboard_customer` does before it reaches the store, on one core.
fn cpu_phase(drafts: &[CustomerDraft]) -> BenchResult<Duration> {
    let today = Utc::now().date_naive();
    let started = Instant::now();
    for draft in drafts {
        let customer = validate(draft, today).map_err(|e| format!("invalid draft: {e:?}"))?;
        let determination = determine_customer(&customer, &[]);
        let sealed = serde_json::to_value((&customer, &determination))?;
        std::hint::black_box(sealed);
    }
    Ok(started.elapsed())
}

/// Screening the customer's and both owners' names, as onboarding does, on one core.
async fn screening_phase(
    app: &App,
    scope: &TenantScope,
    drafts: &[CustomerDraft],
) -> BenchResult<Duration> {
    let today = Utc::now().date_naive();
    let requests: Vec<ScreenRequest> = drafts
        .iter()
        .map(|draft| validate(draft, today).map_err(|e| format!("invalid draft: {e:?}")))
        .collect::<Result<Vec<_>, _>>()?
        .iter()
        .flat_map(|c| {
            let owners = c.beneficial_owners.iter().map(|o| ScreenRequest {
                name: o.name.full().as_str().to_owned(),
                schema: Some(Schema::Person),
                country: None,
                date_of_birth: None,
                limit: 10,
            });
            std::iter::once(ScreenRequest {
                name: c.name.full().as_str().to_owned(),
                schema: Some(Schema::Organization),
                country: Some("AE".into()),
                date_of_birth: None,
                limit: 10,
            })
            .chain(owners)
            .collect::<Vec<_>>()
        })
        .collect();
    let started = Instant::now();
    for request in &requests {
        std::hint::black_box(app.screen(scope, request).await?);
    }
    Ok(started.elapsed())
}

/// CPU time (user + system) of the whole process so far, from `/proc/self/stat` (Linux; zero
/// elsewhere). Ticks are 1/100 s.
fn process_cpu() -> Duration {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            // Fields after the command name (which is in parentheses and may hold spaces).
            let rest = stat.rsplit_once(')')?.1.to_owned();
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let user: u64 = fields.get(11)?.parse().ok()?;
            let system: u64 = fields.get(12)?.parse().ok()?;
            Some(user + system)
        })
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

async fn throughput(
    app: &App,
    scope: &TenantScope,
    drafts: Vec<CustomerDraft>,
    first: usize,
    concurrency: usize,
) -> BenchResult<f64> {
    let count = drafts.len();
    let per_task = count.div_ceil(concurrency).max(1);
    let started = Instant::now();
    let mut workers = Vec::new();
    let mut drafts = drafts.into_iter();
    let mut index = first;
    loop {
        let share: Vec<_> = drafts.by_ref().take(per_task).collect();
        if share.is_empty() {
            break;
        }
        let (app, scope, start) = (app.clone(), scope.clone(), index);
        index += share.len();
        workers.push(tokio::spawn(async move {
            for (offset, draft) in share.into_iter().enumerate() {
                let key = format!("bench-{}", start + offset);
                app.onboard_customer(&scope, draft, Some(key)).await?;
            }
            Ok::<_, cloudkyc_app::AppError>(())
        }));
    }
    for worker in workers {
        worker.await??;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}

/// Open-loop arrivals at `rate` per second; each latency runs from the scheduled arrival.
async fn latency(
    app: &App,
    scope: &TenantScope,
    drafts: Vec<CustomerDraft>,
    first: usize,
    rate: f64,
) -> BenchResult<(Vec<Duration>, f64)> {
    let interval = Duration::from_secs_f64(1.0 / rate);
    let started = tokio::time::Instant::now();
    let mut pending = Vec::with_capacity(drafts.len());
    for (offset, draft) in drafts.into_iter().enumerate() {
        let scheduled = started + interval.mul_f64(offset as f64);
        tokio::time::sleep_until(scheduled).await;
        let (app, scope) = (app.clone(), scope.clone());
        let key = format!("bench-{}", first + offset);
        pending.push(tokio::spawn(async move {
            app.onboard_customer(&scope, draft, Some(key)).await?;
            Ok::<_, cloudkyc_app::AppError>(scheduled.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(pending.len());
    for task in pending {
        latencies.push(task.await??);
    }
    let achieved = latencies.len() as f64 / started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    Ok((latencies, achieved))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    let options = parse_options()?;
    let pack = RulePack::bundled(PACK).ok_or_else(|| format!("no bundled pack {PACK}"))?;
    let (fixture, store) = Fixture::open(options.backend).await?;
    let result = run(&options, store, pack).await;
    fixture.close().await?;
    result
}

async fn run(options: &Options, store: Arc<dyn Store>, pack: RulePack) -> BenchResult<()> {
    let app = App::new(store, Arc::new(SystemClock), Arc::new(pack));
    let scope = app.operator_scope("Bench Cloud Inc.").await?;
    let n = options.count;
    println!(
        "backend {}, {n} customers (entity + 2 owners) per phase, {} worker threads",
        app.store().backend(),
        std::thread::available_parallelism().map_or(1, |p| p.get()),
    );

    // One customer first: it must pass validation, and its outcome says which checks ran.
    let probe = app
        .onboard_customer(&scope, customer(usize::MAX / 2)?, None)
        .await?;
    let decision = &probe.customer.decision;
    println!(
        "probe: person {}, cip {:?}, access {:?}, tier {}",
        decision.person_status, decision.cip_status, decision.account_access, decision.risk_tier
    );
    if decision.cip_status == CipStatus::Failed {
        return Err(format!("the generated customer fails CIP: {:?}", decision.reasons).into());
    }

    let cpu_drafts = customers(0..n)?;
    let cpu = cpu_phase(&cpu_drafts)?;
    println!(
        "validate + determine + encode, one core: {:.1} µs per customer ({:.0}/s per core)",
        cpu.as_secs_f64() * 1e6 / n as f64,
        n as f64 / cpu.as_secs_f64()
    );

    let screened = screening_phase(&app, &scope, &cpu_drafts[..n.min(2000)]).await?;
    println!(
        "screening 3 names, one core: {:.1} µs per customer",
        screened.as_secs_f64() * 1e6 / n.min(2000) as f64
    );

    let cpu_before = process_cpu();
    let measured = throughput(&app, &scope, cpu_drafts, 0, options.concurrency).await?;
    let cpu_used = process_cpu().saturating_sub(cpu_before);
    println!(
        "throughput: {measured:.0} customers/s ({} tasks); process CPU {:.0} µs per customer \
         (two cores allow {:.0}/s at that cost)",
        options.concurrency,
        cpu_used.as_secs_f64() * 1e6 / n as f64,
        2.0 * n as f64 / cpu_used.as_secs_f64().max(1e-9)
    );

    let rate = options.rate.unwrap_or(1000.0);
    let cpu_before = process_cpu();
    let (latencies, achieved) = latency(&app, &scope, customers(n..2 * n)?, n, rate).await?;
    let cpu_used = process_cpu().saturating_sub(cpu_before);
    println!(
        "latency at {rate:.0}/s offered ({achieved:.0}/s achieved): p50 {:.2} ms, p95 {:.2} ms, \
         p99 {:.2} ms, max {:.2} ms; process CPU {:.0} µs per customer",
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.95)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
        cpu_used.as_secs_f64() * 1e6 / n as f64,
    );
    let report = app.store().verify_audit().await?;
    if !report.intact() {
        return Err("the audit chain does not verify after the run".into());
    }
    Ok(())
}

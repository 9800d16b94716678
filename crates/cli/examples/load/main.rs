//! A load test of running `cloudkyc serve` processes over HTTP: onboarding (`POST
//! /v1/customers`), then screening (`POST /v1/screenings`), then usage ingestion (`POST
//! /v1/usage`, records of the accounts just onboarded), each a phase of at most `--requests`
//! requests and `--seconds` seconds with `--concurrency` in flight, request `i` sent to instance
//! `i % instances`. Prints a Markdown table per run: answers by class, throughput, and latency
//! percentiles (p50, p90, p99, max) of the answered requests. Exits 1 when any request got a 5xx,
//! a 4xx or no answer, or a usage record was rejected.
//!
//! ```text
//! CLOUDKYC_LOAD_KEY=... cargo run -p cloudkyc --example load -- \
//!     --url http://127.0.0.1:8080 [--url ...] [--label TEXT] [--requests 300] \
//!     [--concurrency 16] [--seconds 60] [--usage-batch 10]
//! ```
//!
//! `.ci/load.sh` builds it, starts the servers (SQLite, PostgreSQL with one and three
//! instances) and runs it against each; turn the servers' rate limits off, or the 429s fail it.

mod bodies;
mod report;

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::Value;

use bodies::Run;
use report::{Outcome, Phase, Records, Sample};

/// Failures described on stderr per phase; the rest are only counted.
const FAILURES_SHOWN: usize = 5;

#[derive(Debug, Parser)]
#[command(about = "Load test of running cloudkyc servers")]
struct Args {
    /// Base URL of an instance; repeat for several (requests go round-robin).
    #[arg(long = "url", required = true)]
    urls: Vec<String>,
    /// An API key allowed to onboard, screen and ingest (integration or admin).
    #[arg(long, env = "CLOUDKYC_LOAD_KEY", hide_env_values = true)]
    key: String,
    /// The title of the table (say what is measured: backend, instances).
    #[arg(long, default_value = "load test")]
    label: String,
    /// Requests per endpoint.
    #[arg(long, default_value_t = 300)]
    requests: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// No new request to an endpoint after this many seconds of its phase.
    #[arg(long, default_value_t = 60.0)]
    seconds: f64,
    /// Usage records per `POST /v1/usage`.
    #[arg(long, default_value_t = 10)]
    usage_batch: usize,
}

#[derive(Debug, Clone, Copy)]
enum Endpoint {
    Customers,
    Screenings,
    Usage,
}

impl Endpoint {
    fn path(self) -> &'static str {
        match self {
            Endpoint::Customers => "/v1/customers",
            Endpoint::Screenings => "/v1/screenings",
            Endpoint::Usage => "/v1/usage",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Endpoint::Customers => "POST /v1/customers",
            Endpoint::Screenings => "POST /v1/screenings",
            Endpoint::Usage => "POST /v1/usage",
        }
    }
}

/// What every request of a phase needs (a clone shares the HTTP client's connection pool).
#[derive(Debug, Clone)]
struct Target {
    http: reqwest::Client,
    urls: Vec<String>,
    key: String,
    run: Run,
    endpoint: Endpoint,
    usage_batch: usize,
    /// Accounts the onboarding phase created, for the usage records.
    accounts: usize,
}

impl Target {
    fn body(&self, n: usize) -> Vec<u8> {
        let body = match self.endpoint {
            Endpoint::Customers => self.run.customer(n),
            Endpoint::Screenings => self.run.screening(n),
            Endpoint::Usage => self.run.usage(n, self.usage_batch, self.accounts),
        };
        serde_json::to_vec(&body).unwrap_or_default()
    }

    /// Sends request `n`; returns the sample, the usage counts of its answer and, on failure,
    /// what went wrong.
    async fn send(&self, n: usize) -> (Sample, Records, Option<String>) {
        let url = format!(
            "{}{}",
            self.urls[n % self.urls.len()].trim_end_matches('/'),
            self.endpoint.path()
        );
        let body = self.body(n);
        let sent = Instant::now();
        let answer = async {
            let response = self
                .http
                .post(url.as_str())
                .bearer_auth(&self.key)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await?;
            let status = response.status().as_u16();
            let bytes = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, bytes))
        }
        .await;
        let latency = sent.elapsed();
        let sample = |outcome| Sample { latency, outcome };
        match answer {
            Err(e) => (
                sample(Outcome::Transport),
                Records::default(),
                Some(format!("{url}: no answer: {e}")),
            ),
            Ok((status, bytes)) if (200..300).contains(&status) => {
                (sample(Outcome::Ok), usage_counts(&bytes), None)
            }
            Ok((status, bytes)) => {
                let outcome = if status >= 500 {
                    Outcome::ServerError
                } else {
                    Outcome::Refused
                };
                let text = String::from_utf8_lossy(&bytes);
                let excerpt: String = text.chars().take(300).collect();
                (
                    sample(outcome),
                    Records::default(),
                    Some(format!("{url}: {status}: {excerpt}")),
                )
            }
        }
    }
}

/// The counts of a usage answer (zero for other answers).
fn usage_counts(bytes: &[u8]) -> Records {
    let Ok(body) = serde_json::from_slice::<Value>(bytes) else {
        return Records::default();
    };
    Records {
        accepted: body["accepted"].as_u64().unwrap_or(0),
        duplicate: body["duplicate"].as_u64().unwrap_or(0),
        rejected: body["rejected"].as_array().map_or(0, |r| r.len() as u64),
    }
}

/// One endpoint's phase: `concurrency` workers take request numbers until `requests` are taken
/// or the time limit passes.
async fn phase(target: Arc<Target>, args: &Args) -> Phase {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(args.seconds.max(0.0));
    let requests = args.requests;
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..args.concurrency.max(1) {
        let (target, next) = (Arc::clone(&target), Arc::clone(&next));
        workers.spawn(async move {
            let mut seen = (Vec::new(), Records::default(), Vec::new());
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= requests || Instant::now() >= deadline {
                    return seen;
                }
                let (sample, records, failure) = target.send(n).await;
                seen.0.push(sample);
                seen.1.accepted += records.accepted;
                seen.1.duplicate += records.duplicate;
                seen.1.rejected += records.rejected;
                if let Some(failure) = failure.filter(|_| seen.2.len() < FAILURES_SHOWN) {
                    seen.2.push(failure);
                }
            }
        });
    }
    let mut result = Phase {
        endpoint: target.endpoint.label(),
        planned: requests,
        elapsed: Duration::ZERO,
        samples: Vec::with_capacity(requests),
        records: Records::default(),
        failures: Vec::new(),
    };
    while let Some(joined) = workers.join_next().await {
        let Ok((samples, records, failures)) = joined else {
            result.failures.push("a worker panicked".into());
            continue;
        };
        result.samples.extend(samples);
        result.records.accepted += records.accepted;
        result.records.duplicate += records.duplicate;
        result.records.rejected += records.rejected;
        result.failures.extend(failures);
    }
    result.elapsed = started.elapsed();
    result.failures.truncate(FAILURES_SHOWN);
    result
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.requests == 0 || args.usage_batch == 0 {
        eprintln!("--requests and --usage-batch must be positive");
        return ExitCode::from(2);
    }
    let http = match reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(args.concurrency.max(1))
        .build()
    {
        Ok(http) => http,
        Err(e) => {
            eprintln!("cannot build the HTTP client: {e}");
            return ExitCode::from(2);
        }
    };
    let mut target = Target {
        http,
        urls: args.urls.clone(),
        key: args.key.clone(),
        run: Run::start(),
        endpoint: Endpoint::Customers,
        usage_batch: args.usage_batch,
        accounts: args.requests,
    };
    let mut phases = Vec::new();
    for endpoint in [Endpoint::Customers, Endpoint::Screenings, Endpoint::Usage] {
        target.endpoint = endpoint;
        let done = phase(Arc::new(target.clone()), &args).await;
        if matches!(endpoint, Endpoint::Customers) {
            target.accounts = done.ok().max(1);
        }
        phases.push(done);
    }
    let title = format!(
        "{}: {} requests per endpoint, {} in flight, {} usage records per request",
        args.label, args.requests, args.concurrency, args.usage_batch
    );
    println!("{}", report::table(&title, &phases));
    let mut failed = false;
    for phase in &phases {
        if let Some(verdict) = phase.verdict() {
            failed = true;
            eprintln!("FAIL {}: {verdict}", args.label);
            for failure in &phase.failures {
                eprintln!("  {failure}");
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

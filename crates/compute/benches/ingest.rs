//! Throughput of episode maintenance + estimation, in-process, one core.
//!
//! `cargo bench -p cloudkyc-compute --bench ingest`
//!
//! Workload: hourly billing records of 8-chip nodes (H100 and A100) for 1,000 accounts on 20
//! clusters, one record per node-hour, in time order as a billing export delivers them. For
//! each record the engine ingests it (idempotency check, account-level episode update, load
//! timeline update) and then estimates the episode it touched (p05/p50/p95 and ceiling).

use std::hint::black_box;
use std::time::Instant;

use chrono::DateTime;
use cloudkyc_compute::{
    Catalog, ComputeEngine, ComputeParams, PriceTable, TelemetryInput, UsageRecord,
    UsageRecordInput,
};

const RECORDS: usize = 2_000_000;
const ACCOUNTS: usize = 1_000;
const START: i64 = 1_767_225_600;

fn inputs(telemetry_every: usize) -> Vec<UsageRecordInput> {
    (0..RECORDS)
        .map(|i| {
            let account = i % ACCOUNTS;
            let hour = (i / ACCOUNTS) as i64;
            let start = START + hour * 3600;
            let at = |t| DateTime::from_timestamp(t, 0).unwrap_or_default();
            UsageRecordInput {
                id: format!("u-{i}"),
                account: format!("acct-{account}"),
                accelerator: if account.is_multiple_of(3) {
                    "A100".into()
                } else {
                    "H100".into()
                },
                count: 8,
                start: at(start),
                end: at(start + 3600),
                cluster: Some(format!("dc{}-pg-{}", account % 4, account % 20)),
                datacenter: Some(format!("dc{}", account % 4)),
                fabric_gbps: Some(3200.0),
                reservation: None,
                telemetry: (telemetry_every > 0 && i.is_multiple_of(telemetry_every)).then_some(
                    TelemetryInput {
                        duty: Some(0.9),
                        ofu: Some(0.3 + (i % 7) as f64 * 0.01),
                        precision: None,
                    },
                ),
                purpose: None,
            }
        })
        .collect()
}

/// CPU time of this thread (ns), from the scheduler's accounting: on a machine shared with
/// other jobs, records per CPU-second is the per-core figure; wall time is printed beside it.
fn cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

struct Clock {
    wall: Instant,
    cpu: Option<u64>,
}

impl Clock {
    fn start() -> Self {
        Self {
            wall: Instant::now(),
            cpu: cpu_ns(),
        }
    }

    fn report(&self, label: &str, what: &str, records: usize) {
        let wall = self.wall.elapsed().as_secs_f64();
        let cpu = match (self.cpu, cpu_ns()) {
            (Some(a), Some(b)) => (b.saturating_sub(a)) as f64 / 1e9,
            _ => wall,
        };
        println!(
            "{label}: {records} records, {what}: {:.0} records per CPU-second ({cpu:.3} s CPU), {:.0} records/s wall ({wall:.3} s)",
            records as f64 / cpu,
            records as f64 / wall
        );
    }
}

fn engine() -> ComputeEngine {
    let catalog = Catalog::bundled().unwrap_or_else(|e| panic!("{e}"));
    let prices = PriceTable::bundled().unwrap_or_else(|e| panic!("{e}"));
    ComputeEngine::new(catalog, prices, ComputeParams::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn run_validated(label: &str, inputs: &[UsageRecordInput], full_estimate: bool) {
    let mut engine = engine();
    let records: Vec<UsageRecord> = inputs
        .iter()
        .map(|r| engine.validate_usage(r).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let clock = Clock::start();
    let mut p50_sum = 0.0;
    for record in &records {
        if let Ok(cloudkyc_compute::IngestOutcome::Accepted { episode, .. }) = engine.ingest(record)
        {
            p50_sum += if full_estimate {
                engine.episode_estimate(episode).map_or(0.0, |e| e.ops_p50)
            } else {
                engine.episode_quantiles(episode).map_or(0.0, |q| q.p50)
            };
        }
    }
    let what = if full_estimate {
        "ingest + full Estimate of the touched episode"
    } else {
        "ingest + quantiles of the touched episode"
    };
    clock.report(label, what, records.len());
    black_box(p50_sum);
    assert_eq!(
        engine.tracker().episodes().count(),
        ACCOUNTS,
        "one episode per account"
    );
}

fn run_with_validation(label: &str, inputs: &[UsageRecordInput]) {
    let mut engine = engine();
    let clock = Clock::start();
    let mut accepted = 0_usize;
    for input in inputs {
        if let Ok(cloudkyc_compute::IngestOutcome::Accepted { episode, .. }) =
            engine.ingest_input(input)
        {
            accepted += usize::from(engine.episode_quantiles(episode).is_some());
        }
    }
    clock.report(
        label,
        "validate (incl. name matching) + ingest + estimate",
        inputs.len(),
    );
    assert_eq!(accepted, inputs.len());
}

fn main() {
    let billing = inputs(0);
    run_validated("billing only, pre-validated", &billing, false);
    run_validated("billing only, pre-validated", &billing, true);
    run_with_validation("billing only, from input", &billing);
    let telemetry = inputs(10);
    run_validated("10 % telemetry, pre-validated", &telemetry, false);
}

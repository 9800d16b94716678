//! The compute-monitoring part of the demo (issue 5, item 10): three owner groups with usage
//! and reservations, dated from the day the demo is seeded.
//!
//! - Aurora (Singapore, owner in China): two customers, `gpu-9101` and `gpu-9102`, linked by
//!   their shared beneficial owner and card. Each reserves 12,288 H100 for 150 days: alone each
//!   projects under 1e26 operations, together over it, so the group gets one AI-training report
//!   case (T2).
//! - Kestrel (Germany): 64 A100 for ten days and a month's reservation, far under.
//! - Meridian AI (a U.S. frontier lab): 32,768 H100 reserved for 180 days, far over; a U.S.
//!   person never gets a report case (a `compute_review` case when the pack reviews U.S. runs).
//!
//! Idempotent: customers are onboarded under idempotency keys and records carry fixed ids, so
//! a second run (even on a later day) adds nothing.

use chrono::{Duration, NaiveDate};
use cloudkyc_domain::cip::CustomerDraft;
use cloudkyc_store::TenantScope;

use crate::usage::IngestReport;
use crate::{App, AppError, AppResult};

/// The compute demo's customers, under their idempotency keys.
pub const COMPUTE_CUSTOMERS: &[(&str, &str)] = &[
    ("demo-aurora-labs", include_str!("compute_aurora_labs.json")),
    (
        "demo-aurora-research",
        include_str!("compute_aurora_research.json"),
    ),
    ("demo-kestrel", include_str!("compute_kestrel.json")),
    ("demo-meridian", include_str!("compute_meridian.json")),
];

/// One allocation of the demo: id, account, accelerator, count, first day, last day (offsets
/// from the seeding day), placement.
type Allocation = (
    &'static str,
    &'static str,
    &'static str,
    u32,
    i64,
    i64,
    &'static str,
);

const USAGE: &[Allocation] = &[
    (
        "demo-u-9101-1",
        "gpu-9101",
        "H100",
        1024,
        -10,
        -1,
        "sg1-pg-4",
    ),
    (
        "demo-u-9102-1",
        "gpu-9102",
        "H100",
        1024,
        -10,
        -1,
        "sg1-pg-4",
    ),
    (
        "demo-u-9201-1",
        "gpu-9201",
        "A100",
        64,
        -12,
        -2,
        "fra2-pg-1",
    ),
    (
        "demo-u-9301-1",
        "gpu-9301",
        "H100",
        8192,
        -10,
        -1,
        "us3-pg-9",
    ),
];

const RESERVATIONS: &[Allocation] = &[
    (
        "demo-r-9101-1",
        "gpu-9101",
        "H100",
        12288,
        0,
        150,
        "sg1-pg-4",
    ),
    (
        "demo-r-9102-1",
        "gpu-9102",
        "H100",
        12288,
        0,
        150,
        "sg1-pg-4",
    ),
    ("demo-r-9201-1", "gpu-9201", "A100", 64, 0, 30, "fra2-pg-1"),
    (
        "demo-r-9301-1",
        "gpu-9301",
        "H100",
        32768,
        0,
        180,
        "us3-pg-9",
    ),
];

fn ndjson(rows: &[Allocation], today: NaiveDate) -> String {
    let day = |offset: i64| format!("{}T00:00:00Z", today + Duration::days(offset));
    rows.iter()
        .map(|(id, account, accelerator, count, from, to, cluster)| {
            let datacenter = cluster.split('-').next().unwrap_or(cluster);
            serde_json::json!({
                "id": id, "account": account, "accelerator": accelerator, "count": count,
                "start": day(*from), "end": day(*to), "cluster": cluster,
                "datacenter": datacenter, "fabric_gbps": 3200,
            })
            .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the compute demo stored this run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComputeDemo {
    pub customers_created: usize,
    pub usage: IngestReport,
    pub reservations: IngestReport,
}

/// Onboards the compute demo's customers in the provider tenant and ingests their usage and
/// reservations; the `compute.assess` jobs this queues open the cases.
pub async fn seed_compute(app: &App, scope: &TenantScope) -> AppResult<ComputeDemo> {
    let mut out = ComputeDemo::default();
    for (key, body) in COMPUTE_CUSTOMERS {
        let draft: CustomerDraft = serde_json::from_str(body)
            .map_err(|e| AppError::Internal(format!("demo customer {key}: {e}")))?;
        let onboarded = app
            .onboard_customer(scope, draft, Some((*key).to_owned()))
            .await?;
        out.customers_created += usize::from(!onboarded.replayed);
    }
    let today = app.now().date_naive();
    out.usage = app
        .ingest_usage(scope, ndjson(USAGE, today).as_bytes())
        .await?;
    out.reservations = app
        .ingest_reservations(scope, ndjson(RESERVATIONS, today).as_bytes())
        .await?;
    Ok(out)
}

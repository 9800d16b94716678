//! What the compute tests of purges and special measures share: a SQLite app, onboarding,
//! usage, and a job runner that notes every owner group it assesses.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{Duration, TimeZone, Utc};
use cloudkyc_app::compute_links::{ASSESS_JOB, AssessOwnerGroup};
use cloudkyc_app::jobs::{JobHandler, JobRunner};
use cloudkyc_app::{App, ManualClock};
use cloudkyc_domain::cip::CustomerDraft;
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_store::TenantScope;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::jobs::Job;
use cloudkyc_store_sqlite::SqliteStore;
use tempfile::TempDir;

pub async fn app() -> (App, Arc<ManualClock>, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cloudkyc.db").display());
    let store = Arc::new(
        SqliteStore::open(&url, &MasterKey::generate())
            .await
            .unwrap(),
    );
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).single().unwrap(),
    ));
    let policy = Arc::new(RulePack::bundled(DEFAULT_PACK_ID).unwrap());
    let app = App::new(store, clock.clone(), policy)
        .with_screening_index(cloudkyc_screening::Index::build(&[]));
    (app, clock, dir)
}

pub async fn onboard(app: &App, scope: &TenantScope, body: serde_json::Value) -> CustomerId {
    let key = body["name"]["full"].as_str().unwrap().to_owned();
    let draft: CustomerDraft = serde_json::from_value(body).unwrap();
    app.onboard_customer(scope, draft, Some(key))
        .await
        .unwrap()
        .customer
        .id
}

pub async fn usage(app: &App, scope: &TenantScope, accounts: &[&str]) {
    let body: Vec<String> = accounts
        .iter()
        .map(|a| {
            format!(
                r#"{{"id": "u-{a}", "account": "{a}", "accelerator": "H100", "count": 512, "start": "2026-10-01T00:00:00Z", "end": "2026-10-11T00:00:00Z", "cluster": "pg-1", "datacenter": "dc1", "fabric_gbps": 3200}}"#
            )
        })
        .collect();
    let report = app
        .ingest_usage(scope, body.join("\n").as_bytes())
        .await
        .unwrap();
    assert_eq!(report.accepted, accounts.len(), "{report:?}");
}

/// The real assessment handler, noting the group each job names.
#[derive(Debug, Clone, Default)]
pub struct Assessed(Arc<Mutex<Vec<String>>>);

impl Assessed {
    /// The groups assessed since the last call, sorted, once each.
    pub fn take(&self) -> Vec<String> {
        let mut groups = std::mem::take(&mut *self.0.lock().unwrap());
        groups.sort();
        groups.dedup();
        groups
    }
}

#[async_trait]
impl JobHandler for Assessed {
    fn kind(&self) -> &'static str {
        ASSESS_JOB
    }

    async fn run(&self, app: &App, job: &Job) -> Result<(), String> {
        let group = job.payload["group"].as_str().unwrap_or_default().to_owned();
        self.0.lock().unwrap().push(group);
        AssessOwnerGroup.run(app, job).await
    }
}

/// Moves the clock by `by` and runs every job then due (the customer sync runs every few
/// minutes), noting the assessments in `assessed`.
pub async fn run_jobs(app: &App, clock: &ManualClock, by: Duration, assessed: &Assessed) {
    clock.advance(by);
    let mut runner = JobRunner::new(app.clone());
    runner.register(Arc::new(assessed.clone()));
    let report = runner.drain().await.unwrap();
    assert_eq!(report.dead + report.retried, 0, "{report:?}");
}

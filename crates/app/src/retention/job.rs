//! `records.retention`: the daily purge, scheduled like the other daily jobs (due when the
//! server starts, then each run schedules the next a day later, idempotent per day).

use async_trait::async_trait;
use chrono::Duration;
use cloudkyc_domain::TenantId;
use cloudkyc_store::jobs::Job;

use crate::jobs::JobHandler;
use crate::{App, AppResult};

pub const RETENTION_JOB: &str = "records.retention";

impl App {
    /// Schedules the next daily retention run for `tenant` and its subtree.
    pub async fn schedule_retention(&self, tenant: TenantId, in_: Duration) -> AppResult<()> {
        let scope = self.system_scope(Some(tenant), RETENTION_JOB).await?;
        self.schedule_daily(&scope, RETENTION_JOB, in_).await
    }
}

/// Runs [`App::purge_expired_records`] over the job's tenant subtree, then schedules itself.
#[derive(Debug)]
pub struct PurgeExpiredRecords;

#[async_trait]
impl JobHandler for PurgeExpiredRecords {
    fn kind(&self) -> &'static str {
        RETENTION_JOB
    }

    async fn run(&self, app: &App, job: &Job) -> Result<(), String> {
        let scope = app
            .system_scope(Some(job.tenant), RETENTION_JOB)
            .await
            .map_err(|e| e.to_string())?;
        let run = app
            .purge_expired_records(&scope)
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(
            purged = run.purged.len(),
            skipped = run.skipped,
            "records retention run"
        );
        app.schedule_retention(job.tenant, Duration::days(1))
            .await
            .map_err(|e| e.to_string())
    }
}

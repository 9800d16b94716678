//! The job runner: claims due jobs from the store's queue and runs the handler of their kind.
//!
//! The server runs [`JobRunner::run_forever`]; tests call [`JobRunner::drain`], which runs every
//! due job to completion and returns, so they never sleep.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Duration;
use cloudkyc_store::TenantScope;
use cloudkyc_store::jobs::{Job, JobCounts, NewJob};
use serde::Serialize;

use crate::{App, AppResult};

/// How many times a job runs before it is marked dead (handlers that record their own outcome,
/// like webhook deliveries, read it to know the last attempt).
pub const MAX_ATTEMPTS: u32 = 5;

#[async_trait]
pub trait JobHandler: Send + Sync {
    fn kind(&self) -> &'static str;
    /// Runs the job. An `Err` is retried with backoff until the runner gives up.
    async fn run(&self, app: &App, job: &Job) -> Result<(), String>;
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct DrainReport {
    pub completed: u32,
    pub retried: u32,
    pub dead: u32,
}

pub struct JobRunner {
    app: App,
    handlers: BTreeMap<&'static str, Arc<dyn JobHandler>>,
    lease: Duration,
    max_attempts: u32,
}

impl std::fmt::Debug for JobRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobRunner")
            .field("kinds", &self.handlers.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl JobRunner {
    /// A runner with every handler the application has.
    pub fn new(app: App) -> Self {
        let mut runner = Self {
            app,
            handlers: BTreeMap::new(),
            lease: Duration::minutes(5),
            max_attempts: MAX_ATTEMPTS,
        };
        runner.register(Arc::new(VerifyAuditChains));
        runner.register(Arc::new(crate::access::PurgeAccessEvents));
        runner.register(Arc::new(crate::retention::PurgeExpiredRecords));
        runner.register(Arc::new(crate::customers::OngoingDutiesSweep));
        runner.register(Arc::new(crate::customers::RedetermineCustomer));
        runner.register(Arc::new(crate::webhooks::FanOutAccessChange));
        runner.register(Arc::new(crate::webhooks::DeliverWebhook::default()));
        runner.register(Arc::new(crate::lists::UpdateLists));
        runner.register(Arc::new(crate::resellers::TerminationClockSweep));
        runner.register(Arc::new(crate::measures::RecheckMeasures));
        runner.register(Arc::new(crate::rescreen::RescreenPortfolio));
        runner.register(Arc::new(crate::rescreen::RaiseScreeningHits));
        runner.register(Arc::new(crate::compute_links::AssessOwnerGroup));
        runner.register(Arc::new(crate::compute_links::SyncCustomers));
        runner
    }

    pub fn register(&mut self, handler: Arc<dyn JobHandler>) {
        self.handlers.insert(handler.kind(), handler);
    }

    /// Claims and runs one due job; `None` when nothing is due.
    pub async fn run_one(&self) -> AppResult<Option<JobOutcome>> {
        let kinds: Vec<&str> = self.handlers.keys().copied().collect();
        let store = self.app.store();
        let Some(job) = store.claim_job(&kinds, self.app.now(), self.lease).await? else {
            return Ok(None);
        };
        let result = match self.handlers.get(job.kind.as_str()) {
            Some(handler) => handler.run(&self.app, &job).await,
            None => Err(format!("no handler for job kind {:?}", job.kind)),
        };
        let now = self.app.now();
        let outcome = match result {
            Ok(()) => {
                store.complete_job(job.id, now).await?;
                JobOutcome::Completed
            }
            Err(error) if job.attempts + 1 < self.max_attempts => {
                let backoff = Duration::minutes(1 << job.attempts.min(10));
                tracing::warn!(kind = %job.kind, job = %job.id, %error, "job failed; will retry");
                store
                    .fail_job(job.id, &error, Some(now + backoff), now)
                    .await?;
                JobOutcome::Retried
            }
            Err(error) => {
                tracing::error!(kind = %job.kind, job = %job.id, %error, "job failed for the last time");
                store.fail_job(job.id, &error, None, now).await?;
                JobOutcome::Dead
            }
        };
        Ok(Some(outcome))
    }

    /// Runs due jobs until none is left.
    pub async fn drain(&self) -> AppResult<DrainReport> {
        let mut report = DrainReport::default();
        while let Some(outcome) = self.run_one().await? {
            match outcome {
                JobOutcome::Completed => report.completed += 1,
                JobOutcome::Retried => report.retried += 1,
                JobOutcome::Dead => report.dead += 1,
            }
        }
        Ok(report)
    }

    /// Polls the queue until `shutdown` resolves, pausing `idle` when nothing is due.
    pub async fn run_forever(
        &self,
        idle: std::time::Duration,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        loop {
            let pause = match self.drain().await {
                Ok(_) => idle,
                Err(error) => {
                    tracing::error!(%error, "job queue unavailable");
                    idle * 4
                }
            };
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(pause) => {}
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    Completed,
    Retried,
    Dead,
}

pub const VERIFY_AUDIT: &str = "audit.verify";

/// Walks every audit chain once a day, so that tampering is noticed without anyone asking.
#[derive(Debug)]
pub struct VerifyAuditChains;

impl App {
    /// Queue depth by state, for `/metrics`.
    pub async fn job_counts(&self) -> AppResult<JobCounts> {
        Ok(self.store().job_counts().await?)
    }

    /// Schedules the daily jobs (audit verification, the ongoing-duties sweep, ...) on behalf of
    /// the provider, due now, when the server starts; each then schedules itself a day later.
    /// Returns `false` on a database that has no provider tenant yet (nothing to verify).
    pub async fn schedule_daily_jobs(&self) -> AppResult<bool> {
        let Some(provider) = self.store().provider().await? else {
            return Ok(false);
        };
        let subtree = self.store().subtree(provider.id).await?;
        let scope = TenantScope::system(provider.id, subtree.clone(), VERIFY_AUDIT);
        self.schedule_audit_verification(&scope, Duration::zero())
            .await?;
        let sweep = crate::customers::REVERIFY_DUE_JOB;
        let scope = TenantScope::system(provider.id, subtree, sweep);
        self.schedule_ongoing_duties(&scope, Duration::zero())
            .await?;
        self.schedule_access_purge(provider.id, Duration::zero())
            .await?;
        self.schedule_retention(provider.id, Duration::zero())
            .await?;
        self.schedule_first_list_update(provider.id).await?;
        Ok(true)
    }

    /// Schedules the next daily audit verification (idempotent per day).
    pub async fn schedule_audit_verification(
        &self,
        scope: &TenantScope,
        in_: Duration,
    ) -> AppResult<()> {
        self.schedule_daily(scope, VERIFY_AUDIT, in_).await
    }

    /// Queues the daily job `kind` to run `in_` from now for the scope's tenant. The run's date
    /// is the dedupe key, so a sweep that schedules its next run, and a start-up that schedules
    /// the first, queue one job a day however often they are called.
    pub(crate) async fn schedule_daily(
        &self,
        scope: &TenantScope,
        kind: &str,
        in_: Duration,
    ) -> AppResult<()> {
        let run_at = self.now() + in_;
        let job = NewJob {
            kind: kind.to_owned(),
            payload: serde_json::Value::Null,
            run_at,
            dedupe_key: Some(run_at.date_naive().to_string()),
            queued_key: None,
        };
        self.store().enqueue(scope, job, self.now()).await?;
        Ok(())
    }
}

#[async_trait]
impl JobHandler for VerifyAuditChains {
    fn kind(&self) -> &'static str {
        VERIFY_AUDIT
    }

    async fn run(&self, app: &App, job: &Job) -> Result<(), String> {
        let report = app.verify_audit().await.map_err(|e| e.to_string())?;
        match report.first_break() {
            None => tracing::info!(chains = report.chains.len(), "audit chains intact"),
            Some((tenant, at)) => {
                tracing::error!(%tenant, seq = at.seq, reason = %at.reason, "AUDIT CHAIN BROKEN")
            }
        }
        let subtree = app
            .store()
            .subtree(job.tenant)
            .await
            .map_err(|e| e.to_string())?;
        let scope = TenantScope::system(job.tenant, subtree, VERIFY_AUDIT);
        app.schedule_audit_verification(&scope, Duration::days(1))
            .await
            .map_err(|e| e.to_string())
    }
}

//! The daily job that keeps the termination clocks: for every reseller whose clock runs, the
//! pack's reminders that fell due since the last run are recorded (`reseller.remind`, with the
//! days left) and logged for the officer. When the deadline comes (the last day the relationship
//! may exist) and the finding was not withdrawn (cured), the job completes the termination
//! itself (`reseller.complete_termination`, actor `system:resellers.termination_clock`), which
//! carries out the downstream rule and revokes the reseller's keys like a termination an
//! officer records. A finding schedules it; it then schedules itself a day later for as long as
//! any clock runs (the job queue keeps the chain across restarts).

use async_trait::async_trait;
use chrono::Duration;
use cloudkyc_domain::reseller::ResellerEvent;
use cloudkyc_store::TenantScope;
use cloudkyc_store::jobs::Job;
use cloudkyc_store::resellers::{ResellerChange, ResellerRecord};
use serde::Serialize;

use crate::jobs::JobHandler;
use crate::{App, AppResult};

pub const TERMINATION_CLOCK_JOB: &str = "resellers.termination_clock";

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct ClockSweep {
    /// Resellers that got at least one reminder.
    pub reminded: u32,
    /// Resellers past their termination deadline whose termination could not be completed
    /// (logged; the next run tries again).
    pub overdue: u32,
    /// Resellers whose termination the sweep completed because the deadline came.
    pub terminated: u32,
    /// Resellers whose clock still runs after the sweep.
    pub running: u32,
}

impl App {
    /// Sends the termination reminders due today over the scope's resellers and terminates
    /// those whose deadline came.
    pub async fn sweep_termination_clocks(&self, scope: &TenantScope) -> AppResult<ClockSweep> {
        let today = self.now().date_naive();
        let mut report = ClockSweep::default();
        for reseller in self.store().resellers(scope).await? {
            let Some(clock) = reseller.status.clock().cloned() else {
                continue;
            };
            report.running += 1;
            if today >= clock.deadline {
                self.terminate_at_deadline(scope, reseller, &mut report)
                    .await;
                continue;
            }
            let since = reseller.reminded_through.unwrap_or(clock.known_on);
            let due = clock.reminders_between(since, today);
            if due.is_empty() {
                continue;
            }
            tracing::warn!(reseller = %reseller.id, deadline = %clock.deadline,
                days_left = clock.days_left(today), "reseller termination reminder");
            let change = ResellerChange::Reminded { through: today };
            self.store()
                .update_reseller(scope, reseller.id, change, reseller.updated_at, self.now())
                .await?;
            report.reminded += 1;
        }
        Ok(report)
    }

    /// Completes the termination the deadline requires. A failure is logged and counted as
    /// overdue, so one reseller cannot stop the sweep of the others.
    async fn terminate_at_deadline(
        &self,
        scope: &TenantScope,
        reseller: ResellerRecord,
        report: &mut ClockSweep,
    ) {
        let id = reseller.id;
        let on = self.now().date_naive();
        match self
            .apply_reseller_event(scope, reseller, ResellerEvent::CompleteTermination { on })
            .await
        {
            Ok(outcome) => {
                report.running -= 1;
                report.terminated += 1;
                tracing::warn!(reseller = %id, downstream = ?outcome.downstream,
                    "reseller terminated at its deadline");
            }
            Err(error) => {
                report.overdue += 1;
                tracing::error!(reseller = %id, %error,
                    "reseller termination is overdue and could not be completed");
            }
        }
    }

    /// Schedules the next sweep (idempotent per day).
    pub async fn schedule_termination_clocks(
        &self,
        scope: &TenantScope,
        in_: Duration,
    ) -> AppResult<()> {
        self.schedule_daily(scope, TERMINATION_CLOCK_JOB, in_).await
    }
}

#[derive(Debug)]
pub struct TerminationClockSweep;

#[async_trait]
impl JobHandler for TerminationClockSweep {
    fn kind(&self) -> &'static str {
        TERMINATION_CLOCK_JOB
    }

    async fn run(&self, app: &App, job: &Job) -> Result<(), String> {
        let scope = app
            .system_scope(Some(job.tenant), TERMINATION_CLOCK_JOB)
            .await
            .map_err(|e| e.to_string())?;
        let report = app
            .sweep_termination_clocks(&scope)
            .await
            .map_err(|e| e.to_string())?;
        if report.running == 0 {
            return Ok(());
        }
        app.schedule_termination_clocks(&scope, Duration::days(1))
            .await
            .map_err(|e| e.to_string())
    }
}

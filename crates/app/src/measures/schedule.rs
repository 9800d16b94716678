//! When re-checks run: now when the registry changes, and at the start of the next date on
//! which a measure or an action changes state; the job handler that runs them.

use async_trait::async_trait;
use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use cloudkyc_domain::measures::SpecialMeasure;
use cloudkyc_store::TenantScope;
use cloudkyc_store::jobs::{Job, NewJob};
use cloudkyc_store::measures::{ActionFilter, ActionState};

use super::enforce::RECHECK_JOB;
use crate::jobs::JobHandler;
use crate::{App, AppResult};

fn midnight(date: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
}

impl App {
    /// Enqueues a re-check for the scope's tenant, due now (`key` dedupes a waiting one).
    pub(crate) async fn enqueue_measure_recheck(
        &self,
        scope: &TenantScope,
        key: &str,
    ) -> AppResult<()> {
        let job = NewJob {
            kind: RECHECK_JOB.to_owned(),
            payload: serde_json::Value::Null,
            run_at: self.now(),
            dedupe_key: Some(key.to_owned()),
            queued_key: None,
        };
        self.store().enqueue(scope, job, self.now()).await?;
        Ok(())
    }

    /// Enqueues a re-check at the start of `date` (one per date).
    pub(crate) async fn enqueue_recheck_on(
        &self,
        scope: &TenantScope,
        date: NaiveDate,
    ) -> AppResult<()> {
        let job = NewJob {
            kind: RECHECK_JOB.to_owned(),
            payload: serde_json::Value::Null,
            run_at: midnight(date),
            dedupe_key: Some(date.to_string()),
            queued_key: None,
        };
        self.store().enqueue(scope, job, self.now()).await?;
        Ok(())
    }

    /// The next date after `today` on which a measure or an action changes state.
    pub(super) async fn next_change(
        &self,
        scope: &TenantScope,
        measures: &[SpecialMeasure],
        today: NaiveDate,
    ) -> AppResult<Option<NaiveDate>> {
        let live = ActionFilter {
            live_only: true,
            ..ActionFilter::default()
        };
        let dues = self
            .store()
            .measure_actions(scope, &live)
            .await?
            .into_iter()
            .filter(|a| a.state == ActionState::Scheduled)
            .map(|a| a.due);
        let dates = measures.iter().flat_map(|m| {
            [
                Some(m.effective_date()),
                Some(m.expiry()),
                m.lifted().map(|l| l.on),
            ]
            .into_iter()
            .flatten()
        });
        Ok(dues.chain(dates).filter(|d| *d > today).min())
    }
}

/// Runs a re-check over the job's tenant and its descendants.
#[derive(Debug)]
pub struct RecheckMeasures;

#[async_trait]
impl JobHandler for RecheckMeasures {
    fn kind(&self) -> &'static str {
        RECHECK_JOB
    }

    async fn run(&self, app: &App, job: &Job) -> Result<(), String> {
        let scope = app
            .system_scope(Some(job.tenant), RECHECK_JOB)
            .await
            .map_err(|e| e.to_string())?;
        let report = app
            .recheck_special_measures(&scope)
            .await
            .map_err(|e| e.to_string())?;
        if report.errors > 0 {
            return Err(format!(
                "{} customers could not be re-checked",
                report.errors
            ));
        }
        Ok(())
    }
}

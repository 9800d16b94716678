//! The deadline counts behind `/metrics`, per kind of clock: open cases by case kind, special
//! measures' effective dates and foreign resellers' termination deadlines, each overdue or due
//! soon. Operator data across every tenant: counts only, no tenant, subject or name.
//!
//! A measure's effective date is due soon while the measure is pending and the date falls in
//! the window; it is overdue once the date has passed with an action on an affected customer
//! still scheduled for an earlier day (an account the measure reaches was not dealt with in
//! time). A reseller's termination deadline counts while its clock runs (non-compliant or
//! terminating, not yet terminated). Both are read from their records, not from the cases
//! they open, so a clock still counts when its case was closed early.

use chrono::{Days as ChronoDays, NaiveDate};
use cloudkyc_domain::cases::CaseKind;
use cloudkyc_domain::measures::MeasureStatus;
use cloudkyc_domain::reseller::StatusName;
use cloudkyc_store::TenantScope;
use cloudkyc_store::cases::{CaseDeadlineCounts, KindDeadlineCounts};
use cloudkyc_store::measures::{ActionFilter, ActionState};
use std::collections::HashSet;

use super::calendar::DUE_SOON_DAYS;
use crate::{App, AppError, AppResult};

/// Overdue and due-soon items of one clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DueCounts {
    pub overdue: u64,
    pub due_soon: u64,
}

impl DueCounts {
    fn add(&mut self, due: NaiveDate, today: NaiveDate, soon: NaiveDate) {
        if due < today {
            self.overdue += 1;
        } else if due <= soon {
            self.due_soon += 1;
        }
    }
}

/// Every deadline count `/metrics` exposes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineCounts {
    /// Open cases, and the dated ones overdue and due soon, all kinds together.
    pub cases: CaseDeadlineCounts,
    /// The same per case kind, every kind listed (zero when it has no open case).
    pub by_case_kind: Vec<KindDeadlineCounts>,
    pub special_measure_effective: DueCounts,
    pub reseller_termination: DueCounts,
}

impl App {
    /// The deadline counts of every tenant as of today, due soon meaning within
    /// [`DUE_SOON_DAYS`].
    pub async fn deadline_counts(&self) -> AppResult<DeadlineCounts> {
        let today = self.today();
        let soon = today
            .checked_add_days(ChronoDays::new(u64::from(DUE_SOON_DAYS)))
            .unwrap_or(today);
        let stored = self.store().case_deadlines_by_kind(today, soon).await?;
        let by_case_kind = CaseKind::ALL
            .into_iter()
            .map(|kind| {
                stored
                    .iter()
                    .find(|k| k.kind == kind)
                    .copied()
                    .unwrap_or(KindDeadlineCounts {
                        kind,
                        counts: CaseDeadlineCounts::default(),
                    })
            })
            .collect();
        let mut counts = DeadlineCounts {
            cases: self.store().case_deadline_counts(today, soon).await?,
            by_case_kind,
            special_measure_effective: DueCounts::default(),
            reseller_termination: DueCounts::default(),
        };
        // Measures and resellers are registered under the provider; before it exists there are
        // none.
        let scope = match self.system_scope(None, "metrics").await {
            Ok(scope) => scope,
            Err(AppError::NotFound(_)) => return Ok(counts),
            Err(e) => return Err(e),
        };
        counts.special_measure_effective = self.measure_deadlines(&scope, today, soon).await?;
        for record in self.store().resellers(&scope).await? {
            if let Some(due) = record.termination_due
                && record.status.name() != StatusName::Terminated
            {
                counts.reseller_termination.add(due, today, soon);
            }
        }
        Ok(counts)
    }

    async fn measure_deadlines(
        &self,
        scope: &TenantScope,
        today: NaiveDate,
        soon: NaiveDate,
    ) -> AppResult<DueCounts> {
        let filter = ActionFilter {
            live_only: true,
            ..ActionFilter::default()
        };
        let late: HashSet<_> = self
            .store()
            .measure_actions(scope, &filter)
            .await?
            .into_iter()
            .filter(|a| a.state == ActionState::Scheduled && a.due < today)
            .map(|a| a.measure)
            .collect();
        let mut counts = DueCounts::default();
        for stored in self.store().measures(scope).await? {
            let measure = crate::measures::stored_to_measure(stored, self.policy(), today)?;
            let effective = measure.measure.effective_date();
            if measure.status == MeasureStatus::Pending {
                counts.add(effective, today, soon);
            } else if late.contains(&measure.id) {
                counts.overdue += 1;
            }
        }
        Ok(counts)
    }
}

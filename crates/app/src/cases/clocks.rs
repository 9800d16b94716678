//! The calendar's clocks that are not case due dates: the next annual certification (a year on
//! from the last one generated), special measures' effective and lapse dates, and foreign
//! resellers' periodic reviews.
//!
//! They are read straight from their stores, not through the measure and reseller use cases:
//! the calendar is its own read (`ReadAudit`) and shows only dates, public references and
//! business names, so an auditor sees every clock an officer sees. A reseller's termination
//! clock is not repeated here: its finding opens a `reseller` case whose due date is that clock.

use chrono::NaiveDate;
use cloudkyc_domain::cases::{ClockKind, DatedItem, Subject, SubjectRef, annual_certification_due};
use cloudkyc_domain::measures::MeasureStatus;
use cloudkyc_store::TenantScope;

use crate::resellers::ResellerOutcome;
use crate::{App, AppError, AppResult};

fn reference(id: impl ToString) -> AppResult<SubjectRef> {
    SubjectRef::parse(&id.to_string()).map_err(|e| AppError::Internal(e.to_string()))
}

/// Reports looked at for the last certification: newest first, and a provider makes a few
/// reports a month, so years of them.
const RECENT_REPORTS: u32 = 1_000;

impl App {
    /// The day of the latest certification (initial, annual or out-of-cycle) the scope's
    /// tenants generated: generating one is the officer's sign-off of its attestations. `None`
    /// before the first, when the next is the pack's day on or after today.
    async fn last_certified(&self, scope: &TenantScope) -> AppResult<Option<NaiveDate>> {
        let reports = self.store().reports(scope, RECENT_REPORTS).await?;
        Ok(reports
            .iter()
            .filter(|r| r.kind.starts_with("certification-"))
            .map(|r| r.created_at.date_naive())
            .max())
    }

    pub(super) async fn other_clocks(
        &self,
        scope: &TenantScope,
        today: NaiveDate,
    ) -> AppResult<Vec<DatedItem>> {
        let certification =
            annual_certification_due(self.policy(), self.last_certified(scope).await?, today)
                .map_err(|e| AppError::Internal(e.to_string()))?;
        let mut items = vec![DatedItem {
            due: certification,
            clock: ClockKind::AnnualCertification,
            title: "annual CIP certification to Commerce".to_owned(),
            case: None,
            subject: None,
        }];
        for stored in self.store().measures(scope).await? {
            let measure = crate::measures::stored_to_measure(stored, self.policy(), today)?;
            let subject = Subject::Measure(reference(measure.id)?);
            let source = measure.measure.source_reference().to_owned();
            if measure.status == MeasureStatus::Pending {
                items.push(DatedItem {
                    due: measure.measure.effective_date(),
                    clock: ClockKind::SpecialMeasureEffective,
                    title: format!(
                        "special measure {source} takes effect: accounts it reaches dealt with"
                    ),
                    case: None,
                    subject: Some(subject.clone()),
                });
            }
            if matches!(
                measure.status,
                MeasureStatus::Pending | MeasureStatus::InForce
            ) {
                items.push(DatedItem {
                    due: measure.measure.expiry(),
                    clock: ClockKind::SpecialMeasureLapse,
                    title: format!("special measure {source} lapses unless extended"),
                    case: None,
                    subject: Some(subject),
                });
            }
        }
        for record in self.store().resellers(scope).await? {
            let outcome = ResellerOutcome::of(record, self.policy());
            if let Some(due) = outcome.next_review_due {
                items.push(DatedItem {
                    due,
                    clock: ClockKind::ResellerReview,
                    title: format!("periodic review of reseller {}", outcome.record.name),
                    case: None,
                    subject: Some(Subject::Reseller(reference(outcome.record.id)?)),
                });
            }
        }
        Ok(items)
    }
}

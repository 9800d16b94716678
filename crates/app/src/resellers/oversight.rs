//! Attestations, reviews, findings and termination: every status change is computed by the
//! domain's status machine (`next_status`) and stored with its audit event; a finding raises a
//! `reseller` case and a completed termination carries out the downstream rule.

use chrono::NaiveDate;
use cloudkyc_domain::Permission;
use cloudkyc_domain::cases::{CaseKind, NewCase, Note, Subject, SubjectRef};
use cloudkyc_domain::reseller::{
    Attestation, EventName, Reminder, ResellerEvent, StatusChange, StatusName, TransitionError,
    allowed_events, next_status,
};
use cloudkyc_domain::rule_pack::RulePack;
use cloudkyc_store::TenantScope;
use cloudkyc_store::resellers::{ResellerChange, ResellerId, ResellerRecord};

use super::checked_text;
use super::downstream::DownstreamOutcome;
use super::legal_entity::LegalEntityStatus;
use super::sweep::TERMINATION_CLOCK_JOB;
use crate::{App, AppError, AppResult};

const MAX_TEXT_CHARS: usize = 2000;

/// A stored reseller with what the pack derives from it.
#[derive(Debug, Clone, PartialEq)]
pub struct ResellerOutcome {
    pub record: ResellerRecord,
    /// When the next periodic review is due (none once terminated).
    pub next_review_due: Option<NaiveDate>,
    /// The reminders of the running termination clock still to come.
    pub reminders: Vec<Reminder>,
    /// The events the current status accepts.
    pub allowed_events: Vec<EventName>,
    /// What termination did to the reseller's customers (only on the answer to it).
    pub downstream: Option<DownstreamOutcome>,
    /// The verification of the reseller's legal entity, once submitted (filled by the reads
    /// and the answers of the use cases, `App::with_legal_entity`).
    pub legal_entity: Option<LegalEntityStatus>,
}

impl ResellerOutcome {
    pub(crate) fn of(record: ResellerRecord, pack: &RulePack) -> Self {
        let status = record.status.name();
        let terms = pack.resellers();
        let since = record.reviews.last().map_or(record.registered_on, |r| r.on);
        let next_review_due = (status != StatusName::Terminated).then(|| {
            since
                .checked_add_months(terms.review_every_months.as_chrono())
                .unwrap_or(NaiveDate::MAX)
        });
        let reminders = record
            .status
            .clock()
            .map(|clock| {
                let after = record.reminded_through.unwrap_or(clock.known_on);
                clock
                    .reminders
                    .iter()
                    .filter(|r| r.on > after)
                    .copied()
                    .collect()
            })
            .unwrap_or_default();
        Self {
            next_review_due,
            reminders,
            allowed_events: allowed_events(status).to_vec(),
            downstream: None,
            legal_entity: None,
            record,
        }
    }
}

/// An attestation as the API takes it; `on` defaults to today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestationRequest {
    pub on: Option<NaiveDate>,
    pub by: String,
    pub statement: String,
}

fn transition_error(e: TransitionError) -> AppError {
    match e {
        TransitionError::NotAllowed { .. } => AppError::Conflict(e.to_string()),
        TransitionError::BeforeLastChange { .. } => AppError::invalid("/on", e.to_string()),
        TransitionError::Blank { ref field, .. } => {
            AppError::invalid(&format!("/{}", field.replace('.', "/")), e.to_string())
        }
    }
}

impl App {
    fn dated(&self, on: Option<NaiveDate>) -> AppResult<NaiveDate> {
        let today = self.now().date_naive();
        match on {
            Some(day) if day > today => Err(AppError::invalid("/on", "cannot be in the future")),
            Some(day) => Ok(day),
            None => Ok(today),
        }
    }

    /// Records an attestation of the reseller about its CIP (`ManageResellers`).
    pub async fn attest_reseller(
        &self,
        scope: &TenantScope,
        id: ResellerId,
        request: AttestationRequest,
    ) -> AppResult<ResellerOutcome> {
        Self::require(scope, Permission::ManageResellers)?;
        let on = self.dated(request.on)?;
        let attestation = Attestation {
            on,
            by: checked_text("/by", &request.by, MAX_TEXT_CHARS)?,
            statement: checked_text("/statement", &request.statement, MAX_TEXT_CHARS)?,
        };
        let current = self.store().reseller(scope, id).await?;
        if current.status.name() == StatusName::Terminated {
            return Err(AppError::Conflict(
                "the reseller was terminated; nothing more can be recorded".into(),
            ));
        }
        if on < current.registered_on {
            return Err(AppError::invalid(
                "/on",
                format!("is before the registration on {}", current.registered_on),
            ));
        }
        let change = ResellerChange::Attest(attestation);
        let record = self
            .store()
            .update_reseller(scope, id, change, current.updated_at, self.now())
            .await?;
        Ok(ResellerOutcome::of(record, self.policy()))
    }

    /// Applies one event of the status machine (`ManageResellers`). Dates default to today and
    /// cannot be in the future; an event the status does not accept is a `Conflict`.
    pub async fn reseller_event(
        &self,
        scope: &TenantScope,
        id: ResellerId,
        event: ResellerEvent,
    ) -> AppResult<ResellerOutcome> {
        Self::require(scope, Permission::ManageResellers)?;
        self.dated(Some(event.on()))?;
        let current = self.store().reseller(scope, id).await?;
        self.check_review_against_entity(&current, &event).await?;
        let outcome = self.apply_reseller_event(scope, current, event).await?;
        self.with_legal_entity(outcome).await
    }

    /// The date an event without one gets: today.
    pub fn reseller_today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    pub(super) async fn apply_reseller_event(
        &self,
        scope: &TenantScope,
        current: ResellerRecord,
        event: ResellerEvent,
    ) -> AppResult<ResellerOutcome> {
        let pack = self.policy().resellers();
        let last = current
            .history
            .last()
            .map_or(current.registered_on, |c| c.on);
        let status = next_status(&current.status, &event, last, pack).map_err(transition_error)?;
        let change = StatusChange {
            on: event.on(),
            from: current.status.name(),
            to: status.name(),
            event,
        };
        let to = change.to;
        let finding = to == StatusName::NonCompliant && change.from != StatusName::NonCompliant;
        let record = self
            .store()
            .update_reseller(
                scope,
                current.id,
                ResellerChange::Transition { status, change },
                current.updated_at,
                self.now(),
            )
            .await?;
        if finding {
            self.raise_reseller_case(&record).await?;
            let system = self
                .system_scope(Some(record.tenant), TERMINATION_CLOCK_JOB)
                .await?;
            self.schedule_termination_clocks(&system, chrono::Duration::zero())
                .await?;
        }
        let mut outcome = ResellerOutcome::of(record, self.policy());
        if to == StatusName::Terminated {
            let done = self.carry_out_downstream(scope, &outcome.record).await?;
            outcome.record = done.1;
            outcome.downstream = Some(done.0);
        }
        Ok(outcome)
    }

    /// Opens (once per finding) the `reseller` case an officer works to the termination
    /// deadline. Raised by the system for the registering tenant, whoever recorded the finding
    /// (an integration key may record one but does not work cases).
    async fn raise_reseller_case(&self, record: &ResellerRecord) -> AppResult<()> {
        let Some(clock) = record.status.clock() else {
            return Ok(());
        };
        let system = self
            .system_scope(Some(record.tenant), "resellers.finding")
            .await?;
        let text = |t: String| Note::parse(&t).map_err(|e| AppError::Internal(e.to_string()));
        let new = NewCase {
            kind: CaseKind::Reseller,
            subject: Subject::Reseller(
                SubjectRef::parse(&record.id.to_string())
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            ),
            summary: text(format!(
                "reseller non-compliance known on {}: end the relationship by {}",
                clock.known_on, clock.deadline
            ))?,
            risk: None,
            knowledge_date: clock.known_on,
            due: Some(clock.deadline),
        };
        let dedupe = format!("finding:{}", clock.known_on);
        self.raise_case(&system, new, &dedupe).await?;
        Ok(())
    }
}

//! Review items: every action a measure schedules, and every possible match or out-of-reach
//! evidence the plan reports, becomes a `special_measure` case on the customer, deduplicated by
//! a key naming the measure, the customer (and the action's due date or the reviewed party), so
//! a re-check that finds the same thing again raises nothing new.

use chrono::NaiveDate;
use cloudkyc_domain::cases::{CaseKind, NewCase, Note, Subject, SubjectRef};
use cloudkyc_domain::measures::{PlannedAction, ReviewItem};
use cloudkyc_store::TenantScope;
use cloudkyc_store::measures::MeasureAction;

use crate::customers::CustomerRecord;
use crate::{App, AppError, AppResult};

/// A case summary is one line; the full reasons stay on the action.
const SUMMARY_CHARS: usize = 500;

fn note(text: &str) -> AppResult<Note> {
    let short: String = text.chars().take(SUMMARY_CHARS).collect();
    Note::parse(&short).map_err(|e| AppError::Internal(format!("case summary: {e}")))
}

fn subject(customer: &CustomerRecord) -> AppResult<Subject> {
    SubjectRef::parse(&customer.id.to_string())
        .map(Subject::Customer)
        .map_err(|e| AppError::Internal(format!("case subject: {e}")))
}

impl App {
    pub(super) async fn raise_action_review(
        &self,
        scope: &TenantScope,
        customer: &CustomerRecord,
        action: &MeasureAction,
        planned: &PlannedAction,
    ) -> AppResult<()> {
        let summary = format!(
            "special measure {}: {} the customer's accounts by {} ({})",
            action.measure,
            match action.kind {
                cloudkyc_store::measures::ActionKind::Refuse => "refused onboarding; keep closed",
                cloudkyc_store::measures::ActionKind::Close => "close",
                cloudkyc_store::measures::ActionKind::Restrict => "restrict",
            },
            action.due,
            planned.reasons.join("; ")
        );
        let new = NewCase {
            kind: CaseKind::SpecialMeasure,
            subject: subject(customer)?,
            summary: note(&summary)?,
            risk: Some(customer.decision.risk_tier),
            knowledge_date: self.now().date_naive(),
            due: Some(action.due),
        };
        let key = format!(
            "special_measure:{}:{}:{}",
            action.measure, customer.id, action.due
        );
        self.file_review(scope, new, &key).await
    }

    pub(super) async fn raise_possible_match(
        &self,
        scope: &TenantScope,
        customer: &CustomerRecord,
        item: &ReviewItem,
        today: NaiveDate,
    ) -> AppResult<()> {
        let summary = format!(
            "special measure {}: review the {} {}: {}",
            item.measure_id, item.role, item.party, item.reason
        );
        let new = NewCase {
            kind: CaseKind::SpecialMeasure,
            subject: subject(customer)?,
            summary: note(&summary)?,
            risk: Some(customer.decision.risk_tier),
            knowledge_date: today,
            due: None,
        };
        let key = format!(
            "special_measure_review:{}:{}:{}:{}",
            item.measure_id, customer.id, item.role, item.party
        );
        self.file_review(scope, new, &key).await
    }

    async fn file_review(&self, scope: &TenantScope, new: NewCase, key: &str) -> AppResult<()> {
        // `raise_case` takes keys of at most 200 characters; an owner's name can be long.
        let key: String = key.chars().filter(|c| !c.is_control()).take(200).collect();
        self.raise_case(scope, new, &key).await?;
        Ok(())
    }
}

//! The case itself: one model for every kind of alert.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::rule_pack::{PolicyRef, RiskTier};

use super::error::CaseError;
use super::id::{ActorId, CaseId};
use super::kind::{CaseKind, Priority, Subject};
use super::rules::CaseRules;
use super::status::{CaseStatus, Outcome};
use super::text::Note;
use super::timeline::{CaseEvent, Decision, TimelineEntry};

/// What is needed to open a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    pub kind: CaseKind,
    pub subject: Subject,
    /// One line saying why the case exists ("OFAC SDN candidate, score 0.91").
    pub summary: Note,
    /// The subject's risk tier, when known; raises the derived priority.
    pub risk: Option<RiskTier>,
    /// When the provider learned of the matter: the pack's clocks run from this day.
    pub knowledge_date: NaiveDate,
    /// A due date from outside the pack (a special measure's effective date). When the pack
    /// also sets one, the earlier of the two applies.
    pub due: Option<NaiveDate>,
}

/// A decision proposed and waiting for a second officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingDecision {
    pub decision: Decision,
    pub proposed_by: ActorId,
    pub proposed_at: DateTime<Utc>,
}

/// A case. Fields are private: a case changes only through [`Case::apply`], which appends to
/// the timeline what it changed. Deserialisation trusts its input (it is the store reading back
/// what this type wrote).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub(super) id: CaseId,
    pub(super) kind: CaseKind,
    pub(super) subject: Subject,
    pub(super) summary: Note,
    pub(super) status: CaseStatus,
    pub(super) outcome: Option<Outcome>,
    pub(super) assignee: Option<ActorId>,
    pub(super) risk: Option<RiskTier>,
    pub(super) derived_priority: Priority,
    pub(super) priority_override: Option<Priority>,
    pub(super) opened_at: DateTime<Utc>,
    pub(super) knowledge_date: NaiveDate,
    pub(super) due: Option<NaiveDate>,
    pub(super) pending: Option<PendingDecision>,
    pub(super) policy: PolicyRef,
    pub(super) timeline: Vec<TimelineEntry>,
}

/// The result of a command: the case as it now is, and the entries the command appended (also
/// on the case's timeline), which the store writes with the audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub case: Case,
    pub entries: Vec<TimelineEntry>,
}

impl Case {
    /// Opens a case with its pack-derived priority and due date.
    pub fn open(
        new: NewCase,
        rules: &CaseRules,
        opened_by: ActorId,
        now: DateTime<Utc>,
    ) -> Result<Transition, CaseError> {
        let pack_due = rules.due_for(new.kind, new.knowledge_date)?;
        let due = match (pack_due, new.due) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let priority = Priority::derive(new.kind, new.risk);
        let entry = TimelineEntry {
            at: now,
            actor: opened_by,
            event: CaseEvent::Opened {
                kind: new.kind,
                subject: new.subject.clone(),
                priority,
                due,
            },
        };
        let case = Self {
            id: CaseId::new(),
            kind: new.kind,
            subject: new.subject,
            summary: new.summary,
            status: CaseStatus::Open,
            outcome: None,
            assignee: None,
            risk: new.risk,
            derived_priority: priority,
            priority_override: None,
            opened_at: now,
            knowledge_date: new.knowledge_date,
            due,
            pending: None,
            policy: rules.policy().clone(),
            timeline: vec![entry.clone()],
        };
        Ok(Transition {
            case,
            entries: vec![entry],
        })
    }

    pub fn id(&self) -> CaseId {
        self.id
    }

    pub fn kind(&self) -> CaseKind {
        self.kind
    }

    pub fn subject(&self) -> &Subject {
        &self.subject
    }

    pub fn summary(&self) -> &Note {
        &self.summary
    }

    pub fn status(&self) -> CaseStatus {
        self.status
    }

    /// Set only while the case is closed.
    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome
    }

    pub fn assignee(&self) -> Option<&ActorId> {
        self.assignee.as_ref()
    }

    pub fn risk(&self) -> Option<RiskTier> {
        self.risk
    }

    /// The priority in force: an officer's override, else the derived one.
    pub fn priority(&self) -> Priority {
        self.priority_override.unwrap_or(self.derived_priority)
    }

    pub fn derived_priority(&self) -> Priority {
        self.derived_priority
    }

    pub fn priority_overridden(&self) -> bool {
        self.priority_override.is_some()
    }

    pub fn opened_at(&self) -> DateTime<Utc> {
        self.opened_at
    }

    pub fn knowledge_date(&self) -> NaiveDate {
        self.knowledge_date
    }

    pub fn due(&self) -> Option<NaiveDate> {
        self.due
    }

    pub fn pending_decision(&self) -> Option<&PendingDecision> {
        self.pending.as_ref()
    }

    /// The pack the case was opened under.
    pub fn policy(&self) -> &PolicyRef {
        &self.policy
    }

    pub fn timeline(&self) -> &[TimelineEntry] {
        &self.timeline
    }

    /// Whether closing needs a second officer. Lowering the priority by override never
    /// removes the need: the derived priority counts too, so four-eyes cannot be talked away.
    pub fn needs_four_eyes(&self, decision: &Decision, rules: &CaseRules) -> bool {
        let high = self.priority() == Priority::High || self.derived_priority == Priority::High;
        high || (decision.cip_override && rules.override_needs_four_eyes(self.risk))
    }

    pub(super) fn has_filed_report(&self) -> bool {
        self.timeline
            .iter()
            .any(|entry| matches!(entry.event, CaseEvent::ReportFiled { .. }))
    }
}

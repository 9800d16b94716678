//! The state machine: which command may move a case from which status, and who may give it.
//!
//! | command | from | to |
//! |---|---|---|
//! | `assign` | open | investigating |
//! | `assign` | investigating, awaiting_customer, escalated | unchanged |
//! | `comment` | any, closed included | unchanged |
//! | `add_evidence`, `file_report` | any but closed | unchanged |
//! | `request_customer_info` | open, investigating, escalated | awaiting_customer |
//! | `customer_responded` | awaiting_customer | investigating |
//! | `escalate` | open, investigating, awaiting_customer | escalated |
//! | `set_priority` | any but closed | unchanged |
//! | `propose_decision` | any but closed | closed, or unchanged with the decision pending |
//! | `approve_decision` | a pending decision | closed |
//! | `reject_decision` | a pending decision | unchanged, the proposal dropped |
//! | `reopen` | closed | investigating |
//!
//! Roles: officer and admin may do everything; an analyst works cases and proposes decisions
//! but never approves, files, reopens or lowers a priority; auditor, integration and reseller
//! keys are read-only here. A proposal closes the case at once only when an officer makes it
//! and four-eyes does not apply; otherwise it waits for a *different* officer.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::role::{Permission, Role};

use super::case::{Case, PendingDecision, Transition};
use super::error::CaseError;
use super::id::ActorId;
use super::kind::{CaseKind, Priority};
use super::rules::CaseRules;
use super::status::{CaseStatus, Outcome};
use super::text::Note;
use super::timeline::{CaseEvent, Decision, Evidence, FiledReport, TimelineEntry};

/// Who gives a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: ActorId,
    pub role: Role,
}

/// Something an analyst or officer does to a case. Deserialises from
/// `{"action": "escalate", "reason": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Command {
    Assign { to: ActorId },
    Comment { text: Note },
    AddEvidence { evidence: Evidence },
    RequestCustomerInfo { what: Note },
    CustomerResponded { summary: Note },
    Escalate { reason: Note },
    SetPriority { priority: Priority, reason: Note },
    ProposeDecision { decision: Decision },
    ApproveDecision,
    RejectDecision { reason: Note },
    FileReport { report: FiledReport },
    Reopen { reason: Note },
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Assign { .. } => "assign",
            Self::Comment { .. } => "comment",
            Self::AddEvidence { .. } => "add_evidence",
            Self::RequestCustomerInfo { .. } => "request_customer_info",
            Self::CustomerResponded { .. } => "customer_responded",
            Self::Escalate { .. } => "escalate",
            Self::SetPriority { .. } => "set_priority",
            Self::ProposeDecision { .. } => "propose_decision",
            Self::ApproveDecision => "approve_decision",
            Self::RejectDecision { .. } => "reject_decision",
            Self::FileReport { .. } => "file_report",
            Self::Reopen { .. } => "reopen",
        }
    }
}

/// Builds the next state: a copy of the case with the command's entries appended.
struct Step<'a> {
    case: Case,
    actor: &'a Actor,
    now: DateTime<Utc>,
    entries: Vec<TimelineEntry>,
}

impl Step<'_> {
    fn record(&mut self, event: CaseEvent) {
        let entry = TimelineEntry {
            at: self.now,
            actor: self.actor.id.clone(),
            event,
        };
        self.case.timeline.push(entry.clone());
        self.entries.push(entry);
    }

    fn move_to(&mut self, to: CaseStatus, reason: Option<Note>) {
        let from = self.case.status;
        self.case.status = to;
        self.record(CaseEvent::StatusChanged { from, to, reason });
    }

    fn close(&mut self, decision: Decision, proposed_by: ActorId, approved_by: Option<ActorId>) {
        self.case.outcome = Some(decision.outcome);
        self.case.pending = None;
        self.record(CaseEvent::Decision {
            decision,
            proposed_by,
            approved_by,
        });
        self.move_to(CaseStatus::Closed, None);
    }

    fn finish(self) -> Transition {
        Transition {
            case: self.case,
            entries: self.entries,
        }
    }
}

impl Case {
    /// Applies `command` given by `actor` at `now`. The case itself is left untouched: the
    /// caller stores the returned state only if it also stores the entries.
    pub fn apply(
        &self,
        command: Command,
        actor: &Actor,
        now: DateTime<Utc>,
        rules: &CaseRules,
    ) -> Result<Transition, CaseError> {
        let action = command.name();
        require(actor, Permission::WorkCases, action)?;
        let status = self.status;
        let invalid = || CaseError::InvalidTransition { action, status };
        let open = !status.is_closed();
        let pending = self.pending.is_some();
        let not_while_pending = || {
            if pending {
                Err(CaseError::DecisionPending { action })
            } else {
                Ok(())
            }
        };
        let mut step = Step {
            case: self.clone(),
            actor,
            now,
            entries: Vec::new(),
        };
        match command {
            Command::Assign { to } => {
                if !open {
                    return Err(invalid());
                }
                if self.assignee.as_ref() == Some(&to) {
                    return Err(CaseError::Unchanged("the case is already assigned to them"));
                }
                step.case.assignee = Some(to.clone());
                step.record(CaseEvent::Assigned {
                    from: self.assignee.clone(),
                    to,
                });
                if status == CaseStatus::Open {
                    step.move_to(CaseStatus::Investigating, None);
                }
            }
            Command::Comment { text } => step.record(CaseEvent::Comment { text }),
            Command::AddEvidence { evidence } => {
                if !open {
                    return Err(invalid());
                }
                step.record(CaseEvent::EvidenceAdded { evidence });
            }
            Command::RequestCustomerInfo { what } => {
                if !matches!(
                    status,
                    CaseStatus::Open | CaseStatus::Investigating | CaseStatus::Escalated
                ) {
                    return Err(invalid());
                }
                not_while_pending()?;
                step.move_to(CaseStatus::AwaitingCustomer, Some(what));
            }
            Command::CustomerResponded { summary } => {
                if status != CaseStatus::AwaitingCustomer {
                    return Err(invalid());
                }
                not_while_pending()?;
                step.move_to(CaseStatus::Investigating, Some(summary));
            }
            Command::Escalate { reason } => {
                if !matches!(
                    status,
                    CaseStatus::Open | CaseStatus::Investigating | CaseStatus::AwaitingCustomer
                ) {
                    return Err(invalid());
                }
                not_while_pending()?;
                step.move_to(CaseStatus::Escalated, Some(reason));
            }
            Command::SetPriority { priority, reason } => {
                if !open {
                    return Err(invalid());
                }
                not_while_pending()?;
                if priority < self.derived_priority {
                    require(actor, Permission::DecideCases, "lower a case's priority")?;
                }
                let from = self.priority();
                if priority == from {
                    return Err(CaseError::Unchanged("the case already has that priority"));
                }
                step.case.priority_override =
                    (priority != self.derived_priority).then_some(priority);
                step.record(CaseEvent::PriorityChanged {
                    from,
                    to: priority,
                    reason,
                });
            }
            Command::ProposeDecision { decision } => {
                if !open {
                    return Err(invalid());
                }
                not_while_pending()?;
                self.check_decision(&decision, rules)?;
                let may_decide = actor.role.allows(Permission::DecideCases);
                if may_decide && !self.needs_four_eyes(&decision, rules) {
                    step.close(decision, actor.id.clone(), None);
                } else {
                    step.case.pending = Some(PendingDecision {
                        decision: decision.clone(),
                        proposed_by: actor.id.clone(),
                        proposed_at: now,
                    });
                    step.record(CaseEvent::ApprovalRequested { decision });
                }
            }
            Command::ApproveDecision => {
                require(actor, Permission::DecideCases, "approve decisions")?;
                let proposal = self.pending.clone().ok_or(CaseError::NoPendingDecision)?;
                if proposal.proposed_by == actor.id {
                    return Err(CaseError::SelfApproval {
                        actor: actor.id.clone(),
                    });
                }
                // The report may have been withdrawn from the plan since the proposal; check again.
                self.check_decision(&proposal.decision, rules)?;
                step.record(CaseEvent::ApprovalGiven {
                    proposed_by: proposal.proposed_by.clone(),
                });
                step.close(
                    proposal.decision,
                    proposal.proposed_by,
                    Some(actor.id.clone()),
                );
            }
            Command::RejectDecision { reason } => {
                require(actor, Permission::DecideCases, "reject decisions")?;
                let proposal = self.pending.clone().ok_or(CaseError::NoPendingDecision)?;
                step.case.pending = None;
                step.record(CaseEvent::ApprovalRefused {
                    proposed_by: proposal.proposed_by,
                    reason,
                });
            }
            Command::FileReport { report } => {
                require(actor, Permission::DecideCases, "record a filed report")?;
                if !open {
                    return Err(invalid());
                }
                step.record(CaseEvent::ReportFiled { report });
            }
            Command::Reopen { reason } => {
                require(actor, Permission::DecideCases, "reopen cases")?;
                if open {
                    return Err(invalid());
                }
                step.case.outcome = None;
                step.move_to(CaseStatus::Investigating, Some(reason));
            }
        }
        Ok(step.finish())
    }

    fn check_decision(&self, decision: &Decision, rules: &CaseRules) -> Result<(), CaseError> {
        if decision.outcome == Outcome::Reported && !self.has_filed_report() {
            return Err(CaseError::ReportNotFiled);
        }
        if decision.cip_override {
            if self.kind != CaseKind::Verification {
                return Err(CaseError::OverrideNotAllowed(
                    "only verification cases carry a CIP decision to override",
                ));
            }
            if !rules.officer_override_allowed() {
                return Err(CaseError::OverrideNotAllowed(
                    "the rule pack does not allow officer overrides ([access.redress].officer_override)",
                ));
            }
        }
        Ok(())
    }
}

fn require(actor: &Actor, permission: Permission, action: &'static str) -> Result<(), CaseError> {
    if actor.role.allows(permission) {
        Ok(())
    } else {
        Err(CaseError::NotPermitted {
            role: actor.role,
            action,
        })
    }
}

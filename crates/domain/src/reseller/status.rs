//! The reseller status machine.
//!
//! | from | event | to |
//! |---|---|---|
//! | active | start_review | under_review |
//! | active, under_review | complete_review (compliant) | active |
//! | active, under_review | complete_review (non_compliant), find_non_compliance | non_compliant |
//! | non_compliant | withdraw_finding | active |
//! | active, under_review, non_compliant | start_termination | terminating |
//! | non_compliant, terminating | complete_termination | terminated (final) |
//!
//! A finding of non-compliance starts the termination clock (`TerminationClock`); terminating
//! keeps it. A termination the provider decides without a finding gets the same notice
//! period from the day it starts. Ending after the deadline is allowed (the relationship must
//! still end) and marked `late`.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::clock::TerminationClock;
use crate::rule_pack::{DownstreamAction, Resellers};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    Compliant,
    NonCompliant,
}

/// A periodic review of the reseller's CIP and attestations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub on: NaiveDate,
    pub outcome: ReviewOutcome,
    /// Where the evidence the review relied on is kept.
    pub evidence_reference: String,
}

/// Non-compliance became known on `on`; `reference` points at the evidence or review.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Finding {
    pub on: NaiveDate,
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ResellerStatus {
    Active,
    UnderReview {
        since: NaiveDate,
    },
    NonCompliant {
        finding: Finding,
        clock: TerminationClock,
    },
    Terminating {
        started_on: NaiveDate,
        reason: String,
        clock: TerminationClock,
    },
    Terminated {
        on: NaiveDate,
        /// What happens to the reseller's customers' accounts (the pack's rule).
        downstream: DownstreamAction,
        /// Ended after the deadline.
        late: bool,
    },
}

impl ResellerStatus {
    pub fn name(&self) -> StatusName {
        match self {
            Self::Active => StatusName::Active,
            Self::UnderReview { .. } => StatusName::UnderReview,
            Self::NonCompliant { .. } => StatusName::NonCompliant,
            Self::Terminating { .. } => StatusName::Terminating,
            Self::Terminated { .. } => StatusName::Terminated,
        }
    }

    /// The running termination clock, if any.
    pub fn clock(&self) -> Option<&TerminationClock> {
        match self {
            Self::NonCompliant { clock, .. } | Self::Terminating { clock, .. } => Some(clock),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusName {
    Active,
    UnderReview,
    NonCompliant,
    Terminating,
    Terminated,
}

impl fmt::Display for StatusName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Active => "active",
            Self::UnderReview => "under_review",
            Self::NonCompliant => "non_compliant",
            Self::Terminating => "terminating",
            Self::Terminated => "terminated",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum ResellerEvent {
    StartReview {
        on: NaiveDate,
    },
    /// Records the review; a non-compliant outcome is a finding.
    CompleteReview {
        review: Review,
    },
    FindNonCompliance {
        on: NaiveDate,
        reference: String,
    },
    /// The finding was wrong (evidence misread, wrong reseller): back to active.
    WithdrawFinding {
        on: NaiveDate,
        reason: String,
    },
    StartTermination {
        on: NaiveDate,
        reason: String,
    },
    CompleteTermination {
        on: NaiveDate,
    },
}

impl ResellerEvent {
    pub fn name(&self) -> EventName {
        match self {
            Self::StartReview { .. } => EventName::StartReview,
            Self::CompleteReview { .. } => EventName::CompleteReview,
            Self::FindNonCompliance { .. } => EventName::FindNonCompliance,
            Self::WithdrawFinding { .. } => EventName::WithdrawFinding,
            Self::StartTermination { .. } => EventName::StartTermination,
            Self::CompleteTermination { .. } => EventName::CompleteTermination,
        }
    }

    pub fn on(&self) -> NaiveDate {
        match self {
            Self::CompleteReview { review } => review.on,
            Self::StartReview { on }
            | Self::FindNonCompliance { on, .. }
            | Self::WithdrawFinding { on, .. }
            | Self::StartTermination { on, .. }
            | Self::CompleteTermination { on } => *on,
        }
    }

    /// The free-text field an event must fill, with its name.
    fn required_text(&self) -> Option<(&'static str, &str)> {
        match self {
            Self::StartReview { .. } | Self::CompleteTermination { .. } => None,
            Self::CompleteReview { review } => {
                Some(("review.evidence_reference", &review.evidence_reference))
            }
            Self::FindNonCompliance { reference, .. } => Some(("reference", reference)),
            Self::WithdrawFinding { reason, .. } | Self::StartTermination { reason, .. } => {
                Some(("reason", reason))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventName {
    StartReview,
    CompleteReview,
    FindNonCompliance,
    WithdrawFinding,
    StartTermination,
    CompleteTermination,
}

impl fmt::Display for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::StartReview => "start_review",
            Self::CompleteReview => "complete_review",
            Self::FindNonCompliance => "find_non_compliance",
            Self::WithdrawFinding => "withdraw_finding",
            Self::StartTermination => "start_termination",
            Self::CompleteTermination => "complete_termination",
        })
    }
}

/// The events each status accepts.
pub fn allowed_events(status: StatusName) -> &'static [EventName] {
    use EventName::*;
    match status {
        StatusName::Active => &[
            StartReview,
            CompleteReview,
            FindNonCompliance,
            StartTermination,
        ],
        StatusName::UnderReview => &[CompleteReview, FindNonCompliance, StartTermination],
        StatusName::NonCompliant => &[WithdrawFinding, StartTermination, CompleteTermination],
        StatusName::Terminating => &[CompleteTermination],
        StatusName::Terminated => &[],
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum TransitionError {
    #[error("cannot {event} a reseller that is {from}: {}", describe_allowed(*from))]
    NotAllowed { from: StatusName, event: EventName },
    #[error("{event} on {on} is dated before the last status change, on {last}")]
    BeforeLastChange {
        event: EventName,
        on: NaiveDate,
        last: NaiveDate,
    },
    #[error("{event}: {field} cannot be blank")]
    Blank { event: EventName, field: String },
}

fn describe_allowed(status: StatusName) -> String {
    let allowed = allowed_events(status);
    if allowed.is_empty() {
        return "termination is final".to_owned();
    }
    let names: Vec<String> = allowed.iter().map(ToString::to_string).collect();
    format!("while {status} only {} are allowed", names.join(", "))
}

/// Computes the status an event leads to. `last_change` is the date of the previous status
/// change; events cannot be dated before it.
pub fn next_status(
    current: &ResellerStatus,
    event: &ResellerEvent,
    last_change: NaiveDate,
    pack: &Resellers,
) -> Result<ResellerStatus, TransitionError> {
    let from = current.name();
    let name = event.name();
    if !allowed_events(from).contains(&name) {
        return Err(TransitionError::NotAllowed { from, event: name });
    }
    if event.on() < last_change {
        return Err(TransitionError::BeforeLastChange {
            event: name,
            on: event.on(),
            last: last_change,
        });
    }
    if let Some((field, text)) = event.required_text()
        && text.trim().is_empty()
    {
        return Err(TransitionError::Blank {
            event: name,
            field: field.to_owned(),
        });
    }
    let finding = |on: NaiveDate, reference: &str| ResellerStatus::NonCompliant {
        finding: Finding {
            on,
            reference: reference.to_owned(),
        },
        clock: TerminationClock::start(on, pack),
    };
    Ok(match event {
        ResellerEvent::StartReview { on } => ResellerStatus::UnderReview { since: *on },
        ResellerEvent::CompleteReview { review } => match review.outcome {
            ReviewOutcome::Compliant => ResellerStatus::Active,
            ReviewOutcome::NonCompliant => finding(review.on, &review.evidence_reference),
        },
        ResellerEvent::FindNonCompliance { on, reference } => finding(*on, reference),
        ResellerEvent::WithdrawFinding { .. } => ResellerStatus::Active,
        ResellerEvent::StartTermination { on, reason } => ResellerStatus::Terminating {
            started_on: *on,
            reason: reason.clone(),
            clock: current
                .clock()
                .cloned()
                .unwrap_or_else(|| TerminationClock::start(*on, pack)),
        },
        ResellerEvent::CompleteTermination { on } => ResellerStatus::Terminated {
            on: *on,
            downstream: pack.downstream_on_termination,
            late: current.clock().is_some_and(|clock| clock.is_overdue(*on)),
        },
    })
}

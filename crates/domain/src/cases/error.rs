//! Why a case command was refused.

use thiserror::Error;

use crate::role::Role;

use super::id::ActorId;
use super::status::CaseStatus;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CaseError {
    #[error("role `{role}` may not {action}")]
    NotPermitted { role: Role, action: &'static str },
    #[error("cannot {action} a case that is {status}")]
    InvalidTransition {
        action: &'static str,
        status: CaseStatus,
    },
    #[error("a decision awaits approval: approve or reject it before you {action}")]
    DecisionPending { action: &'static str },
    #[error("no decision awaits approval on this case")]
    NoPendingDecision,
    #[error("`{actor}` proposed this decision and cannot also approve it: a second officer must")]
    SelfApproval { actor: ActorId },
    #[error("outcome `reported` needs a filed report on the timeline: record the filing first")]
    ReportNotFiled,
    #[error("a CIP override is not possible here: {0}")]
    OverrideNotAllowed(&'static str),
    #[error("nothing to change: {0}")]
    Unchanged(&'static str),
    #[error("text is empty")]
    EmptyText,
    #[error("text has {chars} characters, more than the {max} allowed")]
    TextTooLong { chars: usize, max: usize },
    #[error("actor id {0}")]
    InvalidActor(String),
    #[error("subject reference {0}")]
    InvalidSubject(String),
    #[error("unknown case kind {0:?}")]
    UnknownKind(String),
    #[error("digest {0:?} is not a SHA-256 digest (64 hexadecimal characters)")]
    InvalidDigest(String),
    #[error(transparent)]
    Deadline(#[from] DeadlineError),
}

/// A due date that cannot be represented: the arithmetic left chrono's date range.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a due date {days} days after {start} is outside the supported date range")]
pub struct DeadlineError {
    pub start: chrono::NaiveDate,
    pub days: u32,
}

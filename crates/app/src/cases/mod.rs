//! Cases (issue 7): every alert lands in one case that an officer works to a decision, on time.
//!
//! Each use case reads the case, asks the domain (`Case::apply`) for the next state, and saves
//! that with the version it read (optimistic concurrency: a concurrent change answers
//! `Conflict`, never a lost update). The domain checks the roles, the transitions and four-eyes;
//! this module checks the coarse permission first (`WorkCases`, `DecideCases` for decisions)
//! and turns the domain's refusals into `Forbidden`, `Conflict` or `Invalid`.
//!
//! - [`raise`]: [`App::raise_case`], what other capabilities call to open a case once per alert,
//!   and [`App::open_case`] for an officer's manual case.
//! - [`work`]: reading, listing and commands.
//! - [`attachments`]: encrypted evidence files.
//! - [`calendar`]: the deadline calendar.
//! - [`deadline_metrics`]: the deadline counts behind `/metrics`, per kind of clock.

pub mod attachments;
pub mod calendar;
mod clocks;
pub mod deadline_metrics;
pub mod raise;
pub mod work;

use cloudkyc_domain::Permission;
use cloudkyc_domain::cases::{Actor, ActorId, CaseError, CaseRules};
use cloudkyc_store::TenantScope;

use crate::{App, AppError, AppResult};

pub use raise::RaisedCase;

impl App {
    /// The pack's case rules (deadlines, four-eyes), read from the active pack.
    pub fn case_rules(&self) -> CaseRules {
        CaseRules::from_pack(self.policy())
    }

    /// Refuses a caller that may not work cases, before an upload's body is looked at.
    pub fn can_work_cases(scope: &TenantScope) -> AppResult<()> {
        Self::require(scope, Permission::WorkCases)
    }
}

/// Who acts on a case: the scope's audit name (`key:<id>`, `system:<job>`, `operator`), so two
/// officers' keys are two actors for four-eyes, and the timeline names what the audit names.
pub(crate) fn actor(scope: &TenantScope) -> Result<Actor, AppError> {
    Ok(Actor {
        id: ActorId::parse(&scope.actor().audit_name()).map_err(case_error)?,
        role: scope.role(),
    })
}

/// A domain refusal as the caller should see it: a role that may not is `Forbidden`, a command
/// that does not fit the case's state is `Conflict`, malformed input is `Invalid`.
pub(crate) fn case_error(e: CaseError) -> AppError {
    let message = e.to_string();
    match e {
        CaseError::NotPermitted { .. } | CaseError::SelfApproval { .. } => {
            AppError::Forbidden(message)
        }
        CaseError::InvalidTransition { .. }
        | CaseError::DecisionPending { .. }
        | CaseError::NoPendingDecision
        | CaseError::ReportNotFiled
        | CaseError::OverrideNotAllowed(_)
        | CaseError::Unchanged(_) => AppError::Conflict(message),
        CaseError::EmptyText | CaseError::TextTooLong { .. } => AppError::invalid("/text", message),
        CaseError::InvalidActor(_) => AppError::invalid("/to", message),
        CaseError::InvalidSubject(_) => AppError::invalid("/subject", message),
        CaseError::UnknownKind(_) => AppError::invalid("/kind", message),
        CaseError::InvalidDigest(_) => AppError::invalid("/sha256", message),
        CaseError::Deadline(_) => AppError::invalid("/knowledge_date", message),
    }
}

#[cfg(test)]
mod clock_tests;
#[cfg(test)]
mod tests;

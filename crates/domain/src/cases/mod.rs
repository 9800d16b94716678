//! Cases: where every alert is worked to a decision, on time.
//!
//! One [`Case`] model serves every [`CaseKind`]. A case changes only through
//! [`Case::apply`], which checks the actor's [`Role`](crate::Role), the transition and the
//! four-eyes rule, and returns the new state with the [`TimelineEntry`]s it appended. Due dates
//! come from the rule pack through [`CaseRules`]; [`calendar`] lays every clock out by date.
//! Pure: no I/O, no clock (`now` and `today` are arguments).

mod apply;
mod calendar;
mod case;
mod deadline;
mod error;
mod id;
mod kind;
mod rules;
mod status;
mod text;
mod timeline;

pub use apply::{Actor, Command};
pub use calendar::{Calendar, CalendarEntry, ClockKind, DatedItem, DueState, calendar};
pub use case::{Case, NewCase, PendingDecision, Transition};
pub use deadline::{
    Holidays, MeasureDates, ai_training_report_due, annual_certification_due, due_date,
    is_business_day, records_production_due, reseller_termination_due, special_measure_dates,
    verification_pending_until,
};
pub use error::{CaseError, DeadlineError};
pub use id::{ActorId, CaseId};
pub use kind::{CaseKind, Priority, Subject, SubjectRef};
pub use rules::CaseRules;
pub use status::{CaseStatus, Outcome};
pub use text::Note;
pub use timeline::{CaseEvent, Decision, Evidence, FiledReport, Sha256Digest, TimelineEntry};

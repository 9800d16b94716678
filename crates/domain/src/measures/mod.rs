//! Special measures: the registry model (target, kind, dates, extensions, lifting), matching
//! of location evidence against jurisdictions, and enforcement planning. Pure: the caller
//! passes the date, the subjects' evidence and the screening engine's person matches.

mod enforcement;
mod evidence;
mod measure;

pub use enforcement::{
    Action, EnforcementPlan, LiftedAction, MatchBasis, PersonMatch, PlannedAction, ReviewItem,
    Stage, Subject, SubjectMatch, SubjectRole, lifted_actions, plan_enforcement,
};
pub use evidence::{EvidenceItem, EvidenceSource, LocationEvidence};
pub use measure::{
    Extension, Lifting, MeasureDraft, MeasureError, MeasureId, MeasureKind, MeasureKindName,
    MeasureProblem, MeasureRecord, MeasureStatus, MeasureTarget, NamedPerson, SpecialMeasure,
};

pub(crate) use measure::add_days;

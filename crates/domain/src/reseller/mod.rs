//! Foreign resellers: identity, CIP agreement, attestations, periodic reviews, and the status
//! machine whose non-compliance finding starts the pack's termination clock. Pure: every event
//! carries its date.

mod clock;
mod model;
mod status;

pub use clock::{Reminder, TerminationClock, due_date};
pub use model::{
    Agreement, AgreementKind, Attestation, DigestError, DocumentDigest, DownstreamDecision,
    Reseller, ResellerDraft, ResellerError, StatusChange,
};
pub use status::{
    EventName, Finding, ResellerEvent, ResellerStatus, Review, ReviewOutcome, StatusName,
    TransitionError, allowed_events, next_status,
};

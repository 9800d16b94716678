//! Continuous screening (issue 4, item 6): the whole portfolio is re-screened on every change of
//! the lists in force, delta-aware (`delta.rs`, run as the paged `screening.rescreen` job in
//! `job.rs`; the parties of stored ownership structures in a second walk, `structures.rs`); a
//! customer change re-screens that customer (`App::redecide` screens again and
//! enqueues the raising of new hits); hits open `screening_hit` cases (`hits.rs`); an officer's
//! "not this entity" decision suppresses a hit until the entity's record changes
//! (`dispositions.rs`).

mod customer;
pub mod delta;
#[cfg(test)]
mod delta_tests;
mod dispositions;
mod hits;
mod job;
#[cfg(test)]
mod structure_tests;
mod structures;
#[cfg(test)]
mod tests;

pub use customer::{CUSTOMER_RESCREEN, customer_queries};
pub use delta::{CANDIDATE_THRESHOLD, DeltaScreen, EntityKey, ListDelta, entity_hash};
pub use dispositions::{DispositionRequest, DispositionView};
pub(crate) use hits::new_hits_job;
pub use hits::{RAISE_HITS_JOB, RaiseHits, RaiseScreeningHits, hit_keys};
pub use job::{
    MAX_PAYLOAD_KEYS, PAGE, RESCREEN_JOB, RescreenPage, RescreenPhase, RescreenPortfolio,
};

//! Ownership structures: parties, dated ownership/control/directorship edges, exact effective
//! ownership through chains and cross-holdings, beneficial owners, aggregate ownership of
//! flagged parties and derived flags. Pure: the caller passes the date of the structure.
//!
//! Build an [`OwnershipGraph`] for a date from [`Party`]s and [`Edge`]s, then ask per customer:
//! [`OwnershipGraph::effective_ownership`], [`OwnershipGraph::beneficial_owners`],
//! [`OwnershipGraph::aggregate_ownership`] and [`OwnershipGraph::derived_flags`].

mod beneficial;
mod edge;
mod effective;
mod flags;
mod graph;
mod party;
mod paths;
mod scc;
mod share;
mod solve;

pub use beneficial::{
    BeneficialOwner, BeneficialOwnerRule, BeneficialOwnership, ControlLink, ControlVia,
};
pub use edge::{Edge, Relation};
pub use effective::{EffectiveOwnership, HolderStake, OwnershipError};
pub use flags::{
    AggregateOwnership, AttributedShare, DerivedFlag, DerivedFlags, FlagKind, PartyFlag,
};
pub use graph::{GraphError, GraphProblem, OwnerShare, OwnershipGraph};
pub use party::{Party, PartyKind, PartyRef, ReferenceError};
pub use paths::{LinkPath, MAX_PATHS};
pub use share::{Share, ShareError};

pub(crate) use party::check_reference;

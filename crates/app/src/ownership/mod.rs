//! Ownership structures (issue 6, items 1-5): a customer's chain of holding companies and the
//! individuals above it, submitted in one request and stored whole; effective ownership through
//! every path (the exact math of `cloudkyc_domain::ownership`); the computed beneficial owners
//! become the customer's beneficial owners through the owner-change path, so determination,
//! verification and screening run again; and a screening hit on any party of the structure, at
//! any depth, is raised on the customer with the ownership path that links it.
//!
//! The customer itself is the party `customer` ([`CUSTOMER_REF`]): edges name it so, and it is
//! never listed among the parties.

mod compute;
mod derived;
mod submit;
#[cfg(test)]
mod tests;
mod validate;

use chrono::NaiveDate;
use cloudkyc_domain::cip::BeneficialOwnerDraft;
use cloudkyc_domain::ownership::PartyKind;
use cloudkyc_domain::rule_pack::ControlKind;
use serde::{Deserialize, Serialize};

pub use compute::{
    ComputedOwner, EdgeView, Evaluation, HolderView, OwnershipView, PartyView, evaluate,
};
pub(crate) use derived::request as party_request;
pub use derived::{AggregateView, DerivedHit, OwnershipEvidence};
pub use submit::OwnershipSubmitted;
pub use validate::{MAX_EDGES, MAX_PARTIES};

/// The reference edges use for the customer itself.
pub const CUSTOMER_REF: &str = "customer";

/// A structure as submitted: every party above the customer and every edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StructureDraft {
    /// The version the submitter read (0: none yet). Without it the write is based on the
    /// version stored when the request is handled.
    #[serde(default)]
    pub expected_version: Option<u32>,
    pub parties: Vec<PartyDraft>,
    pub edges: Vec<EdgeDraft>,
}

/// A party: an entity with its name and jurisdiction, or an individual with the identifying
/// data onboarding takes for a beneficial owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyDraft {
    /// The submitter's reference for the party (a register number, its own id), 1 to 128
    /// characters, unique in the structure; `customer` is reserved.
    pub id: String,
    pub kind: PartyKind,
    /// An entity's registered name (an individual's is `person.name`).
    #[serde(default)]
    pub name: Option<String>,
    /// An entity's country of organisation (ISO 3166-1 alpha-2).
    #[serde(default)]
    pub jurisdiction: Option<String>,
    /// An individual's identifying data, without `ownership_percent` and `control` (computed).
    #[serde(default)]
    pub person: Option<BeneficialOwnerDraft>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeType {
    Ownership,
    Control,
    Directorship,
}

/// A percentage as a JSON number (`60`, `33.3333`) or a string (`"33.3333"`, `"100/3"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PercentDraft {
    Number(f64),
    Text(String),
}

/// `from` owns, controls or directs `to` (an entity, or `customer`) on `[valid_from,
/// valid_until)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EdgeDraft {
    pub from: String,
    pub to: String,
    #[serde(rename = "type")]
    pub kind: EdgeType,
    /// Ownership: the share of `to` held directly, 0 < percent <= 100.
    #[serde(default)]
    pub percent: Option<PercentDraft>,
    /// Control: its kind.
    #[serde(default)]
    pub control: Option<ControlKind>,
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    /// The first day the relation no longer holds.
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
}

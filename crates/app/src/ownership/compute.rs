//! The computed side of a structure: beneficial owners under the pack's rule with every path as
//! the explanation, every ultimate holder's effective share, and the owner list the customer's
//! record receives.

use chrono::{DateTime, NaiveDate, Utc};
use cloudkyc_domain::cip::BeneficialOwnerDraft;
use cloudkyc_domain::ownership::{
    BeneficialOwnerRule, BeneficialOwnership, ControlVia, Edge, HolderStake, OwnershipGraph,
    PartyKind, Relation, Share,
};
use cloudkyc_domain::rule_pack::{ControlKind, RulePack};
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::ownership::{OwnershipStructure, StoredOwnership};
use serde::Serialize;

use super::derived::{AggregateView, DerivedHit};
use super::validate::customer_ref;
use crate::{AppError, AppResult};

/// Decimals of the percentages shown (the exact share is shown beside them).
const DECIMALS: u32 = 6;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartyView {
    pub id: String,
    pub kind: PartyKind,
    pub name: String,
    pub jurisdiction: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgeView {
    pub from: String,
    pub to: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Ownership: the percentage, rounded for reading.
    pub percent: Option<String>,
    /// Ownership: the exact share as a fraction of one (`"1/3"`).
    pub share: Option<String>,
    pub control: Option<ControlKind>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

/// An ultimate holder (an individual, or an entity whose owners are not recorded).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HolderView {
    pub party: String,
    pub kind: PartyKind,
    pub name: String,
    pub effective_percent: String,
    pub effective_share: String,
    /// Every simple ownership path, holder first, with its product.
    pub paths: Vec<String>,
    /// With cross-holdings: how much going round the loops adds to the simple paths.
    pub cycle_factor: Option<String>,
}

/// A beneficial owner computed under the pack's rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComputedOwner {
    pub party: String,
    pub name: String,
    pub effective_percent: String,
    pub effective_share: String,
    pub by_ownership: bool,
    pub by_control: bool,
    /// The reason in words.
    pub basis: String,
    pub paths: Vec<String>,
}

/// A customer's structure with everything computed from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OwnershipView {
    pub customer: CustomerId,
    pub version: u32,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    /// The date the structure was evaluated on (edges valid that day).
    pub as_of: NaiveDate,
    pub threshold_percent: String,
    pub parties: Vec<PartyView>,
    pub edges: Vec<EdgeView>,
    pub beneficial_owners: Vec<ComputedOwner>,
    pub holders: Vec<HolderView>,
    /// The part of the customer held through capital whose owners were not recorded.
    pub unrecorded_percent: String,
    pub cross_holdings: Vec<Vec<String>>,
    /// False when the path search hit its budget; the shares are exact regardless.
    pub paths_complete: bool,
    pub derived_hits: Vec<DerivedHit>,
    pub aggregate: Option<AggregateView>,
}

/// What a structure yields on a date under a pack: the structure as a checked graph (the
/// customer included), its beneficial owners with the whole effective-ownership computation,
/// and the owner list the customer's record receives. Pure: submissions and reads use it, and
/// so does `examples/ownership_bench.rs`.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub graph: OwnershipGraph,
    pub owners: BeneficialOwnership,
    pub drafts: Vec<BeneficialOwnerDraft>,
}

/// Evaluates `structure` on `as_of` (see [`Evaluation`]); a structure that does not hold
/// together on that date is `Invalid` with every problem.
pub fn evaluate(
    pack: &RulePack,
    structure: &OwnershipStructure,
    as_of: NaiveDate,
) -> AppResult<Evaluation> {
    let graph = super::validate::graph(structure, as_of)?;
    let owners = beneficial_owners(&graph, &rule(pack)?)?;
    let drafts = owner_drafts(structure, &owners)?;
    Ok(Evaluation {
        graph,
        owners,
        drafts,
    })
}

pub(super) fn rule(pack: &RulePack) -> AppResult<BeneficialOwnerRule> {
    BeneficialOwnerRule::from_terms(pack.terms())
        .map_err(|e| AppError::Internal(format!("the pack's ownership threshold: {e}")))
}

pub(super) fn beneficial_owners(
    graph: &OwnershipGraph,
    rule: &BeneficialOwnerRule,
) -> AppResult<BeneficialOwnership> {
    graph
        .beneficial_owners(&customer_ref(), rule)
        .map_err(|e| AppError::Internal(format!("ownership of a checked structure: {e}")))
}

fn name_of(structure: &OwnershipStructure, party: &str) -> String {
    structure
        .parties
        .iter()
        .find(|p| p.reference.as_str() == party)
        .map_or_else(|| party.to_owned(), |p| p.name.clone())
}

fn percent(share: &Share) -> String {
    share.percent_string(DECIMALS)
}

/// The customer's new beneficial-owner list, in the form an owner change notice takes: each
/// computed owner's identifying data with its effective percentage and its control.
pub(super) fn owner_drafts(
    structure: &OwnershipStructure,
    owners: &BeneficialOwnership,
) -> AppResult<Vec<BeneficialOwnerDraft>> {
    owners
        .owners
        .iter()
        .map(|owner| {
            let party = structure
                .parties
                .iter()
                .find(|p| p.reference == owner.individual)
                .and_then(|p| p.person.as_ref())
                .ok_or_else(|| {
                    AppError::Internal(format!("owner {} has no person data", owner.individual))
                })?;
            let mut draft = party.clone();
            // Rounded to four decimals for the owner record; the exact share stays computable
            // from the stored structure. A share that rounds to nothing is a control owner's.
            let rounded = (owner.effective_share.to_f64() * 1e6).round() / 1e4;
            draft.ownership_percent = (rounded > 0.0).then_some(rounded.min(100.0));
            draft.control = owner.control_chain.as_ref().map(|chain| {
                chain
                    .iter()
                    .find_map(|link| match &link.via {
                        ControlVia::Control { kind } => Some(kind.to_string()),
                        ControlVia::MajorityOwnership { .. } => None,
                    })
                    .unwrap_or_else(|| "majority ownership".to_owned())
            });
            Ok(draft)
        })
        .collect()
}

fn edge_view(edge: &Edge) -> EdgeView {
    let (kind, share, control) = match &edge.relation {
        Relation::Ownership { share } => ("ownership", Some(share), None),
        Relation::Control { kind } => ("control", None, Some(*kind)),
        Relation::Directorship => ("directorship", None, None),
    };
    EdgeView {
        from: edge.from.to_string(),
        to: edge.to.to_string(),
        kind,
        percent: share.map(percent),
        share: share.map(Share::ratio_string),
        control,
        valid_from: edge.valid_from,
        valid_until: edge.valid_until,
    }
}

fn holder_view(structure: &OwnershipStructure, stake: &HolderStake, kind: PartyKind) -> HolderView {
    HolderView {
        party: stake.holder.to_string(),
        kind,
        name: name_of(structure, stake.holder.as_str()),
        effective_percent: percent(&stake.share),
        effective_share: stake.share.ratio_string(),
        paths: stake.paths.iter().map(|p| p.describe()).collect(),
        cycle_factor: stake.cycle_factor.as_ref().map(Share::ratio_string),
    }
}

/// The view of a stored structure and what was computed from it.
pub(super) fn view(
    stored: &StoredOwnership,
    owners: &BeneficialOwnership,
    derived_hits: Vec<DerivedHit>,
    aggregate: Option<AggregateView>,
) -> OwnershipView {
    let structure = &stored.structure;
    let effective = &owners.effective;
    let holders = effective
        .individuals
        .iter()
        .map(|s| holder_view(structure, s, PartyKind::Individual))
        .chain(
            effective
                .ownerless_entities
                .iter()
                .map(|s| holder_view(structure, s, PartyKind::Entity)),
        )
        .collect();
    OwnershipView {
        customer: stored.customer,
        version: stored.version,
        updated_at: stored.updated_at,
        updated_by: stored.updated_by.clone(),
        as_of: owners.as_of,
        threshold_percent: percent(&owners.rule.threshold),
        parties: structure
            .parties
            .iter()
            .map(|p| PartyView {
                id: p.reference.to_string(),
                kind: p.kind,
                name: p.name.clone(),
                jurisdiction: p.jurisdiction.clone(),
            })
            .collect(),
        edges: structure.edges.iter().map(edge_view).collect(),
        beneficial_owners: owners
            .owners
            .iter()
            .map(|o| ComputedOwner {
                party: o.individual.to_string(),
                name: name_of(structure, o.individual.as_str()),
                effective_percent: percent(&o.effective_share),
                effective_share: o.effective_share.ratio_string(),
                by_ownership: o.by_ownership,
                by_control: o.control_chain.is_some(),
                basis: o.basis(),
                paths: o.ownership_paths.iter().map(|p| p.describe()).collect(),
            })
            .collect(),
        holders,
        unrecorded_percent: percent(&effective.unrecorded),
        cross_holdings: effective
            .cross_holdings
            .iter()
            .map(|group| group.iter().map(ToString::to_string).collect())
            .collect(),
        paths_complete: effective.paths_complete,
        derived_hits,
        aggregate,
    }
}

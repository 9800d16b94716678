//! Derived hits: every party of a structure is screened, and a hit on one that is linked to the
//! customer by any chain of ownership, control or directorship is raised on the customer with
//! those chains. The pack's aggregate rule (entities owned at least `listed_aggregate_ownership
//! _percent` in aggregate by listed parties are treated as listed) is applied to the parties
//! with hits.
//!
//! The computed beneficial owners are screened as the customer's own owners by the customer's
//! screening; their hits count towards the aggregate but are not raised a second time here.

use cloudkyc_domain::ownership::{
    BeneficialOwnership, FlagKind, OwnershipGraph, PartyFlag, PartyKind, PartyRef, Share,
};
use cloudkyc_domain::rule_pack::RulePack;
use cloudkyc_screening::{Hit, Index, Schema};
use cloudkyc_store::ownership::{OwnershipParty, OwnershipStructure};
use serde::Serialize;

use super::validate::customer_ref;
use crate::customers::{ScreenedSubject, SubjectHit};
use crate::screening::{ScreenRequest, screen};
use crate::{AppError, AppResult};

/// Hits kept per screened party.
const HITS_PER_PARTY: usize = 5;

/// A hit on a party of the structure, raised on the customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DerivedHit {
    pub party: String,
    pub kind: PartyKind,
    /// The name that was screened.
    pub name: String,
    pub threshold: f64,
    pub hit: Hit,
    /// The party's effective ownership of the customer (zero when linked by control or
    /// directorship only).
    pub effective_percent: String,
    /// Every chain from the party to the customer.
    pub paths: Vec<String>,
}

/// The share of the customer held in aggregate by parties with hits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AggregateView {
    pub total_percent: String,
    pub threshold_percent: String,
    /// The customer is treated as listed.
    pub meets: bool,
    /// Each listed holder and the part attributed to it.
    pub holders: Vec<(String, String)>,
}

/// What the structure adds to a decision about its customer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OwnershipEvidence {
    /// Hits on parties of the structure, with their ownership paths.
    pub hits: Vec<SubjectHit>,
    /// Sentences for the decision reasons (the aggregate rule).
    pub reasons: Vec<String>,
}

/// How a party is screened (continuous screening tests the same names against a list change).
pub(crate) fn request(party: &OwnershipParty) -> ScreenRequest {
    match (&party.kind, &party.person) {
        (PartyKind::Individual, Some(person)) => ScreenRequest {
            name: party.name.clone(),
            schema: Some(Schema::Person),
            country: person.nationalities.first().cloned(),
            date_of_birth: person.date_of_birth.clone(),
            limit: HITS_PER_PARTY,
        },
        _ => ScreenRequest {
            name: party.name.clone(),
            schema: Some(Schema::Organization),
            country: party.jurisdiction.clone(),
            date_of_birth: None,
            limit: HITS_PER_PARTY,
        },
    }
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("ownership of a checked structure: {e}"))
}

/// Screens every party and raises the hits of those linked to the customer; applies the
/// aggregate rule.
pub(super) fn derive(
    pack: &RulePack,
    index: &Index,
    structure: &OwnershipStructure,
    graph: &OwnershipGraph,
    owners: &BeneficialOwnership,
) -> AppResult<(Vec<DerivedHit>, Option<AggregateView>)> {
    let customer = customer_ref();
    // One flag per hit; its reference is the position in `found`.
    let mut found: Vec<(&OwnershipParty, f64, Hit)> = Vec::new();
    for party in &structure.parties {
        let result = screen(pack, index, &request(party))?;
        found.extend(
            result
                .hits
                .into_iter()
                .map(|hit| (party, result.threshold, hit)),
        );
    }
    if found.is_empty() {
        return Ok((Vec::new(), None));
    }
    let is_owner = |party: &PartyRef| owners.owners.iter().any(|o| &o.individual == party);
    let flags: Vec<PartyFlag> = found
        .iter()
        .enumerate()
        .filter(|(_, (party, _, _))| !is_owner(&party.reference))
        .map(|(i, (party, _, _))| PartyFlag {
            party: party.reference.clone(),
            kind: FlagKind::ScreeningHit,
            reference: i.to_string(),
        })
        .collect();
    let derived = graph
        .derived_flags(&customer, &flags)
        .map_err(internal)?
        .flags
        .into_iter()
        .filter_map(|flag| {
            let (party, threshold, hit) = found.get(flag.flag.reference.parse::<usize>().ok()?)?;
            Some(DerivedHit {
                party: party.reference.to_string(),
                kind: party.kind,
                name: party.name.clone(),
                threshold: *threshold,
                hit: hit.clone(),
                effective_percent: flag.effective_share.percent_string(6),
                paths: flag.paths.iter().map(|p| p.describe()).collect(),
            })
        })
        .collect();
    let mut listed: Vec<PartyRef> = found.iter().map(|(p, _, _)| p.reference.clone()).collect();
    listed.sort();
    listed.dedup();
    let aggregate = graph
        .aggregate_ownership(&customer, &listed)
        .map_err(internal)?;
    let threshold = Share::from_pack_percent(pack.terms().listed_aggregate_ownership_percent)
        .map_err(|e| AppError::Internal(format!("the pack's aggregate threshold: {e}")))?;
    let view = AggregateView {
        total_percent: aggregate.total.percent_string(6),
        threshold_percent: threshold.percent_string(6),
        meets: aggregate.meets(&threshold),
        holders: aggregate
            .holders
            .iter()
            .map(|h| (h.holder.to_string(), h.share.percent_string(6)))
            .collect(),
    };
    Ok((derived, Some(view)))
}

/// The derived hits and the aggregate rule as decision evidence.
pub(super) fn evidence(
    hits: &[DerivedHit],
    aggregate: Option<&AggregateView>,
) -> OwnershipEvidence {
    let mut reasons = Vec::new();
    if let Some(aggregate) = aggregate.filter(|a| a.meets) {
        reasons.push(format!(
            "ownership: parties with screening hits own {} % of the customer in aggregate \
             (the pack treats {} % or more as listed); account access restricted pending review",
            aggregate.total_percent, aggregate.threshold_percent
        ));
    }
    OwnershipEvidence {
        hits: hits
            .iter()
            .map(|h| SubjectHit {
                subject: ScreenedSubject::OwnershipParty,
                subject_name: h.name.clone(),
                threshold: h.threshold,
                hit: h.hit.clone(),
                ownership_paths: h.paths.clone(),
            })
            .collect(),
        reasons,
    }
}

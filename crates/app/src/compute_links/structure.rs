//! What a customer's ownership structure (issue 6) lets its accounts share: a holding company
//! that owns at least the pack's beneficial-ownership share of the customer through any chain,
//! or controls it directly (`ParentEntity`), and an ultimate beneficial owner computed through
//! the chain (`BeneficialOwner`, the same key as an owner listed on the record, so a customer
//! with a structure links with one without). The evidence of each key is the ownership path.
//!
//! A path is written with entity names and `owner` for the individual: the evidence is shown to
//! every officer of the case, and an individual's name never enters it (the fingerprint does).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use cloudkyc_compute::LinkKind;
use cloudkyc_domain::ownership::{OwnershipGraph, PartyRef, Relation, Share};
use cloudkyc_domain::rule_pack::RulePack;
use cloudkyc_screening::model::Schema;
use cloudkyc_screening::normalize_name;
use cloudkyc_store::ownership::StoredOwnership;

use super::keys::{Fingerprint, LinkKey, keyed, person_value};
use crate::ownership::{CUSTOMER_REF, evaluate};

/// Paths followed upward from the customer before the search stops (a structure has at most
/// a few hundred parties; this bounds pathological cross-holdings).
const MAX_PATHS: usize = 10_000;

/// What the structure gives the compute monitor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StructureFacts {
    pub keys: Vec<LinkKey>,
    /// Part of the customer at or above the ownership threshold ends in capital whose owners are
    /// not recorded, or in an entity whose owners are not: nobody can verify that owner (K1).
    pub unidentified_owner: bool,
}

/// The structure's keys for `accounts` and whether an owner stays unidentified, evaluated on
/// `as_of` under `pack`. A structure that no longer holds together on that date gives nothing
/// (its read path reports why).
pub fn structure_facts(
    stored: &StoredOwnership,
    accounts: &[String],
    pack: &RulePack,
    fp: &dyn Fingerprint,
    as_of: NaiveDate,
) -> StructureFacts {
    let Ok(evaluation) = evaluate(pack, &stored.structure, as_of) else {
        return StructureFacts::default();
    };
    let threshold = &evaluation.owners.rule.threshold;
    let effective = &evaluation.owners.effective;
    let unidentified_owner = effective.unrecorded.at_least(threshold)
        || effective
            .ownerless_entities
            .iter()
            .any(|s| s.share.at_least(threshold));
    let names = |party: &PartyRef| party_label(stored, party);
    let mut keys = Vec::new();
    for (entity, (share, path)) in holding_companies(&evaluation.graph) {
        let Some(party) = stored
            .structure
            .parties
            .iter()
            .find(|p| p.reference == entity)
        else {
            continue;
        };
        let directly_controls = stored.structure.edges.iter().any(|e| {
            e.from == entity
                && e.to.as_str() == CUSTOMER_REF
                && e.is_valid_on(as_of)
                && matches!(e.relation, Relation::Control { .. })
        });
        if !share.at_least(threshold) && !directly_controls {
            continue;
        }
        let normalised = normalize_name(&party.name, Schema::Organization).text();
        let (Some(country), false) = (&party.jurisdiction, normalised.trim().is_empty()) else {
            continue;
        };
        let value = format!("{}|{}", normalised.trim(), country.to_uppercase());
        let what = format!(
            "shared holding company {} ({country}), {} of the customer: {}",
            party.name,
            share,
            describe(&path, &names)
        );
        keys.extend(keyed(
            fp,
            accounts,
            "compute.holding",
            &value,
            LinkKind::ParentEntity,
            &what,
        ));
    }
    for owner in &evaluation.owners.owners {
        let Some(value) = structure_person(stored, &owner.individual) else {
            continue;
        };
        let path = owner
            .ownership_paths
            .first()
            .map(|p| describe_parties(&p.parties, &p.relations, &names));
        let what = match path {
            Some(path) => format!(
                "shared ultimate beneficial owner (same normalised name and date of birth), \
                 {} of the customer: {path}",
                owner.effective_share
            ),
            None => "shared ultimate beneficial owner (same normalised name and date of birth), \
                     by control"
                .to_owned(),
        };
        keys.extend(keyed(
            fp,
            accounts,
            "compute.owner",
            &value,
            LinkKind::BeneficialOwner,
            &what,
        ));
    }
    StructureFacts {
        keys,
        unidentified_owner,
    }
}

/// The owner key value of a structure's individual: name + date of birth as the record's
/// owners are keyed (`keys::person_value`).
fn structure_person(stored: &StoredOwnership, party: &PartyRef) -> Option<String> {
    let person = stored
        .structure
        .parties
        .iter()
        .find(|p| &p.reference == party)?
        .person
        .as_ref()?;
    let born =
        NaiveDate::parse_from_str(person.date_of_birth.as_deref()?.trim(), "%Y-%m-%d").ok()?;
    Some(person_value(&person.name.full, born))
}

fn party_label(stored: &StoredOwnership, party: &PartyRef) -> String {
    if party.as_str() == CUSTOMER_REF {
        return "customer".to_owned();
    }
    match stored
        .structure
        .parties
        .iter()
        .find(|p| &p.reference == party)
    {
        Some(p)
            if p.person.is_none() && p.kind == cloudkyc_domain::ownership::PartyKind::Entity =>
        {
            p.name.clone()
        }
        _ => "owner".to_owned(),
    }
}

/// One chain upward from the customer: the parties (customer first) and the shares between.
#[derive(Debug, Clone)]
struct Chain {
    parties: Vec<PartyRef>,
    shares: Vec<Share>,
}

/// Every entity above the customer with its effective share summed over simple ownership
/// paths, and the path that gives it the most.
fn holding_companies(graph: &OwnershipGraph) -> BTreeMap<PartyRef, (Share, Chain)> {
    let mut out: BTreeMap<PartyRef, (Share, Chain)> = BTreeMap::new();
    let Ok(customer) = PartyRef::new(CUSTOMER_REF) else {
        return out;
    };
    let mut stack = vec![(
        Chain {
            parties: vec![customer],
            shares: Vec::new(),
        },
        Share::one(),
    )];
    let mut followed = 0;
    while let Some((chain, product)) = stack.pop() {
        let Some(top) = chain.parties.last() else {
            continue;
        };
        for owner in graph.direct_owners(top) {
            followed += 1;
            if followed > MAX_PATHS || chain.parties.contains(&owner.owner) {
                continue;
            }
            let share = product.mul(&owner.share);
            let mut next = chain.clone();
            next.parties.push(owner.owner.clone());
            next.shares.push(owner.share.clone());
            let is_entity = graph
                .party(&owner.owner)
                .is_some_and(|p| !p.is_individual());
            if is_entity {
                let entry = out
                    .entry(owner.owner.clone())
                    .or_insert_with(|| (Share::zero(), next.clone()));
                let best = entry.1.shares.iter().fold(Share::one(), |p, s| p.mul(s));
                if !best.at_least(&share) {
                    entry.1 = next.clone();
                }
                entry.0 = entry.0.add(&share);
                stack.push((next, share));
            }
        }
    }
    out
}

/// `Holdco -[owns 60 %]-> Midco -[owns 100 %]-> customer`, holder first.
fn describe(chain: &Chain, names: &dyn Fn(&PartyRef) -> String) -> String {
    let mut text = String::new();
    for (i, party) in chain.parties.iter().enumerate().rev() {
        text.push_str(&names(party));
        if i > 0
            && let Some(share) = chain.shares.get(i - 1)
        {
            text.push_str(&format!(" -[owns {share}]-> "));
        }
    }
    text
}

/// A domain path (holder first) in the same words.
fn describe_parties(
    parties: &[PartyRef],
    relations: &[Relation],
    names: &dyn Fn(&PartyRef) -> String,
) -> String {
    let mut text = String::new();
    for (i, party) in parties.iter().enumerate() {
        if i > 0
            && let Some(relation) = relations.get(i - 1)
        {
            text.push_str(&format!(" -[{relation}]-> "));
        }
        text.push_str(&names(party));
    }
    text
}

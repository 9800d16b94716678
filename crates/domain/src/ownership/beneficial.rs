//! Beneficial owners: individuals at or above the ownership threshold, or with substantial
//! control.
//!
//! Control is defined here (the proposal names the concept, not the mechanics): a party
//! *controls* an entity when it holds a control edge of a kind the pack lists as substantial,
//! or directly owns more than half of it. An individual has substantial control over the
//! customer when a chain of such links runs from the individual to the customer: a direct
//! control edge on the customer, or control of an entity that controls the customer, to any
//! depth. A 60 % holding company with a management agreement therefore passes its control on
//! to whoever controls the holding company, while a 40 % stake does not. Directorship alone is
//! not control (see [`Relation::Directorship`](super::Relation::Directorship)).

use std::collections::{HashMap, VecDeque};

use rustc_hash::FxHashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::effective::{EffectiveOwnership, OwnershipError};
use super::graph::OwnershipGraph;
use super::party::PartyRef;
use super::paths::LinkPath;
use super::share::{Share, ShareError};
use crate::rule_pack::{ControlKind, Terms};

/// The pack's definition of a beneficial owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeneficialOwnerRule {
    /// Effective ownership at or above this makes a beneficial owner (25 % in the 2024
    /// proposal: exactly 25 % qualifies).
    pub threshold: Share,
    /// Control edges of these kinds are substantial control.
    pub substantial_control: Vec<ControlKind>,
}

impl BeneficialOwnerRule {
    pub fn from_terms(terms: &Terms) -> Result<Self, ShareError> {
        Ok(Self {
            threshold: Share::from_pack_percent(terms.beneficial_ownership_percent)?,
            substantial_control: terms.substantial_control.clone(),
        })
    }
}

/// How one party controls the next on a control chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "via", rename_all = "snake_case")]
pub enum ControlVia {
    Control {
        kind: ControlKind,
    },
    /// A direct holding of more than half.
    MajorityOwnership {
        share: Share,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlLink {
    pub from: PartyRef,
    pub to: PartyRef,
    #[serde(flatten)]
    pub via: ControlVia,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeneficialOwner {
    pub individual: PartyRef,
    /// Zero for an owner by control alone.
    pub effective_share: Share,
    /// The effective share reaches the threshold.
    pub by_ownership: bool,
    /// The shortest control chain from the individual to the customer, when there is one.
    pub control_chain: Option<Vec<ControlLink>>,
    /// The ownership paths behind `effective_share`.
    pub ownership_paths: Vec<LinkPath>,
}

impl BeneficialOwner {
    /// The reason in words, for the case file.
    pub fn basis(&self) -> String {
        let mut reasons = Vec::new();
        if self.by_ownership {
            reasons.push(format!(
                "owns {} of the customer directly or indirectly",
                self.effective_share
            ));
        }
        if let Some(chain) = &self.control_chain {
            let links: Vec<String> = chain
                .iter()
                .map(|link| match &link.via {
                    ControlVia::Control { kind } => {
                        format!("{} has {kind} control of {}", link.from, link.to)
                    }
                    ControlVia::MajorityOwnership { share } => {
                        format!("{} owns {share} of {}", link.from, link.to)
                    }
                })
                .collect();
            reasons.push(format!("substantial control: {}", links.join(", ")));
        }
        reasons.join("; ")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeneficialOwnership {
    pub customer: PartyRef,
    pub as_of: NaiveDate,
    pub rule: BeneficialOwnerRule,
    /// Largest effective share first, then by reference.
    pub owners: Vec<BeneficialOwner>,
    /// The full computation the owners were taken from.
    pub effective: EffectiveOwnership,
}

impl OwnershipGraph {
    pub fn beneficial_owners(
        &self,
        customer: &PartyRef,
        rule: &BeneficialOwnerRule,
    ) -> Result<BeneficialOwnership, OwnershipError> {
        let node = self.entity_node(customer)?;
        let effective = self.effective_ownership(customer)?;
        let mut chains = self.control_chains(node, rule);
        let mut owners = Vec::new();
        for stake in &effective.individuals {
            let by_ownership = stake.share.at_least(&rule.threshold);
            let control_chain = chains.remove(&stake.holder);
            if by_ownership || control_chain.is_some() {
                owners.push(BeneficialOwner {
                    individual: stake.holder.clone(),
                    effective_share: stake.share.clone(),
                    by_ownership,
                    control_chain,
                    ownership_paths: stake.paths.clone(),
                });
            }
        }
        // Individuals who control without holding anything.
        let mut control_only: Vec<(PartyRef, Vec<ControlLink>)> = chains.into_iter().collect();
        control_only.sort_by(|a, b| a.0.cmp(&b.0));
        owners.extend(
            control_only
                .into_iter()
                .map(|(individual, chain)| BeneficialOwner {
                    individual,
                    effective_share: Share::zero(),
                    by_ownership: false,
                    control_chain: Some(chain),
                    ownership_paths: Vec::new(),
                }),
        );
        Ok(BeneficialOwnership {
            customer: customer.clone(),
            as_of: self.as_of(),
            rule: rule.clone(),
            owners,
            effective,
        })
    }

    /// The shortest control chain from each controlling individual to `customer`, found
    /// breadth-first up the control links.
    fn control_chains(
        &self,
        customer: usize,
        rule: &BeneficialOwnerRule,
    ) -> HashMap<PartyRef, Vec<ControlLink>> {
        let half = Share::from_ratio(1, 2).unwrap_or_else(|_| Share::one());
        // For each reached party: the party it controls next on the way down and how.
        let mut next: FxHashMap<usize, (usize, ControlVia)> = FxHashMap::default();
        let mut queue = VecDeque::from([customer]);
        while let Some(v) = queue.pop_front() {
            let mut controllers: Vec<(usize, ControlVia)> = self
                .controllers_of(v)
                .iter()
                .filter(|(_, kind)| rule.substantial_control.contains(kind))
                .map(|&(party, kind)| (party, ControlVia::Control { kind }))
                .collect();
            controllers.extend(
                self.owners_of(v)
                    .iter()
                    .filter(|h| h.share.at_least(&half) && h.share != half)
                    .map(|h| {
                        (
                            h.party,
                            ControlVia::MajorityOwnership {
                                share: h.share.clone(),
                            },
                        )
                    }),
            );
            for (controller, via) in controllers {
                if controller == customer || next.contains_key(&controller) {
                    continue;
                }
                next.insert(controller, (v, via));
                if !self.is_individual(controller) {
                    queue.push_back(controller);
                }
            }
        }
        let mut chains = HashMap::new();
        for &start in next.keys() {
            if !self.is_individual(start) {
                continue;
            }
            let mut chain = Vec::new();
            let mut at = start;
            while let Some((down, via)) = next.get(&at) {
                chain.push(ControlLink {
                    from: self.reference(at).clone(),
                    to: self.reference(*down).clone(),
                    via: via.clone(),
                });
                if *down == customer {
                    break;
                }
                at = *down;
            }
            chains.insert(self.reference(start).clone(), chain);
        }
        chains
    }
}

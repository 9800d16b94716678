//! Flags on parties anywhere in a structure, raised on the customer: derived hits, and the
//! aggregate ownership of listed parties (the "50 % rule").

use std::collections::VecDeque;

use rustc_hash::FxHashSet as HashSet;

use serde::{Deserialize, Serialize};

use super::effective::OwnershipError;
use super::graph::OwnershipGraph;
use super::party::PartyRef;
use super::paths::{Follow, LinkPath, simple_paths};
use super::share::Share;
use super::solve::walk_sums;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    /// A restricted-party screening match.
    ScreeningHit,
    /// A special measure names the party or its jurisdiction.
    SpecialMeasure,
    Other,
}

/// Something the caller knows about a party: `reference` is its own id for the fact (a
/// screening match id, a measure id).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PartyFlag {
    pub party: PartyRef,
    pub kind: FlagKind,
    pub reference: String,
}

/// A flag on an owner, controller or director at any depth, raised on the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DerivedFlag {
    pub flag: PartyFlag,
    /// The flagged party's effective ownership of the customer (zero when it is linked by
    /// control or directorship only).
    pub effective_share: Share,
    /// Every simple chain of relations (ownership, control, directorship) from the flagged
    /// party to the customer.
    pub paths: Vec<LinkPath>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DerivedFlags {
    pub customer: PartyRef,
    /// In the order of the flags given. A flag on the customer itself is not derived and is
    /// left out; so are flags on parties with no chain up to the customer.
    pub flags: Vec<DerivedFlag>,
    /// False when the path search hit its budget: every linked flag is still listed.
    pub paths_complete: bool,
}

/// The share of a customer held by flagged parties together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggregateOwnership {
    pub customer: PartyRef,
    pub total: Share,
    /// Each flagged holder and the part of the customer attributed to it.
    pub holders: Vec<AttributedShare>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributedShare {
    pub holder: PartyRef,
    pub share: Share,
}

impl AggregateOwnership {
    /// Whether the flagged parties together hold at least `threshold` (for the pack's
    /// `listed_aggregate_ownership_percent`, 50 % by default).
    pub fn meets(&self, threshold: &Share) -> bool {
        self.total.at_least(threshold)
    }
}

impl OwnershipGraph {
    /// The effective share of `customer` held by the `flagged` parties together.
    ///
    /// Each part of the customer's capital is attributed to the flagged holder nearest to the
    /// customer on its chain, so a flagged parent and its flagged subsidiary are never counted
    /// twice, and the total never exceeds one. Shares are multiplied through unflagged
    /// entities too: a flagged party owning 60 % of an entity that owns 100 % of the customer
    /// counts 60 %. Parties not in the structure hold nothing.
    pub fn aggregate_ownership(
        &self,
        customer: &PartyRef,
        flagged: &[PartyRef],
    ) -> Result<AggregateOwnership, OwnershipError> {
        let node = self.entity_node(customer)?;
        if flagged.contains(customer) {
            return Ok(AggregateOwnership {
                customer: customer.clone(),
                total: Share::one(),
                holders: vec![AttributedShare {
                    holder: customer.clone(),
                    share: Share::one(),
                }],
            });
        }
        let flagged_nodes: HashSet<usize> = flagged
            .iter()
            .filter_map(|party| self.node(party))
            .collect();
        let sums = walk_sums(self, node, &|v| !flagged_nodes.contains(&v))
            .ok_or_else(|| OwnershipError::Unsolvable(customer.clone()))?;
        let mut holders: Vec<AttributedShare> = sums
            .values
            .iter()
            .filter(|(v, share)| flagged_nodes.contains(v) && !share.is_zero())
            .map(|(&v, share)| AttributedShare {
                holder: self.reference(v).clone(),
                share: share.clone(),
            })
            .collect();
        holders.sort_by(|a, b| b.share.cmp(&a.share).then_with(|| a.holder.cmp(&b.holder)));
        Ok(AggregateOwnership {
            customer: customer.clone(),
            total: Share::sum(holders.iter().map(|h| &h.share)),
            holders,
        })
    }

    /// Raises flags of owners, controllers and directors at any depth on the customer, each
    /// with the chains that link the flagged party to it.
    pub fn derived_flags(
        &self,
        customer: &PartyRef,
        flags: &[PartyFlag],
    ) -> Result<DerivedFlags, OwnershipError> {
        let node = self.entity_node(customer)?;
        let linked = self.linked_above(node);
        let flagged_nodes: HashSet<usize> = flags
            .iter()
            .filter_map(|flag| self.node(&flag.party))
            .filter(|v| linked.contains(v))
            .collect();
        if flagged_nodes.is_empty() {
            return Ok(DerivedFlags {
                customer: customer.clone(),
                flags: Vec::new(),
                paths_complete: true,
            });
        }
        let sums = walk_sums(self, node, &|_| true)
            .ok_or_else(|| OwnershipError::Unsolvable(customer.clone()))?;
        let found = simple_paths(self, node, Follow::AllRelations, &|v| {
            flagged_nodes.contains(&v)
        });
        let derived = flags
            .iter()
            .filter_map(|flag| {
                let v = self.node(&flag.party)?;
                if !flagged_nodes.contains(&v) {
                    return None;
                }
                Some(DerivedFlag {
                    flag: flag.clone(),
                    effective_share: sums.values.get(&v).cloned().unwrap_or_else(Share::zero),
                    paths: found
                        .paths
                        .iter()
                        .filter(|path| path.holder() == Some(&flag.party))
                        .cloned()
                        .collect(),
                })
            })
            .collect();
        Ok(DerivedFlags {
            customer: customer.clone(),
            flags: derived,
            paths_complete: found.complete,
        })
    }

    /// Every party with a chain of any relations up to `node` (not `node` itself).
    fn linked_above(&self, node: usize) -> HashSet<usize> {
        let mut seen = HashSet::default();
        let mut queue = VecDeque::from([node]);
        while let Some(v) = queue.pop_front() {
            let above = self
                .owners_of(v)
                .iter()
                .map(|h| h.party)
                .chain(self.controllers_of(v).iter().map(|&(party, _)| party))
                .chain(self.directors_of(v).iter().copied());
            for party in above {
                if party != node && seen.insert(party) {
                    queue.push_back(party);
                }
            }
        }
        seen
    }
}

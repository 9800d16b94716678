//! Effective ownership of a customer by every ultimate holder, with its explanation.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::graph::OwnershipGraph;
use super::party::PartyRef;
use super::paths::{Follow, LinkPath, simple_paths};
use super::share::Share;
use super::solve::walk_sums;

/// Why a query about a customer could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OwnershipError {
    #[error("party {0} is not in the ownership structure")]
    UnknownParty(PartyRef),
    #[error("{0} is an individual; only an entity has owners")]
    NotAnEntity(PartyRef),
    /// Ruled out by `OwnershipGraph::build`; kept so that a broken invariant is an error, not
    /// a panic or a wrong number.
    #[error("the cross-holdings above {0} form a loop with no outside owner")]
    Unsolvable(PartyRef),
}

/// A holder at the top of the structure (an individual, or an entity with no recorded owner)
/// and its effective share of the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolderStake {
    pub holder: PartyRef,
    /// Sum over every walk from the holder to the customer of the product of the shares.
    pub share: Share,
    /// Every simple ownership path from the holder to the customer with its product. Without
    /// cross-holdings they add up to `share` exactly (when the search was complete).
    pub paths: Vec<LinkPath>,
    /// With cross-holdings: `share` divided by the sum of the simple paths, the amplification
    /// that going round the loops any number of times adds. `None` when the structure above
    /// the customer has no loop.
    pub cycle_factor: Option<Share>,
}

/// Who ultimately owns a customer on the graph's date.
///
/// `individuals`, `ownerless_entities` and `unrecorded` add up to exactly one: follow the
/// customer's shares upward, choosing each owner with its share; the walk ends at an
/// individual, at an entity with no recorded owner, or in the part of some entity's capital
/// whose owners were not recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EffectiveOwnership {
    pub customer: PartyRef,
    pub as_of: NaiveDate,
    /// Largest share first, then by reference.
    pub individuals: Vec<HolderStake>,
    /// Entities at the top of a chain whose owners are unknown (listed companies, missing
    /// data): their share reaches no identified individual.
    pub ownerless_entities: Vec<HolderStake>,
    /// The part of the customer held through capital whose owners were not recorded.
    pub unrecorded: Share,
    /// Groups of entities holding each other (each sorted), crossed on the way up.
    pub cross_holdings: Vec<Vec<PartyRef>>,
    /// False when the path search hit its budget; the shares are exact regardless.
    pub paths_complete: bool,
}

impl EffectiveOwnership {
    pub fn share_of(&self, holder: &PartyRef) -> Option<&Share> {
        self.individuals
            .iter()
            .chain(&self.ownerless_entities)
            .find(|stake| &stake.holder == holder)
            .map(|stake| &stake.share)
    }
}

impl OwnershipGraph {
    /// Effective ownership of `customer` by every individual (and ownerless entity) through
    /// all paths, cross-holdings included, exact.
    pub fn effective_ownership(
        &self,
        customer: &PartyRef,
    ) -> Result<EffectiveOwnership, OwnershipError> {
        let node = self.entity_node(customer)?;
        let sums = walk_sums(self, node, &|_| true)
            .ok_or_else(|| OwnershipError::Unsolvable(customer.clone()))?;
        let is_top = |v: usize| self.owners_of(v).is_empty();
        let found = simple_paths(self, node, Follow::OwnershipOnly, &is_top);
        let mut individuals = Vec::new();
        let mut ownerless_entities = Vec::new();
        for (&holder, share) in &sums.values {
            if !is_top(holder) || share.is_zero() {
                continue;
            }
            let holder_ref = self.reference(holder);
            let paths: Vec<LinkPath> = found
                .paths
                .iter()
                .filter(|path| path.holder() == Some(holder_ref))
                .cloned()
                .collect();
            let cycle_factor = if sums.cycles.is_empty() {
                None
            } else {
                let simple = Share::sum(paths.iter().filter_map(|p| p.ownership_product.as_ref()));
                share.checked_div(&simple)
            };
            let stake = HolderStake {
                holder: holder_ref.clone(),
                share: share.clone(),
                paths,
                cycle_factor,
            };
            if self.is_individual(holder) {
                individuals.push(stake);
            } else {
                ownerless_entities.push(stake);
            }
        }
        sort_stakes(&mut individuals);
        sort_stakes(&mut ownerless_entities);
        let attributed = Share::sum(
            individuals
                .iter()
                .chain(&ownerless_entities)
                .map(|s| &s.share),
        );
        let mut cross_holdings: Vec<Vec<PartyRef>> = sums
            .cycles
            .iter()
            .map(|group| {
                let mut refs: Vec<PartyRef> =
                    group.iter().map(|&v| self.reference(v).clone()).collect();
                refs.sort();
                refs
            })
            .collect();
        cross_holdings.sort();
        Ok(EffectiveOwnership {
            customer: customer.clone(),
            as_of: self.as_of(),
            individuals,
            ownerless_entities,
            unrecorded: Share::one().saturating_sub(&attributed),
            cross_holdings,
            paths_complete: found.complete,
        })
    }

    pub(crate) fn entity_node(&self, customer: &PartyRef) -> Result<usize, OwnershipError> {
        let node = self
            .node(customer)
            .ok_or_else(|| OwnershipError::UnknownParty(customer.clone()))?;
        if self.is_individual(node) {
            return Err(OwnershipError::NotAnEntity(customer.clone()));
        }
        Ok(node)
    }
}

fn sort_stakes(stakes: &mut [HolderStake]) {
    stakes.sort_by(|a, b| b.share.cmp(&a.share).then_with(|| a.holder.cmp(&b.holder)));
}

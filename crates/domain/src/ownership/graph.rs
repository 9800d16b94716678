//! The ownership graph on one date: parties, and the edges valid on that date, checked.

use std::collections::HashMap;

use rustc_hash::FxHashSet;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::edge::{Edge, Relation};
use super::party::{Party, PartyRef};
use super::scc;
use super::share::Share;
use crate::rule_pack::ControlKind;

/// One direct holding, as stored per node (the other end is the node the list belongs to).
#[derive(Debug, Clone)]
pub(crate) struct Holding {
    pub(crate) party: usize,
    pub(crate) share: Share,
}

/// Parties and their relations valid on `as_of`, checked: every edge names known parties, no
/// party relates to itself, every share is in (0, 100 %], no entity's direct owners hold more
/// than 100 % together, and no group of cross-holding entities owns itself entirely (a closed
/// loop where effective ownership is undefined). Build once per date, query per customer.
#[derive(Debug, Clone)]
pub struct OwnershipGraph {
    as_of: NaiveDate,
    parties: Vec<Party>,
    index: HashMap<PartyRef, usize>,
    /// Per node: its direct owners (one entry per owner, share classes summed).
    owners: Vec<Vec<Holding>>,
    /// Per node: what it owns directly.
    holdings: Vec<Vec<Holding>>,
    /// Per node: control edges into it.
    controllers: Vec<Vec<(usize, ControlKind)>>,
    /// Per node: its directors.
    directors: Vec<Vec<usize>>,
}

/// A direct owner and its share, as listed in an over-ownership problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerShare {
    pub owner: PartyRef,
    pub share: Share,
}

/// One thing wrong with a submitted structure. `edge` is the index in the submitted edges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum GraphProblem {
    #[error("party {party} is listed more than once")]
    DuplicateParty { party: PartyRef },
    #[error("edge {edge} names party {party}, which is not in the structure")]
    UnknownParty { edge: usize, party: PartyRef },
    #[error("edge {edge} relates {party} to itself")]
    SelfEdge { edge: usize, party: PartyRef },
    #[error("edge {edge}: a share must be more than 0 % and at most 100 %, got {share}")]
    ShareOutOfRange { edge: usize, share: Share },
    #[error(
        "edge {edge}: {party} is an individual; only entities are owned, controlled or directed"
    )]
    TargetNotAnEntity { edge: usize, party: PartyRef },
    #[error("edge {edge}: valid_until must be after valid_from")]
    InvalidValidity { edge: usize },
    #[error(
        "the direct owners of {entity} hold {total} together (more than 100 %): {}",
        list_owners(owners)
    )]
    OverOwned {
        entity: PartyRef,
        total: Share,
        owners: Vec<OwnerShare>,
    },
    #[error(
        "entities {} own each other entirely with no owner outside the loop, so nobody can be said to own them",
        list_parties(entities)
    )]
    ClosedCycle { entities: Vec<PartyRef> },
}

fn list_owners(owners: &[OwnerShare]) -> String {
    owners
        .iter()
        .map(|o| format!("{} {}", o.owner, o.share))
        .collect::<Vec<_>>()
        .join(", ")
}

fn list_parties(parties: &[PartyRef]) -> String {
    parties
        .iter()
        .map(PartyRef::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every problem of a structure at once, so a submitter can fix them in one go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct GraphError {
    pub problems: Vec<GraphProblem>,
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the ownership structure is invalid")?;
        for problem in &self.problems {
            write!(f, "; {problem}")?;
        }
        Ok(())
    }
}

impl OwnershipGraph {
    /// Checks every edge (whatever its dates), then keeps those valid on `as_of` and checks the
    /// structure they form on that date.
    pub fn build(
        parties: Vec<Party>,
        edges: &[Edge],
        as_of: NaiveDate,
    ) -> Result<Self, GraphError> {
        let mut problems = Vec::new();
        let mut index = HashMap::with_capacity(parties.len());
        let mut unique = Vec::with_capacity(parties.len());
        for party in parties {
            if index.contains_key(&party.reference) {
                problems.push(GraphProblem::DuplicateParty {
                    party: party.reference,
                });
                continue;
            }
            index.insert(party.reference.clone(), unique.len());
            unique.push(party);
        }
        let n = unique.len();
        let mut graph = Self {
            as_of,
            parties: unique,
            index,
            owners: vec![Vec::new(); n],
            holdings: vec![Vec::new(); n],
            controllers: vec![Vec::new(); n],
            directors: vec![Vec::new(); n],
        };
        for (position, edge) in edges.iter().enumerate() {
            let Some((from, to)) = graph.check_edge(position, edge, &mut problems) else {
                continue;
            };
            if edge.is_valid_on(as_of) {
                graph.insert(from, to, &edge.relation);
            }
        }
        graph.check_totals(&mut problems);
        if problems.is_empty() {
            graph.check_closed_cycles(&mut problems);
        }
        if problems.is_empty() {
            Ok(graph)
        } else {
            Err(GraphError { problems })
        }
    }

    /// The edge's two ends when the edge is sound.
    fn check_edge(
        &self,
        position: usize,
        edge: &Edge,
        problems: &mut Vec<GraphProblem>,
    ) -> Option<(usize, usize)> {
        let before = problems.len();
        let from = self.index.get(&edge.from).copied();
        let to = self.index.get(&edge.to).copied();
        for (end, party) in [(from, &edge.from), (to, &edge.to)] {
            if end.is_none() {
                problems.push(GraphProblem::UnknownParty {
                    edge: position,
                    party: party.clone(),
                });
            }
        }
        if edge.from == edge.to {
            problems.push(GraphProblem::SelfEdge {
                edge: position,
                party: edge.from.clone(),
            });
        }
        if let Relation::Ownership { share } = &edge.relation
            && (share.is_zero() || !Share::one().at_least(share))
        {
            problems.push(GraphProblem::ShareOutOfRange {
                edge: position,
                share: share.clone(),
            });
        }
        if let Some(target) = to.and_then(|to| self.parties.get(to))
            && target.is_individual()
        {
            problems.push(GraphProblem::TargetNotAnEntity {
                edge: position,
                party: edge.to.clone(),
            });
        }
        if let (Some(start), Some(end)) = (edge.valid_from, edge.valid_until)
            && end <= start
        {
            problems.push(GraphProblem::InvalidValidity { edge: position });
        }
        if problems.len() == before {
            from.zip(to)
        } else {
            None
        }
    }

    fn insert(&mut self, from: usize, to: usize, relation: &Relation) {
        match relation {
            Relation::Ownership { share } => {
                add_holding(&mut self.owners[to], from, share);
                add_holding(&mut self.holdings[from], to, share);
            }
            Relation::Control { kind } => {
                if !self.controllers[to].contains(&(from, *kind)) {
                    self.controllers[to].push((from, *kind));
                }
            }
            Relation::Directorship => {
                if !self.directors[to].contains(&from) {
                    self.directors[to].push(from);
                }
            }
        }
    }

    fn check_totals(&self, problems: &mut Vec<GraphProblem>) {
        for (node, owners) in self.owners.iter().enumerate() {
            let total = Share::sum(owners.iter().map(|h| &h.share));
            if total.at_least(&Share::one()) && !total.is_one() {
                problems.push(GraphProblem::OverOwned {
                    entity: self.reference(node).clone(),
                    total,
                    owners: owners
                        .iter()
                        .map(|h| OwnerShare {
                            owner: self.reference(h.party).clone(),
                            share: h.share.clone(),
                        })
                        .collect(),
                });
            }
        }
    }

    /// A loop of entities in which every member is wholly owned from inside the loop has no
    /// ultimate owner: the walk sums diverge and `(I - A)` is singular. For an irreducible
    /// block whose column sums are at most one, that happens exactly when every column sums
    /// to one (Perron-Frobenius), so checking the sums is both necessary and sufficient.
    fn check_closed_cycles(&self, problems: &mut Vec<GraphProblem>) {
        let found = scc::components(self.parties.len(), |v, i| {
            self.holdings.get(v)?.get(i).map(|h| h.party)
        });
        for component in found.iter() {
            if component.len() < 2 {
                continue;
            }
            let members: FxHashSet<usize> = component.iter().copied().collect();
            let closed = component.iter().all(|&member| {
                let inside = self.owners[member]
                    .iter()
                    .filter(|h| members.contains(&h.party))
                    .map(|h| &h.share);
                Share::sum(inside).is_one()
            });
            if closed {
                let mut entities: Vec<PartyRef> = component
                    .iter()
                    .map(|&v| self.reference(v).clone())
                    .collect();
                entities.sort();
                problems.push(GraphProblem::ClosedCycle { entities });
            }
        }
    }

    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    pub fn party_count(&self) -> usize {
        self.parties.len()
    }

    pub fn party(&self, reference: &PartyRef) -> Option<&Party> {
        self.index.get(reference).and_then(|&i| self.parties.get(i))
    }

    /// The direct owners of `entity` on the graph's date, with their shares.
    pub fn direct_owners(&self, entity: &PartyRef) -> Vec<OwnerShare> {
        self.node(entity)
            .map(|node| {
                self.owners[node]
                    .iter()
                    .map(|h| OwnerShare {
                        owner: self.reference(h.party).clone(),
                        share: h.share.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(crate) fn node(&self, reference: &PartyRef) -> Option<usize> {
        self.index.get(reference).copied()
    }

    /// Nodes come only from this graph's own index, so the lookup cannot miss; the fallback
    /// keeps it panic-free all the same.
    pub(crate) fn reference(&self, node: usize) -> &PartyRef {
        match self.parties.get(node) {
            Some(party) => &party.reference,
            None => PartyRef::unknown(),
        }
    }

    pub(crate) fn is_individual(&self, node: usize) -> bool {
        self.parties.get(node).is_some_and(Party::is_individual)
    }

    pub(crate) fn owners_of(&self, node: usize) -> &[Holding] {
        self.owners.get(node).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn holdings_of(&self, node: usize) -> &[Holding] {
        self.holdings.get(node).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn controllers_of(&self, node: usize) -> &[(usize, ControlKind)] {
        self.controllers.get(node).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn directors_of(&self, node: usize) -> &[usize] {
        self.directors.get(node).map_or(&[], Vec::as_slice)
    }
}

fn add_holding(list: &mut Vec<Holding>, party: usize, share: &Share) {
    if let Some(existing) = list.iter_mut().find(|h| h.party == party) {
        existing.share = existing.share.add(share);
    } else {
        list.push(Holding {
            party,
            share: share.clone(),
        });
    }
}

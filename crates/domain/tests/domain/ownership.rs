//! Ownership structures seen from outside: chains, cross-holdings, beneficial owners, the
//! aggregate rule, derived flags, validation and property tests on random structures.

#![allow(clippy::unwrap_used)]

mod effective;
mod flags;
mod owners;
mod properties;
mod validation;

use chrono::NaiveDate;
use cloudkyc_domain::ownership::{Edge, OwnershipGraph, Party, PartyRef, Share};
use cloudkyc_domain::rule_pack::ControlKind;

pub(super) fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

pub(super) fn r(name: &str) -> PartyRef {
    PartyRef::new(name).unwrap()
}

pub(super) fn s(text: &str) -> Share {
    text.parse().unwrap()
}

pub(super) fn pct(text: &str) -> Share {
    Share::from_percent_str(text).unwrap()
}

/// Builds a structure from a compact description: names starting with an upper-case `P` are
/// individuals, everything else an entity.
pub(super) struct Structure {
    parties: Vec<Party>,
    edges: Vec<Edge>,
}

impl Structure {
    pub(super) fn new() -> Self {
        Self {
            parties: Vec::new(),
            edges: Vec::new(),
        }
    }

    fn ensure(&mut self, name: &str) {
        if self.parties.iter().any(|p| p.reference.as_str() == name) {
            return;
        }
        let party = if name.starts_with('P') {
            Party::individual(r(name))
        } else {
            Party::entity(r(name))
        };
        self.parties.push(party);
    }

    /// `owner` owns `percent` % of `owned`.
    pub(super) fn owns(mut self, owner: &str, percent: &str, owned: &str) -> Self {
        self.ensure(owner);
        self.ensure(owned);
        self.edges
            .push(Edge::ownership(r(owner), r(owned), pct(percent)));
        self
    }

    pub(super) fn controls(mut self, controller: &str, kind: ControlKind, entity: &str) -> Self {
        self.ensure(controller);
        self.ensure(entity);
        self.edges
            .push(Edge::control(r(controller), r(entity), kind));
        self
    }

    pub(super) fn directs(mut self, director: &str, entity: &str) -> Self {
        self.ensure(director);
        self.ensure(entity);
        self.edges.push(Edge::directorship(r(director), r(entity)));
        self
    }

    pub(super) fn edge(mut self, edge: Edge) -> Self {
        self.ensure(edge.from.as_str());
        self.ensure(edge.to.as_str());
        self.edges.push(edge);
        self
    }

    pub(super) fn build(self) -> OwnershipGraph {
        OwnershipGraph::build(self.parties, &self.edges, date()).unwrap()
    }

    pub(super) fn build_on(self, on: NaiveDate) -> OwnershipGraph {
        OwnershipGraph::build(self.parties, &self.edges, on).unwrap()
    }

    pub(super) fn into_parts(self) -> (Vec<Party>, Vec<Edge>) {
        (self.parties, self.edges)
    }
}

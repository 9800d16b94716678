//! Simple paths from holders up to a customer: the explanation shown beside every number.
//!
//! The number of simple paths can grow exponentially with the structure (each diamond doubles
//! them), so the search stops after a budget and says so; the computed shares never depend on
//! the enumeration, only their explanation does.

use rustc_hash::FxHashSet;

use serde::{Deserialize, Serialize};

use super::edge::Relation;
use super::graph::OwnershipGraph;
use super::party::PartyRef;
use super::share::Share;

/// At most this many paths are kept per customer.
pub const MAX_PATHS: usize = 1_000;
/// At most this many edges are followed per search.
const MAX_STEPS: usize = 200_000;

/// A chain of relations from a holder (first party) to the customer (last party).
/// `relations[i]` links `parties[i]` to `parties[i + 1]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkPath {
    pub parties: Vec<PartyRef>,
    pub relations: Vec<Relation>,
    /// The product of the shares when every link is ownership.
    pub ownership_product: Option<Share>,
}

impl LinkPath {
    pub fn holder(&self) -> Option<&PartyRef> {
        self.parties.first()
    }

    /// `A -[owns 60 %]-> B -[owns 50 %]-> C (30 %)`.
    pub fn describe(&self) -> String {
        let mut text = String::new();
        for (position, party) in self.parties.iter().enumerate() {
            if position > 0
                && let Some(relation) = self.relations.get(position - 1)
            {
                text.push_str(&format!(" -[{relation}]-> "));
            }
            text.push_str(party.as_str());
        }
        if let Some(product) = &self.ownership_product {
            text.push_str(&format!(" ({product})"));
        }
        text
    }
}

/// Which relations a search follows upward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Follow {
    OwnershipOnly,
    AllRelations,
}

#[derive(Debug)]
pub(crate) struct Found {
    pub(crate) paths: Vec<LinkPath>,
    pub(crate) complete: bool,
}

/// Every simple path from a party for which `wanted` holds up to `customer`. A wanted party
/// in the middle of a chain ends one path and the search goes on above it.
pub(crate) fn simple_paths(
    graph: &OwnershipGraph,
    customer: usize,
    follow: Follow,
    wanted: &dyn Fn(usize) -> bool,
) -> Found {
    let mut found = Found {
        paths: Vec::new(),
        complete: true,
    };
    let mut on_path: FxHashSet<usize> = FxHashSet::default();
    on_path.insert(customer);
    // `chain[i]` is the relation from frame i+1's node to frame i's node.
    let mut frames: Vec<Frame> = vec![Frame {
        node: customer,
        links: links_into(graph, customer, follow),
        next: 0,
    }];
    let mut chain: Vec<Relation> = Vec::new();
    // `products[i]` is the product of the shares of `chain[..i]` (None once a link is not
    // ownership), kept incrementally so a path costs one multiplication, not one per link.
    let mut products: Vec<Option<Share>> = vec![Some(Share::one())];
    let mut steps = 0usize;
    while let Some(frame) = frames.last_mut() {
        let Some((holder, relation)) = frame.links.get(frame.next).cloned() else {
            if let Some(done) = frames.pop() {
                on_path.remove(&done.node);
            }
            if chain.pop().is_some() {
                products.pop();
            }
            continue;
        };
        frame.next += 1;
        steps += 1;
        if steps > MAX_STEPS || found.paths.len() >= MAX_PATHS {
            found.complete = false;
            break;
        }
        if on_path.contains(&holder) {
            continue;
        }
        let product = match (products.last(), &relation) {
            (Some(Some(so_far)), Relation::Ownership { share }) => Some(so_far.mul(share)),
            _ => None,
        };
        chain.push(relation);
        products.push(product);
        if wanted(holder) {
            let mut nodes: Vec<usize> = frames.iter().rev().map(|f| f.node).collect();
            nodes.insert(0, holder);
            let product = products.last().cloned().flatten();
            found.paths.push(build_path(graph, &nodes, &chain, product));
        }
        let above = links_into(graph, holder, follow);
        if above.is_empty() {
            chain.pop();
            products.pop();
        } else {
            on_path.insert(holder);
            frames.push(Frame {
                node: holder,
                links: above,
                next: 0,
            });
        }
    }
    found
}

/// A node of the current path, the links into it, and the next link to try.
struct Frame {
    node: usize,
    links: Vec<(usize, Relation)>,
    next: usize,
}

fn links_into(graph: &OwnershipGraph, node: usize, follow: Follow) -> Vec<(usize, Relation)> {
    let mut links: Vec<(usize, Relation)> = graph
        .owners_of(node)
        .iter()
        .map(|h| {
            (
                h.party,
                Relation::Ownership {
                    share: h.share.clone(),
                },
            )
        })
        .collect();
    if follow == Follow::AllRelations {
        links.extend(
            graph
                .controllers_of(node)
                .iter()
                .map(|&(party, kind)| (party, Relation::Control { kind })),
        );
        links.extend(
            graph
                .directors_of(node)
                .iter()
                .map(|&party| (party, Relation::Directorship)),
        );
    }
    links
}

/// `nodes` runs from the holder to the customer; `chain` holds the relations from the
/// customer upward, so it is read backwards.
fn build_path(
    graph: &OwnershipGraph,
    nodes: &[usize],
    chain: &[Relation],
    ownership_product: Option<Share>,
) -> LinkPath {
    LinkPath {
        parties: nodes.iter().map(|&n| graph.reference(n).clone()).collect(),
        relations: chain.iter().rev().cloned().collect(),
        ownership_product,
    }
}

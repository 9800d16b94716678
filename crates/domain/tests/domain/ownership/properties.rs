//! Property tests on random structures.

use cloudkyc_domain::ownership::{Edge, OwnershipGraph, Party, PartyRef, Relation, Share};
use proptest::prelude::*;

use super::date;

/// One owner pick for an entity: which candidate (wrapped into range) and how many percent.
type Pick = (usize, u32);

/// Entities `e0` (the customer) .. `e{n-1}` and individuals `p0` ..; entity `j` may be owned
/// by individuals and, when `acyclic`, only by entities with a higher number. Picks that would
/// take an entity's owners above 100 % are dropped.
fn structure(
    entities: usize,
    individuals: usize,
    picks: &[Vec<Pick>],
    acyclic: bool,
) -> (Vec<Party>, Vec<Edge>) {
    let entity = |i: usize| PartyRef::new(format!("e{i}")).unwrap();
    let person = |i: usize| PartyRef::new(format!("p{i}")).unwrap();
    let mut parties: Vec<Party> = (0..entities).map(|i| Party::entity(entity(i))).collect();
    parties.extend((0..individuals).map(|i| Party::individual(person(i))));
    let mut edges = Vec::new();
    for (owned, owned_picks) in picks.iter().enumerate().take(entities) {
        let candidates: Vec<PartyRef> = (0..entities)
            .filter(|&e| if acyclic { e > owned } else { e != owned })
            .map(entity)
            .chain((0..individuals).map(person))
            .collect();
        let mut total = 0;
        for &(choice, percent) in owned_picks {
            if candidates.is_empty() || total + percent > 100 {
                continue;
            }
            total += percent;
            let owner = candidates[choice % candidates.len()].clone();
            edges.push(Edge::ownership(
                owner,
                entity(owned),
                Share::from_ratio(u64::from(percent), 100).unwrap(),
            ));
        }
    }
    (parties, edges)
}

fn picks_strategy(entities: usize) -> impl Strategy<Value = Vec<Vec<Pick>>> {
    prop::collection::vec(
        prop::collection::vec((0usize..64, 1u32..=100), 0..4),
        entities,
    )
}

fn shape() -> impl Strategy<Value = (usize, usize, Vec<Vec<Pick>>)> {
    (1usize..8, 1usize..5).prop_flat_map(|(e, p)| (Just(e), Just(p), picks_strategy(e)))
}

/// The walk sums by plain iteration in floating point: an independent check of the exact
/// solver. `x <- A (e_c + x)`, starting from zero.
fn iterate(parties: &[Party], edges: &[Edge], customer: &str) -> Vec<(String, f64)> {
    let names: Vec<String> = parties.iter().map(|p| p.reference.to_string()).collect();
    let at = |name: &str| names.iter().position(|n| n == name).unwrap();
    let c = at(customer);
    let links: Vec<(usize, usize, f64)> = edges
        .iter()
        .filter_map(|edge| match &edge.relation {
            Relation::Ownership { share } => {
                Some((at(edge.from.as_str()), at(edge.to.as_str()), share.to_f64()))
            }
            _ => None,
        })
        .collect();
    let mut x = vec![0.0f64; names.len()];
    for _ in 0..20_000 {
        let mut next = vec![0.0f64; names.len()];
        for &(from, to, share) in &links {
            let onward = if to == c { 1.0 } else { 0.0 } + x[to];
            next[from] += share * onward;
        }
        x = next;
    }
    names.into_iter().zip(x).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn acyclic_shares_are_fractions_that_add_up((entities, individuals, picks) in shape()) {
        let (parties, edges) = structure(entities, individuals, &picks, true);
        let graph = OwnershipGraph::build(parties, &edges, date()).unwrap();
        let result = graph.effective_ownership(&PartyRef::new("e0").unwrap()).unwrap();
        let one = Share::one();
        for stake in result.individuals.iter().chain(&result.ownerless_entities) {
            prop_assert!(!stake.share.is_zero());
            prop_assert!(one.at_least(&stake.share));
            // Without loops the simple paths explain the share exactly.
            prop_assert!(stake.cycle_factor.is_none());
            let explained = Share::sum(stake.paths.iter().filter_map(|p| p.ownership_product.as_ref()));
            prop_assert_eq!(&explained, &stake.share);
        }
        let individuals = Share::sum(result.individuals.iter().map(|s| &s.share));
        prop_assert!(one.at_least(&individuals));
        let everything = Share::sum(
            result.individuals.iter().chain(&result.ownerless_entities).map(|s| &s.share)
        ).add(&result.unrecorded);
        prop_assert_eq!(everything, one);
    }

    #[test]
    fn cyclic_shares_match_plain_iteration((entities, individuals, picks) in shape()) {
        let (parties, edges) = structure(entities, individuals, &picks, false);
        // Loops owned wholly from inside are refused; everything else must solve.
        let Ok(graph) = OwnershipGraph::build(parties.clone(), &edges, date()) else {
            return Ok(());
        };
        let result = graph.effective_ownership(&PartyRef::new("e0").unwrap()).unwrap();
        let everything = Share::sum(
            result.individuals.iter().chain(&result.ownerless_entities).map(|s| &s.share)
        ).add(&result.unrecorded);
        prop_assert_eq!(everything, Share::one());
        let reference = iterate(&parties, &edges, "e0");
        for stake in result.individuals.iter().chain(&result.ownerless_entities) {
            let expected = reference.iter().find(|(n, _)| n == stake.holder.as_str()).unwrap().1;
            prop_assert!((stake.share.to_f64() - expected).abs() < 1e-6,
                "{}: exact {} vs iterated {}", stake.holder, stake.share, expected);
        }
    }

    #[test]
    fn aggregate_never_exceeds_one_nor_double_counts((entities, individuals, picks) in shape(), flagged_mask in 0u32..256) {
        let (parties, edges) = structure(entities, individuals, &picks, false);
        let Ok(graph) = OwnershipGraph::build(parties.clone(), &edges, date()) else {
            return Ok(());
        };
        let flagged: Vec<PartyRef> = parties
            .iter()
            .enumerate()
            .filter(|(i, _)| *i > 0 && flagged_mask & (1 << (i % 8)) != 0)
            .map(|(_, p)| p.reference.clone())
            .collect();
        let customer = PartyRef::new("e0").unwrap();
        let aggregate = graph.aggregate_ownership(&customer, &flagged).unwrap();
        prop_assert!(Share::one().at_least(&aggregate.total));
        // Flagging every individual attributes exactly what they own effectively.
        let people: Vec<PartyRef> = parties.iter().filter(|p| p.is_individual()).map(|p| p.reference.clone()).collect();
        let all_people = graph.aggregate_ownership(&customer, &people).unwrap();
        let effective = graph.effective_ownership(&customer).unwrap();
        prop_assert_eq!(all_people.total, Share::sum(effective.individuals.iter().map(|s| &s.share)));
    }
}

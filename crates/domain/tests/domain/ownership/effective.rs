//! Effective ownership: exact products along chains, exact sums around cross-holdings.

use chrono::NaiveDate;
use cloudkyc_domain::ownership::{Edge, Share};

use super::{Structure, pct, r, s};

#[test]
fn sixty_percent_of_fifty_percent_is_exactly_thirty() {
    let graph = Structure::new()
        .owns("P-ana", "60", "holdco")
        .owns("holdco", "50", "cust")
        .build();
    let result = graph.effective_ownership(&r("cust")).unwrap();
    assert_eq!(result.share_of(&r("P-ana")), Some(&s("3/10")));
    let ana = &result.individuals[0];
    assert_eq!(ana.paths.len(), 1);
    assert_eq!(
        ana.paths[0].describe(),
        "P-ana -[owns 60 %]-> holdco -[owns 50 %]-> cust (30 %)"
    );
    assert_eq!(ana.cycle_factor, None);
    // 40 % of the holding company and 50 % of the customer have no recorded owner.
    assert_eq!(result.unrecorded, s("7/10"));
}

#[test]
fn five_levels_of_holding_companies_multiply_exactly() {
    // P-top -60-> H5 -50-> H4 -80-> H3 -90-> H2 -100-> H1 -75-> cust, with a second
    // individual holding the rest at each level.
    let graph = Structure::new()
        .owns("P-top", "60", "H5")
        .owns("P-h5", "40", "H5")
        .owns("H5", "50", "H4")
        .owns("P-h4", "50", "H4")
        .owns("H4", "80", "H3")
        .owns("P-h3", "20", "H3")
        .owns("H3", "90", "H2")
        .owns("P-h2", "10", "H2")
        .owns("H2", "100", "H1")
        .owns("H1", "75", "cust")
        .owns("P-direct", "25", "cust")
        .build();
    let result = graph.effective_ownership(&r("cust")).unwrap();
    let expected = [
        // 0.6 * 0.5 * 0.8 * 0.9 * 1 * 0.75
        ("P-top", s("0.162")),
        ("P-h5", s("0.108")),
        ("P-h4", s("0.27")),
        ("P-h3", s("0.135")),
        ("P-h2", s("0.075")),
        ("P-direct", s("0.25")),
    ];
    for (name, share) in &expected {
        assert_eq!(result.share_of(&r(name)), Some(share), "{name}");
    }
    assert_eq!(result.individuals.len(), 6);
    // Largest first.
    assert_eq!(result.individuals[0].holder, r("P-h4"));
    assert_eq!(result.unrecorded, Share::zero());
    let top = result
        .individuals
        .iter()
        .find(|stake| stake.holder == r("P-top"))
        .unwrap();
    assert_eq!(top.paths[0].parties.len(), 7);
    assert_eq!(top.paths[0].ownership_product, Some(s("0.162")));
}

#[test]
fn diamond_paths_add_up() {
    // P-x reaches the customer through two holding companies.
    let graph = Structure::new()
        .owns("P-x", "100", "left")
        .owns("P-x", "50", "right")
        .owns("P-y", "50", "right")
        .owns("left", "30", "cust")
        .owns("right", "70", "cust")
        .build();
    let result = graph.effective_ownership(&r("cust")).unwrap();
    assert_eq!(result.share_of(&r("P-x")), Some(&s("0.65")));
    assert_eq!(result.share_of(&r("P-y")), Some(&s("0.35")));
    let x = &result.individuals[0];
    assert_eq!(x.paths.len(), 2);
    let products: Vec<Share> = x
        .paths
        .iter()
        .filter_map(|p| p.ownership_product.clone())
        .collect();
    assert_eq!(
        products.iter().fold(Share::zero(), |a, b| a.add(b)),
        s("0.65")
    );
}

/// A owns 50 % of B, B owns 30 % of A; P-x owns the other 70 % of A, P-y the other 50 % of B.
fn cross_holding() -> Structure {
    Structure::new()
        .owns("A", "50", "B")
        .owns("B", "30", "A")
        .owns("P-x", "70", "A")
        .owns("P-y", "50", "B")
}

#[test]
fn circular_ownership_matches_the_closed_form() {
    let graph = cross_holding().build();
    // Walks from P-x to A: P-x->A, then any number of round trips A->B->A (0.5 * 0.3 = 0.15
    // each): 0.7 * (1 + 0.15 + 0.15^2 + ...) = 0.7 / 0.85 = 14/17.
    // Walks from P-y to A: 0.5 * 0.3 / 0.85 = 3/17. Together exactly one.
    let in_a = graph.effective_ownership(&r("A")).unwrap();
    assert_eq!(in_a.share_of(&r("P-x")), Some(&s("14/17")));
    assert_eq!(in_a.share_of(&r("P-y")), Some(&s("3/17")));
    assert_eq!(in_a.unrecorded, Share::zero());
    assert_eq!(in_a.cross_holdings, vec![vec![r("A"), r("B")]]);
    // The explanation: the simple path and the factor the loop adds, 1 / 0.85 = 20/17.
    let x = in_a.individuals.first().unwrap();
    assert_eq!(x.paths.len(), 1);
    assert_eq!(x.paths[0].ownership_product, Some(s("0.7")));
    assert_eq!(x.cycle_factor, Some(s("20/17")));
    let y = &in_a.individuals[1];
    assert_eq!(
        y.paths[0].describe(),
        "P-y -[owns 50 %]-> B -[owns 30 %]-> A (15 %)"
    );
    assert_eq!(y.cycle_factor, Some(s("20/17")));

    // Seen from B: P-y 0.5 / 0.85 = 10/17, P-x 0.7 * 0.5 / 0.85 = 7/17.
    let in_b = graph.effective_ownership(&r("B")).unwrap();
    assert_eq!(in_b.share_of(&r("P-y")), Some(&s("10/17")));
    assert_eq!(in_b.share_of(&r("P-x")), Some(&s("7/17")));
}

#[test]
fn a_customer_below_a_cross_holding_inherits_the_loop() {
    // Operating company 80 % owned by A of the cross-holding, 20 % by P-z.
    let graph = cross_holding()
        .owns("A", "80", "opco")
        .owns("P-z", "20", "opco")
        .build();
    let result = graph.effective_ownership(&r("opco")).unwrap();
    assert_eq!(result.share_of(&r("P-x")), Some(&s("0.8").mul(&s("14/17"))));
    assert_eq!(result.share_of(&r("P-y")), Some(&s("0.8").mul(&s("3/17"))));
    assert_eq!(result.share_of(&r("P-z")), Some(&s("0.2")));
    assert_eq!(result.unrecorded, Share::zero());
}

#[test]
fn three_way_cycle_sums_to_one() {
    // A -> B -> C -> A at 40 % each, outside individuals hold the remaining 60 %.
    let graph = Structure::new()
        .owns("A", "40", "B")
        .owns("B", "40", "C")
        .owns("C", "40", "A")
        .owns("P-a", "60", "A")
        .owns("P-b", "60", "B")
        .owns("P-c", "60", "C")
        .build();
    let result = graph.effective_ownership(&r("A")).unwrap();
    // P-a: 0.6 / (1 - 0.064); P-c: 0.6 * 0.4 / 0.936; P-b: 0.6 * 0.16 / 0.936.
    assert_eq!(result.share_of(&r("P-a")), Some(&s("600/936")));
    assert_eq!(result.share_of(&r("P-c")), Some(&s("240/936")));
    assert_eq!(result.share_of(&r("P-b")), Some(&s("96/936")));
    assert_eq!(result.unrecorded, Share::zero());
}

#[test]
fn entities_without_recorded_owners_are_reported() {
    let graph = Structure::new()
        .owns("listed-parent", "70", "cust")
        .owns("P-x", "30", "cust")
        .build();
    let result = graph.effective_ownership(&r("cust")).unwrap();
    assert_eq!(result.ownerless_entities.len(), 1);
    assert_eq!(result.ownerless_entities[0].holder, r("listed-parent"));
    assert_eq!(result.ownerless_entities[0].share, s("0.7"));
    assert_eq!(result.unrecorded, Share::zero());
}

#[test]
fn edges_are_selected_by_date() {
    let on = |text: &str| text.parse::<NaiveDate>().unwrap();
    let structure = || {
        Structure::new()
            .edge(
                Edge::ownership(r("P-old"), r("cust"), pct("100"))
                    .valid_between(None, Some(on("2025-01-01"))),
            )
            .edge(
                Edge::ownership(r("P-new"), r("cust"), pct("100"))
                    .valid_between(Some(on("2025-01-01")), None),
            )
    };
    let before = structure().build_on(on("2024-12-31"));
    let after = structure().build_on(on("2025-01-01"));
    let owners = |graph: &cloudkyc_domain::ownership::OwnershipGraph| {
        graph
            .effective_ownership(&r("cust"))
            .unwrap()
            .individuals
            .iter()
            .map(|stake| stake.holder.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(owners(&before), ["P-old"]);
    assert_eq!(owners(&after), ["P-new"]);
    assert_eq!(after.as_of(), on("2025-01-01"));
}

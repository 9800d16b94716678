//! What `OwnershipGraph::build` refuses, every problem at once.

use cloudkyc_domain::ownership::{Edge, GraphProblem, OwnershipGraph, Party, Share};

use super::{Structure, date, pct, r, s};

#[test]
fn over_one_hundred_percent_lists_the_owners() {
    let (parties, edges) = Structure::new()
        .owns("P-a", "60", "cust")
        .owns("P-b", "45", "cust")
        .into_parts();
    let error = OwnershipGraph::build(parties, &edges, date()).unwrap_err();
    assert_eq!(error.problems.len(), 1);
    let GraphProblem::OverOwned {
        entity,
        total,
        owners,
    } = &error.problems[0]
    else {
        panic!("expected over-ownership, got {:?}", error.problems);
    };
    assert_eq!(entity, &r("cust"));
    assert_eq!(total, &s("1.05"));
    assert_eq!(owners.len(), 2);
    assert_eq!(
        error.to_string(),
        "the ownership structure is invalid; the direct owners of cust hold 105 % together (more than 100 %): P-a 60 %, P-b 45 %"
    );
}

#[test]
fn exactly_one_hundred_percent_is_fine() {
    let graph = Structure::new()
        .owns("P-a", "33.3333", "cust")
        .owns("P-b", "33.3333", "cust")
        .owns("P-c", "33.3334", "cust")
        .build();
    let result = graph.effective_ownership(&r("cust")).unwrap();
    assert_eq!(result.unrecorded, Share::zero());
}

#[test]
fn every_edge_problem_is_reported() {
    let parties = vec![
        Party::entity(r("cust")),
        Party::individual(r("P-a")),
        Party::individual(r("P-a")),
    ];
    let edges = vec![
        Edge::ownership(r("ghost"), r("cust"), pct("10")),
        Edge::ownership(r("cust"), r("cust"), pct("10")),
        Edge::ownership(r("P-a"), r("cust"), Share::zero()),
        Edge::ownership(r("P-a"), r("cust"), pct("100.5")),
        Edge::ownership(r("cust"), r("P-a"), pct("10")),
        Edge::directorship(r("P-a"), r("cust")).valid_between(Some(date()), Some(date())),
    ];
    let error = OwnershipGraph::build(parties, &edges, date()).unwrap_err();
    assert_eq!(
        error.problems,
        vec![
            GraphProblem::DuplicateParty { party: r("P-a") },
            GraphProblem::UnknownParty {
                edge: 0,
                party: r("ghost")
            },
            GraphProblem::SelfEdge {
                edge: 1,
                party: r("cust")
            },
            GraphProblem::ShareOutOfRange {
                edge: 2,
                share: Share::zero()
            },
            GraphProblem::ShareOutOfRange {
                edge: 3,
                share: s("1.005")
            },
            GraphProblem::TargetNotAnEntity {
                edge: 4,
                party: r("P-a")
            },
            GraphProblem::InvalidValidity { edge: 5 },
        ]
    );
}

#[test]
fn a_loop_owned_entirely_from_inside_is_refused() {
    let (parties, edges) = Structure::new()
        .owns("A", "100", "B")
        .owns("B", "100", "A")
        .owns("A", "100", "cust")
        .into_parts();
    let error = OwnershipGraph::build(parties, &edges, date()).unwrap_err();
    assert_eq!(
        error.problems,
        vec![GraphProblem::ClosedCycle {
            entities: vec![r("A"), r("B")]
        }]
    );
    // The same loop with 1 % held from outside is well defined.
    let graph = Structure::new()
        .owns("A", "100", "B")
        .owns("B", "99", "A")
        .owns("P-out", "1", "A")
        .owns("A", "100", "cust")
        .build();
    let result = graph.effective_ownership(&r("cust")).unwrap();
    assert_eq!(result.share_of(&r("P-out")), Some(&Share::one()));
}

#[test]
fn submissions_deserialise_from_json() {
    let parties: Vec<Party> = serde_json::from_str(
        r#"[{"reference": "cust", "kind": "entity"}, {"reference": "p1", "kind": "individual"}]"#,
    )
    .unwrap();
    let edges: Vec<Edge> = serde_json::from_str(
        r#"[{"from": "p1", "to": "cust", "relation": {"type": "ownership", "share": "0.3"},
             "valid_from": "2020-01-01"}]"#,
    )
    .unwrap();
    let graph = OwnershipGraph::build(parties, &edges, date()).unwrap();
    assert_eq!(
        graph
            .effective_ownership(&r("cust"))
            .unwrap()
            .share_of(&r("p1")),
        Some(&s("0.3"))
    );
    assert!(
        serde_json::from_str::<Vec<Edge>>(
            r#"[{"from": "", "to": "x", "relation": {"type": "directorship"}}]"#
        )
        .is_err()
    );
}

//! The aggregate rule for listed parties, and flags raised on the customer from any depth.

use cloudkyc_domain::ownership::{FlagKind, PartyFlag, Relation, Share};
use cloudkyc_domain::rule_pack::{ControlKind, DEFAULT_PACK_ID, RulePack};

use super::{Structure, r, s};

fn aggregate_threshold() -> Share {
    let pack = RulePack::bundled(DEFAULT_PACK_ID).unwrap();
    Share::from_pack_percent(pack.terms().listed_aggregate_ownership_percent).unwrap()
}

#[test]
fn listed_parties_together_reach_fifty_percent() {
    // P-l1 holds 30 % directly; P-l2 holds half of a 50 % holding company: 25 %.
    let graph = Structure::new()
        .owns("P-l1", "30", "cust")
        .owns("holdco", "50", "cust")
        .owns("P-l2", "50", "holdco")
        .owns("P-clean", "50", "holdco")
        .owns("P-other", "20", "cust")
        .build();
    let threshold = aggregate_threshold();
    assert_eq!(threshold, s("1/2"));
    let both = graph
        .aggregate_ownership(&r("cust"), &[r("P-l1"), r("P-l2")])
        .unwrap();
    assert_eq!(both.total, s("0.55"));
    assert!(both.meets(&threshold));
    assert_eq!(both.holders.len(), 2);
    assert_eq!(both.holders[0].holder, r("P-l1"));
    let one = graph.aggregate_ownership(&r("cust"), &[r("P-l2")]).unwrap();
    assert_eq!(one.total, s("0.25"));
    assert!(!one.meets(&threshold));
    // Parties not in the structure hold nothing.
    let some = graph
        .aggregate_ownership(&r("cust"), &[r("P-l2"), r("P-other"), r("unknown")])
        .unwrap();
    assert_eq!(some.total, s("0.45"));
    assert!(!some.meets(&threshold));
    // Exactly 50 % meets the rule.
    let half = graph
        .aggregate_ownership(&r("cust"), &[r("holdco")])
        .unwrap();
    assert!(half.meets(&threshold));
}

#[test]
fn a_listed_parent_and_its_listed_subsidiary_are_not_counted_twice() {
    let graph = Structure::new()
        .owns("P-listed", "100", "listed-sub")
        .owns("listed-sub", "40", "cust")
        .owns("P-listed", "10", "cust")
        .build();
    let result = graph
        .aggregate_ownership(&r("cust"), &[r("P-listed"), r("listed-sub")])
        .unwrap();
    // 40 % attributed to the subsidiary (nearest to the customer), 10 % to the parent.
    assert_eq!(result.total, s("0.5"));
    let shares: Vec<(String, Share)> = result
        .holders
        .iter()
        .map(|h| (h.holder.to_string(), h.share.clone()))
        .collect();
    assert_eq!(
        shares,
        [
            ("listed-sub".to_owned(), s("0.4")),
            ("P-listed".to_owned(), s("0.1"))
        ]
    );
    // A flagged customer is wholly held by flagged parties.
    let itself = graph.aggregate_ownership(&r("cust"), &[r("cust")]).unwrap();
    assert!(itself.total.is_one());
}

#[test]
fn a_hit_two_levels_up_is_raised_with_its_path() {
    let graph = Structure::new()
        .owns("P-sanctioned", "40", "h1")
        .owns("P-clean", "60", "h1")
        .owns("h1", "50", "h2")
        .owns("P-other", "50", "h2")
        .owns("h2", "100", "cust")
        .directs("P-director", "h1")
        .controls("P-fixer", ControlKind::Nominee, "cust")
        .owns("cust", "100", "subsidiary")
        .build();
    let flags = vec![
        PartyFlag {
            party: r("P-sanctioned"),
            kind: FlagKind::ScreeningHit,
            reference: "match-17".into(),
        },
        PartyFlag {
            party: r("P-director"),
            kind: FlagKind::SpecialMeasure,
            reference: "measure-3".into(),
        },
        PartyFlag {
            party: r("P-fixer"),
            kind: FlagKind::ScreeningHit,
            reference: "match-18".into(),
        },
        // Below the customer, and the customer itself: neither is derived.
        PartyFlag {
            party: r("subsidiary"),
            kind: FlagKind::ScreeningHit,
            reference: "match-19".into(),
        },
        PartyFlag {
            party: r("cust"),
            kind: FlagKind::Other,
            reference: "note".into(),
        },
    ];
    let result = graph.derived_flags(&r("cust"), &flags).unwrap();
    assert!(result.paths_complete);
    let raised: Vec<&str> = result
        .flags
        .iter()
        .map(|f| f.flag.reference.as_str())
        .collect();
    assert_eq!(raised, ["match-17", "measure-3", "match-18"]);

    let sanctioned = &result.flags[0];
    assert_eq!(sanctioned.effective_share, s("0.2"));
    assert_eq!(sanctioned.paths.len(), 1);
    assert_eq!(
        sanctioned.paths[0].describe(),
        "P-sanctioned -[owns 40 %]-> h1 -[owns 50 %]-> h2 -[owns 100 %]-> cust (20 %)"
    );

    let director = &result.flags[1];
    assert_eq!(director.effective_share, Share::zero());
    assert_eq!(director.paths[0].relations[0], Relation::Directorship);
    assert_eq!(director.paths[0].ownership_product, None);
    assert_eq!(director.paths[0].parties.len(), 4);

    let fixer = &result.flags[2];
    assert_eq!(
        fixer.paths[0].relations,
        [Relation::Control {
            kind: ControlKind::Nominee
        }]
    );
}

#[test]
fn no_link_means_no_derived_flag() {
    let graph = Structure::new()
        .owns("P-a", "100", "cust")
        .owns("P-b", "100", "elsewhere")
        .build();
    let flags = [PartyFlag {
        party: r("P-b"),
        kind: FlagKind::ScreeningHit,
        reference: "m".into(),
    }];
    let result = graph.derived_flags(&r("cust"), &flags).unwrap();
    assert!(result.flags.is_empty());
}

//! Beneficial owners under the bundled pack's rule: the 25 % threshold and substantial control.

use cloudkyc_domain::ownership::{BeneficialOwnerRule, ControlVia, Share};
use cloudkyc_domain::rule_pack::{ControlKind, DEFAULT_PACK_ID, RulePack};

use super::{Structure, r, s};

fn pack_rule() -> BeneficialOwnerRule {
    let pack = RulePack::bundled(DEFAULT_PACK_ID).unwrap();
    BeneficialOwnerRule::from_terms(pack.terms()).unwrap()
}

fn owner_names(owners: &[cloudkyc_domain::ownership::BeneficialOwner]) -> Vec<String> {
    owners.iter().map(|o| o.individual.to_string()).collect()
}

#[test]
fn the_pack_threshold_is_exact() {
    let rule = pack_rule();
    assert_eq!(rule.threshold, s("1/4"));
    // 50 % of 50 % is exactly 25 %: a beneficial owner. 24.9999 % directly is not.
    let graph = Structure::new()
        .owns("P-quarter", "50", "holdco")
        .owns("holdco", "50", "cust")
        .owns("P-almost", "24.9999", "cust")
        .owns("P-rest", "25.0001", "cust")
        .build();
    let result = graph.beneficial_owners(&r("cust"), &rule).unwrap();
    assert_eq!(owner_names(&result.owners), ["P-rest", "P-quarter"]);
    let quarter = &result.owners[1];
    assert!(quarter.by_ownership);
    assert_eq!(quarter.effective_share, s("0.25"));
    assert_eq!(quarter.control_chain, None);
    assert_eq!(quarter.ownership_paths.len(), 1);
    assert_eq!(
        quarter.basis(),
        "owns 25 % of the customer directly or indirectly"
    );
    // The full computation is kept: the 24.9999 % holder is there, just not an owner.
    assert_eq!(
        result.effective.share_of(&r("P-almost")),
        Some(&s("0.249999"))
    );
}

#[test]
fn control_only_owners_are_beneficial_owners() {
    let graph = Structure::new()
        // The chief executive holds nothing.
        .controls("P-ceo", ControlKind::Management, "cust")
        // P-vie controls a 60 % holding company by contract: control passes down the majority.
        .controls("P-vie", ControlKind::Contractual, "majority-holdco")
        .owns("majority-holdco", "60", "cust")
        // P-minor has voting control of a 40 % holder: 40 % is not control of the customer.
        .controls("P-minor", ControlKind::Voting, "minority-holdco")
        .owns("minority-holdco", "40", "cust")
        .build();
    let result = graph.beneficial_owners(&r("cust"), &pack_rule()).unwrap();
    assert_eq!(owner_names(&result.owners), ["P-ceo", "P-vie"]);
    let ceo = &result.owners[0];
    assert!(!ceo.by_ownership);
    assert_eq!(ceo.effective_share, Share::zero());
    let chain = ceo.control_chain.as_ref().unwrap();
    assert_eq!(chain.len(), 1);
    assert_eq!(
        chain[0].via,
        ControlVia::Control {
            kind: ControlKind::Management
        }
    );
    let vie = result.owners[1].control_chain.as_ref().unwrap();
    assert_eq!(vie.len(), 2);
    assert_eq!(
        (vie[0].from.as_str(), vie[0].to.as_str()),
        ("P-vie", "majority-holdco")
    );
    assert_eq!(
        vie[1].via,
        ControlVia::MajorityOwnership { share: s("0.6") }
    );
    assert_eq!(
        result.owners[1].basis(),
        "substantial control: P-vie has contractual control of majority-holdco, majority-holdco owns 60 % of cust"
    );
}

#[test]
fn only_the_kinds_the_pack_lists_are_substantial() {
    let graph = Structure::new()
        .controls("P-nominee", ControlKind::Nominee, "cust")
        .directs("P-director", "cust")
        .owns("P-owner", "100", "cust")
        .build();
    let all = graph.beneficial_owners(&r("cust"), &pack_rule()).unwrap();
    assert_eq!(owner_names(&all.owners), ["P-owner", "P-nominee"]);
    let narrow = BeneficialOwnerRule {
        threshold: s("0.25"),
        substantial_control: vec![ControlKind::Management],
    };
    let result = graph.beneficial_owners(&r("cust"), &narrow).unwrap();
    // Directorship is never control by itself; nominee control is not in this rule.
    assert_eq!(owner_names(&result.owners), ["P-owner"]);
    // A 100 % owner also controls through the majority.
    assert!(result.owners[0].by_ownership && result.owners[0].control_chain.is_some());
}

#[test]
fn a_chain_of_majorities_is_control_even_below_the_threshold() {
    // 51 % of 51 % of 51 % is about 13 %: below 25 %, but each step is control.
    let graph = Structure::new()
        .owns("P-apex", "51", "h2")
        .owns("h2", "51", "h1")
        .owns("h1", "51", "cust")
        .build();
    let result = graph.beneficial_owners(&r("cust"), &pack_rule()).unwrap();
    assert_eq!(owner_names(&result.owners), ["P-apex"]);
    let apex = &result.owners[0];
    assert!(!apex.by_ownership);
    assert_eq!(apex.effective_share, s("0.132651"));
    assert_eq!(apex.control_chain.as_ref().unwrap().len(), 3);
    // Exactly half is not a majority.
    let half = Structure::new()
        .owns("P-half", "50", "h1")
        .owns("h1", "50", "cust")
        .controls("P-other", ControlKind::Voting, "cust")
        .build();
    let result = half.beneficial_owners(&r("cust"), &pack_rule()).unwrap();
    assert_eq!(owner_names(&result.owners), ["P-half", "P-other"]);
    assert!(result.owners[0].control_chain.is_none());
}

#[test]
fn individual_customers_have_no_owners_to_compute() {
    let graph = Structure::new().owns("P-x", "10", "cust").build();
    assert!(graph.beneficial_owners(&r("P-x"), &pack_rule()).is_err());
    assert!(graph.effective_ownership(&r("nobody")).is_err());
}

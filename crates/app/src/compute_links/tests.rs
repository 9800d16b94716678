use cloudkyc_compute::LinkKind;

use super::LinkIndex;
use super::keys::LinkKey;

fn key(key: &str, kind: LinkKind, account: &str) -> LinkKey {
    LinkKey {
        key: key.into(),
        kind,
        detail: format!("{key} detail"),
        account: account.into(),
    }
}

#[test]
fn a_strong_key_links_a_new_account_to_one_holder_of_it() {
    let mut index = LinkIndex::default();
    assert!(
        index
            .index(vec![key("bo:1", LinkKind::BeneficialOwner, "a")])
            .is_empty()
    );
    let links = index.index(vec![
        key("bo:1", LinkKind::BeneficialOwner, "b"),
        key("bo:1", LinkKind::BeneficialOwner, "c"),
    ]);
    assert_eq!(links.len(), 2);
    assert!(
        links
            .iter()
            .all(|l| l.a == "a" && l.kind == LinkKind::BeneficialOwner)
    );
    assert_eq!(links[0].detail, "bo:1 detail");
    // Indexing the same account again adds nothing.
    assert!(
        index
            .index(vec![key("bo:1", LinkKind::BeneficialOwner, "b")])
            .is_empty()
    );
}

#[test]
fn a_weak_key_links_a_new_account_to_each_earlier_holder() {
    let mut index = LinkIndex::default();
    index.index(vec![
        key("email:1", LinkKind::ContactDetails, "a"),
        key("email:1", LinkKind::ContactDetails, "b"),
    ]);
    let links = index.index(vec![key("email:1", LinkKind::ContactDetails, "c")]);
    let partners: Vec<&str> = links.iter().map(|l| l.a.as_str()).collect();
    assert_eq!(partners, ["a", "b"]);
}

#[test]
fn a_key_that_goes_withdraws_its_links_and_reconnects_the_rest() {
    let mut index = LinkIndex::default();
    let bo = |account| key("bo:1", LinkKind::BeneficialOwner, account);
    index.index(vec![bo("a")]);
    index.index(vec![bo("b"), bo("c")]);
    // a was the hub: b and c were linked through it, so they get a link of their own.
    let (withdraw, relink) = index.remove(&[bo("a")]);
    assert_eq!(withdraw.len(), 2, "{withdraw:#?}");
    assert!(withdraw.iter().all(|l| l.a == "a" || l.b == "a"));
    assert_eq!(relink.len(), 1);
    assert_eq!((relink[0].a.as_str(), relink[0].b.as_str()), ("b", "c"));
    // c goes too: the link b-c is withdrawn and b has nobody left to link to.
    let (withdraw, relink) = index.remove(&[bo("c")]);
    assert_eq!(withdraw.len(), 1);
    assert!(relink.is_empty());
    // Removing a key the index does not hold is a no-op.
    assert_eq!(index.remove(&[bo("z")]), (vec![], vec![]));
}

#[test]
fn a_weak_key_that_goes_withdraws_only_its_pairs() {
    let mut index = LinkIndex::default();
    let email = |account| key("email:1", LinkKind::ContactDetails, account);
    index.index(vec![email("a"), email("b"), email("c")]);
    let (withdraw, relink) = index.remove(&[email("b")]);
    assert_eq!(withdraw.len(), 2, "a-b and b-c: {withdraw:#?}");
    assert!(
        relink.is_empty(),
        "a-c still holds, weak links are per pair"
    );
}

#[test]
fn structure_keys_win_over_the_same_key_from_the_record() {
    let mut from_structure = key("bo:1", LinkKind::BeneficialOwner, "a");
    from_structure.detail = "through Holdco".into();
    let merged = super::merge_keys(
        vec![from_structure],
        vec![
            key("bo:1", LinkKind::BeneficialOwner, "a"),
            key("card:1", LinkKind::PaymentInstrument, "a"),
        ],
    );
    assert_eq!(merged.len(), 2);
    assert_eq!(merged[0].detail, "through Holdco");
}

#[test]
fn keys_are_ordered_by_kind_and_evidence_never_by_their_blind_index() {
    let holding = |index: &str, detail: &str| LinkKey {
        key: format!("compute.holding:{index}"),
        kind: LinkKind::ParentEntity,
        detail: detail.into(),
        account: "a".into(),
    };
    // Whichever way the key ring orders the indexes, the parent company comes first.
    for (first, second) in [("00", "ff"), ("ff", "00")] {
        let merged = super::merge_keys(
            vec![
                holding(first, "shared holding company Midco (SG)"),
                holding(second, "shared holding company Holdco (KY)"),
            ],
            vec![key("bo:1", LinkKind::BeneficialOwner, "a")],
        );
        let details: Vec<&str> = merged.iter().map(|k| k.detail.as_str()).collect();
        assert_eq!(
            details,
            [
                "bo:1 detail",
                "shared holding company Holdco (KY)",
                "shared holding company Midco (SG)"
            ]
        );
    }
}

#[test]
fn accounts_are_looked_up_once() {
    let mut index = LinkIndex::default();
    index.looked_up.insert("a".into());
    assert_eq!(index.not_looked_up(["b", "a", "b"]), ["b"]);
}

mod keys {
    use chrono::{NaiveDate, TimeZone, Utc};
    use cloudkyc_compute::LinkKind;
    use cloudkyc_domain::TenantId;
    use cloudkyc_domain::cip::{CustomerDraft, PersonStatus, determine_customer, validate};
    use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RiskTier, RulePack};
    use cloudkyc_store::customers::{AccountAccess, CipStatus, CustomerDecision, CustomerId};

    use super::super::keys::{Fingerprint, customer_keys};
    use crate::customers::CustomerRecord;

    /// A readable stand-in for the key ring: the evidence must still not show the value.
    struct Plain;
    impl Fingerprint for Plain {
        fn index(&self, space: &str, value: &str) -> String {
            format!("{:0>12x}-{space}-{value}", value.len())
        }
    }

    fn record(body: serde_json::Value) -> CustomerRecord {
        let draft: CustomerDraft = serde_json::from_value(body).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let customer = validate(&draft, today).unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().unwrap();
        CustomerRecord {
            id: CustomerId::new(),
            tenant: TenantId::new(),
            kind: customer.kind(),
            decision: CustomerDecision {
                person_status: PersonStatus::Foreign,
                cip_status: CipStatus::Pending,
                account_access: AccountAccess::Restricted,
                risk_tier: RiskTier::Medium,
                policy_id: "p".into(),
                policy_version: "1".into(),
                reasons: vec![],
            },
            determination: determine_customer(&customer, &[]),
            checks: vec![],
            screening: None,
            accounts: customer
                .accounts
                .iter()
                .map(|a| a.external_id.as_str().to_owned())
                .collect(),
            customer,
            created_at: at,
            updated_at: at,
        }
    }

    fn entity(owner: &str, percent: f64, card_bin: Option<&str>) -> serde_json::Value {
        let mut card = serde_json::json!({"type": "card", "brand": "visa", "last4": "8831",
            "bin_country": "SG", "source": "customer"});
        if let Some(bin) = card_bin {
            card["bin"] = bin.into();
        }
        serde_json::json!({
            "kind": "entity", "name": {"full": "Aurora Pte. Ltd."},
            "incorporation": {"country": "SG", "date": "2025-06-02"},
            "addresses": [{"line1": "10 Marina Boulevard", "city": "Singapore", "country": "SG"}],
            "accounts": [
                {"external_id": "a-1", "payment_methods": [card]},
                {"external_id": "a-2", "payment_methods": [
                    {"type": "bank_account", "country": "SG", "source": "customer"}]}],
            "beneficial_owners": [{"name": {"full": owner}, "date_of_birth": "1975-05-05",
                "nationalities": ["CN"], "ownership_percent": percent,
                "addresses": [{"line1": "18 Century Avenue", "city": "Shanghai", "country": "CN"}]}]
        })
    }

    fn pack() -> RulePack {
        RulePack::bundled(DEFAULT_PACK_ID).unwrap()
    }

    #[test]
    fn an_owner_is_one_key_however_the_name_is_written() {
        let pack = pack();
        let owner_key = |name: &str| {
            let keys = customer_keys(&record(entity(name, 60.0, None)), pack.terms(), &Plain);
            let owners: Vec<String> = keys
                .iter()
                .filter(|k| k.kind == LinkKind::BeneficialOwner)
                .map(|k| k.key.clone())
                .collect();
            assert_eq!(owners.len(), 2, "one key per account: {keys:#?}");
            owners[0].clone()
        };
        assert_eq!(owner_key("Chen Jun"), owner_key("CHEN,  jun"));
        assert_ne!(owner_key("Chen Jun"), owner_key("Chen Jin"));
    }

    #[test]
    fn keys_cover_customer_card_and_owner_and_never_show_the_value() {
        let pack = pack();
        let keys = customer_keys(
            &record(entity("Chen Jun", 60.0, Some("455612"))),
            pack.terms(),
            &Plain,
        );
        let kinds = |account: &str| -> Vec<LinkKind> {
            let mut k: Vec<LinkKind> = keys
                .iter()
                .filter(|k| k.account == account)
                .map(|k| k.kind)
                .collect();
            k.sort();
            k.dedup();
            k
        };
        use LinkKind::*;
        // The card is a1's only; the bank account identifies nobody.
        assert_eq!(
            kinds("a-1"),
            [BeneficialOwner, ParentEntity, PaymentInstrument]
        );
        assert_eq!(kinds("a-2"), [BeneficialOwner, ParentEntity]);
        for k in &keys {
            assert!(!k.detail.to_lowercase().contains("chen"), "{}", k.detail);
            assert!(!k.detail.contains("455612"), "{}", k.detail);
        }
        let card = keys.iter().find(|k| k.kind == PaymentInstrument).unwrap();
        assert!(card.detail.contains("visa ending 8831"), "{}", card.detail);
    }

    #[test]
    fn mail_drops_and_owners_without_identifiers_are_shell_indicators() {
        use super::super::facts::{GroupHolders, is_mail_drop, owner_facts};
        let pack = pack();
        let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let mut body = entity("Chen Jun", 60.0, None);
        let facts_of = |body: &serde_json::Value| {
            let holders = GroupHolders {
                customers: vec![record(body.clone())],
                ..GroupHolders::default()
            };
            owner_facts(&holders, &["a-1".into()], vec![], today, pack.terms())
        };
        let plain = facts_of(&body);
        assert!(!plain.virtual_office && !plain.unverifiable_owner);

        body["addresses"] = serde_json::json!([
            {"line1": "PMB 4410, 8 Marina View", "city": "Singapore", "country": "SG"},
            {"line1": "c/o Corporate Services Pte Ltd", "line2": "1 Raffles Place",
             "city": "Singapore", "country": "SG"}]);
        body["beneficial_owners"][0]
            .as_object_mut()
            .unwrap()
            .remove("date_of_birth");
        let shell = facts_of(&body);
        assert!(shell.virtual_office, "every address is a mail drop");
        assert!(
            shell.unverifiable_owner,
            "an owner with no birth date and no document"
        );

        let address = |line1: &str| -> cloudkyc_domain::cip::Address {
            serde_json::from_value(serde_json::json!(
                {"line1": line1, "city": "X", "country": "SG"}))
            .unwrap()
        };
        assert!(is_mail_drop(&address("P.O. Box 1234")));
        assert!(is_mail_drop(&address("Virtual Office, Level 3")));
        assert!(!is_mail_drop(&address("12 Pmbroke Street")));
        assert!(!is_mail_drop(&address("Cobalt Tower, 5 Coast Road")));
    }

    #[test]
    fn a_small_holding_is_no_beneficial_owner_and_a_card_without_bin_no_key() {
        let pack = pack();
        let keys = customer_keys(&record(entity("Chen Jun", 5.0, None)), pack.terms(), &Plain);
        assert!(
            keys.iter().all(|k| k.kind == LinkKind::ParentEntity),
            "{keys:#?}"
        );
    }
}

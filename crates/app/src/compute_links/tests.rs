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
    fn a_small_holding_is_no_beneficial_owner_and_a_card_without_bin_no_key() {
        let pack = pack();
        let keys = customer_keys(&record(entity("Chen Jun", 5.0, None)), pack.terms(), &Plain);
        assert!(
            keys.iter().all(|k| k.kind == LinkKind::ParentEntity),
            "{keys:#?}"
        );
    }
}

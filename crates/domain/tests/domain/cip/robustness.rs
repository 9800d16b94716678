//! Validation and MRZ parsing never panic, whatever strings arrive in whatever field.

use cloudkyc_domain::cip::mrz::Mrz;
use cloudkyc_domain::cip::{self, CustomerDraft};
use proptest::prelude::*;

use super::today;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[A-Z0-9<]{0,50}",
        "[a-z0-9.@+-]{0,40}",
        "\\+[0-9 ]{0,20}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        "(bc1|ltc1|0x|T|1|3)[a-zA-Z0-9]{0,60}",
    ]
}

fn body() -> impl Strategy<Value = serde_json::Value> {
    (
        prop::collection::vec(text(), 14),
        prop::bool::ANY,
        prop::sample::select(vec!["card", "bank_account", "wallet", "customer_id", "transaction_ids"]),
        prop::sample::select(vec!["passport", "national_id", "driving_licence", "residence_permit"]),
        any::<f64>(),
    )
        .prop_map(|(t, is_person, method, document, percent)| {
            serde_json::json!({
                "kind": if is_person { "individual" } else { "entity" },
                "name": {"full": t[0], "given": t[1], "other_names": [t[2]]},
                "date_of_birth": t[3],
                "nationalities": [t[4]],
                "incorporation": {"country": t[4], "date": t[3], "registration_number": t[5]},
                "addresses": [{"line1": t[5], "city": t[6], "postal_code": t[7], "country": t[4]}],
                "emails": [t[8]],
                "phones": [t[9]],
                "documents": [{"type": document, "number": t[10], "issuing_country": t[4], "expires": t[3], "mrz": [t[11], t[12]]}],
                "accounts": [{"external_id": t[13], "payment_methods": [
                    {"type": method, "brand": t[1], "last4": t[2], "bin": t[7], "bin_country": t[4], "country": t[4],
                     "chain": t[2], "address": t[12], "customer_id": t[13], "transaction_ids": [t[0]], "source": "third_party",
                     "payer": {"name": {"full": t[6]}, "country": t[4]}}
                ]}],
                "beneficial_owners": [{"name": {"full": t[6]}, "date_of_birth": t[3], "nationalities": [t[4]],
                                       "ownership_percent": if percent.is_finite() { percent } else { 1.0 }, "control": t[7]}]
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn validation_never_panics(value in body()) {
        let draft: CustomerDraft = serde_json::from_value(value).expect("the generated shape is always a draft");
        match cip::validate(&draft, today()) {
            Ok(customer) => {
                let _ = cip::determine_customer(&customer, &[]);
            }
            Err(errors) => prop_assert!(errors.iter().all(|e| e.path.starts_with('/') && !e.message.is_empty())),
        }
    }

    #[test]
    fn mrz_parsing_never_panics(lines in prop_oneof![
        prop::collection::vec("[A-Z0-9<]{30}", 3),
        prop::collection::vec("[A-Z0-9<]{20}[MFX<][A-Z0-9<]{15}", 2),
        prop::collection::vec("[A-Z0-9<]{20}[MFX<][A-Z0-9<]{23}", 2),
        prop::collection::vec(".{0,50}", 0..4),
    ]) {
        if let Ok(mrz) = Mrz::parse(&lines) {
            prop_assert!(!mrz.check_digits().is_empty());
            let _ = mrz.birth_date().as_birth_date(today());
            let _ = mrz.expiry_date().as_expiry_date(today());
        }
    }
}

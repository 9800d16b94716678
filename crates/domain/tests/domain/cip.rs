//! The CIP module seen from outside: the interface-page bodies, many-error bodies, MRZ specimens,
//! wallets, the determination table and the consistency checks.

// Helpers outside `#[test]` functions unwrap too: a panic is how a test helper fails.
#![allow(clippy::unwrap_used)]

mod consistency;
mod determination;
mod mrz;
mod robustness;
mod wallets;

use chrono::NaiveDate;
use cloudkyc_domain::cip::{self, CustomerDraft, ErrorCode, FieldError};

pub(super) fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

pub(super) const INDIVIDUAL: &str = r#"{
  "kind": "individual",
  "name": {"full": "Amara Okafor"},
  "date_of_birth": "1988-04-12",
  "nationalities": ["NG"],
  "addresses": [{"line1": "12 Marina Road", "city": "Lagos", "country": "NG"}],
  "emails": ["amara.okafor@example.ng"],
  "phones": ["+234 803 555 0142"],
  "documents": [{"type": "passport", "number": "A07314252", "issuing_country": "NG",
                 "expires": "2031-09-15",
                 "mrz": ["P<NGAOKAFOR<<AMARA<<<<<<<<<<<<<<<<<<<<<<<<<<",
                         "A073142526NGA8804123F3109155<<<<<<<<<<<<<<02"]}],
  "accounts": [{"external_id": "acct-1001",
                "payment_methods": [{"type": "card", "brand": "visa", "last4": "4242",
                                     "bin_country": "NG", "source": "customer"}]}],
  "beneficial_owners": []
}"#;

pub(super) const ENTITY: &str = r#"{
  "kind": "entity",
  "name": {"full": "Helios Compute FZ-LLC"},
  "incorporation": {"country": "AE", "date": "2024-03-01", "registration_number": "DMCC-102938"},
  "addresses": [{"line1": "Unit 4, Cluster X", "city": "Dubai", "country": "AE"}],
  "emails": ["ops@helioscompute.example"],
  "phones": ["+971 4 555 0199"],
  "accounts": [{"external_id": "acct-2001",
                "payment_methods": [{"type": "bank_account", "country": "AE", "source": "customer"}]}],
  "beneficial_owners": [
    {"name": {"full": "Li Wei"}, "date_of_birth": "1979-02-03", "nationalities": ["CN"],
     "addresses": [{"line1": "8 Jianguo Road", "city": "Beijing", "country": "CN"}],
     "ownership_percent": 60},
    {"name": {"full": "Omar Haddad"}, "date_of_birth": "1983-11-20", "nationalities": ["AE"],
     "addresses": [{"line1": "22 Al Wasl", "city": "Dubai", "country": "AE"}],
     "control": "management"}
  ]
}"#;

pub(super) fn draft(json: &str) -> CustomerDraft {
    serde_json::from_str(json).unwrap()
}

fn errors_of(json: &str) -> Vec<FieldError> {
    cip::validate(&draft(json), today()).unwrap_err()
}

#[test]
fn interface_individual_validates_cleanly() {
    let customer = cip::validate(&draft(INDIVIDUAL), today()).unwrap();
    assert_eq!(customer.kind(), cip::CustomerKind::Individual);
    assert_eq!(customer.name.full().as_str(), "Amara Okafor");
    assert_eq!(customer.contact.phones[0].e164(), "+2348035550142");
    let passport = &customer.contact.documents[0];
    assert_eq!(passport.kind, cip::DocumentKind::Passport);
    assert!(passport.mrz.as_ref().unwrap().all_check_digits_valid());
}

#[test]
fn interface_entity_validates_cleanly() {
    let customer = cip::validate(&draft(ENTITY), today()).unwrap();
    assert_eq!(customer.kind(), cip::CustomerKind::Entity);
    assert_eq!(customer.beneficial_owners.len(), 2);
    assert_eq!(
        customer.beneficial_owners[0]
            .stake
            .percent()
            .map(|p| p.value()),
        Some(60.0)
    );
    assert_eq!(
        customer.beneficial_owners[1]
            .stake
            .control_role()
            .map(|r| r.as_str()),
        Some("management")
    );
}

#[test]
fn a_body_with_many_errors_reports_every_one_with_its_path() {
    let body = r#"{
      "kind": "entity",
      "name": {"full": "  ", "given": "Bad"},
      "date_of_birth": "1990-01-01",
      "incorporation": {"country": "XX", "date": "2099-01-01"},
      "addresses": [{"line1": "1 Main St", "city": "", "country": "ZZ"}],
      "emails": ["not-an-email", "ok@example.com"],
      "phones": ["0803 555 0142", "+1 555 0100"],
      "documents": [{"type": "passport", "number": "A1_2", "issuing_country": "ng"},
                    {"type": "national_id", "number": "X7709134", "issuing_country": "DE", "expires": "2020-01-01",
                     "mrz": ["short"]}],
      "accounts": [
        {"external_id": "a-1", "payment_methods": [
          {"type": "card", "brand": "bogus", "last4": "42", "bin": "12", "chain": "bitcoin", "source": "customer"},
          {"type": "wallet", "chain": "bitcoin", "address": "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "source": "third_party"},
          {"type": "bank_account", "source": "customer", "payer": {"name": {"full": "X Y"}}},
          {"type": "transaction_ids", "transaction_ids": []}
        ]},
        {"external_id": "a-1"}
      ],
      "beneficial_owners": [
        {"name": {"full": "Li Wei"}, "date_of_birth": "2999-02-03", "nationalities": ["CN", "QQ"], "ownership_percent": 80},
        {"name": {"full": "Omar Haddad"}, "date_of_birth": "1983-02-30", "ownership_percent": 40},
        {"name": {"full": "No Stake"}}
      ]
    }"#;
    let errors = errors_of(body);
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    let expected = [
        ("/name/full", ErrorCode::Required),
        ("/name/given", ErrorCode::NotAllowed),
        ("/date_of_birth", ErrorCode::NotAllowed),
        ("/incorporation/country", ErrorCode::UnknownValue),
        ("/incorporation/date", ErrorCode::OutOfRange),
        ("/addresses/0/city", ErrorCode::Required),
        ("/addresses/0/country", ErrorCode::UnknownValue),
        ("/emails/0", ErrorCode::InvalidFormat),
        ("/phones/0", ErrorCode::InvalidFormat),
        ("/phones/1", ErrorCode::InvalidFormat),
        ("/documents/0/number", ErrorCode::InvalidFormat),
        ("/documents/0/expires", ErrorCode::Required),
        ("/documents/1/expires", ErrorCode::OutOfRange),
        ("/documents/1/mrz", ErrorCode::InvalidFormat),
        ("/accounts/0/payment_methods/0/chain", ErrorCode::NotAllowed),
        (
            "/accounts/0/payment_methods/0/brand",
            ErrorCode::UnknownValue,
        ),
        (
            "/accounts/0/payment_methods/0/last4",
            ErrorCode::InvalidFormat,
        ),
        (
            "/accounts/0/payment_methods/0/bin",
            ErrorCode::InvalidFormat,
        ),
        (
            "/accounts/0/payment_methods/1/address",
            ErrorCode::ChecksumMismatch,
        ),
        ("/accounts/0/payment_methods/1/payer", ErrorCode::Required),
        ("/accounts/0/payment_methods/2/country", ErrorCode::Required),
        ("/accounts/0/payment_methods/2/payer", ErrorCode::NotAllowed),
        (
            "/accounts/0/payment_methods/3/transaction_ids",
            ErrorCode::Required,
        ),
        ("/accounts/0/payment_methods/3/source", ErrorCode::Required),
        ("/accounts/1/external_id", ErrorCode::Duplicate),
        ("/beneficial_owners/0/date_of_birth", ErrorCode::OutOfRange),
        (
            "/beneficial_owners/0/nationalities/1",
            ErrorCode::UnknownValue,
        ),
        (
            "/beneficial_owners/1/date_of_birth",
            ErrorCode::InvalidFormat,
        ),
        ("/beneficial_owners/2", ErrorCode::Required),
        ("/beneficial_owners", ErrorCode::OutOfRange),
    ];
    for (path, code) in expected {
        assert!(
            errors.iter().any(|e| e.path == path && e.code == code),
            "missing {path} {code:?}; got {paths:#?}"
        );
    }
    assert_eq!(
        errors.len(),
        expected.len(),
        "unexpected extra errors: {errors:#?}"
    );
    assert!(errors.iter().all(|e| !e.message.is_empty()));
}

#[test]
fn structural_problems_are_refused_by_deserialisation() {
    let unknown_field = INDIVIDUAL.replace(
        "\"kind\": \"individual\",",
        "\"kind\": \"individual\", \"nickname\": \"A\",",
    );
    assert!(serde_json::from_str::<CustomerDraft>(&unknown_field).is_err());
    let unknown_kind = INDIVIDUAL.replace("\"individual\"", "\"robot\"");
    assert!(serde_json::from_str::<CustomerDraft>(&unknown_kind).is_err());
    let wrong_type = INDIVIDUAL.replace("\"nationalities\": [\"NG\"]", "\"nationalities\": \"NG\"");
    assert!(serde_json::from_str::<CustomerDraft>(&wrong_type).is_err());
    let misspelt_nested = ENTITY.replace("\"registration_number\"", "\"registration_no\"");
    assert!(serde_json::from_str::<CustomerDraft>(&misspelt_nested).is_err());
}

#[test]
fn kind_specific_fields_are_refused_for_the_other_kind() {
    let individual_with_incorporation = INDIVIDUAL.replace(
        "\"beneficial_owners\": []",
        "\"beneficial_owners\": [], \"incorporation\": {\"country\": \"NG\"}",
    );
    let errors = errors_of(&individual_with_incorporation);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].path.as_str(), errors[0].code),
        ("/incorporation", ErrorCode::NotAllowed)
    );
}

#[test]
fn third_party_payers_and_wallets_validate() {
    let body = INDIVIDUAL.replace(
        r#"{"type": "card", "brand": "visa", "last4": "4242",
                                     "bin_country": "NG", "source": "customer"}"#,
        r#"{"type": "wallet", "chain": "ethereum", "address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "source": "third_party", "payer": {"name": {"full": "Okafor Holdings Ltd"}, "country": "NG", "relationship": "family company"}}"#,
    );
    let customer = cip::validate(&draft(&body), today()).unwrap();
    let method = &customer.accounts[0].payment_methods[0];
    match (&method.instrument, &method.source) {
        (cip::PaymentInstrument::Wallet { wallet }, cip::PaymentSource::ThirdParty { payer }) => {
            assert_eq!(wallet.checksum(), cip::ChecksumStatus::Verified);
            assert_eq!(payer.country.map(|c| c.to_string()).as_deref(), Some("NG"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

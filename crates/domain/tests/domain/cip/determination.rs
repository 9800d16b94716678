//! The U.S./foreign decision table, one case per row, built through the public API.

use cloudkyc_domain::cip::{self, CountryCode, DeterminationRule as Rule, PersonStatus};

use super::{ENTITY, INDIVIDUAL, draft, today};

fn cc(code: &str) -> CountryCode {
    CountryCode::parse(code).unwrap()
}

/// An individual customer from a few facts.
fn individual(
    nationalities: &[&str],
    permanent_resident: Option<bool>,
    address_countries: &[&str],
) -> cip::ValidatedCustomer {
    let body = serde_json::json!({
        "kind": "individual",
        "name": {"full": "Sam Example"},
        "nationalities": nationalities,
        "us_permanent_resident": permanent_resident,
        "addresses": address_countries.iter().map(|c| serde_json::json!({"line1": "1 Road", "city": "Town", "country": c})).collect::<Vec<_>>(),
    });
    cip::validate(&serde_json::from_value(body).unwrap(), today()).unwrap()
}

fn entity(incorporated_in: Option<&str>, address_countries: &[&str]) -> cip::ValidatedCustomer {
    let body = serde_json::json!({
        "kind": "entity",
        "name": {"full": "Example Ltd"},
        "incorporation": incorporated_in.map(|c| serde_json::json!({"country": c})),
        "addresses": address_countries.iter().map(|c| serde_json::json!({"line1": "1 Road", "city": "Town", "country": c})).collect::<Vec<_>>(),
    });
    cip::validate(&serde_json::from_value(body).unwrap(), today()).unwrap()
}

#[test]
fn individual_table() {
    let cases: [(cip::ValidatedCustomer, &[&str], PersonStatus, Rule); 10] = [
        (
            individual(&["US"], None, &["FR"]),
            &[],
            PersonStatus::Us,
            Rule::UsCitizen,
        ),
        (
            individual(&["FR", "US"], Some(false), &[]),
            &[],
            PersonStatus::Us,
            Rule::UsCitizen,
        ),
        (
            individual(&["MX"], Some(true), &["MX"]),
            &[],
            PersonStatus::Us,
            Rule::UsPermanentResident,
        ),
        (
            individual(&["IN"], None, &["US"]),
            &[],
            PersonStatus::Us,
            Rule::LocatedInUs,
        ),
        (
            individual(&["IN"], None, &[]),
            &["US"],
            PersonStatus::Us,
            Rule::LocatedInUs,
        ),
        (
            individual(&["IN"], None, &["US"]),
            &["IN"],
            PersonStatus::Undetermined,
            Rule::ConflictingLocation,
        ),
        (
            individual(&["IN"], None, &["IN"]),
            &["US", "IN"],
            PersonStatus::Undetermined,
            Rule::ConflictingLocation,
        ),
        (
            individual(&["IN"], None, &[]),
            &[],
            PersonStatus::Undetermined,
            Rule::NoLocationEvidence,
        ),
        (
            individual(&[], None, &["IN"]),
            &[],
            PersonStatus::Undetermined,
            Rule::CitizenshipUnknown,
        ),
        (
            individual(&["IN"], Some(false), &["IN", "AE"]),
            &["AE"],
            PersonStatus::Foreign,
            Rule::ForeignNational,
        ),
    ];
    for (index, (customer, access, status, rule)) in cases.iter().enumerate() {
        let access: Vec<CountryCode> = access.iter().map(|c| cc(c)).collect();
        let result = cip::determine_customer(customer, &access);
        assert_eq!(
            (result.customer.status, result.customer.rule),
            (*status, *rule),
            "row {index}: {}",
            result.customer.basis
        );
        assert_eq!(result.overall.status, *status, "row {index}");
    }
}

#[test]
fn entity_table() {
    let cases = [
        (
            entity(Some("US"), &["DE"]),
            PersonStatus::Us,
            Rule::OrganisedInUs,
        ),
        (
            entity(None, &["DE"]),
            PersonStatus::Undetermined,
            Rule::PlaceOfOrganisationUnknown,
        ),
        (
            entity(Some("DE"), &["DE", "US"]),
            PersonStatus::Undetermined,
            Rule::ForeignEntityWithUsPresence,
        ),
        (
            entity(Some("DE"), &["DE"]),
            PersonStatus::Foreign,
            Rule::OrganisedAbroad,
        ),
        (
            entity(Some("DE"), &[]),
            PersonStatus::Foreign,
            Rule::OrganisedAbroad,
        ),
    ];
    for (index, (customer, status, rule)) in cases.iter().enumerate() {
        let result = cip::determine_customer(customer, &[]);
        assert_eq!(
            (result.customer.status, result.customer.rule),
            (*status, *rule),
            "row {index}: {}",
            result.customer.basis
        );
    }
}

#[test]
fn interface_customers_are_foreign_with_their_basis_in_words() {
    let amara = cip::validate(&draft(INDIVIDUAL), today()).unwrap();
    let result = cip::determine_customer(&amara, &[cc("NG")]);
    assert_eq!(result.overall.status, PersonStatus::Foreign);
    assert_eq!(
        result.customer.basis,
        "not a U.S. citizen (nationality NG (Nigeria)), U.S. permanent residence not claimed, and located outside \
         the United States (addresses in NG (Nigeria); access from NG (Nigeria))"
    );

    let helios = cip::validate(&draft(ENTITY), today()).unwrap();
    let result = cip::determine_customer(&helios, &[]);
    assert_eq!(result.customer.rule, Rule::OrganisedAbroad);
    assert_eq!(result.owners.len(), 2);
    assert!(
        result
            .owners
            .iter()
            .all(|o| o.status == PersonStatus::Foreign)
    );
    assert_eq!(result.overall.status, PersonStatus::Foreign);
    assert_eq!(
        result.overall.basis,
        "foreign person(s): the customer, beneficial owner Li Wei, beneficial owner Omar Haddad"
    );
}

#[test]
fn a_us_company_with_one_foreign_owner_is_foreign_and_one_unknown_owner_keeps_it_undetermined() {
    let body = |owner_nationality: &str, owner_country: Option<&str>| {
        let addresses: Vec<serde_json::Value> = owner_country
            .iter()
            .map(|c| serde_json::json!({"line1": "1 Road", "city": "Town", "country": c}))
            .collect();
        serde_json::json!({
            "kind": "entity",
            "name": {"full": "Delaware Compute Inc"},
            "incorporation": {"country": "US"},
            "beneficial_owners": [
                {"name": {"full": "Pat Jones"}, "nationalities": ["US"], "ownership_percent": 50},
                {"name": {"full": "Kim Lee"}, "nationalities": [owner_nationality], "addresses": addresses, "ownership_percent": 50}
            ]
        })
    };
    let foreign_owner = cip::validate(
        &serde_json::from_value(body("KR", Some("KR"))).unwrap(),
        today(),
    )
    .unwrap();
    let result = cip::determine_customer(&foreign_owner, &[CountryCode::US]);
    assert_eq!(result.customer.status, PersonStatus::Us);
    assert_eq!(result.overall.status, PersonStatus::Foreign);
    assert_eq!(
        result.overall.basis,
        "foreign person(s): beneficial owner Kim Lee"
    );

    let unknown_owner =
        cip::validate(&serde_json::from_value(body("KR", None)).unwrap(), today()).unwrap();
    let result = cip::determine_customer(&unknown_owner, &[]);
    assert_eq!(result.overall.status, PersonStatus::Undetermined);
    assert_eq!(result.overall.rule, Rule::CustomerOrOwnerUndetermined);

    let all_us =
        cip::validate(&serde_json::from_value(body("US", None)).unwrap(), today()).unwrap();
    assert_eq!(
        cip::determine_customer(&all_us, &[]).overall.status,
        PersonStatus::Us
    );
}

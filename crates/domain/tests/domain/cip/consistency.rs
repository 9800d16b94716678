//! Non-documentary consistency checks over validated customers.

use cloudkyc_domain::cip::consistency::{
    access_country_matches_claimed, document_number_plausible, email_cctld_matches_country,
    email_domain_not_disposable, payment_country_matches_address, phone_country_matches_address,
};
use cloudkyc_domain::cip::{self, AccessObservation, CheckOutcome, CountryCode, Email, IpAddress};

use super::{ENTITY, INDIVIDUAL, draft, today};

fn cc(code: &str) -> CountryCode {
    CountryCode::parse(code).unwrap()
}

fn seen(ip: &str, country: Option<&str>) -> AccessObservation {
    AccessObservation {
        ip: IpAddress::parse(ip).unwrap(),
        country: country.map(cc),
    }
}

#[test]
fn interface_individual_passes_every_check() {
    let amara = cip::validate(&draft(INDIVIDUAL), today()).unwrap();
    let contact = &amara.contact;
    let countries = contact.address_countries();
    let results = [
        phone_country_matches_address(&contact.phones, &contact.addresses),
        payment_country_matches_address(&amara.accounts, &contact.addresses),
        access_country_matches_claimed(&[seen("102.89.34.10", Some("NG"))], &countries),
        email_domain_not_disposable(&contact.emails),
        email_cctld_matches_country(&contact.emails, &countries),
        document_number_plausible(&contact.documents),
    ];
    for result in &results {
        assert_eq!(result.outcome, CheckOutcome::Pass, "{result}");
    }
}

#[test]
fn interface_entity_has_nothing_to_contradict() {
    let helios = cip::validate(&draft(ENTITY), today()).unwrap();
    let contact = &helios.contact;
    assert!(
        phone_country_matches_address(&contact.phones, &contact.addresses)
            .outcome
            .is_pass()
    );
    assert!(
        payment_country_matches_address(&helios.accounts, &contact.addresses)
            .outcome
            .is_pass()
    );
    let cctld = email_cctld_matches_country(&contact.emails, &contact.address_countries());
    assert_eq!(cctld.outcome, CheckOutcome::NotApplicable);
    assert_eq!(
        document_number_plausible(&contact.documents).outcome,
        CheckOutcome::NotApplicable
    );
}

#[test]
fn contradictions_fail_with_a_readable_detail() {
    let body = INDIVIDUAL
        .replace("\"+234 803 555 0142\"", "\"+44 20 7946 0958\"")
        .replace("\"bin_country\": \"NG\"", "\"bin_country\": \"RU\"")
        .replace(
            "amara.okafor@example.ng",
            "amara@mailinator.com\", \"amara@example.de",
        )
        .replace("\"number\": \"A07314252\"", "\"number\": \"000000000\"");
    let customer = cip::validate(&draft(&body), today()).unwrap();
    let contact = &customer.contact;
    let phone = phone_country_matches_address(&contact.phones, &contact.addresses);
    assert_eq!(phone.outcome, CheckOutcome::Fail);
    assert_eq!(
        phone.detail,
        "+442079460958 is a GB (United Kingdom) number; addresses in NG (Nigeria)"
    );
    let payment = payment_country_matches_address(&customer.accounts, &contact.addresses);
    assert_eq!(payment.outcome, CheckOutcome::Fail);
    assert_eq!(
        payment.detail,
        "card ending 4242 on account acct-1001 is in RU, payer in NG (Nigeria)"
    );
    let disposable = email_domain_not_disposable(&contact.emails);
    assert_eq!(disposable.outcome, CheckOutcome::Fail);
    assert_eq!(
        disposable.detail,
        "disposable-mailbox domain(s): mailinator.com"
    );
    let cctld = email_cctld_matches_country(&contact.emails, &contact.address_countries());
    assert_eq!(cctld.outcome, CheckOutcome::Fail);
    assert_eq!(
        cctld.detail,
        "example.de is a DE (Germany) domain; claimed NG (Nigeria)"
    );
    let document = document_number_plausible(&contact.documents);
    assert_eq!(document.outcome, CheckOutcome::Fail);
    assert_eq!(
        document.detail,
        "passport number 000000000: one character repeated"
    );
}

#[test]
fn access_location_outcomes() {
    let claimed = [cc("NG")];
    let foreign = access_country_matches_claimed(
        &[
            seen("102.89.34.10", Some("NG")),
            seen("5.255.255.5", Some("RU")),
            seen("10.0.0.1", None),
        ],
        &claimed,
    );
    assert_eq!(foreign.outcome, CheckOutcome::Fail);
    assert_eq!(
        foreign.detail,
        "access from unclaimed RU (Russian Federation); access by country NG: 1, RU: 1; claimed NG (Nigeria); 0 not geolocated, 1 private or reserved"
    );
    let no_geo = access_country_matches_claimed(
        &[seen("102.89.34.10", None), seen("192.168.1.1", None)],
        &claimed,
    );
    assert!(
        matches!(no_geo.outcome, CheckOutcome::CannotRun { .. }),
        "{no_geo}"
    );
    assert_eq!(
        access_country_matches_claimed(&[], &claimed).outcome,
        CheckOutcome::NotApplicable
    );
    let no_claim = access_country_matches_claimed(&[seen("102.89.34.10", Some("NG"))], &[]);
    assert!(matches!(no_claim.outcome, CheckOutcome::CannotRun { .. }));
}

#[test]
fn phone_and_payment_edge_outcomes() {
    let no_phone = phone_country_matches_address(&[], &[]);
    assert_eq!(no_phone.outcome, CheckOutcome::NotApplicable);
    let phone = cip::PhoneNumber::parse("+234 803 555 0142").unwrap();
    let no_address = phone_country_matches_address(&[phone], &[]);
    assert!(matches!(no_address.outcome, CheckOutcome::CannotRun { .. }));
    let email = Email::parse("a@example.com").unwrap();
    assert_eq!(
        email_cctld_matches_country(&[email], &[]).outcome,
        CheckOutcome::NotApplicable
    );
}

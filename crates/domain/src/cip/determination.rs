//! U.S. or foreign person (rule-pack section 1): a U.S. person is a U.S. citizen or permanent
//! resident, an entity organised under U.S. law, or anyone located in the United States; a
//! foreign person is anyone else. Until the evidence decides, the status is `undetermined` and
//! the customer is treated as possibly foreign.
//!
//! The tables, first matching row wins. "Location evidence" is the address countries plus, for
//! the customer itself, the countries of the IP addresses its accounts were accessed from (the
//! caller geolocates them; owners do not log in, so their location is their addresses only).
//!
//! Individual (customer or beneficial owner):
//!
//! | # | evidence                                                         | status       |
//! |---|------------------------------------------------------------------|--------------|
//! | 1 | a nationality is US                                              | us           |
//! | 2 | U.S. permanent resident = true                                   | us           |
//! | 3 | location evidence exists and all of it is in the US              | us           |
//! | 4 | location evidence both in and outside the US                     | undetermined |
//! | 5 | no location evidence at all                                      | undetermined |
//! | 6 | no nationality stated (a U.S. citizen abroad is a U.S. person)   | undetermined |
//! | 7 | otherwise: non-U.S. nationals, not permanent residents, located only outside the US | foreign |
//!
//! Row 7 treats an unanswered permanent-residence question as "no": a permanent resident must
//! reside in the United States, and every location we know of is outside it.
//!
//! Entity:
//!
//! | # | evidence                                                         | status       |
//! |---|------------------------------------------------------------------|--------------|
//! | 1 | incorporation country is US                                      | us           |
//! | 2 | incorporation country unknown                                    | undetermined |
//! | 3 | organised abroad but some location evidence is in the US (it may be located in the United States, e.g. a U.S. branch) | undetermined |
//! | 4 | organised abroad, no location evidence in the US                 | foreign      |
//!
//! Customer overall: foreign if the customer or any beneficial owner is foreign; otherwise us if
//! the customer and every owner are us; otherwise undetermined.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::country::{CountryCode, describe_countries};
use super::customer::{ContactDetails, EntityFacts, Party, PersonFacts, ValidatedCustomer};

/// The `person_status` of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonStatus {
    Us,
    Foreign,
    Undetermined,
}

impl fmt::Display for PersonStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Us => "us",
            Self::Foreign => "foreign",
            Self::Undetermined => "undetermined",
        })
    }
}

/// Which row of the tables decided; stored so a report can count decisions by reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeterminationRule {
    UsCitizen,
    UsPermanentResident,
    LocatedInUs,
    ConflictingLocation,
    NoLocationEvidence,
    CitizenshipUnknown,
    ForeignNational,
    OrganisedInUs,
    PlaceOfOrganisationUnknown,
    ForeignEntityWithUsPresence,
    OrganisedAbroad,
    CustomerOrOwnerForeign,
    CustomerAndOwnersUs,
    CustomerOrOwnerUndetermined,
}

/// A status with the rule that decided it and the reason in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Determination {
    pub status: PersonStatus,
    pub rule: DeterminationRule,
    pub basis: String,
}

impl Determination {
    fn new(status: PersonStatus, rule: DeterminationRule, basis: String) -> Self {
        Self {
            status,
            rule,
            basis,
        }
    }
}

/// The customer's own determination, each owner's (in the order of the customer's owners) and
/// the combined one that the API reports as `person_status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDetermination {
    pub customer: Determination,
    pub owners: Vec<Determination>,
    pub overall: Determination,
}

/// Where the evidence places a party: the countries it has been seen in, split by the US.
struct Locations {
    us: Vec<String>,
    abroad: Vec<CountryCode>,
    described: String,
}

fn locations(contact: &ContactDetails, access_countries: &[CountryCode]) -> Locations {
    let address_countries = contact.address_countries();
    let mut access: Vec<CountryCode> = Vec::new();
    for country in access_countries {
        if !access.contains(country) {
            access.push(*country);
        }
    }
    let mut us = Vec::new();
    if address_countries.iter().any(CountryCode::is_us) {
        us.push("an address in the United States".to_owned());
    }
    if access.iter().any(CountryCode::is_us) {
        us.push("account access from U.S. IP addresses".to_owned());
    }
    let mut abroad: Vec<CountryCode> = address_countries
        .iter()
        .chain(access.iter())
        .copied()
        .filter(|c| !c.is_us())
        .collect();
    abroad.sort();
    abroad.dedup();
    let mut parts = vec![format!(
        "addresses in {}",
        describe_countries(&address_countries)
    )];
    if !access.is_empty() {
        parts.push(format!("access from {}", describe_countries(&access)));
    }
    Locations {
        us,
        abroad,
        described: parts.join("; "),
    }
}

/// Rows 1-7 of the individual table.
pub fn determine_individual(
    facts: &PersonFacts,
    contact: &ContactDetails,
    access_countries: &[CountryCode],
) -> Determination {
    use DeterminationRule as Rule;
    use PersonStatus::{Foreign, Undetermined, Us};
    if facts.nationalities.iter().any(CountryCode::is_us) {
        return Determination::new(
            Us,
            Rule::UsCitizen,
            "U.S. citizen: U.S. nationality stated".to_owned(),
        );
    }
    if facts.us_permanent_resident == Some(true) {
        return Determination::new(
            Us,
            Rule::UsPermanentResident,
            "U.S. permanent resident".to_owned(),
        );
    }
    let place = locations(contact, access_countries);
    match (place.us.is_empty(), place.abroad.is_empty()) {
        (false, true) => {
            let basis = format!("located in the United States: {}", place.us.join(" and "));
            return Determination::new(Us, Rule::LocatedInUs, basis);
        }
        (false, false) => {
            let basis = format!(
                "conflicting location evidence: {} but also {} ({}); presence in the United States must be confirmed",
                place.us.join(" and "),
                describe_countries(&place.abroad),
                place.described
            );
            return Determination::new(Undetermined, Rule::ConflictingLocation, basis);
        }
        (true, true) => {
            let basis = "no address or access location: whether the person is located in the United States is unknown".to_owned();
            return Determination::new(Undetermined, Rule::NoLocationEvidence, basis);
        }
        (true, false) => {}
    }
    if facts.nationalities.is_empty() {
        let basis = format!(
            "located outside the United States ({}) but no nationality stated: a U.S. citizen abroad is a U.S. person",
            place.described
        );
        return Determination::new(Undetermined, Rule::CitizenshipUnknown, basis);
    }
    let residence = match facts.us_permanent_resident {
        Some(false) => "not a U.S. permanent resident",
        _ => "U.S. permanent residence not claimed",
    };
    let basis = format!(
        "not a U.S. citizen (nationality {}), {residence}, and located outside the United States ({})",
        describe_countries(&facts.nationalities),
        place.described
    );
    Determination::new(Foreign, Rule::ForeignNational, basis)
}

/// Rows 1-4 of the entity table.
pub fn determine_entity(
    facts: &EntityFacts,
    contact: &ContactDetails,
    access_countries: &[CountryCode],
) -> Determination {
    use DeterminationRule as Rule;
    use PersonStatus::{Foreign, Undetermined, Us};
    let Some(incorporation) = &facts.incorporation else {
        let basis = "place of organisation not stated".to_owned();
        return Determination::new(Undetermined, Rule::PlaceOfOrganisationUnknown, basis);
    };
    let jurisdiction = incorporation.country;
    if jurisdiction.is_us() {
        return Determination::new(
            Us,
            Rule::OrganisedInUs,
            "organised under U.S. law".to_owned(),
        );
    }
    let place = locations(contact, access_countries);
    let organised = format!(
        "organised under the law of {jurisdiction} ({})",
        jurisdiction.name()
    );
    if place.us.is_empty() {
        let basis = format!(
            "{organised} and not located in the United States ({})",
            place.described
        );
        Determination::new(Foreign, Rule::OrganisedAbroad, basis)
    } else {
        let basis = format!(
            "{organised} but with {}: confirm whether it is located in the United States (e.g. a U.S. branch)",
            place.us.join(" and ")
        );
        Determination::new(Undetermined, Rule::ForeignEntityWithUsPresence, basis)
    }
}

/// The customer, each owner, and the combination. `access_countries` are the countries of the
/// IP addresses the customer's accounts were accessed or administered from (empty if unknown).
pub fn determine_customer(
    customer: &ValidatedCustomer,
    access_countries: &[CountryCode],
) -> CustomerDetermination {
    let own = match &customer.party {
        Party::Individual(facts) => {
            determine_individual(facts, &customer.contact, access_countries)
        }
        Party::Entity(facts) => determine_entity(facts, &customer.contact, access_countries),
    };
    let owners: Vec<Determination> = customer
        .beneficial_owners
        .iter()
        .map(|owner| determine_individual(&owner.facts, &owner.contact, &[]))
        .collect();
    let names: Vec<String> = customer
        .beneficial_owners
        .iter()
        .map(|owner| owner.name.full().to_string())
        .collect();
    let overall = combine(&own, &owners, &names);
    CustomerDetermination {
        customer: own,
        owners,
        overall,
    }
}

fn combine(own: &Determination, owners: &[Determination], owner_names: &[String]) -> Determination {
    use DeterminationRule as Rule;
    let with = |status: PersonStatus| -> Vec<String> {
        let mut who: Vec<String> = Vec::new();
        if own.status == status {
            who.push("the customer".to_owned());
        }
        for (owner, name) in owners.iter().zip(owner_names) {
            if owner.status == status {
                who.push(format!("beneficial owner {name}"));
            }
        }
        who
    };
    let foreign = with(PersonStatus::Foreign);
    if !foreign.is_empty() {
        let basis = format!("foreign person(s): {}", foreign.join(", "));
        return Determination::new(PersonStatus::Foreign, Rule::CustomerOrOwnerForeign, basis);
    }
    let undetermined = with(PersonStatus::Undetermined);
    if undetermined.is_empty() {
        let basis = if owners.is_empty() {
            "the customer is a U.S. person".to_owned()
        } else {
            "the customer and every beneficial owner are U.S. persons".to_owned()
        };
        return Determination::new(PersonStatus::Us, Rule::CustomerAndOwnersUs, basis);
    }
    let basis = format!(
        "not yet determined for {}; treated as possibly foreign",
        undetermined.join(", ")
    );
    Determination::new(
        PersonStatus::Undetermined,
        Rule::CustomerOrOwnerUndetermined,
        basis,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(code: &str) -> CountryCode {
        CountryCode::parse(code).unwrap()
    }

    fn person(nationalities: &[&str], permanent_resident: Option<bool>) -> PersonFacts {
        PersonFacts {
            date_of_birth: None,
            nationalities: nationalities.iter().map(|c| cc(c)).collect(),
            us_permanent_resident: permanent_resident,
        }
    }

    #[test]
    fn combination_prefers_foreign_then_undetermined() {
        let us = Determination::new(
            PersonStatus::Us,
            DeterminationRule::UsCitizen,
            String::new(),
        );
        let foreign = Determination::new(
            PersonStatus::Foreign,
            DeterminationRule::ForeignNational,
            String::new(),
        );
        let open = Determination::new(
            PersonStatus::Undetermined,
            DeterminationRule::NoLocationEvidence,
            String::new(),
        );
        let names = ["A".to_owned(), "B".to_owned()];
        assert_eq!(
            combine(&us, &[us.clone(), us.clone()], &names).status,
            PersonStatus::Us
        );
        let mixed = combine(&us, &[open.clone(), foreign.clone()], &names);
        assert_eq!(mixed.status, PersonStatus::Foreign);
        assert_eq!(mixed.basis, "foreign person(s): beneficial owner B");
        assert_eq!(
            combine(&us, &[open], &names).status,
            PersonStatus::Undetermined
        );
        assert_eq!(
            combine(&foreign, &[], &[]).rule,
            DeterminationRule::CustomerOrOwnerForeign
        );
    }

    #[test]
    fn access_from_the_us_alone_places_an_individual_in_the_us() {
        let facts = person(&["NG"], None);
        let result = determine_individual(&facts, &ContactDetails::default(), &[CountryCode::US]);
        assert_eq!(result.rule, DeterminationRule::LocatedInUs);
        assert_eq!(
            result.basis,
            "located in the United States: account access from U.S. IP addresses"
        );
    }
}

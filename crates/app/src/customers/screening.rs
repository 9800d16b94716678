//! Screening at onboarding (issue 4): the customer's name and every beneficial owner's name
//! against the current lists. The result is sealed with the customer, naming the list versions,
//! algorithm version and thresholds it was made under, so a later review can tell what the
//! lists said at the time.

use cloudkyc_domain::cip::{Party, PersonFacts, ValidatedCustomer};
use cloudkyc_domain::rule_pack::RulePack;
use cloudkyc_screening::{Hit, Index, ListVersion, Schema};
use serde::{Deserialize, Serialize};

use crate::AppResult;
use crate::screening::{ScreenRequest, screen};

/// Hits kept per screened name: enough for review, bounded for storage.
const HITS_PER_NAME: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreeningStatus {
    Clear,
    PotentialMatch,
}

/// Whose name a hit is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreenedSubject {
    Customer,
    BeneficialOwner,
    /// A party anywhere in the customer's ownership structure (issue 6), raised with its paths.
    OwnershipParty,
}

/// One hit, with the name that was screened and the threshold it passed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubjectHit {
    pub subject: ScreenedSubject,
    pub subject_name: String,
    pub threshold: f64,
    #[serde(flatten)]
    pub hit: Hit,
    /// For a party of the ownership structure: every chain linking it to the customer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ownership_paths: Vec<String>,
}

/// The latest screening of a customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerScreening {
    pub status: ScreeningStatus,
    pub hits: Vec<SubjectHit>,
    pub algorithm_version: String,
    pub list_versions: Vec<ListVersion>,
    /// The threshold the customer's own name was screened at (owners, as persons, at the
    /// person threshold; each hit names its own).
    pub threshold: f64,
}

fn person_request(name: &str, facts: &PersonFacts) -> ScreenRequest {
    ScreenRequest {
        name: name.to_owned(),
        schema: Some(Schema::Person),
        country: facts.nationalities.first().map(|c| c.as_str().to_owned()),
        date_of_birth: facts
            .date_of_birth
            .as_ref()
            .map(|d| d.date().format("%Y-%m-%d").to_string()),
        limit: HITS_PER_NAME,
    }
}

fn customer_request(customer: &ValidatedCustomer) -> ScreenRequest {
    let name = customer.name.full().as_str();
    match &customer.party {
        Party::Individual(facts) => person_request(name, facts),
        Party::Entity(facts) => ScreenRequest {
            name: name.to_owned(),
            schema: Some(Schema::Organization),
            country: facts
                .incorporation
                .as_ref()
                .map(|i| i.country.as_str().to_owned()),
            date_of_birth: None,
            limit: HITS_PER_NAME,
        },
    }
}

/// What screening the customer asks: its own name, then each beneficial owner's.
pub(crate) fn subject_requests(customer: &ValidatedCustomer) -> Vec<ScreenRequest> {
    std::iter::once(customer_request(customer))
        .chain(
            customer
                .beneficial_owners
                .iter()
                .map(|o| person_request(o.name.full().as_str(), &o.facts)),
        )
        .collect()
}

/// Screens the customer and each beneficial owner.
pub(crate) fn screen_customer(
    pack: &RulePack,
    index: &Index,
    customer: &ValidatedCustomer,
) -> AppResult<CustomerScreening> {
    let own = screen(pack, index, &customer_request(customer))?;
    let threshold = own.threshold;
    let mut hits: Vec<SubjectHit> = own
        .hits
        .into_iter()
        .map(|hit| SubjectHit {
            subject: ScreenedSubject::Customer,
            subject_name: own.query.clone(),
            threshold,
            hit,
            ownership_paths: Vec::new(),
        })
        .collect();
    for owner in &customer.beneficial_owners {
        let result = screen(
            pack,
            index,
            &person_request(owner.name.full().as_str(), &owner.facts),
        )?;
        hits.extend(result.hits.into_iter().map(|hit| SubjectHit {
            subject: ScreenedSubject::BeneficialOwner,
            subject_name: result.query.clone(),
            threshold: result.threshold,
            hit,
            ownership_paths: Vec::new(),
        }));
    }
    let status = if hits.is_empty() {
        ScreeningStatus::Clear
    } else {
        ScreeningStatus::PotentialMatch
    };
    Ok(CustomerScreening {
        status,
        hits,
        algorithm_version: own.algorithm_version.to_owned(),
        list_versions: own.list_versions,
        threshold,
    })
}

/// The decision reason for a potential match, naming each hit.
pub(super) fn potential_match_reason(screening: &CustomerScreening) -> String {
    let named: Vec<String> = screening
        .hits
        .iter()
        .map(|h| {
            format!(
                "{} {:?} ~ {:?} on {} ({:.2}){}",
                match h.subject {
                    ScreenedSubject::Customer => "customer",
                    ScreenedSubject::BeneficialOwner => "beneficial owner",
                    ScreenedSubject::OwnershipParty => "ownership party",
                },
                h.subject_name,
                h.hit.primary_name,
                h.hit.list_version,
                h.hit.score,
                if h.ownership_paths.is_empty() {
                    String::new()
                } else {
                    format!(" via {}", h.ownership_paths.join(" | "))
                }
            )
        })
        .collect();
    format!(
        "screening: potential match ({}); account access restricted pending review",
        named.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use cloudkyc_domain::cip::{CustomerDraft, validate};
    use serde_json::json;

    fn validated(body: serde_json::Value) -> ValidatedCustomer {
        let today = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
        let draft: CustomerDraft = serde_json::from_value(body).unwrap_or_else(|e| panic!("{e}"));
        validate(&draft, today).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn an_individual_is_screened_as_a_person_with_nationality_and_birth_date() {
        let customer = validated(json!({
            "kind": "individual",
            "name": {"full": "Jo Example"},
            "date_of_birth": "1980-01-02",
            "nationalities": ["DE", "FR"],
            "addresses": [{"line1": "1 Main St", "city": "Berlin", "country": "DE"}],
            "emails": ["jo@example.com"],
            "phones": ["+49 30 901820"],
            "accounts": [],
            "beneficial_owners": []
        }));
        let req = customer_request(&customer);
        assert_eq!(req.name, "Jo Example");
        assert_eq!(req.schema, Some(Schema::Person));
        assert_eq!(req.country.as_deref(), Some("DE"));
        assert_eq!(req.date_of_birth.as_deref(), Some("1980-01-02"));
        assert_eq!(req.limit, HITS_PER_NAME);
    }

    #[test]
    fn an_entity_is_screened_as_an_organization_with_its_incorporation_country() {
        let customer = validated(json!({
            "kind": "entity",
            "name": {"full": "Helios Compute FZ-LLC"},
            "incorporation": {"country": "AE", "date": "2024-03-01"},
            "addresses": [{"line1": "Unit 4", "city": "Dubai", "country": "AE"}],
            "emails": ["ops@helios.example"],
            "phones": ["+971 4 555 0199"],
            "accounts": [],
            "beneficial_owners": []
        }));
        let req = customer_request(&customer);
        assert_eq!(req.schema, Some(Schema::Organization));
        assert_eq!(req.country.as_deref(), Some("AE"));
        assert_eq!(req.date_of_birth, None);
    }
}

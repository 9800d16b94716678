//! Who a customer relationship consists of, as the measures see it: the customer and its
//! beneficial owners, each with its location evidence (addresses, nationality or place of
//! organisation, payment instrument countries, access-IP countries) and what the screening
//! engine says about the persons the measures name.
//!
//! Person matching uses the screening engine's pair scorer (the same normaliser, token
//! alignment and rarity weights as list screening) on every name and alias a measure gives;
//! the explanation says which tokens matched how closely, so an analyst can see why.

use cloudkyc_domain::cip::{
    CountryCode, CustomerDetermination, Party, PersonStatus, ValidatedCustomer,
};
use cloudkyc_domain::measures::{
    EvidenceSource, LocationEvidence, MeasureTarget, PersonMatch, SpecialMeasure, Subject,
    SubjectRole,
};
use cloudkyc_domain::ownership::PartyRef;
use cloudkyc_domain::rule_pack::{MatchScore, RulePack};
use cloudkyc_screening::bundled::default_rarity;
use cloudkyc_screening::{NameMatch, Schema, score_pair_with};

/// What the party reference says when no better one can be built (never for valid input).
const UNNAMED: &str = "unnamed party";

/// The customer's and its owners' subjects. `party` names the customer (its id, or
/// `applicant` before it is stored); owners are named by position and name.
pub(crate) fn subjects(
    customer: &ValidatedCustomer,
    determination: &CustomerDetermination,
    party: PartyRef,
    access_countries: &[CountryCode],
    measures: &[SpecialMeasure],
    pack: &RulePack,
) -> Vec<Subject> {
    let mut evidence = LocationEvidence::of_customer(customer, &[]);
    for country in access_countries {
        evidence.push(
            EvidenceSource::AccessIp,
            *country,
            "access from an IP address placed there",
        );
    }
    let schema = match customer.party {
        Party::Individual(_) => Schema::Person,
        Party::Entity(_) => Schema::Organization,
    };
    let mut out = vec![Subject {
        role: SubjectRole::Customer,
        party,
        status: determination.customer.status,
        evidence,
        person_matches: person_matches(customer.name.full().as_str(), schema, measures, pack),
    }];
    for (index, owner) in customer.beneficial_owners.iter().enumerate() {
        let name = owner.name.full().as_str();
        let label: String = format!("owner {} ({name})", index + 1)
            .chars()
            .take(120)
            .collect();
        out.push(Subject {
            role: SubjectRole::Owner,
            party: PartyRef::new(label.trim().to_owned())
                .or_else(|_| PartyRef::new(UNNAMED))
                .unwrap_or_else(|_| PartyRef::from_uuid(uuid::Uuid::nil())),
            status: determination
                .owners
                .get(index)
                .map_or(PersonStatus::Undetermined, |d| d.status),
            evidence: LocationEvidence::of_owner(owner),
            person_matches: person_matches(name, Schema::Person, measures, pack),
        });
    }
    out
}

/// The best score of `name` against each named-person measure's names, kept when it reaches
/// the pack's review threshold (the domain decides match or review).
pub(crate) fn person_matches(
    name: &str,
    schema: Schema,
    measures: &[SpecialMeasure],
    pack: &RulePack,
) -> Vec<PersonMatch> {
    let review = pack.screening().review_threshold.get();
    let mut out = Vec::new();
    for measure in measures {
        let MeasureTarget::Person(person) = measure.target() else {
            continue;
        };
        let best = std::iter::once(&person.name)
            .chain(&person.aliases)
            .map(|listed| score_pair_with(default_rarity(), name, listed, Some(schema)))
            .max_by(|a, b| a.score.total_cmp(&b.score));
        let Some(best) = best else { continue };
        if best.score < review {
            continue;
        }
        let Ok(score) = MatchScore::new(best.score) else {
            continue;
        };
        out.push(PersonMatch {
            measure_id: measure.id().clone(),
            score,
            explanation: explain(&best.explanation),
        });
    }
    out
}

/// The scorer's account of a name comparison, in words.
fn explain(found: &NameMatch) -> String {
    let pairs: Vec<String> = found
        .pairs
        .iter()
        .map(|p| {
            if p.query == p.candidate {
                format!("{} = {}", p.query, p.candidate)
            } else {
                format!("{} ~ {} ({:.2})", p.query, p.candidate, p.similarity)
            }
        })
        .collect();
    let mut text = format!(
        "name \"{}\" against \"{}\": {}",
        found.query,
        found.candidate,
        if pairs.is_empty() {
            "no tokens aligned".to_owned()
        } else {
            pairs.join(", ")
        }
    );
    let unmatched: Vec<&str> = found
        .unmatched_query
        .iter()
        .chain(&found.unmatched_candidate)
        .map(|t| t.token.as_str())
        .collect();
    if !unmatched.is_empty() {
        text.push_str(&format!("; unmatched: {}", unmatched.join(", ")));
    }
    if found.number_mismatch {
        text.push_str("; numbers disagree");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use cloudkyc_domain::measures::{MeasureDraft, MeasureKindName, NamedPerson};
    use cloudkyc_domain::rule_pack::DEFAULT_PACK_ID;

    fn pack() -> RulePack {
        RulePack::bundled(DEFAULT_PACK_ID).unwrap_or_else(|| panic!("bundled pack"))
    }

    fn named(name: &str, aliases: &[&str]) -> SpecialMeasure {
        let date = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default();
        let draft = MeasureDraft {
            id: "sm-1".into(),
            target: MeasureTarget::Person(NamedPerson {
                name: name.into(),
                aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
                country: None,
                date_of_birth: None,
                identifiers: Vec::new(),
            }),
            kind: MeasureKindName::Prohibit,
            condition: None,
            determination_date: date(1, 1),
            effective_date: date(7, 1),
            expiry_date: None,
            source_reference: "91 FR 1".into(),
        };
        SpecialMeasure::new(draft, pack().special_measures()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_spelling_variant_matches_through_an_alias_with_an_explanation() {
        let measure = named("Ivan Petrovich Sidorov", &["Vanya Sidorov"]);
        let found = person_matches("Ivan Sidorov", Schema::Person, &[measure], &pack());
        let first = found
            .first()
            .unwrap_or_else(|| panic!("a match: {found:?}"));
        assert!(first.score.get() >= 0.8, "{first:?}");
        assert!(first.explanation.contains("ivan"), "{}", first.explanation);
        assert!(
            first.explanation.contains("sidorov"),
            "{}",
            first.explanation
        );
        let none = person_matches(
            "Amara Okafor",
            Schema::Person,
            &[named("Ivan Sidorov", &[])],
            &pack(),
        );
        assert!(none.is_empty(), "{none:?}");
    }
}

//! The risk tier from the pack's factors that can be evaluated at onboarding: foreign status,
//! high-risk jurisdiction, entity age, payment kinds and the reseller channel. The accelerator
//! product factor needs the products a customer requests, which onboarding does not carry yet.

use chrono::{Datelike, NaiveDate};
use cloudkyc_domain::cip::{
    CountryCode, Party, PaymentInstrument, PaymentSource, PersonStatus, ValidatedCustomer,
};
use cloudkyc_domain::rule_pack::{PaymentRisk, RiskPoints, RiskTier, RulePack};

/// The tier and one reason per factor that added points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskAssessment {
    pub tier: RiskTier,
    pub score: u32,
    pub reasons: Vec<String>,
}

fn every_country(customer: &ValidatedCustomer) -> Vec<CountryCode> {
    let mut out = customer.contact.address_countries();
    match &customer.party {
        Party::Individual(facts) => out.extend(facts.nationalities.iter().copied()),
        Party::Entity(facts) => out.extend(facts.incorporation.iter().map(|i| i.country)),
    }
    for owner in &customer.beneficial_owners {
        out.extend(owner.contact.address_countries());
        out.extend(owner.facts.nationalities.iter().copied());
    }
    out.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    out.dedup();
    out
}

fn whole_months_between(from: NaiveDate, to: NaiveDate) -> i64 {
    let months =
        i64::from(to.year() - from.year()) * 12 + i64::from(to.month()) - i64::from(from.month());
    if to.day() < from.day() {
        months - 1
    } else {
        months
    }
}

fn payment_risks(customer: &ValidatedCustomer) -> Vec<PaymentRisk> {
    let claimed = customer.contact.address_countries();
    let mut out = Vec::new();
    for method in customer.accounts.iter().flat_map(|a| &a.payment_methods) {
        if matches!(method.instrument, PaymentInstrument::Wallet { .. }) {
            out.push(PaymentRisk::Crypto);
        }
        if let PaymentSource::ThirdParty { payer } = &method.source {
            out.push(PaymentRisk::ThirdParty);
            if payer.country.is_some_and(|c| !claimed.contains(&c)) {
                out.push(PaymentRisk::PayerCountryMismatch);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

pub fn assess(
    pack: &RulePack,
    customer: &ValidatedCustomer,
    status: PersonStatus,
    reseller_channel: bool,
    today: NaiveDate,
) -> RiskAssessment {
    let model = pack.risk();
    let mut score = 0_u32;
    let mut reasons = Vec::new();
    let mut add = |points: RiskPoints, why: String| {
        score = score.saturating_add(points.get());
        reasons.push(format!("risk +{}: {why}", points.get()));
    };
    if status == PersonStatus::Foreign {
        add(model.points.foreign_person, "foreign person".into());
    }
    let risky: Vec<String> = every_country(customer)
        .into_iter()
        .filter(|c| pack.jurisdictions().is_high_risk(*c))
        .map(|c| c.as_str().to_owned())
        .collect();
    if !risky.is_empty() {
        add(
            model.points.high_risk_jurisdiction,
            format!("high-risk jurisdiction {}", risky.join(", ")),
        );
    }
    if let Party::Entity(facts) = &customer.party
        && let Some(date) = facts.incorporation.as_ref().and_then(|i| i.date.as_ref())
    {
        let age = whole_months_between(date.date(), today);
        if age < i64::from(model.young_entity_months.get()) {
            add(
                model.points.young_entity,
                format!("entity organised {age} months ago"),
            );
        }
    }
    for kind in payment_risks(customer) {
        if let Some(points) = model.points.payment.get(&kind) {
            add(*points, format!("payment {kind}"));
        }
    }
    if reseller_channel {
        add(
            model.points.reseller_channel,
            "onboarded through a reseller".into(),
        );
    }
    let tier = model.tier_for(score);
    reasons.push(format!("risk tier {tier} ({score} points)"));
    RiskAssessment {
        tier,
        score,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudkyc_domain::cip::{CustomerDraft, validate};
    use cloudkyc_domain::rule_pack::DEFAULT_PACK_ID;
    use serde_json::json;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default()
    }

    fn entity(incorporated: &str, payment: serde_json::Value) -> ValidatedCustomer {
        let draft: CustomerDraft = serde_json::from_value(json!({
            "kind": "entity",
            "name": {"full": "Example GmbH"},
            "incorporation": {"country": "DE", "date": incorporated},
            "addresses": [{"line1": "1 Hauptstrasse", "city": "Berlin", "country": "DE"}],
            "emails": ["ops@example.de"],
            "phones": ["+49 30 901820"],
            "accounts": [{"external_id": "a-1", "payment_methods": [payment]}],
            "beneficial_owners": []
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        validate(&draft, today()).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn points_add_up_per_factor_and_name_themselves() {
        let pack = RulePack::bundled(DEFAULT_PACK_ID).unwrap_or_else(|| panic!("bundled pack"));
        let bank = json!({"type": "bank_account", "country": "DE", "source": "customer"});
        let old = assess(
            &pack,
            &entity("2001-05-01", bank.clone()),
            PersonStatus::Foreign,
            false,
            today(),
        );
        assert_eq!((old.score, old.tier), (30, RiskTier::Medium), "{old:?}");

        let young = assess(
            &pack,
            &entity("2025-12-01", bank),
            PersonStatus::Foreign,
            true,
            today(),
        );
        assert_eq!(young.score, 30 + 15 + 10, "{young:?}");
        assert!(
            young
                .reasons
                .iter()
                .any(|r| r == "risk +15: entity organised 11 months ago"),
            "{young:?}"
        );
        assert!(
            young
                .reasons
                .iter()
                .any(|r| r == "risk +10: onboarded through a reseller")
        );

        let wallet = json!({"type": "wallet", "chain": "bitcoin",
            "address": "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "source": "customer"});
        let crypto = assess(
            &pack,
            &entity("2001-05-01", wallet),
            PersonStatus::Us,
            false,
            today(),
        );
        assert_eq!(
            (crypto.score, crypto.tier),
            (25, RiskTier::Low),
            "{crypto:?}"
        );
    }

    #[test]
    fn whole_months_count_only_completed_months() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        assert_eq!(whole_months_between(d(2024, 3, 1), d(2026, 3, 1)), 24);
        assert_eq!(whole_months_between(d(2024, 3, 2), d(2026, 3, 1)), 23);
    }
}

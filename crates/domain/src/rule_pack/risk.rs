//! `[risk]` and `[jurisdictions]`: how a customer's risk tier is scored.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::cip::{CountryCode, CountryCodeError};

use super::units::{Months, RiskPoints};
use super::validate::Checker;

/// Risk tiers, ordered from low to high.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskTier {
    Low,
    Medium,
    High,
}

impl RiskTier {
    pub const ALL: [RiskTier; 3] = [Self::Low, Self::Medium, Self::High];

    /// The name used in the pack and in the API.
    pub fn key(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

impl fmt::Display for RiskTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A payment circumstance that raises risk (a risk factor and red flag P1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentRisk {
    Crypto,
    Prepaid,
    /// Someone other than the customer pays.
    ThirdParty,
    /// The payer's (or instrument's) country differs from the customer's.
    PayerCountryMismatch,
    LargePrepayment,
}

impl fmt::Display for PaymentRisk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Crypto => "crypto",
            Self::Prepaid => "prepaid",
            Self::ThirdParty => "third_party",
            Self::PayerCountryMismatch => "payer_country_mismatch",
            Self::LargePrepayment => "large_prepayment",
        })
    }
}

/// Additive scoring: each factor present adds its points; the tier is the highest whose
/// threshold the total reaches. Simple enough for an officer to recompute by hand, which is what
/// the `decision_reasons` of a customer let them do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskModel {
    /// An entity younger than this counts as young.
    pub young_entity_months: Months,
    pub points: RiskPointsTable,
    pub tier_from: TierThresholds,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskPointsTable {
    /// The customer or an owner is foreign (or undetermined, when the terms treat it as foreign).
    pub foreign_person: RiskPoints,
    /// Customer, owner or access location in a `jurisdictions.high_risk` country.
    pub high_risk_jurisdiction: RiskPoints,
    pub young_entity: RiskPoints,
    /// The customer requests a product listed in `products.accelerator`.
    pub accelerator_product: RiskPoints,
    /// The customer came through a foreign reseller.
    pub reseller_channel: RiskPoints,
    /// Points per payment circumstance; a circumstance not listed adds nothing.
    pub payment: BTreeMap<PaymentRisk, RiskPoints>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierThresholds {
    pub medium: RiskPoints,
    pub high: RiskPoints,
}

impl RiskModel {
    /// The tier of a customer with `score` points.
    pub fn tier_for(&self, score: u32) -> RiskTier {
        if score >= self.tier_from.high.get() {
            RiskTier::High
        } else if score >= self.tier_from.medium.get() {
            RiskTier::Medium
        } else {
            RiskTier::Low
        }
    }

    /// The most points a customer can collect (each payment circumstance counted once).
    pub fn max_score(&self) -> u64 {
        let p = &self.points;
        [
            p.foreign_person,
            p.high_risk_jurisdiction,
            p.young_entity,
            p.accelerator_product,
            p.reseller_channel,
        ]
        .into_iter()
        .chain(p.payment.values().copied())
        .map(|points| u64::from(points.get()))
        .sum()
    }

    pub(crate) fn check(&self, c: &mut Checker) {
        c.at_least_one("young_entity_months", self.young_entity_months.get());
        let (medium, high) = (self.tier_from.medium.get(), self.tier_from.high.get());
        c.within("tier_from", |c| {
            c.at_least_one("medium", medium);
            if high <= medium {
                c.problem(
                    "high",
                    format!("must be above `medium` ({medium}), got {high}"),
                );
            } else if u64::from(high) > self.max_score() {
                c.problem(
                    "high",
                    format!(
                        "can never be reached: all factors together give at most {} points",
                        self.max_score()
                    ),
                );
            }
        });
    }
}

/// `[jurisdictions]`: countries the pack treats as high risk.
///
/// The codes are kept as written until validation has looked at all of them, so that every bad
/// code is reported at once; once a pack exists they are known to be valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Jurisdictions {
    high_risk: Vec<String>,
}

impl Jurisdictions {
    /// The high-risk countries, in the order the pack lists them.
    pub fn high_risk(&self) -> Vec<CountryCode> {
        self.high_risk
            .iter()
            .filter_map(|code| CountryCode::parse(code).ok())
            .collect()
    }

    pub fn is_high_risk(&self, country: CountryCode) -> bool {
        self.high_risk.iter().any(|code| code == country.as_str())
    }

    pub(crate) fn check(&self, c: &mut Checker) {
        for (index, code) in self.high_risk.iter().enumerate() {
            let problem = match CountryCode::parse(code) {
                Err(CountryCodeError::Format) => Some(format!(
                    "`{code}` is not an ISO 3166-1 alpha-2 code (two letters, e.g. \"IR\")"
                )),
                Err(CountryCodeError::Unknown(_)) if code == "UK" => {
                    Some("`UK` is not an ISO 3166-1 code; the United Kingdom is \"GB\"".to_owned())
                }
                Err(CountryCodeError::Unknown(_)) => Some(format!(
                    "`{code}` is not an assigned ISO 3166-1 alpha-2 code"
                )),
                Ok(parsed) if parsed.as_str() != code => Some(format!(
                    "`{code}` must be written in upper case: \"{parsed}\""
                )),
                Ok(_) => None,
            };
            if let Some(problem) = problem {
                c.item_problem("high_risk", index, problem);
            }
        }
        c.unique("high_risk", &self.high_risk);
    }
}

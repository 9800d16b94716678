//! `[access]`: what a customer may do with its account before, during and after verification.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::products::{ProductId, Products};
use super::risk::RiskTier;
use super::units::{Days, Usd};
use super::validate::Checker;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessPolicy {
    /// Any of these keeps an account from being opened at all.
    pub not_opened_when: Vec<NotOpenedCondition>,
    pub pending: PendingUse,
    pub failed: FailedVerification,
    pub redress: Redress,
}

impl AccessPolicy {
    pub(crate) fn check(&self, c: &mut Checker, products: &Products) {
        c.unique("not_opened_when", &self.not_opened_when);
        c.within("pending", |c| self.pending.check(c, products));
        c.within("redress", |c| self.redress.check(c));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotOpenedCondition {
    /// A field the pack requires is missing.
    RequiredInformationMissing,
    /// A special measure prohibits accounts for this party or its jurisdiction.
    SpecialMeasureProhibition,
    /// Screening confirmed the party (or an owner) is on a restricted-party list.
    ConfirmedRestrictedParty,
    /// A screening hit awaits an analyst's decision.
    UnresolvedScreeningHit,
}

impl fmt::Display for NotOpenedCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::RequiredInformationMissing => "required_information_missing",
            Self::SpecialMeasureProhibition => "special_measure_prohibition",
            Self::ConfirmedRestrictedParty => "confirmed_restricted_party",
            Self::UnresolvedScreeningHit => "unresolved_screening_hit",
        })
    }
}

/// Restricted use of an account while a foreign customer's verification is pending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingUse {
    /// Whether a pending customer may use the account at all.
    pub allowed: bool,
    /// The product classes a pending customer may use.
    pub products: Vec<ProductId>,
    pub max_concurrent_accelerators: u32,
    pub max_monthly_spend_usd: Usd,
    /// Verification still pending after this long is treated as failed.
    pub max_days: Days,
    /// Whether pending accounts are monitored more closely (lower alert thresholds).
    pub enhanced_monitoring: bool,
}

impl PendingUse {
    fn check(&self, c: &mut Checker, products: &Products) {
        products.check_references(c, "products", &self.products);
        c.unique("products", &self.products);
        c.at_least_one("max_days", self.max_days.get());
        if self.allowed && self.products.is_empty() {
            c.problem(
                "products",
                "must name at least one product when `allowed` is true",
            );
        }
        let grants_accelerators = self.products.iter().any(|p| products.is_accelerator(p));
        if grants_accelerators && self.max_concurrent_accelerators == 0 {
            c.problem(
                "max_concurrent_accelerators",
                "is 0 but `products` includes an accelerator product; remove the product or allow accelerators",
            );
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailedVerification {
    pub action: FailureAction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureAction {
    /// Close the account (reopened only through redress).
    Close,
    /// Keep the account restricted as if verification were pending.
    Restrict,
}

/// What a customer that could not be verified can do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Redress {
    pub resubmission_allowed: bool,
    pub max_resubmissions: u32,
    /// Resubmissions are accepted for this long after the failure.
    pub resubmission_window_days: Days,
    /// Whether an officer may override a failed or pending decision (always with a reason).
    pub officer_override: bool,
    /// Tiers at which an override needs a second officer's approval.
    pub four_eyes_override_at: Vec<RiskTier>,
}

impl Redress {
    pub fn override_needs_four_eyes(&self, tier: RiskTier) -> bool {
        self.four_eyes_override_at.contains(&tier)
    }

    fn check(&self, c: &mut Checker) {
        if self.resubmission_allowed {
            c.at_least_one("max_resubmissions", self.max_resubmissions);
            c.at_least_one(
                "resubmission_window_days",
                self.resubmission_window_days.get(),
            );
        }
        c.unique("four_eyes_override_at", &self.four_eyes_override_at);
        if self.officer_override && !self.four_eyes_override_at.contains(&RiskTier::High) {
            c.problem(
                "four_eyes_override_at",
                "must include `high`: overriding a high-risk decision always needs a second officer",
            );
        }
    }
}

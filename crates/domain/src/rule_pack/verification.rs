//! `[verification]`: how identities are verified at each risk tier.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::risk::RiskTier;
use super::units::Months;
use super::validate::Checker;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    /// When the true identity is in doubt, the requirements of this tier apply whatever the
    /// customer's own tier.
    pub when_in_doubt_apply: RiskTier,
    pub low: TierVerification,
    pub medium: TierVerification,
    pub high: TierVerification,
}

impl Verification {
    pub fn for_tier(&self, tier: RiskTier) -> &TierVerification {
        match tier {
            RiskTier::Low => &self.low,
            RiskTier::Medium => &self.medium,
            RiskTier::High => &self.high,
        }
    }

    pub(crate) fn check(&self, c: &mut Checker) {
        for tier in RiskTier::ALL {
            c.within(tier.key(), |c| self.for_tier(tier).check(c));
        }
        // A riskier customer re-verified less often than a safer one is a typo, not a policy.
        for (riskier, safer) in [
            (RiskTier::High, RiskTier::Medium),
            (RiskTier::Medium, RiskTier::Low),
        ] {
            let (r, s) = (
                self.for_tier(riskier).reverify_after_months,
                self.for_tier(safer).reverify_after_months,
            );
            if r > s {
                c.within(riskier.key(), |c| {
                    c.problem(
                        "reverify_after_months",
                        format!(
                            "must not be longer than the {} tier's interval ({} months), got {} months",
                            safer.key(),
                            s.get(),
                            r.get()
                        ),
                    );
                });
            }
        }
    }
}

/// What verification means for customers of one tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierVerification {
    /// Kinds of evidence accepted at this tier.
    pub methods: Vec<VerificationMethod>,
    /// Checks that must all pass before the customer counts as verified.
    pub checks: Vec<VerificationCheck>,
    /// Customer information is verified again after this long.
    pub reverify_after_months: Months,
}

impl TierVerification {
    fn check(&self, c: &mut Checker) {
        c.non_empty(
            "methods",
            &self.methods,
            "at least one method of verification must be allowed",
        );
        c.unique("methods", &self.methods);
        c.non_empty(
            "checks",
            &self.checks,
            "verification must rest on at least one check",
        );
        c.unique("checks", &self.checks);
        for (index, check) in self.checks.iter().enumerate() {
            if !self.methods.contains(&check.method()) {
                c.item_problem(
                    "checks",
                    index,
                    format!(
                        "`{check}` is a {} check but `{}` is not among `methods`",
                        check.method(),
                        check.method()
                    ),
                );
            }
        }
        c.at_least_one("reverify_after_months", self.reverify_after_months.get());
    }
}

/// Where verifying evidence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationMethod {
    /// A passport or identity card, read and compared with what the customer submitted.
    Documentary,
    /// Consistency of the submitted data with what the provider can observe.
    NonDocumentary,
    /// The verdict of an identity-verification vendor.
    Vendor,
}

impl fmt::Display for VerificationMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Documentary => "documentary",
            Self::NonDocumentary => "non_documentary",
            Self::Vendor => "vendor",
        })
    }
}

/// One check the verification runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationCheck {
    /// The machine-readable zone parses and every check digit holds (ICAO 9303).
    DocumentMrz,
    /// The document's fields agree with the submitted name, date of birth, nationality.
    DocumentDataMatch,
    DocumentNotExpired,
    /// The document number does not match known-bad or specimen patterns.
    DocumentNumberPattern,
    /// The phone number's country agrees with the address.
    PhoneCountry,
    /// The payment instrument's country agrees with the address.
    PaymentCountry,
    /// Access IP addresses geolocate where the customer says it is.
    IpGeolocation,
    /// The email domain exists and is not disposable.
    EmailDomain,
    /// A vendor returned a positive verdict.
    VendorVerdict,
}

impl VerificationCheck {
    /// The kind of evidence the check needs.
    pub fn method(self) -> VerificationMethod {
        match self {
            Self::DocumentMrz | Self::DocumentDataMatch | Self::DocumentNotExpired => {
                VerificationMethod::Documentary
            }
            Self::DocumentNumberPattern
            | Self::PhoneCountry
            | Self::PaymentCountry
            | Self::IpGeolocation
            | Self::EmailDomain => VerificationMethod::NonDocumentary,
            Self::VendorVerdict => VerificationMethod::Vendor,
        }
    }
}

impl fmt::Display for VerificationCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::DocumentMrz => "document_mrz",
            Self::DocumentDataMatch => "document_data_match",
            Self::DocumentNotExpired => "document_not_expired",
            Self::DocumentNumberPattern => "document_number_pattern",
            Self::PhoneCountry => "phone_country",
            Self::PaymentCountry => "payment_country",
            Self::IpGeolocation => "ip_geolocation",
            Self::EmailDomain => "email_domain",
            Self::VendorVerdict => "vendor_verdict",
        })
    }
}

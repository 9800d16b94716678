//! `[resellers]` and `[special_measures]`: duties towards foreign resellers, and measures
//! Commerce may impose on jurisdictions or persons.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::products::{ProductId, Products};
use super::records::check_deadline;
use super::units::{Days, Deadline, Months};
use super::validate::{Checker, check_identifier};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resellers {
    /// Ending the relationship once the provider knows a reseller does not comply.
    pub termination: Deadline,
    /// Reminders sent this many days before the termination deadline.
    pub reminder_days_before: Vec<Days>,
    /// What happens to the reseller's customers' accounts at termination.
    pub downstream_on_termination: DownstreamAction,
    /// Each reseller's CIP and attestations are reviewed this often.
    pub review_every_months: Months,
}

impl Resellers {
    pub(crate) fn check(&self, c: &mut Checker) {
        c.within("termination", |c| check_deadline(c, &self.termination));
        let limit = self.termination.days.get();
        for (index, days) in self.reminder_days_before.iter().enumerate() {
            if days.get() == 0 || days.get() >= limit {
                c.item_problem(
                    "reminder_days_before",
                    index,
                    format!(
                        "must be between 1 and {} (the termination period minus one), got {}",
                        limit.saturating_sub(1),
                        days.get()
                    ),
                );
            }
        }
        c.unique("reminder_days_before", &self.reminder_days_before);
        c.at_least_one("review_every_months", self.review_every_months.get());
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DownstreamAction {
    /// Suspend the downstream accounts.
    Suspend,
    /// Move the downstream customers to a direct relationship (they go through CIP again).
    Migrate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecialMeasures {
    /// A measure lapses this long after it takes effect unless extended.
    pub max_duration_days: Days,
    /// A measure takes effect no earlier than this long after its determination.
    pub earliest_effect_days: Days,
    /// Evidence that places a party "in" a jurisdiction.
    pub location_evidence: Vec<LocationEvidence>,
    /// Named restrictions a `condition` measure may impose, by identifier.
    pub conditions: BTreeMap<String, MeasureCondition>,
}

impl SpecialMeasures {
    pub(crate) fn check(&self, c: &mut Checker, products: &Products) {
        c.at_least_one("max_duration_days", self.max_duration_days.get());
        c.non_empty(
            "location_evidence",
            &self.location_evidence,
            "jurisdiction measures could never match anyone",
        );
        c.unique("location_evidence", &self.location_evidence);
        c.within("conditions", |c| {
            for (id, condition) in &self.conditions {
                check_identifier(c, id, None, id);
                c.within(id, |c| condition.check(c, products));
            }
        });
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationEvidence {
    /// Addresses of the customer and its owners.
    Address,
    /// Nationality of individuals, place of organisation of entities.
    NationalityOrOrganization,
    /// Country of the payment instrument.
    PaymentCountry,
    /// Geolocation of the IP addresses that access or administer the account.
    AccessIpCountry,
}

impl fmt::Display for LocationEvidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Address => "address",
            Self::NationalityOrOrganization => "nationality_or_organization",
            Self::PaymentCountry => "payment_country",
            Self::AccessIpCountry => "access_ip_country",
        })
    }
}

/// A restriction a `condition` measure imposes on affected accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureCondition {
    pub description: String,
    pub blocked_products: Vec<ProductId>,
    pub enhanced_monitoring: bool,
}

impl MeasureCondition {
    fn check(&self, c: &mut Checker, products: &Products) {
        c.non_blank("description", &self.description);
        products.check_references(c, "blocked_products", &self.blocked_products);
        c.unique("blocked_products", &self.blocked_products);
        if self.blocked_products.is_empty() && !self.enhanced_monitoring {
            c.problem(
                "",
                "restricts nothing: block a product or enable enhanced monitoring",
            );
        }
    }
}

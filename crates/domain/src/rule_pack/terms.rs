//! `[terms]`: the definitions the rest of the pack relies on.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::units::Percent;
use super::validate::Checker;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Terms {
    /// An individual owning or controlling at least this share of a customer, directly or
    /// through any chain of entities, is a beneficial owner.
    pub beneficial_ownership_percent: Percent,
    /// Kinds of control that make an individual a beneficial owner whatever their share.
    pub substantial_control: Vec<ControlKind>,
    /// An entity owned at least this much, in aggregate, by listed parties is treated as listed.
    pub listed_aggregate_ownership_percent: Percent,
    /// Whether a customer whose U.S./foreign status is not yet decided is handled as foreign.
    pub undetermined_is_foreign: bool,
}

impl Terms {
    pub(crate) fn check(&self, c: &mut Checker) {
        c.range(
            "beneficial_ownership_percent",
            self.beneficial_ownership_percent,
        );
        c.unique("substantial_control", &self.substantial_control);
        c.range(
            "listed_aggregate_ownership_percent",
            self.listed_aggregate_ownership_percent,
        );
    }

    /// Whether `kind` of control alone makes its holder a beneficial owner.
    pub fn is_substantial_control(&self, kind: ControlKind) -> bool {
        self.substantial_control.contains(&kind)
    }
}

/// A way of controlling an entity other than by holding its shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlKind {
    /// Voting rights beyond the share held (agreements, golden shares).
    Voting,
    /// The right to appoint or remove directors or senior officers.
    Appointment,
    /// Acting as senior manager (chief executive, chief financial officer and the like).
    Management,
    /// Control through a contract (variable-interest structures, exclusive agreements).
    Contractual,
    /// Settlor, trustee, protector or beneficiary of a trust that holds the interest.
    Trust,
    /// The person on whose behalf a nominee holds the interest.
    Nominee,
}

impl fmt::Display for ControlKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Voting => "voting",
            Self::Appointment => "appointment",
            Self::Management => "management",
            Self::Contractual => "contractual",
            Self::Trust => "trust",
            Self::Nominee => "nominee",
        };
        f.write_str(name)
    }
}

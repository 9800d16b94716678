//! The validated customer: the draft after every value has been parsed into its type. Fields are
//! public because each already carries its own invariant; the cross-field ones (a third-party
//! source has a payer, an owner has a share or control) are carried by the enums.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::address::Address;
use super::country::CountryCode;
use super::dates::{DateOfBirth, PastDate};
use super::document::IdentityDocument;
use super::draft::CustomerKind;
use super::email::Email;
use super::field_error::{ErrorCode, FieldProblem};
use super::name::PersonName;
use super::payment::PaymentMethod;
use super::phone::PhoneNumber;
use super::text::ShortText;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidatedCustomer {
    pub name: PersonName,
    pub party: Party,
    pub contact: ContactDetails,
    pub accounts: Vec<Account>,
    pub beneficial_owners: Vec<BeneficialOwner>,
}

impl ValidatedCustomer {
    pub fn kind(&self) -> CustomerKind {
        match self.party {
            Party::Individual(_) => CustomerKind::Individual,
            Party::Entity(_) => CustomerKind::Entity,
        }
    }
}

/// What only one kind of customer has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Party {
    Individual(PersonFacts),
    Entity(EntityFacts),
}

/// Identifying facts of an individual (the customer or a beneficial owner).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PersonFacts {
    pub date_of_birth: Option<DateOfBirth>,
    /// Without duplicates, in the order given.
    pub nationalities: Vec<CountryCode>,
    /// `None` when the question was not answered.
    pub us_permanent_resident: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EntityFacts {
    pub incorporation: Option<Incorporation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incorporation {
    /// The jurisdiction under whose law the entity is organised.
    pub country: CountryCode,
    pub date: Option<PastDate>,
    pub registration_number: Option<ShortText>,
}

/// Where a party lives or operates and how to reach it, with its identity documents.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ContactDetails {
    pub addresses: Vec<Address>,
    pub emails: Vec<Email>,
    pub phones: Vec<PhoneNumber>,
    pub documents: Vec<IdentityDocument>,
}

impl ContactDetails {
    /// Countries of the addresses, without duplicates, in the order given.
    pub fn address_countries(&self) -> Vec<CountryCode> {
        let mut countries: Vec<CountryCode> = Vec::new();
        for address in &self.addresses {
            if !countries.contains(&address.country) {
                countries.push(address.country);
            }
        }
        countries
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Unique within the customer.
    pub external_id: ShortText,
    pub payment_methods: Vec<PaymentMethod>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeneficialOwner {
    pub name: PersonName,
    pub facts: PersonFacts,
    pub contact: ContactDetails,
    pub stake: OwnershipStake,
}

/// Why someone is a beneficial owner: a share of the ownership interests, substantial
/// control, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OwnershipStake {
    Ownership {
        percent: OwnershipPercent,
    },
    Control {
        role: ShortText,
    },
    OwnershipAndControl {
        percent: OwnershipPercent,
        role: ShortText,
    },
}

impl OwnershipStake {
    pub fn percent(&self) -> Option<OwnershipPercent> {
        match self {
            Self::Ownership { percent } | Self::OwnershipAndControl { percent, .. } => {
                Some(*percent)
            }
            Self::Control { .. } => None,
        }
    }

    pub fn control_role(&self) -> Option<&ShortText> {
        match self {
            Self::Control { role } | Self::OwnershipAndControl { role, .. } => Some(role),
            Self::Ownership { .. } => None,
        }
    }
}

/// A share in percent, `0 < p <= 100`. Whether it makes someone a beneficial owner (25 % in the
/// 2024 proposal) is a rule-pack threshold, not a property of the number.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct OwnershipPercent(f64);

// The constructor refuses NaN, so equality is total.
impl Eq for OwnershipPercent {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be a percentage greater than 0 and at most 100")]
pub struct OwnershipPercentError;

impl FieldProblem for OwnershipPercentError {
    fn code(&self) -> ErrorCode {
        ErrorCode::OutOfRange
    }
}

impl OwnershipPercent {
    pub fn new(value: f64) -> Result<Self, OwnershipPercentError> {
        if value.is_finite() && value > 0.0 && value <= 100.0 {
            Ok(Self(value))
        } else {
            Err(OwnershipPercentError)
        }
    }

    pub fn value(&self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for OwnershipPercent {
    type Error = OwnershipPercentError;
    fn try_from(value: f64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<OwnershipPercent> for f64 {
    fn from(percent: OwnershipPercent) -> Self {
        percent.0
    }
}

impl fmt::Display for OwnershipPercent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} %", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ownership_percent_is_a_real_share() {
        assert!(OwnershipPercent::new(60.0).is_ok());
        assert!(OwnershipPercent::new(100.0).is_ok());
        for bad in [0.0, -1.0, 100.01, f64::NAN, f64::INFINITY] {
            assert_eq!(
                OwnershipPercent::new(bad),
                Err(OwnershipPercentError),
                "{bad}"
            );
        }
        assert!(serde_json::from_str::<OwnershipPercent>("150").is_err());
    }

    #[test]
    fn stake_exposes_share_and_role() {
        let role = ShortText::parse("management", 50).unwrap();
        let both = OwnershipStake::OwnershipAndControl {
            percent: OwnershipPercent::new(30.0).unwrap(),
            role,
        };
        assert_eq!(both.percent().map(|p| p.value()), Some(30.0));
        assert_eq!(
            both.control_role().map(ShortText::as_str),
            Some("management")
        );
    }
}

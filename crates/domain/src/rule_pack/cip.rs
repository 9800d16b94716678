//! `[cip]`: which identifying information the program collects, and from whom.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::validate::Checker;

/// The field lists for each kind of party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CipFields {
    pub individual: FieldList,
    pub entity: FieldList,
    pub beneficial_owner: FieldList,
}

/// What to collect from one kind of party. Collecting anything else is refused: the program
/// collects only what the pack asks (data minimisation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldList {
    /// Must be present before the customer can be determined and verified.
    pub required: Vec<CipField>,
    /// May be collected when the party offers it or the officer asks for it.
    pub optional: Vec<CipField>,
}

impl FieldList {
    pub fn requires(&self, field: CipField) -> bool {
        self.required.contains(&field)
    }

    /// Whether the field may be collected at all.
    pub fn collects(&self, field: CipField) -> bool {
        self.requires(field) || self.optional.contains(&field)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Party {
    Individual,
    Entity,
    BeneficialOwner,
}

impl CipFields {
    pub(crate) fn check(&self, c: &mut Checker) {
        c.within("individual", |c| {
            self.individual.check(c, Party::Individual)
        });
        c.within("entity", |c| self.entity.check(c, Party::Entity));
        c.within("beneficial_owner", |c| {
            self.beneficial_owner.check(c, Party::BeneficialOwner)
        });
    }
}

impl FieldList {
    fn check(&self, c: &mut Checker, party: Party) {
        c.non_empty(
            "required",
            &self.required,
            "a program must collect something",
        );
        if !self.requires(CipField::Name) {
            c.problem(
                "required",
                "must include `name`: no party can be identified without it",
            );
        }
        c.unique("required", &self.required);
        c.unique("optional", &self.optional);
        for (key, list) in [("required", &self.required), ("optional", &self.optional)] {
            for (index, field) in list.iter().enumerate() {
                if let Err(why) = field.applies_to(party) {
                    c.item_problem(key, index, format!("`{field}` {why}"));
                }
            }
        }
        for (index, field) in self.optional.iter().enumerate() {
            if self.requires(*field) {
                c.item_problem("optional", index, format!("`{field}` is already required"));
            }
        }
    }
}

/// An item of identifying information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CipField {
    Name,
    /// Former names, aliases, trading names.
    OtherNames,
    Address,
    Email,
    Phone,
    /// For each account: card, bank account, customer or transaction ids, wallet.
    PaymentMeans,
    /// For each account: who pays, when it is not the customer.
    PaymentSource,
    /// The continuous log of IP addresses with date and time of each access or administrative
    /// action on the account.
    AccessIpLog,
    DateOfBirth,
    Nationality,
    NationalId,
    /// Passport or identity card: type, number, issuing country, expiry.
    IdentityDocument,
    TaxId,
    IncorporationDate,
    JurisdictionOfOrganization,
    RegistrationNumber,
    BeneficialOwners,
}

impl CipField {
    /// Whether the field makes sense for `party`, and why not.
    fn applies_to(self, party: Party) -> Result<(), &'static str> {
        use CipField as F;
        match (self, party) {
            (F::PaymentMeans | F::PaymentSource | F::AccessIpLog, Party::BeneficialOwner) => {
                Err("is recorded per account of the customer, not per beneficial owner")
            }
            (
                F::DateOfBirth | F::Nationality | F::NationalId | F::IdentityDocument,
                Party::Entity,
            ) => Err("applies to individuals, not to entities"),
            (
                F::IncorporationDate | F::JurisdictionOfOrganization | F::RegistrationNumber,
                Party::Individual | Party::BeneficialOwner,
            ) => Err("applies to entities, not to individuals"),
            (F::BeneficialOwners, Party::Individual | Party::BeneficialOwner) => {
                Err("applies to entity customers only")
            }
            _ => Ok(()),
        }
    }
}

impl fmt::Display for CipField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Name => "name",
            Self::OtherNames => "other_names",
            Self::Address => "address",
            Self::Email => "email",
            Self::Phone => "phone",
            Self::PaymentMeans => "payment_means",
            Self::PaymentSource => "payment_source",
            Self::AccessIpLog => "access_ip_log",
            Self::DateOfBirth => "date_of_birth",
            Self::Nationality => "nationality",
            Self::NationalId => "national_id",
            Self::IdentityDocument => "identity_document",
            Self::TaxId => "tax_id",
            Self::IncorporationDate => "incorporation_date",
            Self::JurisdictionOfOrganization => "jurisdiction_of_organization",
            Self::RegistrationNumber => "registration_number",
            Self::BeneficialOwners => "beneficial_owners",
        };
        f.write_str(name)
    }
}

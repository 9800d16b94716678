//! Location evidence of a subject and its matching against jurisdiction measures.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::cip::{AccessObservation, BeneficialOwner, CountryCode, Party, ValidatedCustomer};
use crate::rule_pack::{self, SpecialMeasures};

/// Where a piece of location evidence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceSource {
    Address,
    /// An individual's nationality.
    Nationality,
    /// The jurisdiction under whose law an entity is organised.
    PlaceOfOrganization,
    /// The country of a card issuer or bank account.
    PaymentInstrument,
    /// The geolocation of an IP address that accessed the account.
    AccessIp,
}

impl EvidenceSource {
    /// The pack's name for this kind of evidence; a pack that leaves a kind out of
    /// `special_measures.location_evidence` does not let it place anyone anywhere.
    pub fn pack_kind(self) -> rule_pack::LocationEvidence {
        match self {
            Self::Address => rule_pack::LocationEvidence::Address,
            Self::Nationality | Self::PlaceOfOrganization => {
                rule_pack::LocationEvidence::NationalityOrOrganization
            }
            Self::PaymentInstrument => rule_pack::LocationEvidence::PaymentCountry,
            Self::AccessIp => rule_pack::LocationEvidence::AccessIpCountry,
        }
    }
}

impl fmt::Display for EvidenceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Address => "address",
            Self::Nationality => "nationality",
            Self::PlaceOfOrganization => "place of organization",
            Self::PaymentInstrument => "payment instrument",
            Self::AccessIp => "access IP",
        })
    }
}

/// One fact placing a subject in a country; `detail` says which fact, for the case file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EvidenceItem {
    pub source: EvidenceSource,
    pub country: CountryCode,
    pub detail: String,
}

impl fmt::Display for EvidenceItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({})", self.source, self.detail, self.country)
    }
}

/// Everything known about where a subject (customer, owner or reseller) is, each piece
/// tagged with its source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationEvidence {
    pub items: Vec<EvidenceItem>,
}

impl LocationEvidence {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(
        &mut self,
        source: EvidenceSource,
        country: CountryCode,
        detail: impl Into<String>,
    ) {
        let item = EvidenceItem {
            source,
            country,
            detail: detail.into(),
        };
        if !self.items.contains(&item) {
            self.items.push(item);
        }
    }

    pub fn with(
        mut self,
        source: EvidenceSource,
        country: CountryCode,
        detail: impl Into<String>,
    ) -> Self {
        self.push(source, country, detail);
        self
    }

    /// A validated customer's evidence: its addresses, nationalities or place of
    /// organisation, the countries of its payment instruments, and the countries its access
    /// IPs were placed in.
    pub fn of_customer(customer: &ValidatedCustomer, access: &[AccessObservation]) -> Self {
        let mut evidence = Self::new();
        for address in &customer.contact.addresses {
            evidence.push(
                EvidenceSource::Address,
                address.country,
                format!("in {}", address.city.as_str()),
            );
        }
        match &customer.party {
            Party::Individual(facts) => {
                for country in &facts.nationalities {
                    evidence.push(EvidenceSource::Nationality, *country, "declared");
                }
            }
            Party::Entity(facts) => {
                if let Some(incorporation) = &facts.incorporation {
                    evidence.push(
                        EvidenceSource::PlaceOfOrganization,
                        incorporation.country,
                        "incorporation",
                    );
                }
            }
        }
        for account in &customer.accounts {
            for method in &account.payment_methods {
                if let Some(country) = method.instrument.country() {
                    evidence.push(
                        EvidenceSource::PaymentInstrument,
                        country,
                        format!(
                            "{} of account {}",
                            method.instrument.describe(),
                            account.external_id.as_str()
                        ),
                    );
                }
            }
        }
        for observation in access {
            if let Some(country) = observation.country {
                evidence.push(
                    EvidenceSource::AccessIp,
                    country,
                    format!("from {}", observation.ip.addr()),
                );
            }
        }
        evidence
    }

    /// A beneficial owner's evidence: addresses and nationalities.
    pub fn of_owner(owner: &BeneficialOwner) -> Self {
        let mut evidence = Self::new();
        for address in &owner.contact.addresses {
            evidence.push(
                EvidenceSource::Address,
                address.country,
                format!("in {}", address.city.as_str()),
            );
        }
        for country in &owner.facts.nationalities {
            evidence.push(EvidenceSource::Nationality, *country, "declared");
        }
        evidence
    }

    /// Every piece of evidence placing the subject in `country`, among the kinds the pack
    /// accepts.
    pub fn placing_in(&self, country: CountryCode, pack: &SpecialMeasures) -> Vec<EvidenceItem> {
        self.items
            .iter()
            .filter(|item| {
                item.country == country && pack.location_evidence.contains(&item.source.pack_kind())
            })
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_map_to_the_packs_kinds_and_duplicates_are_kept_once() {
        assert_eq!(
            EvidenceSource::PlaceOfOrganization.pack_kind(),
            rule_pack::LocationEvidence::NationalityOrOrganization
        );
        assert_eq!(
            EvidenceSource::AccessIp.pack_kind(),
            rule_pack::LocationEvidence::AccessIpCountry
        );
        let ng = CountryCode::parse("NG").unwrap();
        let evidence = LocationEvidence::new()
            .with(EvidenceSource::Address, ng, "in Lagos")
            .with(EvidenceSource::Address, ng, "in Lagos");
        assert_eq!(evidence.items.len(), 1);
    }
}

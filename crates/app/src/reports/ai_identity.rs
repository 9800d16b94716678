//! The CIP identity data of the AI-training report: the customer's and each beneficial owner's
//! names, countries, addresses, payments, emails and phones, opened from the sealed record.

use cloudkyc_domain::cip::{BeneficialOwner, ContactDetails, Party, PaymentSource, PersonName};
use cloudkyc_reports::{PartyIdentity, PartyKind, PaymentRecord};

use crate::customers::CustomerRecord;

fn identity(
    party: PartyKind,
    name: &PersonName,
    countries: Vec<String>,
    contact: &ContactDetails,
) -> PartyIdentity {
    PartyIdentity {
        party,
        name: name.full().to_string(),
        other_names: name.other_names().iter().map(ToString::to_string).collect(),
        countries,
        addresses: contact
            .addresses
            .iter()
            .map(|a| {
                [
                    Some(a.line1.to_string()),
                    a.line2.as_ref().map(ToString::to_string),
                    Some(a.city.to_string()),
                    a.region.as_ref().map(ToString::to_string),
                    a.postal_code.as_ref().map(ToString::to_string),
                    Some(a.country.as_str().to_owned()),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ")
            })
            .collect(),
        payments: Vec::new(),
        emails: contact.emails.iter().map(ToString::to_string).collect(),
        phones: contact.phones.iter().map(|p| p.e164().to_owned()).collect(),
        ip_addresses: Vec::new(),
    }
}

pub(super) fn customer_identity(record: &CustomerRecord) -> PartyIdentity {
    let c = &record.customer;
    let (kind, countries) = match &c.party {
        Party::Individual(p) => (
            PartyKind::Individual,
            p.nationalities
                .iter()
                .map(|n| n.as_str().to_owned())
                .collect(),
        ),
        Party::Entity(e) => (
            PartyKind::Entity,
            e.incorporation
                .iter()
                .map(|i| i.country.as_str().to_owned())
                .collect(),
        ),
    };
    let mut party = identity(kind, &c.name, countries, &c.contact);
    party.payments = c
        .accounts
        .iter()
        .flat_map(|account| {
            account.payment_methods.iter().map(|m| PaymentRecord {
                account: account.external_id.to_string(),
                means: m.instrument.describe(),
                source: match &m.source {
                    PaymentSource::Customer => "customer".to_owned(),
                    PaymentSource::ThirdParty { payer } => payer.name.full().to_string(),
                },
            })
        })
        .collect();
    party
}

pub(super) fn owner_identity(owner: &BeneficialOwner) -> PartyIdentity {
    identity(
        PartyKind::Individual,
        &owner.name,
        owner
            .facts
            .nationalities
            .iter()
            .map(|n| n.as_str().to_owned())
            .collect(),
        &owner.contact,
    )
}

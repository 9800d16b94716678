//! Which of the pack's required CIP fields a validated customer lacks.
//!
//! `access_ip_log` is collected after onboarding through `/v1/access-events`, so it is never
//! missing at onboarding; a field this module cannot tell from the customer (tax id) is reported
//! missing only when the pack requires it.

use cloudkyc_domain::cip::{
    BeneficialOwner, ContactDetails, DocumentKind, Party, PersonFacts, ValidatedCustomer,
};
use cloudkyc_domain::rule_pack::{CipField, FieldList, RulePack};

fn field_name(field: CipField) -> String {
    serde_json::to_value(field)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{field:?}"))
}

fn contact_has(field: CipField, contact: &ContactDetails) -> Option<bool> {
    match field {
        CipField::Address => Some(!contact.addresses.is_empty()),
        CipField::Email => Some(!contact.emails.is_empty()),
        CipField::Phone => Some(!contact.phones.is_empty()),
        CipField::IdentityDocument => Some(!contact.documents.is_empty()),
        CipField::NationalId => Some(
            contact
                .documents
                .iter()
                .any(|d| d.kind == DocumentKind::NationalId),
        ),
        _ => None,
    }
}

fn person_has(field: CipField, facts: &PersonFacts) -> Option<bool> {
    match field {
        CipField::DateOfBirth => Some(facts.date_of_birth.is_some()),
        CipField::Nationality => Some(!facts.nationalities.is_empty()),
        _ => None,
    }
}

fn missing_in(
    list: &FieldList,
    has: impl Fn(CipField) -> bool,
    prefix: &str,
    out: &mut Vec<String>,
) {
    for field in &list.required {
        if !has(*field) {
            out.push(format!("{prefix}{}", field_name(*field)));
        }
    }
}

/// The required fields the customer lacks, as `field` or `beneficial_owners/N/field`.
pub fn missing_fields(pack: &RulePack, customer: &ValidatedCustomer) -> Vec<String> {
    let mut out = Vec::new();
    let has_payment = customer
        .accounts
        .iter()
        .any(|a| !a.payment_methods.is_empty());
    let customer_has = |field: CipField| -> bool {
        if let Some(found) = contact_has(field, &customer.contact) {
            return found;
        }
        match (&customer.party, field) {
            (_, CipField::Name) => true,
            (_, CipField::OtherNames) => !customer.name.other_names().is_empty(),
            (_, CipField::PaymentMeans | CipField::PaymentSource) => has_payment,
            (_, CipField::AccessIpLog) => true,
            (_, CipField::BeneficialOwners) => !customer.beneficial_owners.is_empty(),
            (Party::Individual(facts), field) => person_has(field, facts).unwrap_or(false),
            (Party::Entity(facts), CipField::JurisdictionOfOrganization) => {
                facts.incorporation.is_some()
            }
            (Party::Entity(facts), CipField::IncorporationDate) => facts
                .incorporation
                .as_ref()
                .is_some_and(|i| i.date.is_some()),
            (Party::Entity(facts), CipField::RegistrationNumber) => facts
                .incorporation
                .as_ref()
                .is_some_and(|i| i.registration_number.is_some()),
            (Party::Entity(_), _) => false,
        }
    };
    let list = match customer.party {
        Party::Individual(_) => &pack.cip().individual,
        Party::Entity(_) => &pack.cip().entity,
    };
    missing_in(list, customer_has, "", &mut out);
    for (index, owner) in customer.beneficial_owners.iter().enumerate() {
        let owner_has = |field: CipField| owner_has(owner, field);
        missing_in(
            &pack.cip().beneficial_owner,
            owner_has,
            &format!("beneficial_owners/{index}/"),
            &mut out,
        );
    }
    out
}

fn owner_has(owner: &BeneficialOwner, field: CipField) -> bool {
    if let Some(found) = contact_has(field, &owner.contact) {
        return found;
    }
    match field {
        CipField::Name => true,
        CipField::OtherNames => !owner.name.other_names().is_empty(),
        other => person_has(other, &owner.facts).unwrap_or(false),
    }
}

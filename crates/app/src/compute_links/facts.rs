//! The owner group's facts from the CIP records of the customers holding its accounts.
//!
//! Status: foreign when any holder is foreign; U.S. only when every account of the group has a
//! holder and every holder is a U.S. person; otherwise undetermined (an account nobody holds
//! yet could belong to anyone). The other facts are read from the *subject* customer (the first
//! foreign holder, else the first holder): its country and age, and from every holder: the
//! owners' countries and the means of payment of the group's accounts.
//!
//! Shell indicators (K1) read from the records: a **virtual office** when every address of the
//! subject customer is a mail drop (a post-office or private mail box, "care of", a virtual
//! office or registered-agent address; [`is_mail_drop`]); an **unverifiable owner** when a
//! holder's beneficial owner (at the pack's threshold or by control) has neither a date of birth
//! nor an identity document to verify, or when the holder's ownership structure leaves a part
//! at or above the threshold with no identified owner (`structure::StructureFacts`).
//!
//! Special measures are not read here: `measures::special_measure_facts` matches the holders
//! against the registry (it reads the store) and the assessment adds them to these facts.

use chrono::NaiveDate;
use cloudkyc_compute::{OwnerFacts, PaymentFact, PaymentKind, PersonStatus};
use cloudkyc_domain::cip::{
    Address, Party, PaymentInstrument, PaymentSource, PersonStatus as CipStatus,
};
use cloudkyc_domain::rule_pack::Terms;

use crate::customers::CustomerRecord;

/// The customers holding an owner group's accounts.
#[derive(Debug, Clone, Default)]
pub struct GroupHolders {
    /// Distinct holders, in the order of their first account in the group.
    pub customers: Vec<CustomerRecord>,
    /// Accounts of the group no customer holds, or whose holder was purged under records
    /// retention (nothing is known of it any more).
    pub unheld: Vec<String>,
    /// A holder's ownership structure leaves an owner at or above the threshold unidentified.
    pub unidentified_owner: bool,
}

impl GroupHolders {
    pub fn status(&self) -> PersonStatus {
        let statuses = || self.customers.iter().map(|c| c.decision.person_status);
        if statuses().any(|s| s == CipStatus::Foreign) {
            PersonStatus::Foreign
        } else if !self.customers.is_empty()
            && self.unheld.is_empty()
            && statuses().all(|s| s == CipStatus::Us)
        {
            PersonStatus::Us
        } else {
            PersonStatus::Undetermined
        }
    }

    /// The customer a case is about: the first foreign holder, else the first holder.
    pub fn subject(&self) -> Option<&CustomerRecord> {
        self.customers
            .iter()
            .find(|c| c.decision.person_status == CipStatus::Foreign)
            .or_else(|| self.customers.first())
    }
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}

fn payment_kind(instrument: &PaymentInstrument) -> PaymentKind {
    match instrument {
        PaymentInstrument::Card(_) => PaymentKind::Card,
        PaymentInstrument::BankAccount(_) => PaymentKind::BankTransfer,
        PaymentInstrument::Wallet { .. } => PaymentKind::Crypto,
        PaymentInstrument::CustomerId { .. } | PaymentInstrument::TransactionIds { .. } => {
            PaymentKind::Other
        }
    }
}

/// Words of an address line that mark a mail drop rather than premises, as whole-word
/// sequences after lower-casing and turning punctuation into spaces ("c/o" -> "c o").
const MAIL_DROP_MARKERS: [&str; 16] = [
    "po box",
    "p o box",
    "post office box",
    "pmb",
    "private mail box",
    "private mailbox",
    "mailbox",
    "mail drop",
    "c o",
    "care of",
    "virtual office",
    "registered agent",
    "postfach",
    "boite postale",
    "apartado postal",
    "casilla postal",
];

/// Whether an address is a mail drop (see [`MAIL_DROP_MARKERS`]).
pub fn is_mail_drop(address: &Address) -> bool {
    let lines = [Some(&address.line1), address.line2.as_ref()];
    lines.into_iter().flatten().any(|line| {
        let words: String = line
            .as_str()
            .to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        let padded = format!(
            " {} ",
            words.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        MAIL_DROP_MARKERS
            .iter()
            .any(|m| padded.contains(&format!(" {m} ")))
    })
}

/// A beneficial owner the records give nothing to verify with: no date of birth, no document.
fn unverifiable(owner: &cloudkyc_domain::cip::BeneficialOwner, terms: &Terms) -> bool {
    super::keys::qualifies(owner, terms)
        && owner.facts.date_of_birth.is_none()
        && owner.contact.documents.is_empty()
}

/// The facts the red flags read, from the holders of `accounts` (the group's members).
pub fn owner_facts(
    holders: &GroupHolders,
    accounts: &[String],
    admin_ip_countries: Vec<String>,
    today: NaiveDate,
    terms: &Terms,
) -> OwnerFacts {
    let mut facts = OwnerFacts::with_status(holders.status());
    facts.admin_ip_countries = admin_ip_countries;
    facts.unverifiable_owner = holders.unidentified_owner
        || holders.customers.iter().any(|c| {
            c.customer
                .beneficial_owners
                .iter()
                .any(|o| unverifiable(o, terms))
        });
    if let Some(subject) = holders.subject() {
        let c = &subject.customer;
        facts.customer_country = match &c.party {
            Party::Entity(e) => e.incorporation.as_ref().map(|i| i.country),
            Party::Individual(p) => c
                .contact
                .address_countries()
                .first()
                .copied()
                .or_else(|| p.nationalities.first().copied()),
        }
        .map(|country| country.as_str().to_owned());
        let addresses = &c.contact.addresses;
        facts.virtual_office = !addresses.is_empty() && addresses.iter().all(is_mail_drop);
        if let Party::Entity(e) = &c.party
            && let Some(date) = e.incorporation.as_ref().and_then(|i| i.date)
        {
            let days = (today - date.date()).num_days().max(0);
            facts.entity_age_days = u32::try_from(days).ok();
        }
    }
    for customer in &holders.customers {
        let c = &customer.customer;
        for owner in &c.beneficial_owners {
            for country in owner
                .facts
                .nationalities
                .iter()
                .chain(owner.contact.address_countries().iter())
            {
                push_unique(&mut facts.owner_jurisdictions, country.as_str());
            }
        }
        for account in c
            .accounts
            .iter()
            .filter(|a| accounts.iter().any(|m| m == a.external_id.as_str()))
        {
            for method in &account.payment_methods {
                let (third_party, payer_country) = match &method.source {
                    PaymentSource::Customer => (false, method.instrument.country()),
                    PaymentSource::ThirdParty { payer } => {
                        (true, payer.country.or(method.instrument.country()))
                    }
                };
                facts.payments.push(PaymentFact {
                    kind: payment_kind(&method.instrument),
                    third_party,
                    payer_country: payer_country.map(|c| c.as_str().to_owned()),
                    prepayment_usd: None,
                });
            }
        }
    }
    facts
}

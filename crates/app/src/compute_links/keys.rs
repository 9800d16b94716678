//! What two customers' accounts can share, as index keys: the same CIP customer, the same
//! registered entity, a shared beneficial owner (normalised name + date of birth, or an identity
//! document), a shared payment instrument, shared contact details.
//!
//! Keys of personal data are keyed blind indexes (the store's key ring), so the in-memory index
//! and the merge evidence never hold a name, a document number or a card number; the evidence
//! shows a short prefix of the index (a fingerprint an officer can compare, not reverse).

use cloudkyc_compute::LinkKind;
use cloudkyc_domain::cip::{
    BeneficialOwner, ContactDetails, Party, PaymentInstrument, PersonFacts, PersonName,
};
use cloudkyc_domain::rule_pack::Terms;
use cloudkyc_screening::model::Schema;
use cloudkyc_screening::normalize_name;

use crate::customers::CustomerRecord;

/// Hex characters of the blind index shown in the evidence.
pub const FINGERPRINT_CHARS: usize = 12;

/// One thing an account shares, and how strongly that links it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkKey {
    /// The index key: a blind index (or the customer id for same-customer keys).
    pub key: String,
    pub kind: LinkKind,
    /// What the merge evidence says: a description and a fingerprint, never the value.
    pub detail: String,
    /// The account this key belongs to.
    pub account: String,
}

/// Computes blind indexes: `(space, normalised value) -> hex`.
pub trait Fingerprint {
    fn index(&self, space: &str, value: &str) -> String;
}

impl Fingerprint for cloudkyc_store::crypto::KeyRing {
    fn index(&self, space: &str, value: &str) -> String {
        self.blind_index(space, value)
    }
}

fn short(index: &str) -> &str {
    index.get(..FINGERPRINT_CHARS).unwrap_or(index)
}

/// A key of personal data for every account in `accounts`: the blind index of `value` in
/// `space`, the evidence `what` with the index's fingerprint.
pub(crate) fn keyed(
    fp: &dyn Fingerprint,
    accounts: &[String],
    space: &str,
    value: &str,
    kind: LinkKind,
    what: &str,
) -> Vec<LinkKey> {
    let index = fp.index(space, value);
    let detail = format!("{what} (fingerprint {})", short(&index));
    accounts
        .iter()
        .map(|account| LinkKey {
            key: format!("{space}:{index}"),
            kind,
            detail: detail.clone(),
            account: account.clone(),
        })
        .collect()
}

/// The value an individual is keyed by: the sorted tokens of the normalised name and the date
/// of birth. Token order is not identity ("CHEN, Jun", "Chen Jun", "Jun Chen"); with the date
/// of birth the sorted tokens are specific enough.
pub(crate) fn person_value(full_name: &str, born: chrono::NaiveDate) -> String {
    let normalised = normalize_name(full_name, Schema::Person).text();
    let mut tokens: Vec<&str> = normalised.split_whitespace().collect();
    tokens.sort_unstable();
    format!("{}|{born}", tokens.join(" "))
}

struct Builder<'a> {
    fp: &'a dyn Fingerprint,
    out: Vec<LinkKey>,
}

impl Builder<'_> {
    /// Adds a key of personal data for every account in `accounts`.
    fn add(&mut self, accounts: &[String], space: &str, value: &str, kind: LinkKind, what: &str) {
        self.out
            .extend(keyed(self.fp, accounts, space, value, kind, what));
    }

    /// The person's name + date of birth and identity documents: the same individual, whether
    /// customer or beneficial owner.
    fn person(&mut self, accounts: &[String], name: &PersonName, facts: &PersonFacts) {
        if let Some(born) = facts.date_of_birth {
            // Token order is not identity ("CHEN, Jun", "Chen Jun", "Jun Chen"); with the
            // date of birth the sorted tokens are specific enough.
            let normalised = normalize_name(name.full().as_str(), Schema::Person).text();
            let mut tokens: Vec<&str> = normalised.split_whitespace().collect();
            tokens.sort_unstable();
            let value = format!("{}|{}", tokens.join(" "), born.date());
            let what = "shared beneficial owner (same normalised name and date of birth)";
            self.add(
                accounts,
                "compute.owner",
                &value,
                LinkKind::BeneficialOwner,
                what,
            );
        }
    }

    fn documents(&mut self, accounts: &[String], contact: &ContactDetails) {
        for d in &contact.documents {
            let value = format!("{}|{}", d.issuing_country.as_str(), d.number.as_str());
            let what = "shared beneficial owner (same identity document)";
            self.add(
                accounts,
                "compute.document",
                &value,
                LinkKind::BeneficialOwner,
                what,
            );
        }
    }

    fn contact(&mut self, accounts: &[String], contact: &ContactDetails) {
        for e in &contact.emails {
            let value = e.as_str().to_lowercase();
            let what = "shared contact email address";
            self.add(
                accounts,
                "compute.email",
                &value,
                LinkKind::ContactDetails,
                what,
            );
        }
        for p in &contact.phones {
            let what = "shared contact phone number";
            self.add(
                accounts,
                "compute.phone",
                p.e164(),
                LinkKind::ContactDetails,
                what,
            );
        }
    }

    fn instrument(&mut self, account: &str, instrument: &PaymentInstrument) {
        let accounts = [account.to_owned()];
        match instrument {
            // Brand + BIN + last four identify a card well enough; brand + last four alone
            // would link one customer in ten thousand to another by chance, so no key.
            PaymentInstrument::Card(card) => {
                if let Some(bin) = &card.bin {
                    let brand = serde_json::to_value(card.brand)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    let value = format!("{brand}|{}|{}", bin.as_str(), card.last4);
                    let what = format!("shared payment card {brand} ending {}", card.last4);
                    self.add(
                        &accounts,
                        "compute.card",
                        &value,
                        LinkKind::PaymentInstrument,
                        &what,
                    );
                }
            }
            PaymentInstrument::Wallet { wallet } => {
                let chain = wallet.chain().as_str().to_owned();
                let value = format!("{chain}|{}", wallet.address());
                let what = format!("shared {chain} wallet");
                self.add(
                    &accounts,
                    "compute.wallet",
                    &value,
                    LinkKind::PaymentInstrument,
                    &what,
                );
            }
            PaymentInstrument::CustomerId { customer_id } => {
                let what = "shared payment-processor customer id";
                let value = customer_id.as_str();
                self.add(
                    &accounts,
                    "compute.payer_id",
                    value,
                    LinkKind::PaymentInstrument,
                    what,
                );
            }
            // A bank account is recorded by country and bank only: shared by every customer of
            // that bank, it identifies nobody. Transaction ids are per payment, never shared.
            PaymentInstrument::BankAccount(_) | PaymentInstrument::TransactionIds { .. } => {}
        }
    }
}

/// Whether `owner` is a beneficial owner under the pack: a share at or above the threshold, or a
/// control role (CIP records owners by control only when the control is substantial).
pub(crate) fn qualifies(owner: &BeneficialOwner, terms: &Terms) -> bool {
    owner.stake.control_role().is_some()
        || owner
            .stake
            .percent()
            .is_some_and(|p| p.value() >= terms.beneficial_ownership_percent.get())
}

/// Every key of the customer's accounts.
pub fn customer_keys(record: &CustomerRecord, terms: &Terms, fp: &dyn Fingerprint) -> Vec<LinkKey> {
    let accounts = &record.accounts;
    let mut b = Builder {
        fp,
        out: Vec::new(),
    };
    // Accounts of one customer belong to one owner: the strongest link there is.
    for account in accounts {
        b.out.push(LinkKey {
            key: format!("customer:{}", record.id),
            kind: LinkKind::ParentEntity,
            detail: format!("accounts of the same CIP customer {}", record.id),
            account: account.clone(),
        });
    }
    let c = &record.customer;
    match &c.party {
        Party::Individual(facts) => b.person(accounts, &c.name, facts),
        Party::Entity(entity) => {
            if let Some(inc) = &entity.incorporation
                && let Some(number) = &inc.registration_number
            {
                let value = format!(
                    "{}|{}",
                    inc.country.as_str(),
                    number.as_str().to_uppercase()
                );
                let what = "same registered entity (incorporation country and number)";
                b.add(
                    accounts,
                    "compute.entity",
                    &value,
                    LinkKind::ParentEntity,
                    what,
                );
            }
        }
    }
    b.documents(accounts, &c.contact);
    b.contact(accounts, &c.contact);
    for owner in c.beneficial_owners.iter().filter(|o| qualifies(o, terms)) {
        b.person(accounts, &owner.name, &owner.facts);
        b.documents(accounts, &owner.contact);
    }
    for account in &c.accounts {
        for method in &account.payment_methods {
            b.instrument(account.external_id.as_str(), &method.instrument);
        }
    }
    b.out.sort();
    b.out.dedup();
    b.out
}

//! The generated part of the demo: `count` customer drafts from a seed, the same bytes on every
//! machine for the same [`DemoSpec`].
//!
//! The case of customer `i` comes from a fixed 25-slot schedule (`SCHEDULE[i % 25]`), so the mix
//! is exact for any count; the failing slots rotate through the [`Failure`] kinds. Everything
//! else (country, names, dates, numbers) comes from the customer's own SplitMix64 stream, seeded
//! from the spec's seed and `i`, so a smaller set is a prefix of a larger one. Dates are laid out
//! around 1 January of `spec.year` (documents expire in later years, people were born and
//! companies organised in earlier ones), so the drafts validate on any day of that year.

use chrono::{Datelike, NaiveDate};
use cloudkyc_domain::cip::consistency::DISPOSABLE_EMAIL_DOMAINS;
use cloudkyc_domain::cip::{
    AccountDraft, AddressDraft, BeneficialOwnerDraft, CustomerDraft, CustomerKind, DocumentDraft,
    DocumentKind, IncorporationDraft, NameDraft, PayerDraft, PaymentMethodDraft, PaymentSourceKind,
};
use serde::Serialize;

use super::parts::{
    Passport, Person, address, any_phone, bank_account, card, date_in, fill, owner,
    processor_customer, slug, transaction_ids, wallet,
};
use super::rng::SplitMix64;
use super::tables::{
    self, COMPANY_TRADES, COMPANY_WORDS, CONTROL_ROLES, Country, FOREIGN, HIGH_RISK,
    HOLDING_JURISDICTIONS, HOLDING_WORDS,
};
use super::wallet::CHAINS;

/// The seed `serve --demo` uses.
pub const DEFAULT_SEED: u64 = 20_240_129;
/// How many customers `serve --demo` generates.
pub const DEFAULT_COUNT: usize = 300;

/// What determines the generated set: same spec, same drafts, byte for byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSpec {
    pub seed: u64,
    pub count: usize,
    /// Dates are laid out around 1 January of this year; the drafts validate all year.
    pub year: i32,
}

impl DemoSpec {
    /// The default seed and count, for the year of `today`.
    pub fn default_for(today: NaiveDate) -> Self {
        Self {
            seed: DEFAULT_SEED,
            count: DEFAULT_COUNT,
            year: today.year(),
        }
    }
}

/// Why a failing customer fails verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// The passport's zone names someone else (high-risk jurisdiction, so the high tier's
    /// document checks run).
    MrzNameMismatch,
    /// The zone shows an expiry date in the past; the typed one was moved forward. No
    /// nationality is given, so the status is undetermined and the high tier applies.
    MrzExpired,
    /// A card issued in another country than the customer's address.
    PaymentCountry,
    /// A telephone number of another country.
    PhoneCountry,
    /// An address at a disposable-mailbox service.
    DisposableEmail,
    /// A published specimen document number.
    DocumentNumber,
}

const FAILURES: [Failure; 6] = [
    Failure::MrzNameMismatch,
    Failure::PaymentCountry,
    Failure::MrzExpired,
    Failure::DisposableEmail,
    Failure::PhoneCountry,
    Failure::DocumentNumber,
];

/// The kinds of demo customer and the outcome onboarding gives each (bundled pack).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Case {
    /// U.S. citizen living in the United States: `not_required`, full access.
    UsIndividual,
    /// Organised in the United States with U.S. owners: `not_required`.
    UsEntity,
    /// Foreign national abroad with a passport and its MRZ: `pending` (the medium tier's
    /// access-IP check needs access events), restricted access.
    ForeignIndividual,
    /// Resident and national of a high-risk jurisdiction: high tier, MRZ checks pass, `pending`.
    HighRiskIndividual,
    /// Foreign company with two beneficial owners: `pending`.
    ForeignEntity,
    /// Foreign company whose owners hold and control it through intermediate holdings: `pending`.
    LayeredEntity,
    /// Foreign individual paying from a wallet: `pending`.
    CryptoPayer,
    /// Foreign company paid for by its parent in another country: high tier, `pending`.
    ThirdPartyPayer,
    /// Lives abroad, no nationality stated: `undetermined`, high tier, `pending`.
    Undetermined,
    /// A required field is missing (an individual's phone, an owner's contact details):
    /// `pending` and the account is not opened.
    MissingInformation,
    /// Fails a verification check: `failed`, account closed.
    Fails(Failure),
}

impl Case {
    /// Whether the customer is an entity.
    pub fn is_entity(self) -> bool {
        matches!(
            self,
            Self::UsEntity | Self::ForeignEntity | Self::LayeredEntity | Self::ThirdPartyPayer
        )
    }
}

#[derive(Debug, Clone, Copy)]
enum Slot {
    Is(Case),
    Failing,
}

const SCHEDULE: [Slot; 25] = [
    Slot::Is(Case::UsIndividual),
    Slot::Is(Case::ForeignIndividual),
    Slot::Is(Case::UsIndividual),
    Slot::Is(Case::ForeignEntity),
    Slot::Is(Case::UsIndividual),
    Slot::Is(Case::ForeignIndividual),
    Slot::Is(Case::UsEntity),
    Slot::Is(Case::LayeredEntity),
    Slot::Is(Case::UsIndividual),
    Slot::Failing,
    Slot::Is(Case::CryptoPayer),
    Slot::Is(Case::ForeignIndividual),
    Slot::Is(Case::UsIndividual),
    Slot::Is(Case::HighRiskIndividual),
    Slot::Is(Case::ThirdPartyPayer),
    Slot::Is(Case::ForeignEntity),
    Slot::Is(Case::UsIndividual),
    Slot::Failing,
    Slot::Is(Case::MissingInformation),
    Slot::Is(Case::ForeignIndividual),
    Slot::Is(Case::UsEntity),
    Slot::Is(Case::Undetermined),
    Slot::Is(Case::UsIndividual),
    Slot::Failing,
    Slot::Is(Case::ForeignIndividual),
];

/// The case of customer `index`.
pub fn case_of(index: usize) -> Case {
    let cycle = index / SCHEDULE.len();
    let slot = index % SCHEDULE.len();
    match SCHEDULE[slot] {
        Slot::Is(case) => case,
        Slot::Failing => {
            let failing_per_cycle = SCHEDULE
                .iter()
                .filter(|s| matches!(s, Slot::Failing))
                .count();
            let before = SCHEDULE[..slot]
                .iter()
                .filter(|s| matches!(s, Slot::Failing))
                .count();
            Case::Fails(FAILURES[(cycle * failing_per_cycle + before) % FAILURES.len()])
        }
    }
}

/// Every fourth customer comes through the reseller. The reseller channel adds risk points but
/// changes no case's outcome (the tests check this).
pub fn through_reseller(index: usize) -> bool {
    index % 4 == 3
}

/// One generated customer.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoCustomer {
    pub index: usize,
    pub case: Case,
    pub reseller: bool,
    /// Derived from the seed and the index, so a second run finds the first run's customer.
    pub idempotency_key: String,
    pub draft: CustomerDraft,
}

/// The account id of customer `index` (`demo-acct-0001`), and `-2` for an entity's second.
pub fn account_id(index: usize) -> String {
    format!("demo-acct-{:04}", index + 1)
}

pub fn generate(spec: &DemoSpec) -> Vec<DemoCustomer> {
    (0..spec.count)
        .map(|index| {
            let case = case_of(index);
            let mut builder = Builder {
                rng: SplitMix64::for_customer(spec.seed, index),
                year: spec.year,
                index,
            };
            DemoCustomer {
                index,
                case,
                reseller: through_reseller(index),
                idempotency_key: format!("demo-{:x}-{:04}", spec.seed, index + 1),
                draft: builder.draft(case),
            }
        })
        .collect()
}

struct Builder {
    rng: SplitMix64,
    year: i32,
    index: usize,
}

/// Another country of `list` than `not`.
fn other_than<'a>(list: &[&'a Country], not: &Country, rng: &mut SplitMix64) -> &'a Country {
    let candidates: Vec<&'a Country> = list
        .iter()
        .copied()
        .filter(|c| c.code != not.code)
        .collect();
    candidates
        .get(rng.below(candidates.len()))
        .copied()
        .unwrap_or(&tables::GB)
}

impl Builder {
    fn draft(&mut self, case: Case) -> CustomerDraft {
        let home = match case {
            Case::UsIndividual | Case::UsEntity => &tables::US,
            Case::HighRiskIndividual | Case::Fails(Failure::MrzNameMismatch) => {
                *self.rng.pick(HIGH_RISK)
            }
            _ => *self.rng.pick(FOREIGN),
        };
        match case {
            Case::UsIndividual => self.us_individual(),
            Case::UsEntity => self.us_entity(),
            Case::ForeignEntity | Case::LayeredEntity | Case::ThirdPartyPayer => {
                self.foreign_entity(case, home)
            }
            Case::MissingInformation if self.index % 2 == 1 => {
                let mut draft = self.foreign_entity(Case::ForeignEntity, home);
                // The second owner's contact details are still outstanding.
                if let Some(owner) = draft.beneficial_owners.last_mut() {
                    owner.emails.clear();
                    owner.phones.clear();
                }
                draft
            }
            _ => self.foreign_individual(case, home),
        }
    }

    fn expiry(&mut self) -> NaiveDate {
        let years = i32::try_from(self.rng.between(1, 9)).unwrap_or(5);
        date_in(self.year + years, &mut self.rng)
    }

    fn account(&self, payment: PaymentMethodDraft) -> AccountDraft {
        AccountDraft {
            external_id: account_id(self.index),
            payment_methods: vec![payment],
        }
    }
}

/// An individual with identity and address; the case adds contacts, documents and payment.
fn individual(
    person: &Person,
    nationalities: Vec<String>,
    addresses: Vec<AddressDraft>,
) -> CustomerDraft {
    CustomerDraft {
        kind: CustomerKind::Individual,
        name: person.name(),
        date_of_birth: Some(person.born.to_string()),
        nationalities,
        us_permanent_resident: None,
        incorporation: None,
        addresses,
        emails: Vec::new(),
        phones: Vec::new(),
        documents: Vec::new(),
        accounts: Vec::new(),
        beneficial_owners: Vec::new(),
    }
}

impl Builder {
    fn us_individual(&mut self) -> CustomerDraft {
        let us = &tables::US;
        let person = Person::draw(us, self.year, &mut self.rng);
        let city = self.rng.pick(us.cities);
        let mut draft = individual(
            &person,
            vec!["US".into()],
            vec![address(us, city, &mut self.rng)],
        );
        draft.emails = vec![person.email(&mut self.rng)];
        draft.phones = vec![any_phone(us, city, &mut self.rng)];
        if self.rng.chance(1, 3) {
            let expires = self.expiry();
            draft.documents.push(DocumentDraft {
                kind: DocumentKind::DrivingLicence,
                number: fill("@########", &mut self.rng),
                issuing_country: "US".into(),
                expires: Some(expires.to_string()),
                mrz: None,
            });
        }
        let payment = match self.rng.below(10) {
            0..=6 => card(us, &mut self.rng),
            7 | 8 => bank_account(us, &mut self.rng),
            _ => processor_customer(&mut self.rng),
        };
        draft.accounts = vec![self.account(payment)];
        draft
    }

    fn foreign_individual(&mut self, case: Case, home: &'static Country) -> CustomerDraft {
        let person = Person::draw(home, self.year, &mut self.rng);
        let city = self.rng.pick(home.cities);
        let nationality_stated =
            !matches!(case, Case::Undetermined | Case::Fails(Failure::MrzExpired));
        let nationalities = if nationality_stated {
            vec![home.code.to_owned()]
        } else {
            Vec::new()
        };
        let mut draft = individual(
            &person,
            nationalities,
            vec![address(home, city, &mut self.rng)],
        );
        draft.emails = vec![person.email(&mut self.rng)];
        draft.phones = vec![any_phone(home, city, &mut self.rng)];
        let expires = self.expiry();
        match case {
            Case::Undetermined => {}
            Case::Fails(Failure::DocumentNumber) => {
                let specimen = *self.rng.pick(&["123456789", "A12345678", "X12345678"]);
                draft.documents.push(DocumentDraft {
                    kind: DocumentKind::NationalId,
                    number: specimen.to_owned(),
                    issuing_country: home.code.to_owned(),
                    expires: None,
                    mrz: None,
                });
            }
            Case::Fails(Failure::MrzNameMismatch) => {
                // The zone belongs to another holder of the same nationality.
                let mut other = Person::draw(home, self.year, &mut self.rng);
                while other.family == person.family {
                    other = Person::draw(home, self.year, &mut self.rng);
                }
                other.born = person.born;
                let passport = Passport {
                    country: home,
                    holder: &other,
                    expires,
                    zone_expires: expires,
                };
                draft.documents.push(passport.draft(&mut self.rng));
            }
            _ => {
                let zone_expires = if case == Case::Fails(Failure::MrzExpired) {
                    let years = i32::try_from(self.rng.between(1, 3)).unwrap_or(1);
                    date_in(self.year - years, &mut self.rng)
                } else {
                    expires
                };
                let passport = Passport {
                    country: home,
                    holder: &person,
                    expires,
                    zone_expires,
                };
                draft.documents.push(passport.draft(&mut self.rng));
            }
        }
        match case {
            Case::Fails(Failure::DisposableEmail) => {
                let domain = *self.rng.pick(DISPOSABLE_EMAIL_DOMAINS);
                draft.emails = vec![format!("{}{}@{domain}", slug(&person.given), self.index)];
            }
            Case::Fails(Failure::PhoneCountry) => {
                let elsewhere = other_than(FOREIGN, home, &mut self.rng);
                let pattern = *self.rng.pick(elsewhere.mobiles);
                draft.phones = vec![super::parts::phone(pattern, &mut self.rng)];
            }
            Case::MissingInformation => draft.phones.clear(),
            _ => {}
        }
        let payment = match case {
            Case::CryptoPayer => {
                let chain = CHAINS[(self.index / SCHEDULE.len()) % CHAINS.len()];
                wallet(chain, &mut self.rng)
            }
            Case::Fails(Failure::PaymentCountry) => {
                let issuer = other_than(FOREIGN, home, &mut self.rng);
                card(issuer, &mut self.rng)
            }
            _ => match self.rng.below(10) {
                0..=5 => card(home, &mut self.rng),
                6..=8 => bank_account(home, &mut self.rng),
                _ => transaction_ids(&mut self.rng),
            },
        };
        draft.accounts = vec![self.account(payment)];
        draft
    }

    fn company_name(&mut self, country: &Country) -> String {
        format!(
            "{} {} {}",
            self.rng.pick(COMPANY_WORDS),
            self.rng.pick(COMPANY_TRADES),
            self.rng.pick(country.legal_forms)
        )
    }

    fn entity(&mut self, country: &'static Country, name: String) -> CustomerDraft {
        let city = self.rng.pick(country.cities);
        let organised_years = i32::try_from(self.rng.between(1, 25)).unwrap_or(5);
        let organised = date_in(self.year - organised_years, &mut self.rng);
        let domain = format!("{}.example", slug(&name));
        let mailbox = *self.rng.pick(&["compliance", "finance", "ops", "legal"]);
        CustomerDraft {
            kind: CustomerKind::Entity,
            name: NameDraft {
                full: name,
                given: None,
                family: None,
                other_names: Vec::new(),
            },
            date_of_birth: None,
            nationalities: Vec::new(),
            us_permanent_resident: None,
            incorporation: Some(IncorporationDraft {
                country: country.code.to_owned(),
                date: Some(organised.to_string()),
                registration_number: Some(fill(country.registration, &mut self.rng)),
            }),
            addresses: vec![address(country, city, &mut self.rng)],
            emails: vec![format!("{mailbox}@{domain}")],
            phones: vec![super::parts::phone(city.landline, &mut self.rng)],
            documents: Vec::new(),
            accounts: Vec::new(),
            beneficial_owners: Vec::new(),
        }
    }

    fn us_entity(&mut self) -> CustomerDraft {
        let us = &tables::US;
        let name = self.company_name(us);
        let mut draft = self.entity(us, name);
        let first = f64::from(self.rng.between(51, 90));
        draft.beneficial_owners = vec![owner(us, self.year, &mut self.rng, Some(first), None)];
        if self.rng.chance(1, 2) {
            let role = Some((*self.rng.pick(CONTROL_ROLES)).to_owned());
            draft
                .beneficial_owners
                .push(owner(us, self.year, &mut self.rng, None, role));
        }
        let payment = if self.rng.chance(1, 2) {
            bank_account(us, &mut self.rng)
        } else {
            processor_customer(&mut self.rng)
        };
        draft.accounts = vec![self.account(payment)];
        draft
    }

    fn foreign_entity(&mut self, case: Case, home: &'static Country) -> CustomerDraft {
        let name = self.company_name(home);
        let mut draft = self.entity(home, name);
        draft.beneficial_owners = match case {
            Case::LayeredEntity => self.layered_owners(home),
            _ => self.two_owners(home),
        };
        let main = if case == Case::ThirdPartyPayer {
            self.parent_pays(home)
        } else {
            bank_account(home, &mut self.rng)
        };
        let mut accounts = vec![self.account(main)];
        if self.rng.chance(1, 3) {
            accounts.push(AccountDraft {
                external_id: format!("{}-2", account_id(self.index)),
                payment_methods: vec![card(home, &mut self.rng)],
            });
        }
        draft.accounts = accounts;
        draft
    }

    /// Two owners: a majority holder from home and a second holder or a manager, sometimes
    /// of another nationality.
    fn two_owners(&mut self, home: &'static Country) -> Vec<BeneficialOwnerDraft> {
        let first = self.rng.between(40, 75);
        let second_country = if self.rng.chance(1, 3) {
            other_than(FOREIGN, home, &mut self.rng)
        } else {
            home
        };
        let second = if self.rng.chance(2, 3) {
            let share = f64::from(self.rng.between(10, 100 - first));
            owner(second_country, self.year, &mut self.rng, Some(share), None)
        } else {
            let role = Some((*self.rng.pick(CONTROL_ROLES)).to_owned());
            owner(second_country, self.year, &mut self.rng, None, role)
        };
        vec![
            owner(home, self.year, &mut self.rng, Some(f64::from(first)), None),
            second,
        ]
    }

    /// Owners who hold and control the customer through intermediate companies; the chain is
    /// described in the control role, the one place the draft has for it.
    fn layered_owners(&mut self, home: &'static Country) -> Vec<BeneficialOwnerDraft> {
        let holding = format!("{} Holdings Ltd", self.rng.pick(HOLDING_WORDS));
        let jurisdiction = *self.rng.pick(HOLDING_JURISDICTIONS);
        let trust = format!("{} Trust", self.rng.pick(HOLDING_WORDS));
        let share = f64::from(self.rng.between(30, 70));
        let first =
            format!("indirect: via {holding} ({jurisdiction}), owner of 100% of the customer");
        let second = format!("indirect: protector of {trust}, which holds 100% of {holding}");
        let settlor_country = other_than(FOREIGN, home, &mut self.rng);
        vec![
            owner(home, self.year, &mut self.rng, Some(share), Some(first)),
            owner(
                settlor_country,
                self.year,
                &mut self.rng,
                None,
                Some(second),
            ),
        ]
    }

    /// A bank account of the parent company, in another country, paying for the customer.
    fn parent_pays(&mut self, home: &'static Country) -> PaymentMethodDraft {
        let parent_country = other_than(FOREIGN, home, &mut self.rng);
        let parent = self.company_name(parent_country);
        let mut method = bank_account(parent_country, &mut self.rng);
        method.source = Some(PaymentSourceKind::ThirdParty);
        method.payer = Some(PayerDraft {
            name: NameDraft {
                full: parent,
                given: None,
                family: None,
                other_names: Vec::new(),
            },
            country: Some(parent_country.code.to_owned()),
            relationship: Some("parent company".into()),
        });
        method
    }
}

//! Building blocks of a demo customer: people, addresses, phones, emails, documents and means
//! of payment, each drawn from a country table with the customer's own random stream.

use chrono::NaiveDate;
use cloudkyc_domain::cip::consistency::document_number_flaw;
use cloudkyc_domain::cip::{
    AddressDraft, BeneficialOwnerDraft, CountryCode, DocumentDraft, DocumentKind, DocumentNumber,
    NameDraft, PaymentMethodDraft, PaymentMethodType, PaymentSourceKind, PhoneNumber,
};

use super::mrz::{PassportZone, td3};
use super::rng::SplitMix64;
use super::tables::{City, Country};

const LETTERS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ";
const ALPHANUMERIC: &[u8] = b"CFGHJKLMNPRTVWXYZ0123456789";
const DIGITS_2_TO_9: &[u8] = b"23456789";

/// Fills a pattern (see [`super::tables`]): `#` digit, `N` digit 2-9, `@` letter, `*` letter or
/// digit.
pub fn fill(pattern: &str, rng: &mut SplitMix64) -> String {
    pattern
        .chars()
        .map(|c| match c {
            '#' => rng.digits(1),
            'N' => rng.chars_from(DIGITS_2_TO_9, 1),
            '@' => rng.chars_from(LETTERS, 1),
            '*' => rng.chars_from(ALPHANUMERIC, 1),
            other => other.to_string(),
        })
        .collect()
}

/// A table's country code as a [`CountryCode`]; the tables hold only valid codes.
pub fn code(country: &Country) -> Option<CountryCode> {
    CountryCode::parse(country.code).ok()
}

/// A date in `year` with a day that exists in every month.
pub fn date_in(year: i32, rng: &mut SplitMix64) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, rng.between(1, 12), rng.between(1, 28)).unwrap_or_default()
}

/// Lower-case ASCII letters and digits only, for email local parts and domain labels.
pub fn slug(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            let base = match c {
                'á' | 'à' | 'â' | 'ã' | 'Á' => 'a',
                'é' | 'è' | 'ê' | 'É' => 'e',
                'í' | 'Í' => 'i',
                'ó' | 'ô' | 'õ' | 'Ó' => 'o',
                'ú' | 'Ú' => 'u',
                'ç' => 'c',
                other => other.to_ascii_lowercase(),
            };
            base.is_ascii_alphanumeric().then_some(base)
        })
        .collect()
}

/// A person's name and the facts the MRZ needs.
#[derive(Debug, Clone)]
pub struct Person {
    pub given: String,
    pub family: String,
    pub female: bool,
    pub born: NaiveDate,
}

impl Person {
    pub fn draw(country: &Country, year: i32, rng: &mut SplitMix64) -> Self {
        let female = rng.chance(1, 2);
        let given = if female {
            rng.pick(country.female)
        } else {
            rng.pick(country.male)
        };
        let age = i32::try_from(rng.between(21, 72)).unwrap_or(40);
        Self {
            given: (*given).to_owned(),
            family: (*rng.pick(country.family)).to_owned(),
            female,
            born: date_in(year - age, rng),
        }
    }

    pub fn full(&self) -> String {
        format!("{} {}", self.given, self.family)
    }

    pub fn name(&self) -> NameDraft {
        NameDraft {
            full: self.full(),
            given: Some(self.given.clone()),
            family: Some(self.family.clone()),
            other_names: Vec::new(),
        }
    }

    /// A personal address on one of the reserved example domains (RFC 2606).
    pub fn email(&self, rng: &mut SplitMix64) -> String {
        let domain = rng.pick(&["example.com", "example.org", "example.net"]);
        format!(
            "{}.{}{}@{domain}",
            slug(&self.given),
            slug(&self.family),
            rng.between(1, 99)
        )
    }
}

pub fn address(country: &Country, city: &City, rng: &mut SplitMix64) -> AddressDraft {
    let street = rng.pick(country.streets);
    let number = rng.between(1, 240);
    let line1 = if country.number_first {
        format!("{number} {street}")
    } else {
        format!("{street} {number}")
    };
    AddressDraft {
        line1,
        line2: rng
            .chance(1, 5)
            .then(|| format!("Floor {}", rng.between(2, 30))),
        city: city.name.to_owned(),
        region: city.region.map(str::to_owned),
        postal_code: city.postal.map(|p| fill(p, rng)),
        country: country.code.to_owned(),
    }
}

/// A number from `pattern` that libphonenumber accepts; the patterns are chosen so the first
/// draw almost always is, and the retries keep the output deterministic either way.
pub fn phone(pattern: &str, rng: &mut SplitMix64) -> String {
    let mut candidate = fill(pattern, rng);
    for _ in 0..16 {
        if PhoneNumber::parse(&candidate).is_ok() {
            break;
        }
        candidate = fill(pattern, rng);
    }
    candidate
}

/// A landline in `city` or a mobile of its country.
pub fn any_phone(country: &Country, city: &City, rng: &mut SplitMix64) -> String {
    if rng.chance(1, 2) {
        phone(city.landline, rng)
    } else {
        let pattern = *rng.pick(country.mobiles);
        phone(pattern, rng)
    }
}

/// A document number of the country's shape that shows none of the known-bad patterns (a
/// random draw can, rarely, look like a placeholder; that case is generated on purpose only).
pub fn document_number(pattern: &str, rng: &mut SplitMix64) -> String {
    let mut number = fill(pattern, rng);
    for _ in 0..16 {
        let flawed = DocumentNumber::parse(&number)
            .map(|n| document_number_flaw(&n).is_some())
            .unwrap_or(true);
        if !flawed {
            break;
        }
        number = fill(pattern, rng);
    }
    number
}

/// A passport of `country` whose zone prints `holder` (or, for a forged zone, someone else)
/// and `zone_expires`; `expires` is what the customer typed.
pub struct Passport<'a> {
    pub country: &'a Country,
    pub holder: &'a Person,
    pub expires: NaiveDate,
    pub zone_expires: NaiveDate,
}

impl Passport<'_> {
    pub fn draft(&self, rng: &mut SplitMix64) -> DocumentDraft {
        let number = document_number(self.country.passport, rng);
        let zone = code(self.country).map(|country| {
            td3(&PassportZone {
                issuing: country,
                nationality: country,
                family: &self.holder.family,
                given: &self.holder.given,
                number: &number,
                born: self.holder.born,
                female: self.holder.female,
                expires: self.zone_expires,
            })
            .to_vec()
        });
        DocumentDraft {
            kind: DocumentKind::Passport,
            number,
            issuing_country: self.country.code.to_owned(),
            expires: Some(self.expires.to_string()),
            mrz: zone,
        }
    }
}

fn method(kind: PaymentMethodType) -> PaymentMethodDraft {
    PaymentMethodDraft {
        kind,
        brand: None,
        last4: None,
        bin: None,
        bin_country: None,
        country: None,
        bank: None,
        chain: None,
        address: None,
        customer_id: None,
        transaction_ids: None,
        source: Some(PaymentSourceKind::Customer),
        payer: None,
    }
}

/// The issuer identification number ranges of each brand (ISO/IEC 7812 as the networks publish
/// them), completed with random digits to six.
fn bin(brand: &str, rng: &mut SplitMix64) -> String {
    let prefix = match brand {
        "visa" => "4".to_owned(),
        "mastercard" => format!("5{}", rng.between(1, 5)),
        "amex" => (*rng.pick(&["34", "37"])).to_owned(),
        "discover" => "6011".to_owned(),
        "jcb" => "35".to_owned(),
        "mir" => format!("220{}", rng.between(0, 4)),
        "rupay" => "60".to_owned(),
        "maestro" => "6759".to_owned(),
        _ => "62".to_owned(),
    };
    let rest = 6 - prefix.len();
    format!("{prefix}{}", rng.digits(rest))
}

/// A card issued in `issuer`.
pub fn card(issuer: &Country, rng: &mut SplitMix64) -> PaymentMethodDraft {
    let brand = *rng.pick(issuer.card_brands);
    PaymentMethodDraft {
        brand: Some(brand.to_owned()),
        last4: Some(rng.digits(4)),
        bin: rng.chance(2, 3).then(|| bin(brand, rng)),
        bin_country: Some(issuer.code.to_owned()),
        ..method(PaymentMethodType::Card)
    }
}

pub fn bank_account(country: &Country, rng: &mut SplitMix64) -> PaymentMethodDraft {
    PaymentMethodDraft {
        country: Some(country.code.to_owned()),
        bank: Some((*rng.pick(country.banks)).to_owned()),
        ..method(PaymentMethodType::BankAccount)
    }
}

pub fn wallet(chain: &str, rng: &mut SplitMix64) -> PaymentMethodDraft {
    PaymentMethodDraft {
        chain: Some(chain.to_owned()),
        address: Some(super::wallet::address(chain, rng)),
        ..method(PaymentMethodType::Wallet)
    }
}

/// A payment processor's customer id (`cus_` and 14 characters, the common shape).
pub fn processor_customer(rng: &mut SplitMix64) -> PaymentMethodDraft {
    PaymentMethodDraft {
        customer_id: Some(format!(
            "cus_{}",
            fill("**************", rng).to_lowercase()
        )),
        ..method(PaymentMethodType::CustomerId)
    }
}

pub fn transaction_ids(rng: &mut SplitMix64) -> PaymentMethodDraft {
    let count = rng.between(1, 3);
    PaymentMethodDraft {
        transaction_ids: Some(
            (0..count)
                .map(|_| format!("txn_{}", fill("************", rng).to_lowercase()))
                .collect(),
        ),
        ..method(PaymentMethodType::TransactionIds)
    }
}

/// An owner living in `country`, with every field the pack requires of owners.
pub fn owner(
    country: &Country,
    year: i32,
    rng: &mut SplitMix64,
    ownership_percent: Option<f64>,
    control: Option<String>,
) -> BeneficialOwnerDraft {
    let person = Person::draw(country, year, rng);
    let city = rng.pick(country.cities);
    BeneficialOwnerDraft {
        name: person.name(),
        date_of_birth: Some(person.born.to_string()),
        nationalities: vec![country.code.to_owned()],
        us_permanent_resident: None,
        addresses: vec![address(country, city, rng)],
        emails: vec![person.email(rng)],
        phones: vec![any_phone(country, city, rng)],
        documents: Vec::new(),
        ownership_percent,
        control,
    }
}

//! Curated per-country tables for the demo customers: common given and family names, cities
//! with their postal-code and telephone patterns, streets, banks, passport-number shapes and
//! legal forms. The bundled name tables under `data/names` describe legal forms and country
//! names for screening, not people, so personal names live here.
//!
//! Patterns: `#` is any digit, `N` a digit 2-9, `@` an upper-case letter, `*` a letter or digit;
//! anything else is literal. Telephone patterns produce numbers that libphonenumber accepts as
//! valid (the tests parse thousands of them); U.S. and Canadian numbers use the 555-01xx range
//! reserved for fiction, U.K. landlines Ofcom's drama ranges.

/// A city and the shapes of its postal codes and landline numbers.
#[derive(Debug)]
pub struct City {
    pub name: &'static str,
    pub region: Option<&'static str>,
    pub postal: Option<&'static str>,
    pub landline: &'static str,
}

/// Everything the generator needs to make a plausible resident of one country.
#[derive(Debug)]
pub struct Country {
    pub code: &'static str,
    pub female: &'static [&'static str],
    pub male: &'static [&'static str],
    pub family: &'static [&'static str],
    pub cities: &'static [City],
    pub streets: &'static [&'static str],
    /// `12 Marina Road` (true) or `Marina Road 12` (false).
    pub number_first: bool,
    pub mobiles: &'static [&'static str],
    pub banks: &'static [&'static str],
    pub passport: &'static str,
    pub legal_forms: &'static [&'static str],
    pub registration: &'static str,
    pub card_brands: &'static [&'static str],
}

const fn city(
    name: &'static str,
    region: Option<&'static str>,
    postal: Option<&'static str>,
    landline: &'static str,
) -> City {
    City {
        name,
        region,
        postal,
        landline,
    }
}

mod africa_asia;
mod americas;
mod europe;

pub use africa_asia::{AE, IN, IR, JP, KE, KR, NG, SG};
pub use americas::{BR, CA, MX, US};
pub use europe::{BY, DE, FR, GB, NL, RU};

/// Where foreign customers and owners live, most often first.
pub const FOREIGN: &[&Country] = &[
    &GB, &DE, &FR, &NG, &IN, &BR, &JP, &SG, &AE, &CA, &KR, &MX, &KE, &NL,
];

/// High-risk jurisdictions of the bundled pack (`[jurisdictions].high_risk`).
pub const HIGH_RISK: &[&Country] = &[&RU, &BY, &IR];

/// Every table, for the tests that check each pattern.
#[cfg(test)]
pub const ALL: &[&Country] = &[
    &US, &GB, &DE, &FR, &NG, &IN, &BR, &JP, &SG, &AE, &CA, &KR, &MX, &KE, &NL, &RU, &BY, &IR,
];

/// Holding-company jurisdictions that appear in layered ownership chains.
pub const HOLDING_JURISDICTIONS: &[&str] = &[
    "Cayman Islands",
    "British Virgin Islands",
    "Cyprus",
    "Luxembourg",
    "Jersey",
    "Delaware",
];

pub const COMPANY_WORDS: &[&str] = &[
    "Northwind",
    "Bluefin",
    "Cobalt",
    "Granite",
    "Helix",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Meridian",
    "Orchid",
    "Pioneer",
    "Quarry",
    "Redwood",
    "Saffron",
    "Tamarind",
    "Umbra",
    "Vantage",
    "Willow",
    "Zephyr",
    "Aster",
    "Borealis",
    "Cinder",
    "Driftwood",
    "Ember",
];

pub const COMPANY_TRADES: &[&str] = &[
    "Analytics",
    "Compute",
    "Labs",
    "Systems",
    "Robotics",
    "Data",
    "Cloud Services",
    "Networks",
    "Genomics",
    "Render",
    "AI",
    "Software",
    "Digital",
    "Research",
];

pub const HOLDING_WORDS: &[&str] = &[
    "Aurora",
    "Beacon",
    "Crescent",
    "Dune",
    "Equinox",
    "Falcon",
    "Harbour",
    "Isola",
    "Keystone",
    "Lighthouse",
];

/// Control roles of beneficial owners who control without (or beside) owning.
pub const CONTROL_ROLES: &[&str] = &[
    "management",
    "board",
    "voting_rights",
    "chief executive officer",
];

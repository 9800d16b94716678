//! The typed fields of a machine-readable zone: dates with two-digit years, sex, the issuing
//! state or nationality code, and the name.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::cip::country::CountryCode;

/// A `YYMMDD` date exactly as printed. ICAO lets unknown parts be fillers (`88<<<<`), and the
/// century is not printed, so the raw text is kept and interpreted only against a known date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MrzDate(String);

impl MrzDate {
    pub(super) fn new(raw: &str) -> Self {
        Self(raw.to_owned())
    }

    pub fn raw(&self) -> &str {
        &self.0
    }

    /// Whether `date` is consistent with the printed value: each printed digit must match, and
    /// filler positions (unknown parts) match anything.
    pub fn agrees_with(&self, date: NaiveDate) -> bool {
        let printed = date.format("%y%m%d").to_string();
        self.0.len() == 6
            && self
                .0
                .bytes()
                .zip(printed.bytes())
                .all(|(mrz, given)| mrz == b'<' || mrz == given)
    }

    /// A birth date: the latest century that does not put it after `today`.
    pub fn as_birth_date(&self, today: NaiveDate) -> Option<NaiveDate> {
        let (yy, month, day) = self.parts()?;
        let this_century = today.year() - today.year().rem_euclid(100);
        match NaiveDate::from_ymd_opt(this_century + yy, month, day) {
            Some(date) if date <= today => Some(date),
            // Also covers 29 February of a year that is a leap year only one century back.
            _ => NaiveDate::from_ymd_opt(this_century - 100 + yy, month, day),
        }
    }

    /// An expiry date: documents run at most a few decades, so the century that puts the date
    /// closest to `today` (within 50 years either way) is the right one.
    pub fn as_expiry_date(&self, today: NaiveDate) -> Option<NaiveDate> {
        let (yy, month, day) = self.parts()?;
        let this_century = today.year() - today.year().rem_euclid(100);
        let candidates = [
            this_century - 100 + yy,
            this_century + yy,
            this_century + 100 + yy,
        ];
        let year = candidates
            .into_iter()
            .min_by_key(|year| (year - today.year()).abs())?;
        NaiveDate::from_ymd_opt(year, month, day)
    }

    fn parts(&self) -> Option<(i32, u32, u32)> {
        let number = |range: std::ops::Range<usize>| self.0.get(range)?.parse::<u32>().ok();
        let yy = i32::try_from(number(0..2)?).ok()?;
        Some((yy, number(2..4)?, number(4..6)?))
    }
}

/// The sex field: `M`, `F`, `X` (unspecified, per the 2021 amendment) or a filler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MrzSex {
    Male,
    Female,
    Unspecified,
}

impl MrzSex {
    pub(super) fn from_char(c: u8) -> Option<Self> {
        match c {
            b'M' => Some(Self::Male),
            b'F' => Some(Self::Female),
            b'X' | b'<' => Some(Self::Unspecified),
            _ => None,
        }
    }
}

/// An issuing-state or nationality code as printed (`NGA`, `D`, `UTO`, `XXA`), and the country
/// it denotes when it denotes one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MrzCountry {
    code: String,
    country: Option<CountryCode>,
}

impl MrzCountry {
    pub(super) fn new(field: &str) -> Self {
        let code = field.trim_end_matches('<').to_owned();
        let country = mrz_code_to_country(&code);
        Self { code, country }
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    /// `None` for codes that name no ISO country: `UTO` (the ICAO specimen state), `XXA`
    /// (stateless), `UNO` (United Nations), `EUE` (European Union) and the like.
    pub fn country(&self) -> Option<CountryCode> {
        self.country
    }
}

/// ICAO 9303 Part 3 uses ISO alpha-3 codes with a few exceptions of its own.
fn mrz_code_to_country(code: &str) -> Option<CountryCode> {
    let alpha2 = match code {
        "D" => "DE",
        "GBD" | "GBN" | "GBO" | "GBP" | "GBS" => "GB",
        "RKS" => "XK",
        other => return CountryCode::from_alpha3(other),
    };
    CountryCode::parse(alpha2).ok()
}

/// The name zone split into its two identifiers. Components within each are separated by one
/// space here (by one filler in the zone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MrzName {
    /// The primary identifier (surname or family name, or the whole name if it has only one).
    pub primary: String,
    /// The secondary identifier (given names), empty when the holder has none.
    pub secondary: String,
    /// The zone was full to the last character, so the name may have been cut short.
    pub truncated: bool,
}

impl MrzName {
    pub(super) fn parse(field: &str) -> Self {
        let truncated = !field.ends_with('<');
        let trimmed = field.trim_end_matches('<');
        let (primary, secondary) = trimmed.split_once("<<").unwrap_or((trimmed, ""));
        Self {
            primary: words(primary),
            secondary: words(secondary),
            truncated,
        }
    }

    /// Every name component, primary first.
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.primary
            .split(' ')
            .chain(self.secondary.split(' '))
            .filter(|part| !part.is_empty())
    }
}

fn words(field: &str) -> String {
    field
        .split('<')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn resolves_centuries_against_today() {
        let today = day(2026, 6, 1);
        assert_eq!(
            MrzDate::new("880412").as_birth_date(today),
            Some(day(1988, 4, 12))
        );
        assert_eq!(
            MrzDate::new("200101").as_birth_date(today),
            Some(day(2020, 1, 1))
        );
        assert_eq!(
            MrzDate::new("260602").as_birth_date(today),
            Some(day(1926, 6, 2))
        );
        assert_eq!(
            MrzDate::new("310915").as_expiry_date(today),
            Some(day(2031, 9, 15))
        );
        assert_eq!(
            MrzDate::new("120415").as_expiry_date(today),
            Some(day(2012, 4, 15))
        );
        assert_eq!(
            MrzDate::new("990101").as_expiry_date(today),
            Some(day(1999, 1, 1))
        );
        assert_eq!(MrzDate::new("881340").as_birth_date(today), None);
    }

    #[test]
    fn unknown_parts_agree_with_any_value() {
        assert!(MrzDate::new("880412").agrees_with(day(1988, 4, 12)));
        assert!(!MrzDate::new("880412").agrees_with(day(1988, 4, 13)));
        assert!(MrzDate::new("88<<<<").agrees_with(day(1988, 7, 1)));
        assert!(!MrzDate::new("88<<<<").agrees_with(day(1987, 7, 1)));
    }

    #[test]
    fn maps_icao_specific_codes() {
        assert_eq!(
            MrzCountry::new("D<<")
                .country()
                .map(|c| c.to_string())
                .as_deref(),
            Some("DE")
        );
        assert_eq!(MrzCountry::new("D<<").code(), "D");
        assert_eq!(
            MrzCountry::new("GBN")
                .country()
                .map(|c| c.to_string())
                .as_deref(),
            Some("GB")
        );
        assert_eq!(
            MrzCountry::new("NGA")
                .country()
                .map(|c| c.to_string())
                .as_deref(),
            Some("NG")
        );
        assert_eq!(MrzCountry::new("UTO").country(), None);
        assert_eq!(MrzCountry::new("XXA").country(), None);
    }

    #[test]
    fn splits_names_on_the_double_filler() {
        let name = MrzName::parse("ERIKSSON<<ANNA<MARIA<<<<<<<<<<");
        assert_eq!(name.primary, "ERIKSSON");
        assert_eq!(name.secondary, "ANNA MARIA");
        assert!(!name.truncated);
        let mononym = MrzName::parse("SUKARNO<<<<<<<");
        assert_eq!(
            (mononym.primary.as_str(), mononym.secondary.as_str()),
            ("SUKARNO", "")
        );
        let cut = MrzName::parse("VAN<DER<BERG<<JOHANNA<ALEXANDR");
        assert_eq!(cut.primary, "VAN DER BERG");
        assert!(cut.truncated);
        assert_eq!(
            cut.components().collect::<Vec<_>>(),
            ["VAN", "DER", "BERG", "JOHANNA", "ALEXANDR"]
        );
    }
}

//! Small text helpers shared by the parsers.

use sha2::{Digest, Sha256};

use crate::model::{CountryCode, PartialDate};

/// Decodes a field as UTF-8, falling back to Latin-1 byte by byte: some government files are
/// still published in Windows/Latin encodings and a stray byte must not drop a whole list.
pub(crate) fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// OFAC writes `-0-` (often with a trailing space) for an empty field.
pub(crate) fn non_empty(field: &str) -> Option<&str> {
    let t = field.trim();
    (!t.is_empty() && t != "-0-").then_some(t)
}

/// Splits a multi-valued field ("A; B; C") and drops empty parts.
pub(crate) fn split_list<'a>(field: &'a str, separator: &'a str) -> impl Iterator<Item = &'a str> {
    field
        .split(separator)
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "-0-")
}

/// A stable id for rows of lists that have none (DPL, parts of the CSL): derived from the fields
/// that identify the row, so re-publishing the same row keeps the id.
pub(crate) fn derived_id(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0x1f]);
    }
    hex::encode(hasher.finalize())
        .get(..16)
        .unwrap_or_default()
        .to_owned()
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month_number(word: &str) -> Option<u8> {
    let w = word.to_ascii_lowercase();
    let prefix = w.get(..3)?;
    MONTHS
        .iter()
        .position(|m| *m == prefix)
        .and_then(|i| u8::try_from(i + 1).ok())
}

/// Reads the date spellings lists use: ISO forms, "12 Jan 1960", "Jan 1960", "circa 1960",
/// "1955 to 1957" (the first year), "12/05/1978" (US month/day order). Returns `None` rather
/// than guessing when no year can be found.
pub(crate) fn parse_loose_date(text: &str) -> Option<PartialDate> {
    let t = text.trim();
    if let Ok(date) = PartialDate::parse_iso(t) {
        return Some(date);
    }
    let words: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    // "12 Jan 1960" / "Jan 1960"
    if let [d, m, y, ..] = words.as_slice()
        && let (Ok(day), Some(month), Ok(year)) =
            (d.parse::<u8>(), month_number(m), y.parse::<u16>())
        && let Ok(date) = PartialDate::new(year, Some(month), Some(day))
    {
        return Some(date);
    }
    if let [m, y, ..] = words.as_slice()
        && let (Some(month), Ok(year)) = (month_number(m), y.parse::<u16>())
        && let Ok(date) = PartialDate::new(year, Some(month), None)
    {
        return Some(date);
    }
    // US style m/d/yyyy
    let slashed: Vec<&str> = t.split('/').collect();
    if let [m, d, y] = slashed.as_slice()
        && y.len() == 4
        && let (Ok(month), Ok(day), Ok(year)) = (m.parse::<u8>(), d.parse::<u8>(), y.parse::<u16>())
        && let Ok(date) = PartialDate::new(year, Some(month), Some(day))
    {
        return Some(date);
    }
    words.iter().filter(|w| w.len() == 4).find_map(|w| {
        w.parse::<u16>()
            .ok()
            .and_then(|y| PartialDate::year(y).ok())
    })
}

/// A country given either as a code or as a name; unknown text yields `None`.
pub(crate) fn country(text: &str) -> Option<CountryCode> {
    CountryCode::from_code_or_name(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_dates() {
        let d = |s: &str| parse_loose_date(s).map(|d| d.to_string());
        assert_eq!(d("12 Jan 1960").as_deref(), Some("1960-01-12"));
        assert_eq!(d("Jan 1960").as_deref(), Some("1960-01"));
        assert_eq!(d("circa 1960").as_deref(), Some("1960"));
        assert_eq!(d("1955 to 1957").as_deref(), Some("1955"));
        assert_eq!(d("3/31/1954").as_deref(), Some("1954-03-31"));
        assert_eq!(d("unknown"), None);
    }

    #[test]
    fn latin1_fallback_never_fails() {
        assert_eq!(decode(&[0x4d, 0xfc, 0x6c]), "Mül");
        assert_eq!(decode("Müller".as_bytes()), "Müller");
    }
}

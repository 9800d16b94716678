//! `[pack]`: which pack this is, and the reference every decision keeps to it.

use std::fmt;

use chrono::NaiveDate;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::validate::{Checker, check_identifier, is_semver};

/// Identity and description of a pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackInfo {
    /// Stable identifier, e.g. `bis-2024-nprm`; what `--policy` names for bundled packs.
    pub id: String,
    /// Semantic version; any change of any value must change it, because decisions cite it.
    pub version: String,
    pub title: String,
    /// The date the regime the pack describes takes (or would take) effect.
    pub effective_date: PackDate,
    pub description: String,
    /// Where the values come from (Federal Register citation, internal policy reference).
    pub source: String,
}

impl PackInfo {
    pub(crate) fn check(&self, c: &mut Checker) {
        check_identifier(c, "id", None, &self.id);
        if !is_semver(&self.version) {
            c.problem(
                "version",
                format!(
                    "`{}` is not a semantic version (MAJOR.MINOR.PATCH, e.g. \"1.2.0\")",
                    self.version
                ),
            );
        }
        c.non_blank("title", &self.title);
        c.non_blank("description", &self.description);
        c.non_blank("source", &self.source);
    }
}

/// Which pack, at which version, a decision was made under. Stored with every decision.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRef {
    pub id: String,
    pub version: String,
}

impl fmt::Display for PolicyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.id, self.version)
    }
}

/// A calendar date, written in the pack either as a TOML date (`2024-01-29`) or as a string
/// (`"2024-01-29"`); serialised as the string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PackDate(NaiveDate);

impl PackDate {
    pub const fn new(date: NaiveDate) -> Self {
        Self(date)
    }

    pub const fn date(self) -> NaiveDate {
        self.0
    }
}

impl fmt::Display for PackDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.format("%Y-%m-%d").fmt(f)
    }
}

impl Serialize for PackDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PackDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PackDateVisitor)
    }
}

struct PackDateVisitor;

impl<'de> Visitor<'de> for PackDateVisitor {
    type Value = PackDate;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a date such as 2024-01-29")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<PackDate, E> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(PackDate)
            .map_err(|_| E::custom(format!("`{text}` is not a date such as 2024-01-29")))
    }

    // A TOML date arrives as toml's own datetime type, which reads itself from a map.
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PackDate, A::Error> {
        let value = toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))?;
        let date = match (value.date, value.time, value.offset) {
            (Some(date), None, None) => NaiveDate::from_ymd_opt(
                i32::from(date.year),
                u32::from(date.month),
                u32::from(date.day),
            ),
            _ => None,
        };
        date.map(PackDate).ok_or_else(|| {
            de::Error::custom(format!(
                "`{value}` must be a date alone, such as 2024-01-29"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Holder {
        when: PackDate,
    }

    #[test]
    fn reads_toml_dates_and_date_strings_alike() {
        let expected = NaiveDate::from_ymd_opt(2024, 1, 29).unwrap();
        let native: Holder = toml::from_str("when = 2024-01-29").unwrap();
        let quoted: Holder = toml::from_str("when = \"2024-01-29\"").unwrap();
        assert_eq!(native.when.date(), expected);
        assert_eq!(quoted.when.date(), expected);
        assert_eq!(
            serde_json::to_string(&native.when).unwrap(),
            "\"2024-01-29\""
        );
    }

    #[test]
    fn refuses_date_times_and_impossible_dates() {
        assert!(toml::from_str::<Holder>("when = 2024-01-29T10:00:00Z").is_err());
        assert!(toml::from_str::<Holder>("when = \"2024-02-30\"").is_err());
    }

    #[test]
    fn policy_ref_displays_as_id_at_version() {
        let policy = PolicyRef {
            id: "bis-2024-nprm".into(),
            version: "1.0.0".into(),
        };
        assert_eq!(policy.to_string(), "bis-2024-nprm@1.0.0");
    }
}

use serde::{Deserialize, Serialize};

/// What kind of party a list entry (or a query) names.
///
/// `Unknown` exists because several lists (the Denied Persons List, parts of the CSL) do not say
/// whether a row is a person or a company; treating those as either would bias the schema
/// qualifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Schema {
    Person,
    Organization,
    Vessel,
    Aircraft,
    Unknown,
}

impl Schema {
    /// Reads the spellings used by the lists and by our interface (`person`, `individual`,
    /// `entity`, `organisation`, FollowTheMoney schema names, ...). Unrecognised text is `Unknown`:
    /// a list's odd type column must not make a whole list unreadable.
    pub fn from_label(label: &str) -> Schema {
        match label.trim().to_ascii_lowercase().as_str() {
            "person" | "individual" | "people" => Schema::Person,
            "organization" | "organisation" | "entity" | "company" | "legalentity"
            | "publicbody" | "org" => Schema::Organization,
            "vessel" | "ship" => Schema::Vessel,
            "aircraft" | "airplane" => Schema::Aircraft,
            _ => Schema::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Schema::Person => "person",
            Schema::Organization => "organization",
            Schema::Vessel => "vessel",
            Schema::Aircraft => "aircraft",
            Schema::Unknown => "unknown",
        }
    }

    /// Two schemas conflict only when both are known and differ; `Unknown` is compatible with all.
    pub fn conflicts_with(self, other: Schema) -> bool {
        self != Schema::Unknown && other != Schema::Unknown && self != other
    }
}

impl std::fmt::Display for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_from_every_list_map_to_a_schema() {
        assert_eq!(Schema::from_label("individual"), Schema::Person);
        assert_eq!(Schema::from_label("Entity"), Schema::Organization);
        assert_eq!(Schema::from_label("LegalEntity"), Schema::Organization);
        assert_eq!(Schema::from_label("vessel"), Schema::Vessel);
        assert_eq!(Schema::from_label("-0-"), Schema::Unknown);
    }

    #[test]
    fn unknown_never_conflicts() {
        assert!(!Schema::Unknown.conflicts_with(Schema::Person));
        assert!(Schema::Organization.conflicts_with(Schema::Person));
        assert!(!Schema::Vessel.conflicts_with(Schema::Vessel));
    }
}

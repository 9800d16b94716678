//! `[screening]`: score thresholds of restricted-party screening.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::units::MatchScore;
use super::validate::Checker;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Screening {
    /// Candidates scoring at least this are kept for an analyst, below the match threshold too.
    pub review_threshold: MatchScore,
    /// Candidates scoring at least this count as a match, per kind of entity.
    pub match_threshold: SchemaThresholds,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaThresholds {
    pub person: MatchScore,
    pub organization: MatchScore,
    pub vessel: MatchScore,
    pub aircraft: MatchScore,
}

/// The kinds of entity restricted-party lists name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScreeningSchema {
    Person,
    Organization,
    Vessel,
    Aircraft,
}

impl ScreeningSchema {
    pub const ALL: [ScreeningSchema; 4] = [
        Self::Person,
        Self::Organization,
        Self::Vessel,
        Self::Aircraft,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Organization => "organization",
            Self::Vessel => "vessel",
            Self::Aircraft => "aircraft",
        }
    }
}

impl fmt::Display for ScreeningSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl Screening {
    pub fn match_threshold(&self, schema: ScreeningSchema) -> MatchScore {
        let t = &self.match_threshold;
        match schema {
            ScreeningSchema::Person => t.person,
            ScreeningSchema::Organization => t.organization,
            ScreeningSchema::Vessel => t.vessel,
            ScreeningSchema::Aircraft => t.aircraft,
        }
    }

    pub(crate) fn check(&self, c: &mut Checker) {
        c.range("review_threshold", self.review_threshold);
        c.within("match_threshold", |c| {
            for schema in ScreeningSchema::ALL {
                c.range(schema.key(), self.match_threshold(schema));
            }
        });
        let lowest = ScreeningSchema::ALL
            .into_iter()
            .map(|schema| (schema, self.match_threshold(schema).get()))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((schema, lowest)) = lowest
            && self.review_threshold.get() > lowest
        {
            c.problem(
                "review_threshold",
                format!(
                    "must not be above a match threshold (`match_threshold.{schema}` is {lowest}), got {}",
                    self.review_threshold.get()
                ),
            );
        }
    }
}

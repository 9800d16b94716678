//! The kinds of report, by the names the CLI and API use.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::ReportError;

/// A kind of report: `cloudkyc report KIND` writes `KIND.json` and `KIND.pdf`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ReportKind {
    CertificationInitial,
    CertificationAnnual,
    CertificationOutOfCycle,
    WrittenCip,
    AiTraining,
    Adp,
    Production,
}

impl ReportKind {
    pub const ALL: [ReportKind; 7] = [
        Self::CertificationInitial,
        Self::CertificationAnnual,
        Self::CertificationOutOfCycle,
        Self::WrittenCip,
        Self::AiTraining,
        Self::Adp,
        Self::Production,
    ];

    pub const NAMES: [&'static str; 7] = [
        "certification-initial",
        "certification-annual",
        "certification-out-of-cycle",
        "written-cip",
        "ai-training",
        "adp",
        "production",
    ];

    /// The CLI and file name: `certification-annual`, `ai-training`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CertificationInitial => "certification-initial",
            Self::CertificationAnnual => "certification-annual",
            Self::CertificationOutOfCycle => "certification-out-of-cycle",
            Self::WrittenCip => "written-cip",
            Self::AiTraining => "ai-training",
            Self::Adp => "adp",
            Self::Production => "production",
        }
    }

    /// The model (and JSON Schema) the kind is written in.
    pub fn schema_name(self) -> &'static str {
        match self {
            Self::CertificationInitial
            | Self::CertificationAnnual
            | Self::CertificationOutOfCycle => "cip-certification",
            Self::WrittenCip => "written-cip",
            Self::AiTraining => "ai-training-report",
            Self::Adp => "adp-package",
            Self::Production => "production-manifest",
        }
    }

    /// The current version of the kind's schema. A change that a consumer of the JSON could
    /// notice bumps it.
    pub fn schema_version(self) -> &'static str {
        match self {
            // 1.1.0: `out_of_cycle_trigger`, and out-of-cycle updates are generated.
            Self::CertificationInitial
            | Self::CertificationAnnual
            | Self::CertificationOutOfCycle => "1.1.0",
            _ => "1.0.0",
        }
    }

    pub fn json_file_name(self) -> String {
        format!("{}.json", self.as_str())
    }

    pub fn pdf_file_name(self) -> String {
        format!("{}.pdf", self.as_str())
    }
}

impl fmt::Display for ReportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReportKind {
    type Err = ReportError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| ReportError::UnknownKind(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for (kind, name) in ReportKind::ALL.into_iter().zip(ReportKind::NAMES) {
            assert_eq!(kind.as_str(), name);
            assert_eq!(name.parse::<ReportKind>().ok(), Some(kind));
            assert_eq!(
                serde_json::to_string(&kind).ok(),
                Some(format!("\"{name}\""))
            );
        }
        assert!("certification".parse::<ReportKind>().is_err());
    }
}

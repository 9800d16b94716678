//! What a case is about: its kind, its subject and how urgent it is.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

use crate::rule_pack::RiskTier;

use super::error::CaseError;

/// Every alert the product raises lands in a case of one of these kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// A restricted-party screening candidate awaiting a decision.
    ScreeningHit,
    /// A foreign customer's verification failed, is pending too long, or is being overridden.
    Verification,
    /// A customer or owner affected by a special measure.
    SpecialMeasure,
    /// A foreign reseller found not to comply (the termination clock runs).
    Reseller,
    /// A transaction that results or could result in training a large AI model: report or not.
    AiTrainingReport,
    /// A compute red flag below the reporting bar that an analyst must look at.
    ComputeReview,
    /// Commerce asked for the written CIP or records (the production clock runs).
    RecordsRequest,
}

impl CaseKind {
    pub const ALL: [CaseKind; 7] = [
        Self::ScreeningHit,
        Self::Verification,
        Self::SpecialMeasure,
        Self::Reseller,
        Self::AiTrainingReport,
        Self::ComputeReview,
        Self::RecordsRequest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ScreeningHit => "screening_hit",
            Self::Verification => "verification",
            Self::SpecialMeasure => "special_measure",
            Self::Reseller => "reseller",
            Self::AiTrainingReport => "ai_training_report",
            Self::ComputeReview => "compute_review",
            Self::RecordsRequest => "records_request",
        }
    }

    /// The priority of a case of this kind before the subject's risk is considered. Cases with
    /// a regulator's clock (report, production, measure) start high; so do confirmed screening
    /// matches, since an account may have to be closed.
    fn base_priority(self) -> Priority {
        match self {
            Self::AiTrainingReport | Self::RecordsRequest | Self::SpecialMeasure => Priority::High,
            Self::ScreeningHit | Self::Reseller | Self::ComputeReview => Priority::Medium,
            Self::Verification => Priority::Low,
        }
    }
}

impl fmt::Display for CaseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CaseKind {
    type Err = CaseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| CaseError::UnknownKind(s.to_owned()))
    }
}

/// How urgent a case is. High-priority cases need a second officer to close (four-eyes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Medium,
    High,
}

impl Priority {
    /// The kind's base priority, raised to the subject's risk tier when that is higher: a
    /// high-risk customer's case is never treated as routine.
    pub fn derive(kind: CaseKind, risk: Option<RiskTier>) -> Self {
        let from_risk = match risk {
            Some(RiskTier::High) => Priority::High,
            Some(RiskTier::Medium) => Priority::Medium,
            Some(RiskTier::Low) | None => Priority::Low,
        };
        kind.base_priority().max(from_risk)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The identifier of whatever a case is about, as the store knows it (a customer id, a
/// reseller id, a measure id, an episode id, a request reference). Trimmed, 1 to 200 characters,
/// no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct SubjectRef(String);

impl SubjectRef {
    const MAX_CHARS: usize = 200;

    pub fn parse(text: &str) -> Result<Self, CaseError> {
        let trimmed = text.trim();
        let problem = if trimmed.is_empty() {
            Some("is empty")
        } else if trimmed.chars().count() > Self::MAX_CHARS {
            Some("is longer than 200 characters")
        } else if trimmed.chars().any(char::is_control) {
            Some("contains a control character")
        } else {
            None
        };
        match problem {
            Some(why) => Err(CaseError::InvalidSubject(why.to_owned())),
            None => Ok(Self(trimmed.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SubjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SubjectRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// What a case is about. Serialised as `{"type": "customer", "id": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Subject {
    Customer(SubjectRef),
    Reseller(SubjectRef),
    /// A special measure (the case is about applying it to the customers it reaches).
    Measure(SubjectRef),
    /// A usage episode of the compute monitor.
    Episode(SubjectRef),
    /// A request from Commerce (its reference), for records-production cases.
    Request(SubjectRef),
}

impl Subject {
    pub fn reference(&self) -> &SubjectRef {
        match self {
            Self::Customer(id)
            | Self::Reseller(id)
            | Self::Measure(id)
            | Self::Episode(id)
            | Self::Request(id) => id,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Customer(_) => "customer",
            Self::Reseller(_) => "reseller",
            Self::Measure(_) => "measure",
            Self::Episode(_) => "episode",
            Self::Request(_) => "request",
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.type_name(), self.reference())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in CaseKind::ALL {
            assert_eq!(kind.as_str().parse::<CaseKind>(), Ok(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        assert!("phishing".parse::<CaseKind>().is_err());
    }

    #[test]
    fn priority_is_the_higher_of_kind_and_risk() {
        assert_eq!(
            Priority::derive(CaseKind::Verification, None),
            Priority::Low
        );
        assert_eq!(
            Priority::derive(CaseKind::Verification, Some(RiskTier::Medium)),
            Priority::Medium
        );
        assert_eq!(
            Priority::derive(CaseKind::ScreeningHit, Some(RiskTier::High)),
            Priority::High
        );
        assert_eq!(
            Priority::derive(CaseKind::AiTrainingReport, Some(RiskTier::Low)),
            Priority::High
        );
    }

    #[test]
    fn subjects_serialise_with_their_type() {
        let subject = Subject::Customer(SubjectRef::parse("c-1").unwrap());
        let json = serde_json::to_value(&subject).unwrap();
        assert_eq!(json, serde_json::json!({"type": "customer", "id": "c-1"}));
        let back: Subject = serde_json::from_value(json).unwrap();
        assert_eq!(back, subject);
        assert!(serde_json::from_str::<Subject>(r#"{"type":"customer","id":" "}"#).is_err());
    }
}

//! The typed history of a case. Entries are only ever appended; the case's state is what they
//! say happened, so the timeline is what an examiner reads.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use super::error::CaseError;
use super::id::ActorId;
use super::kind::{CaseKind, Priority, Subject};
use super::status::{CaseStatus, Outcome};
use super::text::Note;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub actor: ActorId,
    #[serde(flatten)]
    pub event: CaseEvent,
}

/// What happened. Serialised with a `type` tag: `{"type": "comment", "text": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CaseEvent {
    Opened {
        kind: CaseKind,
        subject: Subject,
        priority: Priority,
        due: Option<NaiveDate>,
    },
    Comment {
        text: Note,
    },
    StatusChanged {
        from: CaseStatus,
        to: CaseStatus,
        /// Why (the information asked of the customer, the reason to escalate or reopen).
        reason: Option<Note>,
    },
    Assigned {
        from: Option<ActorId>,
        to: ActorId,
    },
    EvidenceAdded {
        evidence: Evidence,
    },
    PriorityChanged {
        from: Priority,
        to: Priority,
        reason: Note,
    },
    ApprovalRequested {
        decision: Decision,
    },
    ApprovalGiven {
        proposed_by: ActorId,
    },
    ApprovalRefused {
        proposed_by: ActorId,
        reason: Note,
    },
    Decision {
        decision: Decision,
        proposed_by: ActorId,
        /// The second officer, when the decision needed one.
        approved_by: Option<ActorId>,
    },
    ReportFiled {
        report: FiledReport,
    },
}

impl CaseEvent {
    /// The `type` tag, for listings and metrics.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Opened { .. } => "opened",
            Self::Comment { .. } => "comment",
            Self::StatusChanged { .. } => "status_changed",
            Self::Assigned { .. } => "assigned",
            Self::EvidenceAdded { .. } => "evidence_added",
            Self::PriorityChanged { .. } => "priority_changed",
            Self::ApprovalRequested { .. } => "approval_requested",
            Self::ApprovalGiven { .. } => "approval_given",
            Self::ApprovalRefused { .. } => "approval_refused",
            Self::Decision { .. } => "decision",
            Self::ReportFiled { .. } => "report_filed",
        }
    }
}

/// Something the decision rests on. The document itself is an encrypted attachment held by
/// the store; the timeline keeps its reference and digest so it cannot be swapped unnoticed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub description: Note,
    /// The attachment id, list entry, episode id or URL the evidence is found at.
    pub reference: Option<Note>,
    pub sha256: Option<Sha256Digest>,
}

/// An outcome with its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub outcome: Outcome,
    pub rationale: Note,
    /// The decision overrides the CIP's automatic decision (a failed or pending verification).
    #[serde(default)]
    pub cip_override: bool,
}

/// A report sent to Commerce from this case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiledReport {
    /// Which report (`ai-training`, `production`, ...).
    pub report: Note,
    /// SHA-256 of the report as filed (the JSON the reports crate produced).
    pub sha256: Sha256Digest,
    pub filed_on: NaiveDate,
    /// Commerce's acknowledgement or submission number, when there is one.
    pub reference: Option<Note>,
}

/// A SHA-256 digest in lower-case hexadecimal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Sha256Digest(String);

impl Sha256Digest {
    pub fn parse(text: &str) -> Result<Self, CaseError> {
        let lower = text.trim().to_ascii_lowercase();
        if lower.len() == 64 && lower.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(lower))
        } else {
            Err(CaseError::InvalidDigest(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Sha256Digest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_must_be_64_hex_characters() {
        let digest = Sha256Digest::parse(&"AB".repeat(32)).unwrap();
        assert_eq!(digest.as_str(), "ab".repeat(32));
        assert!(Sha256Digest::parse("abc").is_err());
        assert!(Sha256Digest::parse(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn entries_serialise_flat_with_a_type_tag() {
        let entry = TimelineEntry {
            at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            actor: ActorId::parse("alice").unwrap(),
            event: CaseEvent::Comment {
                text: Note::parse("called the customer").unwrap(),
            },
        };
        let json = serde_json::to_value(&entry).unwrap();
        assert_eq!(json["type"], "comment");
        assert_eq!(json["actor"], "alice");
        assert_eq!(json["text"], "called the customer");
        let back: TimelineEntry = serde_json::from_value(json).unwrap();
        assert_eq!(back, entry);
    }
}

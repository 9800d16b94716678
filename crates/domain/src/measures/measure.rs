//! A special measure: what it targets, what it imposes, and the dates it runs between.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::cip::CountryCode;
use crate::ownership::{ReferenceError, check_reference};
use crate::rule_pack::SpecialMeasures;

/// The registry's id of a measure (caller-provided, like a party reference).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MeasureId(String);

impl MeasureId {
    pub fn new(text: impl Into<String>) -> Result<Self, ReferenceError> {
        let text = text.into();
        check_reference(&text)?;
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MeasureId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for MeasureId {
    type Error = ReferenceError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<MeasureId> for String {
    fn from(id: MeasureId) -> Self {
        id.0
    }
}

/// A named foreign person, as the determination names it. Matching a customer or owner
/// against it is the screening engine's job; its results come in as `PersonMatch`es.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedPerson {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub country: Option<CountryCode>,
    #[serde(default)]
    pub date_of_birth: Option<NaiveDate>,
    /// Registration numbers, passport numbers and the like, as published.
    #[serde(default)]
    pub identifiers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MeasureTarget {
    /// Foreign persons located in this jurisdiction (or acting on their behalf).
    Jurisdiction { country: CountryCode },
    /// A named foreign person (or anyone acting on its behalf).
    Person(NamedPerson),
}

impl fmt::Display for MeasureTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Jurisdiction { country } => write!(f, "{country} ({})", country.name()),
            Self::Person(person) => f.write_str(&person.name),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MeasureKind {
    /// No account may be opened or kept.
    Prohibit,
    /// Accounts are restricted by a condition the pack names
    /// (`[special_measures.conditions.<id>]`).
    Condition { condition: String },
}

impl fmt::Display for MeasureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Prohibit => f.write_str("prohibit"),
            Self::Condition { condition } => write!(f, "condition {condition}"),
        }
    }
}

/// The two kinds of measure, by name (a draft names its condition beside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKindName {
    Prohibit,
    Condition,
}

/// A measure as submitted to the registry. `expiry_date` defaults to the effective date plus
/// the pack's maximum duration; `condition` is required for, and only for, kind `condition`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureDraft {
    pub id: String,
    pub target: MeasureTarget,
    pub kind: MeasureKindName,
    #[serde(default)]
    pub condition: Option<String>,
    pub determination_date: NaiveDate,
    pub effective_date: NaiveDate,
    #[serde(default)]
    pub expiry_date: Option<NaiveDate>,
    /// Where the measure was published (Federal Register citation, notice id).
    pub source_reference: String,
}

/// A decision to keep a measure in force longer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    pub decided_on: NaiveDate,
    pub new_expiry: NaiveDate,
    pub reference: String,
}

/// An early end of a measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lifting {
    pub on: NaiveDate,
    pub reference: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum MeasureProblem {
    #[error("id: {message}")]
    InvalidId { message: String },
    #[error("source_reference must name where the measure was published")]
    BlankSourceReference,
    #[error("target.name cannot be blank")]
    BlankPersonName,
    #[error("kind condition needs the condition's name")]
    MissingCondition,
    #[error("a prohibition takes no condition")]
    ConditionOnProhibition,
    #[error("condition \"{condition}\" is not one of the pack's conditions ({})", known.join(", "))]
    UnknownCondition {
        condition: String,
        known: Vec<String>,
    },
    #[error(
        "effective_date {effective} is earlier than {earliest}, {days} days after the determination (pack special_measures.earliest_effect_days)"
    )]
    TooEarly {
        effective: NaiveDate,
        earliest: NaiveDate,
        days: u32,
    },
    #[error("expiry {expiry} must be after the effective date {effective}")]
    ExpiryNotAfterEffective {
        effective: NaiveDate,
        expiry: NaiveDate,
    },
    #[error(
        "expiry {expiry} is later than {latest}: a measure lasts at most {days} days before an extension (pack special_measures.max_duration_days)"
    )]
    TooLong {
        expiry: NaiveDate,
        latest: NaiveDate,
        days: u32,
    },
    #[error("{field} must name the decision")]
    BlankReference { field: String },
    #[error("the measure was lifted on {on}")]
    AlreadyLifted { on: NaiveDate },
    #[error("an extension decided on {decided_on} comes after the measure expired on {expiry}")]
    ExtensionAfterExpiry {
        decided_on: NaiveDate,
        expiry: NaiveDate,
    },
    #[error("the new expiry {new_expiry} must be later than the current expiry {current}")]
    ExpiryNotExtended {
        new_expiry: NaiveDate,
        current: NaiveDate,
    },
    #[error("a measure cannot be lifted on {on}, before its determination on {determination}")]
    LiftBeforeDetermination {
        on: NaiveDate,
        determination: NaiveDate,
    },
    #[error("a measure cannot be lifted on {on}: it expired on {expiry}")]
    LiftAfterExpiry { on: NaiveDate, expiry: NaiveDate },
}

/// Every problem of a draft (or one of a change) at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct MeasureError {
    pub problems: Vec<MeasureProblem>,
}

impl fmt::Display for MeasureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.problems.iter().map(ToString::to_string).collect();
        write!(f, "invalid special measure: {}", parts.join("; "))
    }
}

impl From<MeasureProblem> for MeasureError {
    fn from(problem: MeasureProblem) -> Self {
        Self {
            problems: vec![problem],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureStatus {
    /// Determined, not yet effective: affected accounts must be dealt with by the effective
    /// date.
    Pending,
    InForce,
    Expired,
    Lifted,
}

impl fmt::Display for MeasureStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pending => "pending",
            Self::InForce => "in force",
            Self::Expired => "expired",
            Self::Lifted => "lifted",
        })
    }
}

/// A validated measure. In force on `[effective_date, expiry)`: it lapses at the start of its
/// expiry date, so the pack's 365 days are 365 days in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "MeasureRecord")]
pub struct SpecialMeasure {
    id: MeasureId,
    target: MeasureTarget,
    kind: MeasureKind,
    determination_date: NaiveDate,
    effective_date: NaiveDate,
    original_expiry: NaiveDate,
    source_reference: String,
    extensions: Vec<Extension>,
    lifted: Option<Lifting>,
}

/// How a measure is stored; [`SpecialMeasure::from_record`] validates it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureRecord {
    pub draft: MeasureDraft,
    #[serde(default)]
    pub extensions: Vec<Extension>,
    #[serde(default)]
    pub lifted: Option<Lifting>,
}

impl From<SpecialMeasure> for MeasureRecord {
    fn from(measure: SpecialMeasure) -> Self {
        let (kind, condition) = match measure.kind {
            MeasureKind::Prohibit => (MeasureKindName::Prohibit, None),
            MeasureKind::Condition { condition } => (MeasureKindName::Condition, Some(condition)),
        };
        Self {
            draft: MeasureDraft {
                id: measure.id.0,
                target: measure.target,
                kind,
                condition,
                determination_date: measure.determination_date,
                effective_date: measure.effective_date,
                expiry_date: Some(measure.original_expiry),
                source_reference: measure.source_reference,
            },
            extensions: measure.extensions,
            lifted: measure.lifted,
        }
    }
}

impl SpecialMeasure {
    pub fn new(draft: MeasureDraft, pack: &SpecialMeasures) -> Result<Self, MeasureError> {
        let mut problems = Vec::new();
        let id = MeasureId::new(draft.id.clone())
            .map_err(|error| {
                problems.push(MeasureProblem::InvalidId {
                    message: error.to_string(),
                })
            })
            .ok();
        if draft.source_reference.trim().is_empty() {
            problems.push(MeasureProblem::BlankSourceReference);
        }
        if let MeasureTarget::Person(person) = &draft.target
            && person.name.trim().is_empty()
        {
            problems.push(MeasureProblem::BlankPersonName);
        }
        let kind = match (draft.kind, &draft.condition) {
            (MeasureKindName::Prohibit, None) => Some(MeasureKind::Prohibit),
            (MeasureKindName::Prohibit, Some(_)) => {
                problems.push(MeasureProblem::ConditionOnProhibition);
                None
            }
            (MeasureKindName::Condition, None) => {
                problems.push(MeasureProblem::MissingCondition);
                None
            }
            (MeasureKindName::Condition, Some(condition)) => {
                if pack.conditions.contains_key(condition) {
                    Some(MeasureKind::Condition {
                        condition: condition.clone(),
                    })
                } else {
                    problems.push(MeasureProblem::UnknownCondition {
                        condition: condition.clone(),
                        known: pack.conditions.keys().cloned().collect(),
                    });
                    None
                }
            }
        };
        let earliest_days = pack.earliest_effect_days.get();
        let earliest = add_days(draft.determination_date, earliest_days);
        if draft.effective_date < earliest {
            problems.push(MeasureProblem::TooEarly {
                effective: draft.effective_date,
                earliest,
                days: earliest_days,
            });
        }
        let max_days = pack.max_duration_days.get();
        let latest = add_days(draft.effective_date, max_days);
        let expiry = draft.expiry_date.unwrap_or(latest);
        if expiry <= draft.effective_date {
            problems.push(MeasureProblem::ExpiryNotAfterEffective {
                effective: draft.effective_date,
                expiry,
            });
        } else if expiry > latest {
            problems.push(MeasureProblem::TooLong {
                expiry,
                latest,
                days: max_days,
            });
        }
        match (id, kind) {
            (Some(id), Some(kind)) if problems.is_empty() => Ok(Self {
                id,
                target: draft.target,
                kind,
                determination_date: draft.determination_date,
                effective_date: draft.effective_date,
                original_expiry: expiry,
                source_reference: draft.source_reference,
                extensions: Vec::new(),
                lifted: None,
            }),
            _ => Err(MeasureError { problems }),
        }
    }

    /// Rebuilds a stored measure, checking the draft, each extension in order and the lifting.
    pub fn from_record(
        record: MeasureRecord,
        pack: &SpecialMeasures,
    ) -> Result<Self, MeasureError> {
        let mut measure = Self::new(record.draft, pack)?;
        for extension in record.extensions {
            measure.extend(extension, pack)?;
        }
        if let Some(lifting) = record.lifted {
            measure.lift(lifting)?;
        }
        Ok(measure)
    }

    /// Keeps the measure in force until `new_expiry`. Decided while the measure still runs;
    /// each extension adds at most the pack's maximum duration.
    pub fn extend(
        &mut self,
        extension: Extension,
        pack: &SpecialMeasures,
    ) -> Result<(), MeasureError> {
        if let Some(lifting) = &self.lifted {
            return Err(MeasureProblem::AlreadyLifted { on: lifting.on }.into());
        }
        let current = self.expiry();
        let mut problems = Vec::new();
        if extension.reference.trim().is_empty() {
            problems.push(MeasureProblem::BlankReference {
                field: "extension.reference".to_owned(),
            });
        }
        if extension.decided_on >= current {
            problems.push(MeasureProblem::ExtensionAfterExpiry {
                decided_on: extension.decided_on,
                expiry: current,
            });
        }
        let max_days = pack.max_duration_days.get();
        let latest = add_days(current, max_days);
        if extension.new_expiry <= current {
            problems.push(MeasureProblem::ExpiryNotExtended {
                new_expiry: extension.new_expiry,
                current,
            });
        } else if extension.new_expiry > latest {
            problems.push(MeasureProblem::TooLong {
                expiry: extension.new_expiry,
                latest,
                days: max_days,
            });
        }
        if !problems.is_empty() {
            return Err(MeasureError { problems });
        }
        self.extensions.push(extension);
        Ok(())
    }

    /// Ends the measure early, from `lifting.on` (that day included).
    pub fn lift(&mut self, lifting: Lifting) -> Result<(), MeasureError> {
        if let Some(existing) = &self.lifted {
            return Err(MeasureProblem::AlreadyLifted { on: existing.on }.into());
        }
        if lifting.reference.trim().is_empty() {
            return Err(MeasureProblem::BlankReference {
                field: "lifting.reference".to_owned(),
            }
            .into());
        }
        if lifting.on < self.determination_date {
            return Err(MeasureProblem::LiftBeforeDetermination {
                on: lifting.on,
                determination: self.determination_date,
            }
            .into());
        }
        if lifting.on >= self.expiry() {
            return Err(MeasureProblem::LiftAfterExpiry {
                on: lifting.on,
                expiry: self.expiry(),
            }
            .into());
        }
        self.lifted = Some(lifting);
        Ok(())
    }

    pub fn status_on(&self, date: NaiveDate) -> MeasureStatus {
        if self.lifted.as_ref().is_some_and(|l| l.on <= date) {
            MeasureStatus::Lifted
        } else if date < self.effective_date {
            MeasureStatus::Pending
        } else if date < self.expiry() {
            MeasureStatus::InForce
        } else {
            MeasureStatus::Expired
        }
    }

    /// The expiry after every extension.
    pub fn expiry(&self) -> NaiveDate {
        self.extensions
            .last()
            .map_or(self.original_expiry, |e| e.new_expiry)
    }

    pub fn id(&self) -> &MeasureId {
        &self.id
    }

    pub fn target(&self) -> &MeasureTarget {
        &self.target
    }

    pub fn kind(&self) -> &MeasureKind {
        &self.kind
    }

    pub fn determination_date(&self) -> NaiveDate {
        self.determination_date
    }

    pub fn effective_date(&self) -> NaiveDate {
        self.effective_date
    }

    pub fn source_reference(&self) -> &str {
        &self.source_reference
    }

    pub fn extensions(&self) -> &[Extension] {
        &self.extensions
    }

    pub fn lifted(&self) -> Option<&Lifting> {
        self.lifted.as_ref()
    }
}

/// Calendar arithmetic that saturates at chrono's last date instead of panicking.
pub(crate) fn add_days(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_add_days(chrono::Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_date_arithmetic() {
        assert!(MeasureId::new("sm-1").is_ok());
        assert!(MeasureId::new("").is_err());
        let date = NaiveDate::from_ymd_opt(2028, 2, 28).unwrap();
        assert_eq!(
            add_days(date, 1),
            NaiveDate::from_ymd_opt(2028, 2, 29).unwrap()
        );
        assert_eq!(add_days(NaiveDate::MAX, 1), NaiveDate::MAX);
    }

    #[test]
    fn drafts_deserialise_with_the_condition_beside_the_kind() {
        let draft: MeasureDraft = serde_json::from_str(
            r#"{"id": "sm-1", "target": {"type": "person", "name": "Example Person", "country": "RU"},
                "kind": "condition", "condition": "enhanced_monitoring",
                "determination_date": "2026-01-01", "effective_date": "2026-06-30",
                "source_reference": "91 FR 1"}"#,
        )
        .unwrap();
        assert_eq!(draft.kind, MeasureKindName::Condition);
        assert!(matches!(draft.target, MeasureTarget::Person(ref p) if p.name == "Example Person"));
        assert!(
            serde_json::from_str::<MeasureDraft>(
                r#"{"id": "x", "target": {"type": "jurisdiction", "country": "NG"}, "kind": "prohibit",
                    "determination_date": "2026-01-01", "effective_date": "2026-06-30",
                    "source_reference": "r", "surprise": 1}"#
            )
            .is_err()
        );
    }
}

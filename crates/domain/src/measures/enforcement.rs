//! What the measures require of one customer relationship, and what their end undoes.
//!
//! The subjects are the customer, its owners and the reseller it came through: a measure
//! reaches an account opened by a person it names *or on that person's behalf*, so a match on
//! any subject acts on the customer's accounts. Jurisdiction measures apply to foreign
//! persons: a subject determined to be a U.S. person is put up for review instead (the
//! evidence may mean the determination is wrong), and an undetermined one is treated as
//! foreign when the pack says so (`terms.undetermined_is_foreign`).

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::evidence::{EvidenceItem, LocationEvidence};
use super::measure::{MeasureId, MeasureKind, MeasureStatus, MeasureTarget, SpecialMeasure};
use crate::cip::PersonStatus;
use crate::ownership::PartyRef;
use crate::rule_pack::{MatchScore, PolicyRef, ProductId, RulePack};

/// A screening-engine result: this subject may be the person a measure names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonMatch {
    pub measure_id: MeasureId,
    pub score: MatchScore,
    pub explanation: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectRole {
    Customer,
    Owner,
    Reseller,
}

impl fmt::Display for SubjectRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Customer => "customer",
            Self::Owner => "owner",
            Self::Reseller => "reseller",
        })
    }
}

/// A party whose location and identity bear on the customer's accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    pub role: SubjectRole,
    pub party: PartyRef,
    /// The subject's U.S./foreign determination.
    pub status: PersonStatus,
    pub evidence: LocationEvidence,
    /// What the screening engine found against named-person measures.
    #[serde(default)]
    pub person_matches: Vec<PersonMatch>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The customer is applying; nothing is open yet.
    Onboarding,
    /// The customer already holds accounts.
    ExistingAccount,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Do not open the account.
    RefuseOnboarding,
    /// Close the customer's accounts by the due date.
    Close,
    /// Keep the accounts under the pack's condition from the due date.
    Restrict {
        condition: String,
        blocked_products: Vec<ProductId>,
        enhanced_monitoring: bool,
    },
}

/// Why a subject matched a measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum MatchBasis {
    /// Evidence places the subject in the measure's jurisdiction.
    Location { evidence: Vec<EvidenceItem> },
    /// The screening engine matched the subject to the named person.
    Person {
        score: MatchScore,
        explanation: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubjectMatch {
    pub role: SubjectRole,
    pub party: PartyRef,
    #[serde(flatten)]
    pub basis: MatchBasis,
}

impl fmt::Display for SubjectMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.basis {
            MatchBasis::Location { evidence } => {
                let items: Vec<String> = evidence.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "the {} {} is located there by {}",
                    self.role,
                    self.party,
                    items.join(", ")
                )
            }
            MatchBasis::Person { score, explanation } => write!(
                f,
                "the {} {} matches the named person (score {score}: {explanation})",
                self.role, self.party
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedAction {
    pub measure_id: MeasureId,
    pub action: Action,
    /// The date by which the action must be done (today when it is already late).
    pub due: NaiveDate,
    pub matches: Vec<SubjectMatch>,
    /// The measure and each match, in words.
    pub reasons: Vec<String>,
}

/// Something an analyst must look at: a possible person match, or location evidence on a
/// subject the measure does not reach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub measure_id: MeasureId,
    pub role: SubjectRole,
    pub party: PartyRef,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnforcementPlan {
    pub decided_on: NaiveDate,
    pub stage: Stage,
    pub policy: PolicyRef,
    pub actions: Vec<PlannedAction>,
    pub reviews: Vec<ReviewItem>,
}

impl EnforcementPlan {
    /// Whether onboarding must be refused.
    pub fn refuses(&self) -> bool {
        self.actions
            .iter()
            .any(|a| a.action == Action::RefuseOnboarding)
    }
}

/// The actions the measures pending or in force on `today` require for the subjects of one
/// customer relationship. Expired and lifted measures require nothing.
pub fn plan_enforcement(
    measures: &[SpecialMeasure],
    subjects: &[Subject],
    stage: Stage,
    today: NaiveDate,
    pack: &RulePack,
) -> EnforcementPlan {
    let mut plan = EnforcementPlan {
        decided_on: today,
        stage,
        policy: pack.policy_ref(),
        actions: Vec::new(),
        reviews: Vec::new(),
    };
    for measure in measures {
        let status = measure.status_on(today);
        if !matches!(status, MeasureStatus::Pending | MeasureStatus::InForce) {
            continue;
        }
        let matches = matches_for(measure, subjects, pack, &mut plan.reviews);
        if matches.is_empty() {
            continue;
        }
        let (action, due) = action_for(measure, status, stage, today, pack);
        let mut reasons = vec![describe_measure(measure, status)];
        reasons.extend(matches.iter().map(ToString::to_string));
        plan.actions.push(PlannedAction {
            measure_id: measure.id().clone(),
            action,
            due,
            matches,
            reasons,
        });
    }
    plan
}

fn matches_for(
    measure: &SpecialMeasure,
    subjects: &[Subject],
    pack: &RulePack,
    reviews: &mut Vec<ReviewItem>,
) -> Vec<SubjectMatch> {
    let mut found = Vec::new();
    for subject in subjects {
        match measure.target() {
            MeasureTarget::Jurisdiction { country } => {
                let evidence = subject
                    .evidence
                    .placing_in(*country, pack.special_measures());
                if evidence.is_empty() {
                    continue;
                }
                let foreign = match subject.status {
                    PersonStatus::Foreign => true,
                    PersonStatus::Undetermined => pack.terms().undetermined_is_foreign,
                    PersonStatus::Us => false,
                };
                if foreign {
                    found.push(SubjectMatch {
                        role: subject.role,
                        party: subject.party.clone(),
                        basis: MatchBasis::Location { evidence },
                    });
                } else {
                    let items: Vec<String> = evidence.iter().map(ToString::to_string).collect();
                    reviews.push(ReviewItem {
                        measure_id: measure.id().clone(),
                        role: subject.role,
                        party: subject.party.clone(),
                        reason: format!(
                            "determined {} but placed in {} by {}: the measure reaches foreign persons only; confirm the determination",
                            subject.status,
                            measure.target(),
                            items.join(", ")
                        ),
                    });
                }
            }
            MeasureTarget::Person(_) => {
                let thresholds = pack.screening();
                for candidate in subject
                    .person_matches
                    .iter()
                    .filter(|m| m.measure_id == *measure.id())
                {
                    if candidate.score >= thresholds.match_threshold.person {
                        found.push(SubjectMatch {
                            role: subject.role,
                            party: subject.party.clone(),
                            basis: MatchBasis::Person {
                                score: candidate.score,
                                explanation: candidate.explanation.clone(),
                            },
                        });
                    } else if candidate.score >= thresholds.review_threshold {
                        reviews.push(ReviewItem {
                            measure_id: measure.id().clone(),
                            role: subject.role,
                            party: subject.party.clone(),
                            reason: format!(
                                "possible match with {} (score {}, below the match threshold {}): {}",
                                measure.target(),
                                candidate.score,
                                thresholds.match_threshold.person,
                                candidate.explanation
                            ),
                        });
                    }
                }
            }
        }
    }
    found
}

fn action_for(
    measure: &SpecialMeasure,
    status: MeasureStatus,
    stage: Stage,
    today: NaiveDate,
    pack: &RulePack,
) -> (Action, NaiveDate) {
    let by_effective_date = measure.effective_date().max(today);
    match measure.kind() {
        MeasureKind::Prohibit => match (stage, status) {
            (Stage::Onboarding, MeasureStatus::InForce) => (Action::RefuseOnboarding, today),
            _ => (Action::Close, by_effective_date),
        },
        MeasureKind::Condition { condition } => {
            // A pack swapped since the measure was registered may have lost the condition:
            // restrict as closely as can be known (monitoring) rather than not at all.
            let (blocked_products, enhanced_monitoring) = pack
                .special_measures()
                .conditions
                .get(condition)
                .map_or((Vec::new(), true), |c| {
                    (c.blocked_products.clone(), c.enhanced_monitoring)
                });
            (
                Action::Restrict {
                    condition: condition.clone(),
                    blocked_products,
                    enhanced_monitoring,
                },
                by_effective_date,
            )
        }
    }
}

fn describe_measure(measure: &SpecialMeasure, status: MeasureStatus) -> String {
    let when = match status {
        MeasureStatus::Pending => format!("takes effect on {}", measure.effective_date()),
        _ => format!("in force since {}", measure.effective_date()),
    };
    format!(
        "special measure {} ({}) on {}, {when} until {} ({})",
        measure.id(),
        measure.kind(),
        measure.target(),
        measure.expiry(),
        measure.source_reference()
    )
}

/// A previously planned action that no longer applies, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiftedAction {
    pub action: PlannedAction,
    pub reason: String,
}

/// Of the actions planned earlier, those whose measure has expired, been lifted or left the
/// registry by `today`. Actions of measures still pending or in force (extended ones
/// included) stay.
pub fn lifted_actions(
    previous: &[PlannedAction],
    measures: &[SpecialMeasure],
    today: NaiveDate,
) -> Vec<LiftedAction> {
    previous
        .iter()
        .filter_map(|action| {
            let measure = measures.iter().find(|m| m.id() == &action.measure_id);
            let reason = match measure {
                None => format!("measure {} is no longer in the registry", action.measure_id),
                Some(measure) => match measure.status_on(today) {
                    MeasureStatus::Pending | MeasureStatus::InForce => return None,
                    MeasureStatus::Expired => {
                        format!("measure {} expired on {}", measure.id(), measure.expiry())
                    }
                    MeasureStatus::Lifted => {
                        let lifting = measure.lifted();
                        format!(
                            "measure {} was lifted on {} ({})",
                            measure.id(),
                            lifting.map_or(today, |l| l.on),
                            lifting.map_or("", |l| l.reference.as_str())
                        )
                    }
                },
            };
            Some(LiftedAction {
                action: action.clone(),
                reason,
            })
        })
        .collect()
}

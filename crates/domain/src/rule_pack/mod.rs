//! Rule packs: every number, deadline, field list and threshold of the regime, as versioned data.
//!
//! A pack is TOML text (the shipped default is `policies/bis-2024-nprm.toml`, the proposal of
//! January 2024). [`RulePack::from_toml_str`] parses it, rejects unknown fields, validates every
//! value and reports all problems at once, each with its TOML path and line. A [`RulePack`] only
//! exists validated. Decisions store [`RulePack::policy_ref`], the pack's id and version.
//!
//! Sections (each a type below): `[pack]`, `[terms]`, `[products]`, `[cip]`, `[verification]`,
//! `[access]`, `[risk]`, `[jurisdictions]`, `[records]`, `[reporting]`, `[certification]`,
//! `[resellers]`, `[special_measures]`, `[compute]` (with `[compute.red_flags]`), `[screening]`.

mod access;
mod cip;
mod compute;
mod error;
mod info;
mod locate;
mod oversight;
mod products;
mod records;
mod red_flags;
mod risk;
mod screening;
mod terms;
mod units;
mod validate;
mod verification;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

pub use access::{
    AccessPolicy, FailedVerification, FailureAction, NotOpenedCondition, PendingUse, Redress,
};
pub use cip::{CipField, CipFields, FieldList};
pub use compute::{ClusterCondition, Compute, EpisodeRules, EstimatorPriors, TrainingThresholds};
pub use error::{Location, Problem, RulePackError};
pub use info::{PackDate, PackInfo, PolicyRef};
pub use oversight::{
    DownstreamAction, LocationEvidence, MeasureCondition, Resellers, SpecialMeasures,
};
pub use products::{ProductId, Products};
pub use records::{
    Certification, InitialCertification, MonthDay, Records, Reporting, RetentionAnchor,
};
pub use red_flags::{
    BackToBackReservations, BioPurpose, ClusterReview, DeclaredSizeMismatch, LargeReservation,
    LinkedChaining, NearThreshold, PaymentFlags, RedFlagId, RedFlags, ServingMismatch,
    ShellIndicators, Structuring,
};
pub use risk::{Jurisdictions, PaymentRisk, RiskModel, RiskPointsTable, RiskTier, TierThresholds};
pub use screening::{SchemaThresholds, Screening, ScreeningSchema};
pub use terms::{ControlKind, Terms};
pub use units::{
    DayCount, Days, Deadline, Factor, Fraction, GbitPerSecond, Hours, LogSigma, MatchScore, Months,
    Ops, OpsPerSecond, OutOfRange, Percent, RiskPoints, Usd, Years,
};
pub use verification::{TierVerification, Verification, VerificationCheck, VerificationMethod};

use locate::SourceMap;
use validate::{Checker, join_path};

/// The pack used when none is named: the BIS proposed rule of January 2024.
pub const DEFAULT_PACK_ID: &str = "bis-2024-nprm";

/// Packs compiled into the binary, by id.
const BUNDLED: &[(&str, &str)] = &[(
    DEFAULT_PACK_ID,
    include_str!("../../../../policies/bis-2024-nprm.toml"),
)];

/// The whole document as written; becomes a [`RulePack`] once validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    pack: PackInfo,
    terms: Terms,
    products: Products,
    cip: CipFields,
    verification: Verification,
    access: AccessPolicy,
    risk: RiskModel,
    jurisdictions: Jurisdictions,
    records: Records,
    reporting: Reporting,
    certification: Certification,
    resellers: Resellers,
    special_measures: SpecialMeasures,
    compute: Compute,
    screening: Screening,
}

impl Document {
    /// Every problem as (path, message), in document order.
    fn problems(&self) -> Vec<(String, String)> {
        let mut c = Checker::new();
        c.within("pack", |c| self.pack.check(c));
        c.within("terms", |c| self.terms.check(c));
        c.within("products", |c| self.products.check(c));
        c.within("cip", |c| self.cip.check(c));
        c.within("verification", |c| self.verification.check(c));
        c.within("access", |c| self.access.check(c, &self.products));
        c.within("risk", |c| self.risk.check(c));
        c.within("jurisdictions", |c| self.jurisdictions.check(c));
        c.within("records", |c| self.records.check(c));
        c.within("reporting", |c| self.reporting.check(c));
        c.within("certification", |c| self.certification.check(c));
        c.within("resellers", |c| self.resellers.check(c));
        c.within("special_measures", |c| {
            self.special_measures.check(c, &self.products)
        });
        c.within("compute", |c| self.compute.check(c));
        c.within("screening", |c| self.screening.check(c));
        c.into_problems()
    }
}

/// A validated rule pack.
#[derive(Debug, Clone, PartialEq)]
pub struct RulePack {
    doc: Document,
}

impl RulePack {
    /// Parses and validates a pack. Errors name the TOML path and line of each problem.
    pub fn from_toml_str(text: &str) -> Result<Self, RulePackError> {
        if let Err(error) = text.parse::<toml::Table>() {
            let map = SourceMap::new(text);
            return Err(RulePackError::Syntax {
                message: one_line(error.message()),
                location: error.span().map(|span| map.location(text, span.start)),
            });
        }
        let doc: Document = toml::from_str(text).map_err(|error| shape_error(text, &error))?;
        let problems = doc.problems();
        if problems.is_empty() {
            return Ok(Self { doc });
        }
        let map = SourceMap::new(text);
        let problems = problems
            .into_iter()
            .map(|(path, message)| {
                let location = map
                    .span_of(&path)
                    .map(|span| map.location(text, span.start));
                Problem {
                    path,
                    message,
                    location,
                }
            })
            .collect();
        Err(RulePackError::Invalid(problems))
    }

    /// A pack compiled into the binary.
    pub fn bundled(id: &str) -> Option<Self> {
        Self::bundled_source(id).and_then(|text| Self::from_toml_str(text).ok())
    }

    /// The ids of the packs compiled into the binary.
    pub fn bundled_ids() -> Vec<&'static str> {
        BUNDLED.iter().map(|(id, _)| *id).collect()
    }

    /// The commented TOML of a bundled pack: the starting point of a provider's own pack.
    pub fn bundled_source(id: &str) -> Option<&'static str> {
        BUNDLED
            .iter()
            .find(|(bundled, _)| *bundled == id)
            .map(|(_, text)| *text)
    }

    /// What a decision made under this pack records.
    pub fn policy_ref(&self) -> PolicyRef {
        PolicyRef {
            id: self.doc.pack.id.clone(),
            version: self.doc.pack.version.clone(),
        }
    }

    /// SHA-256 (hex) of the pack's values, independent of comments and layout: two files with
    /// the same id and version but different values have different digests.
    pub fn content_sha256(&self) -> String {
        let canonical = serde_json::to_vec(&self.doc)
            .unwrap_or_else(|_| format!("{:?}", self.doc).into_bytes());
        hex::encode(Sha256::digest(canonical))
    }

    pub fn info(&self) -> &PackInfo {
        &self.doc.pack
    }

    pub fn terms(&self) -> &Terms {
        &self.doc.terms
    }

    pub fn products(&self) -> &Products {
        &self.doc.products
    }

    pub fn cip(&self) -> &CipFields {
        &self.doc.cip
    }

    pub fn verification(&self) -> &Verification {
        &self.doc.verification
    }

    pub fn access(&self) -> &AccessPolicy {
        &self.doc.access
    }

    pub fn risk(&self) -> &RiskModel {
        &self.doc.risk
    }

    pub fn jurisdictions(&self) -> &Jurisdictions {
        &self.doc.jurisdictions
    }

    pub fn records(&self) -> &Records {
        &self.doc.records
    }

    pub fn reporting(&self) -> &Reporting {
        &self.doc.reporting
    }

    pub fn certification(&self) -> &Certification {
        &self.doc.certification
    }

    pub fn resellers(&self) -> &Resellers {
        &self.doc.resellers
    }

    pub fn special_measures(&self) -> &SpecialMeasures {
        &self.doc.special_measures
    }

    pub fn compute(&self) -> &Compute {
        &self.doc.compute
    }

    pub fn screening(&self) -> &Screening {
        &self.doc.screening
    }
}

impl Serialize for RulePack {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.doc.serialize(serializer)
    }
}

/// Reading a pack from any serde format (a stored JSON copy, say) validates it like TOML does.
impl<'de> Deserialize<'de> for RulePack {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let doc = Document::deserialize(deserializer)?;
        let problems = doc.problems();
        if problems.is_empty() {
            return Ok(Self { doc });
        }
        let problems = problems
            .into_iter()
            .map(|(path, message)| Problem {
                path,
                message,
                location: None,
            })
            .collect();
        Err(serde::de::Error::custom(RulePackError::Invalid(problems)))
    }
}

/// A deserialisation error with the path of the entry it concerns.
fn shape_error(text: &str, error: &toml::de::Error) -> RulePackError {
    let map = SourceMap::new(text);
    let message = one_line(error.message());
    let span = error.span();
    let mut path = span
        .as_ref()
        .and_then(|span| map.path_at(span))
        .unwrap_or_default()
        .to_owned();
    // For an unknown field the span covers its key, for a missing field the enclosing table:
    // either way the entry itself is named only in the message. The exception is an unknown
    // table written as a header (`[extras]`): its key sits inside its own span.
    if let Some(field) = named_field(&message) {
        let in_own_header = span
            .as_ref()
            .zip(map.span_of(&path))
            .is_some_and(|(error, entry)| {
                let before_key = text.get(entry.start..error.start).unwrap_or_default();
                before_key.starts_with('[') && !before_key.contains('\n')
            });
        if !(in_own_header && path.rsplit('.').next() == Some(join_path("", field).as_str())) {
            path = join_path(&path, field);
        }
    }
    let location = span.map(|span| map.location(text, span.start));
    RulePackError::Shape(Problem {
        path,
        message,
        location,
    })
}

fn named_field(message: &str) -> Option<&str> {
    ["unknown field `", "missing field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next())
}

fn one_line(message: &str) -> String {
    message
        .trim()
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

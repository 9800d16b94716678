//! The package asking for an exemption under an Abuse of IaaS Products Deterrence Program
//! (rule-pack section 5): the program and its five criteria, each backed by figures and
//! evidence from the product's own records.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::document::Document;
use crate::error::ReportError;
use crate::kind::ReportKind;
use crate::meta::{ContactPerson, EvidenceRef, ReportMeta, SignOff};
use crate::models::ai_training::{evidence_line, sign_off};
use crate::report::{Report, check_meta};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdpPackage {
    #[serde(flatten)]
    pub meta: ReportMeta,
    /// What the exemption would cover: the provider, a reseller, or a class of accounts.
    pub scope: String,
    pub program_description: String,
    /// One entry per criterion, each of the five exactly once.
    pub criteria: Vec<AdpCriterionEvidence>,
    pub contact: ContactPerson,
    pub sign_off: SignOff,
}

/// The five criteria of an ADP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdpCriterion {
    /// A program of fitting size and complexity.
    SizeAndComplexity,
    /// Strong ability to deter, detect and respond to red flags.
    RedFlagResponse,
    /// Effective oversight of reseller arrangements.
    ResellerOversight,
    /// Cooperation with law enforcement.
    LawEnforcementCooperation,
    /// Part in public-private, privacy-preserving data-sharing efforts.
    DataSharing,
}

impl AdpCriterion {
    pub const ALL: [AdpCriterion; 5] = [
        Self::SizeAndComplexity,
        Self::RedFlagResponse,
        Self::ResellerOversight,
        Self::LawEnforcementCooperation,
        Self::DataSharing,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::SizeAndComplexity => "A program of fitting size and complexity",
            Self::RedFlagResponse => "Ability to deter, detect and respond to red flags",
            Self::ResellerOversight => "Oversight of reseller arrangements",
            Self::LawEnforcementCooperation => "Cooperation with law enforcement",
            Self::DataSharing => "Participation in privacy-preserving data sharing",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdpCriterionEvidence {
    pub criterion: AdpCriterion,
    pub narrative: String,
    /// Figures from the records (`cases closed in the period`, `median days to decision`, ...).
    pub figures: Vec<Figure>,
    pub evidence: Vec<EvidenceRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    pub label: String,
    pub value: String,
}

impl Report for AdpPackage {
    const NAME: &'static str = "ADP exemption package";

    fn meta(&self) -> &ReportMeta {
        &self.meta
    }

    fn check(&self) -> Result<(), ReportError> {
        check_meta(self, &[ReportKind::Adp])?;
        for criterion in AdpCriterion::ALL {
            let count = self
                .criteria
                .iter()
                .filter(|c| c.criterion == criterion)
                .count();
            if count != 1 {
                return Err(ReportError::invalid(
                    Self::NAME,
                    format!(
                        "criterion `{}` must appear exactly once, found {count}",
                        serde_json::to_value(criterion)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default()
                    ),
                ));
            }
        }
        Ok(())
    }

    fn document(&self) -> Document {
        let mut doc = Document::new("Abuse of IaaS Products Deterrence Program: exemption package");
        doc.subtitle(format!("Provider: {}", self.meta.provider))
            .subtitle(format!("Scope: {}", self.scope))
            .subtitle(format!(
                "Rule pack {}@{}",
                self.meta.policy.id, self.meta.policy.version
            ));
        doc.heading("The program")
            .paragraph(self.program_description.clone());
        // Printed in the rule's order whatever the order of the JSON.
        for (number, criterion) in AdpCriterion::ALL.iter().enumerate() {
            doc.heading(format!("Criterion {}: {}", number + 1, criterion.title()));
            for entry in self.criteria.iter().filter(|c| c.criterion == *criterion) {
                doc.paragraph(entry.narrative.clone());
                doc.table(
                    &["Figure", "Value"],
                    &[3.0, 2.0],
                    entry
                        .figures
                        .iter()
                        .map(|f| vec![f.label.clone(), f.value.clone()])
                        .collect(),
                    "No figures.",
                );
                doc.bullets(
                    entry.evidence.iter().map(evidence_line).collect(),
                    "No evidence attached.",
                );
            }
        }
        doc.heading("Contact person");
        let c = &self.contact;
        doc.key_values([
            ("Name", c.name.clone()),
            ("Title", c.title.clone()),
            ("Email", c.email.clone()),
            ("Phone", c.phone.clone()),
        ]);
        doc.heading("Officer sign-off");
        sign_off(&mut doc, &self.sign_off);
        doc
    }
}

//! The certification to Commerce: initial, annual or out of cycle (rule-pack section 4).

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::document::{Document, or_dash, yes_no};
use crate::error::ReportError;
use crate::kind::ReportKind;
use crate::meta::{ContactPerson, CountryCount, ReportMeta, SignOff};
use crate::models::ai_training::sign_off;
use crate::models::out_of_cycle::OutOfCycleTrigger;
use crate::report::{Report, check_meta};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CipCertification {
    #[serde(flatten)]
    pub meta: ReportMeta,
    pub certification: CertificationType,
    /// The period the figures cover (from the previous certification, or the program's start).
    pub period_start: Option<NaiveDate>,
    pub period_end: NaiveDate,
    /// Why an out-of-cycle update is filed (a significant change, a new CIP contact); set
    /// exactly when `certification` is `out_of_cycle`.
    pub out_of_cycle_reason: Option<String>,
    /// The kind of change that triggered an out-of-cycle update; set exactly when
    /// `certification` is `out_of_cycle`.
    pub out_of_cycle_trigger: Option<OutOfCycleTrigger>,
    pub program: ProgramSummary,
    pub contact: ContactPerson,
    pub figures: CertificationFigures,
    /// The statements the certification makes; each must be affirmed before it can be filed.
    pub attestations: Vec<AttestationItem>,
    pub sign_off: SignOff,
    /// Case files sampled as evidence that the program is applied, not just written.
    pub sampled_cases: Vec<CaseFileSample>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertificationType {
    Initial,
    Annual,
    OutOfCycle,
}

impl CertificationType {
    pub fn kind(self) -> ReportKind {
        match self {
            Self::Initial => ReportKind::CertificationInitial,
            Self::Annual => ReportKind::CertificationAnnual,
            Self::OutOfCycle => ReportKind::CertificationOutOfCycle,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Initial => "Initial certification of the Customer Identification Program",
            Self::Annual => "Annual certification of the Customer Identification Program",
            Self::OutOfCycle => {
                "Out-of-cycle update of the Customer Identification Program certification"
            }
        }
    }
}

/// The program descriptions the initial certification asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgramSummary {
    pub identity_verification: String,
    pub malicious_activity_detection: String,
    pub reseller_oversight: String,
}

/// The figures computed from the records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationFigures {
    pub customers_total: u64,
    pub customers_by_country: Vec<CountryCount>,
    pub foreign_beneficial_owners_by_country: Vec<CountryCount>,
    pub foreign_resellers: Vec<ResellerEntry>,
    pub foreign_accounts_not_verified: u64,
    pub failed_verifications: Vec<FailedVerificationEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResellerEntry {
    pub name: String,
    pub country: String,
    /// `adopts_provider_cip` or `own_cip`.
    pub cip_agreement: String,
    /// `active`, `under_review`, `terminated`.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailedVerificationEntry {
    /// The customer's id (not their name: the certification carries no personal data).
    pub customer: String,
    pub failed_on: NaiveDate,
    pub resolution: String,
    pub resolved_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttestationItem {
    pub id: String,
    pub statement: String,
    pub affirmed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseFileSample {
    pub case_id: String,
    pub kind: String,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub outcome: Option<String>,
    pub decided_by: Option<String>,
    pub approved_by: Option<String>,
    pub timeline_entries: u32,
    pub summary: String,
}

impl CipCertification {
    /// The statements of rule-pack section 4 for a certification of `kind`, not yet affirmed.
    /// An out-of-cycle update makes its own two statements and then those of the annual
    /// certification, whose figures it also carries.
    pub fn standard_attestations(kind: CertificationType) -> Vec<AttestationItem> {
        let mut items = Self::own_attestations(kind);
        if kind == CertificationType::OutOfCycle {
            items.extend(Self::own_attestations(CertificationType::Annual));
        }
        items
    }

    fn own_attestations(kind: CertificationType) -> Vec<AttestationItem> {
        let statements: &[(&str, &str)] = match kind {
            CertificationType::Initial => &[
                (
                    "written_cip",
                    "The provider maintains a written, risk-based Customer Identification Program that meets the requirements.",
                ),
                (
                    "identity_verification",
                    "The program verifies the identity of foreign customers and their beneficial owners as described.",
                ),
                (
                    "malicious_activity",
                    "The resources described are used to detect malicious cyber activity.",
                ),
                (
                    "reseller_compliance",
                    "Each foreign reseller maintains and carries out a compliant program, or has adopted the provider's by written agreement.",
                ),
                (
                    "figures_accurate",
                    "The figures in this certification are computed from the provider's records and are accurate.",
                ),
            ],
            CertificationType::Annual => &[
                (
                    "reviewed",
                    "Since the last certification the provider has reviewed its Customer Identification Program.",
                ),
                (
                    "updated_offerings",
                    "The program has been updated for changes in the provider's offerings.",
                ),
                (
                    "updated_threats",
                    "The program has been updated for changes in the threat landscape.",
                ),
                (
                    "compliant",
                    "The program has been kept compliant with the requirements.",
                ),
                (
                    "failed_resolutions",
                    "The resolution of each failed verification has been recorded.",
                ),
            ],
            CertificationType::OutOfCycle => &[
                (
                    "change_described",
                    "The significant change in operations, corporate structure or the program is described in full.",
                ),
                (
                    "program_updated",
                    "The program has been updated for the change and remains compliant.",
                ),
            ],
        };
        statements
            .iter()
            .map(|(id, statement)| AttestationItem {
                id: (*id).to_owned(),
                statement: (*statement).to_owned(),
                affirmed: false,
            })
            .collect()
    }
}

impl Report for CipCertification {
    const NAME: &'static str = "CIP certification";

    fn meta(&self) -> &ReportMeta {
        &self.meta
    }

    fn check(&self) -> Result<(), ReportError> {
        check_meta(self, &[self.certification.kind()])?;
        if let Some(open) = self.attestations.iter().find(|a| !a.affirmed) {
            return Err(ReportError::invalid(
                Self::NAME,
                format!("attestation `{}` is not affirmed", open.id),
            ));
        }
        if self.certification == CertificationType::OutOfCycle {
            if self
                .out_of_cycle_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
            {
                return Err(ReportError::invalid(
                    Self::NAME,
                    "an out-of-cycle update must say what changed (out_of_cycle_reason)",
                ));
            }
            if self.out_of_cycle_trigger.is_none() {
                return Err(ReportError::invalid(
                    Self::NAME,
                    "an out-of-cycle update must name its trigger (out_of_cycle_trigger)",
                ));
            }
        } else if self.out_of_cycle_reason.is_some() || self.out_of_cycle_trigger.is_some() {
            return Err(ReportError::invalid(
                Self::NAME,
                "only an out-of-cycle update carries a reason and a trigger",
            ));
        }
        let by_country: u64 = self
            .figures
            .customers_by_country
            .iter()
            .map(|c| c.count)
            .sum();
        if by_country != self.figures.customers_total {
            return Err(ReportError::invalid(
                Self::NAME,
                format!(
                    "customers by country add up to {by_country}, not customers_total {}",
                    self.figures.customers_total
                ),
            ));
        }
        Ok(())
    }

    fn document(&self) -> Document {
        let mut doc = Document::new(self.certification.title());
        doc.subtitle(format!("Provider: {}", self.meta.provider))
            .subtitle(format!(
                "Period: {} to {}",
                or_dash(self.period_start),
                self.period_end
            ))
            .subtitle(format!(
                "Rule pack {}@{}",
                self.meta.policy.id, self.meta.policy.version
            ));
        if let Some(trigger) = self.out_of_cycle_trigger {
            doc.heading("Reason for this update").key_values([(
                "Trigger",
                format!("{} ({})", trigger.describe(), trigger.as_str()),
            )]);
        }
        if let Some(reason) = &self.out_of_cycle_reason {
            doc.paragraph(reason.clone());
        }

        doc.heading("1. The program");
        doc.subheading("How identities are verified")
            .paragraph(self.program.identity_verification.clone());
        doc.subheading("Resources used to detect malicious cyber activity")
            .paragraph(self.program.malicious_activity_detection.clone());
        doc.subheading("How foreign resellers are kept compliant")
            .paragraph(self.program.reseller_oversight.clone());

        doc.heading("2. Contact person responsible for the program");
        let c = &self.contact;
        doc.key_values([
            ("Name", c.name.clone()),
            ("Title", c.title.clone()),
            ("Email", c.email.clone()),
            ("Phone", c.phone.clone()),
        ]);

        let f = &self.figures;
        doc.heading("3. Figures");
        doc.key_values([
            ("Customers", f.customers_total.to_string()),
            (
                "Foreign customer accounts not verified",
                f.foreign_accounts_not_verified.to_string(),
            ),
            ("Foreign resellers", f.foreign_resellers.len().to_string()),
            (
                "Failed verifications",
                f.failed_verifications.len().to_string(),
            ),
        ]);
        doc.subheading("Customers by country");
        doc.table(
            &["Country", "Customers"],
            &[1.0, 1.0],
            counts(&f.customers_by_country),
            "No customers.",
        );
        doc.subheading("Foreign beneficial owners by country");
        doc.table(
            &["Country", "Beneficial owners"],
            &[1.0, 1.0],
            counts(&f.foreign_beneficial_owners_by_country),
            "No foreign beneficial owners.",
        );
        doc.subheading("Foreign resellers");
        let rows = f
            .foreign_resellers
            .iter()
            .map(|r| {
                vec![
                    r.name.clone(),
                    r.country.clone(),
                    r.cip_agreement.clone(),
                    r.status.clone(),
                ]
            })
            .collect();
        doc.table(
            &["Reseller", "Country", "CIP agreement", "Status"],
            &[3.0, 1.0, 2.0, 1.5],
            rows,
            "No foreign resellers.",
        );
        doc.subheading("Failed verifications and their resolution");
        let rows = f
            .failed_verifications
            .iter()
            .map(|v| {
                vec![
                    v.customer.clone(),
                    v.failed_on.to_string(),
                    v.resolution.clone(),
                    or_dash(v.resolved_on),
                ]
            })
            .collect();
        doc.table(
            &["Customer", "Failed on", "Resolution", "Resolved on"],
            &[2.5, 1.3, 3.5, 1.3],
            rows,
            "No failed verifications in the period.",
        );

        doc.heading("4. Attestations");
        doc.bullets(
            self.attestations
                .iter()
                .map(|a| {
                    format!(
                        "[{}] {}",
                        if a.affirmed {
                            "affirmed"
                        } else {
                            "NOT affirmed"
                        },
                        a.statement
                    )
                })
                .collect(),
            "No attestations.",
        );

        doc.heading("5. Sampled case files");
        doc.paragraph(format!(
            "{} case files drawn from the period as evidence that the program is applied.",
            self.sampled_cases.len()
        ));
        let rows = self
            .sampled_cases
            .iter()
            .map(|s| {
                vec![
                    s.case_id.clone(),
                    s.kind.clone(),
                    format!("{} - {}", s.opened_on, or_dash(s.closed_on)),
                    or_dash(s.outcome.as_ref()),
                    format!(
                        "{} / {}",
                        or_dash(s.decided_by.as_ref()),
                        or_dash(s.approved_by.as_ref())
                    ),
                    s.timeline_entries.to_string(),
                    s.summary.clone(),
                ]
            })
            .collect();
        doc.table(
            &[
                "Case",
                "Kind",
                "Opened - closed",
                "Outcome",
                "Decided / approved",
                "Entries",
                "Summary",
            ],
            &[2.6, 1.6, 2.0, 1.3, 1.8, 0.9, 2.6],
            rows,
            "No case files in the period.",
        );
        doc.subheading(format!(
            "Four-eyes approvals in the sample: {}",
            self.sampled_cases
                .iter()
                .filter(|s| s.approved_by.is_some())
                .count()
        ));

        doc.heading("6. Officer sign-off");
        sign_off(&mut doc, &self.sign_off);
        doc.paragraph(format!(
            "All attestations affirmed: {}",
            yes_no(self.attestations.iter().all(|a| a.affirmed))
        ));
        doc
    }
}

fn counts(list: &[CountryCount]) -> Vec<Vec<String>> {
    list.iter()
        .map(|c| vec![c.country.clone(), c.count.to_string()])
        .collect()
}

//! The ADP exemption package (rule-pack section 5): the program and its five criteria, each
//! backed by figures from the product's own records (SQL aggregates of plaintext columns, the
//! reports kept and disclosed, the restricted-party lists in force, the tenants).

use std::collections::BTreeMap;

use cloudkyc_domain::TenantKind;
use cloudkyc_domain::cip::PersonStatus;
use cloudkyc_domain::rule_pack::RiskTier;
use cloudkyc_reports::{
    AdpCriterion, AdpCriterionEvidence, AdpPackage, EvidenceRef, Figure, ReportKind, ReportMeta,
};
use cloudkyc_store::report_figures::CustomerStatusCount;

use super::certification::foreign_resellers;
use super::program::{sections_text, written_cip};
use super::{Built, Context, just_after};
use crate::customers::{AccountAccess, CipStatus};
use crate::{App, AppResult};

fn figure(label: &str, value: impl ToString) -> Figure {
    Figure {
        label: label.to_owned(),
        value: value.to_string(),
    }
}

fn sum(counts: &[CustomerStatusCount], pick: impl Fn(&CustomerStatusCount) -> bool) -> u64 {
    counts.iter().filter(|c| pick(c)).map(|c| c.count).sum()
}

fn criterion(
    criterion: AdpCriterion,
    narrative: String,
    figures: Vec<Figure>,
    evidence: Vec<EvidenceRef>,
) -> AdpCriterionEvidence {
    AdpCriterionEvidence {
        criterion,
        narrative,
        figures,
        evidence,
    }
}

fn audit_ref(description: &str, reference: &str) -> EvidenceRef {
    EvidenceRef {
        description: description.to_owned(),
        reference: reference.to_owned(),
        sha256: None,
    }
}

impl App {
    pub(crate) async fn build_adp(&self, ctx: &Context<'_>) -> AppResult<Built> {
        let scope = ctx.scope;
        let store = self.store();
        let until = just_after(ctx.now);
        let statuses = store.customer_status_counts(scope, until).await?;
        let records = store
            .verification_record_counts(scope, chrono::DateTime::UNIX_EPOCH, until)
            .await?;
        let reports: BTreeMap<String, u64> =
            store.report_counts(scope).await?.into_iter().collect();
        let disclosures = store.report_disclosure_count(scope).await?;
        let lists = store.list_statuses(scope).await?;
        let tenants = store.tenants(scope).await?;
        let resellers = tenants
            .iter()
            .filter(|t| t.kind == TenantKind::Reseller)
            .count();
        let foreign_resellers = foreign_resellers(self, scope).await?;
        let foreign = |c: &CustomerStatusCount| c.person_status == PersonStatus::Foreign;
        let total = sum(&statuses, |_| true);
        let records_of = |kind: &str| -> u64 {
            records
                .iter()
                .filter(|r| r.kind == kind)
                .map(|r| r.count)
                .sum()
        };
        let policy = self.policy().policy_ref();
        let cip = written_cip(self.policy(), ctx);
        let kept = |kind: ReportKind| reports.get(kind.as_str()).copied().unwrap_or(0);

        let criteria = vec![
            criterion(
                AdpCriterion::SizeAndComplexity,
                format!(
                    "The program is run by cloudkyc under rule pack {policy} for {} customers \
                     across {} tenants; every decision cites the pack it was made under.",
                    total,
                    tenants.len()
                ),
                vec![
                    figure("Customers", total),
                    figure("Foreign customers", sum(&statuses, foreign)),
                    figure(
                        "High-risk customers",
                        sum(&statuses, |c| c.risk_tier == RiskTier::High),
                    ),
                    figure("Tenants (provider and resellers)", tenants.len()),
                ],
                vec![audit_ref(
                    "The written CIP in force",
                    "report kind written-cip",
                )],
            ),
            criterion(
                AdpCriterion::RedFlagResponse,
                format!(
                    "Red flags raise decisions the records keep: failed and pending \
                     verifications restrict access, officers' overrides need a second officer \
                     when the pack says so. {}",
                    sections_text(&cip, &["failed", "ai_training"])
                ),
                vec![
                    figure(
                        "Verifications failed (current)",
                        sum(&statuses, |c| c.cip_status == CipStatus::Failed),
                    ),
                    figure(
                        "Verifications pending (current)",
                        sum(&statuses, |c| c.cip_status == CipStatus::Pending),
                    ),
                    figure(
                        "Accounts closed",
                        sum(&statuses, |c| c.account_access == AccountAccess::Closed),
                    ),
                    figure(
                        "Accounts restricted",
                        sum(&statuses, |c| c.account_access == AccountAccess::Restricted),
                    ),
                    figure("Vendor verdicts recorded", records_of("vendor")),
                    figure("Officer overrides recorded", records_of("override")),
                    figure("Re-decisions recorded", records_of("decision")),
                    figure(
                        "AI-training reports generated",
                        kept(ReportKind::AiTraining),
                    ),
                ],
                vec![audit_ref(
                    "The audit chain of every decision",
                    "GET /v1/audit",
                )],
            ),
            criterion(
                AdpCriterion::ResellerOversight,
                sections_text(&cip, &["resellers"]),
                vec![
                    figure("Reseller tenants", resellers),
                    figure("Foreign resellers in the registry", foreign_resellers.len()),
                ],
                vec![],
            ),
            criterion(
                AdpCriterion::LawEnforcementCooperation,
                "Records are produced to Commerce on request as one archive with a manifest of \
                 SHA-256 digests; every production and every disclosure of a report is logged \
                 in the audit chain."
                    .to_owned(),
                vec![
                    figure("Productions of records", kept(ReportKind::Production)),
                    figure("Report disclosures logged", disclosures),
                    figure(
                        "Certifications generated",
                        kept(ReportKind::CertificationInitial)
                            + kept(ReportKind::CertificationAnnual),
                    ),
                ],
                vec![audit_ref("Generated reports", "GET /v1/reports")],
            ),
            criterion(
                AdpCriterion::DataSharing,
                "Customers are screened against the public restricted-party lists the product \
                 keeps current; the lists are shared data, and the product shares back no \
                 personal data beyond what the rule requires."
                    .to_owned(),
                vec![
                    figure("Restricted-party lists kept", lists.len()),
                    figure(
                        "Lists with a snapshot in force",
                        lists.iter().filter(|l| l.active.is_some()).count(),
                    ),
                ],
                vec![audit_ref("List status", "GET /v1/lists")],
            ),
        ];
        let report = AdpPackage {
            meta: ReportMeta::new(
                ReportKind::Adp,
                ctx.provider.clone(),
                self.policy(),
                ctx.now,
            ),
            scope: format!("{} and its reseller tenants", ctx.provider),
            program_description: sections_text(&cip, &["scope", "identification", "verification"]),
            criteria,
            contact: ctx.contact.clone(),
            sign_off: ctx.sign_off(format!(
                "I attest on behalf of {} that the figures above were computed from the \
                 provider's records.",
                ctx.provider
            )),
        };
        Ok(Built {
            report: report.into(),
            personal: false,
            archive: None,
        })
    }
}

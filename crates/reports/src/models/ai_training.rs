//! The report of a transaction with a foreign person that results or could result in training a
//! large AI model (rule-pack section 7).

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::document::{Document, or_dash, sci, yes_no};
use crate::error::ReportError;
use crate::kind::ReportKind;
use crate::meta::{EvidenceRef, ReportMeta, SignOff};
use crate::report::{Report, check_meta};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AiTrainingReport {
    #[serde(flatten)]
    pub meta: ReportMeta,
    /// The case the report was decided in.
    pub case_id: String,
    /// The foreign person the transaction is with: their CIP identity data.
    pub foreign_person: PartyIdentity,
    /// Beneficial owners of an entity customer, with their own identity data.
    pub beneficial_owners: Vec<PartyIdentity>,
    pub transaction: Transaction,
    pub compute: ComputeEstimate,
    pub hardware: Vec<HardwareEvidence>,
    pub cluster: ClusterEvidence,
    pub red_flags: Vec<RedFlagEntry>,
    pub evidence: Vec<EvidenceRef>,
    pub attestation: SignOff,
    /// Earlier filings of this report, oldest first; empty for an original filing.
    pub amendments: Vec<Amendment>,
}

/// The identifying information the CIP collects (rule-pack section 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyIdentity {
    pub party: PartyKind,
    pub name: String,
    pub other_names: Vec<String>,
    /// Nationalities of an individual, or the country of organisation of an entity.
    pub countries: Vec<String>,
    pub addresses: Vec<String>,
    pub payments: Vec<PaymentRecord>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    /// The addresses that accessed or administered the account, summarised per address.
    pub ip_addresses: Vec<IpAccessSummary>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    Individual,
    Entity,
}

/// Means and source of payment of one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentRecord {
    pub account: String,
    /// The instrument, masked (`card visa ****4242 (NG)`).
    pub means: String,
    /// Who pays: `customer` or the third party's name.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IpAccessSummary {
    pub ip: String,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub accesses: u64,
    pub country: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transaction {
    pub description: String,
    pub accounts: Vec<String>,
    /// The reseller the customer came through, if any.
    pub reseller: Option<String>,
    pub status: TransactionStatus,
    pub agreed_on: Option<NaiveDate>,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    /// When the provider gained knowledge that the transaction could result in training.
    pub knowledge_date: NaiveDate,
    /// The pack's filing deadline counted from the knowledge date.
    pub due_date: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransactionStatus {
    Planned,
    Ongoing,
    Completed,
}

/// The compute estimate of the training run, in total operations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComputeEstimate {
    pub p05_ops: f64,
    pub p50_ops: f64,
    pub p95_ops: f64,
    /// The most the hardware could have done (peak rate times duration, utilisation 1).
    pub ceiling_ops: f64,
    /// The pack's training threshold the estimate is compared with.
    pub threshold_ops: f64,
    /// How the estimate was made (estimator name and version, priors).
    pub method: String,
    pub assumptions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HardwareEvidence {
    pub accelerator: String,
    pub count: u64,
    /// Dense peak of one accelerator at the assumed precision, operations per second.
    pub peak_ops_per_s: f64,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub cluster: String,
    pub datacenter: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterEvidence {
    pub cluster: String,
    pub datacenter: String,
    pub co_located: bool,
    pub networking_gbit_per_s: f64,
    pub peak_ops_per_s: f64,
    /// Whether the pack's cluster condition is met.
    pub meets_cluster_condition: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RedFlagEntry {
    /// The flag's id in the pack (`T1`, `R1`, `K1`, ...).
    pub id: String,
    pub severity: String,
    pub description: String,
    pub evidence: String,
}

/// A previous filing this report amends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    pub number: u32,
    pub filed_at: DateTime<Utc>,
    /// SHA-256 of the JSON filed then.
    pub previous_sha256: String,
    pub reason: String,
}

impl Report for AiTrainingReport {
    const NAME: &'static str = "AI-training report";

    fn meta(&self) -> &ReportMeta {
        &self.meta
    }

    fn check(&self) -> Result<(), ReportError> {
        check_meta(self, &[ReportKind::AiTraining])?;
        let c = &self.compute;
        let bounds = [
            c.p05_ops,
            c.p50_ops,
            c.p95_ops,
            c.ceiling_ops,
            c.threshold_ops,
        ];
        if bounds.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return Err(ReportError::invalid(
                Self::NAME,
                "compute figures must be finite and not negative",
            ));
        }
        if !(c.p05_ops <= c.p50_ops && c.p50_ops <= c.p95_ops && c.p95_ops <= c.ceiling_ops) {
            return Err(ReportError::invalid(
                Self::NAME,
                "compute bounds must satisfy p05 <= p50 <= p95 <= ceiling",
            ));
        }
        let numbers = self.hardware.iter().map(|h| h.peak_ops_per_s).chain([
            self.cluster.networking_gbit_per_s,
            self.cluster.peak_ops_per_s,
        ]);
        if numbers.into_iter().any(|v| !v.is_finite()) {
            return Err(ReportError::invalid(
                Self::NAME,
                "hardware and cluster figures must be finite",
            ));
        }
        for (index, amendment) in self.amendments.iter().enumerate() {
            if usize::try_from(amendment.number).ok() != Some(index + 1) {
                return Err(ReportError::invalid(
                    Self::NAME,
                    "amendments must be numbered 1, 2, 3, ... oldest first",
                ));
            }
        }
        Ok(())
    }

    fn document(&self) -> Document {
        let mut doc =
            Document::new("Report of a transaction that could result in training a large AI model");
        doc.subtitle(format!("Reporting provider: {}", self.meta.provider))
            .subtitle(format!(
                "Case {} - generated {}",
                self.case_id,
                self.meta.generated_at.format("%Y-%m-%d %H:%M UTC")
            ))
            .subtitle(format!(
                "Rule pack {}@{}",
                self.meta.policy.id, self.meta.policy.version
            ));
        if let Some(last) = self.amendments.last() {
            doc.subtitle(format!(
                "Amendment {} of the report filed {}",
                last.number,
                last.filed_at.format("%Y-%m-%d")
            ));
        }

        doc.heading("1. Foreign person");
        party(&mut doc, &self.foreign_person);
        if !self.beneficial_owners.is_empty() {
            doc.heading("2. Beneficial owners");
            for owner in &self.beneficial_owners {
                doc.subheading(owner.name.clone());
                party(&mut doc, owner);
            }
        }

        let t = &self.transaction;
        doc.heading("3. Transaction");
        doc.paragraph(t.description.clone());
        doc.key_values([
            ("Status", format!("{:?}", t.status).to_lowercase()),
            ("Accounts", t.accounts.join(", ")),
            ("Through reseller", or_dash(t.reseller.as_ref())),
            ("Agreed on", or_dash(t.agreed_on)),
            ("Start", t.start.to_string()),
            ("End", or_dash(t.end)),
            ("Knowledge date", t.knowledge_date.to_string()),
            ("Report due", t.due_date.to_string()),
        ]);

        let c = &self.compute;
        doc.heading("4. Compute estimate");
        doc.key_values([
            ("p05 (operations)", sci(c.p05_ops)),
            ("p50 (operations)", sci(c.p50_ops)),
            ("p95 (operations)", sci(c.p95_ops)),
            ("Hardware ceiling", sci(c.ceiling_ops)),
            ("Threshold", sci(c.threshold_ops)),
            ("Method", c.method.clone()),
        ]);
        doc.bullets(c.assumptions.clone(), "No further assumptions.");

        doc.heading("5. Hardware and cluster");
        let rows = self
            .hardware
            .iter()
            .map(|h| {
                vec![
                    h.accelerator.clone(),
                    h.count.to_string(),
                    sci(h.peak_ops_per_s),
                    format!(
                        "{} - {}",
                        h.start.format("%Y-%m-%d"),
                        h.end.format("%Y-%m-%d")
                    ),
                    format!("{} / {}", h.datacenter, h.cluster),
                ]
            })
            .collect();
        doc.table(
            &[
                "Accelerator",
                "Count",
                "Peak op/s each",
                "Period",
                "Datacenter / cluster",
            ],
            &[2.0, 1.0, 1.6, 2.4, 2.4],
            rows,
            "No hardware usage recorded.",
        );
        let k = &self.cluster;
        doc.key_values([
            ("Cluster", format!("{} in {}", k.cluster, k.datacenter)),
            ("Co-located", yes_no(k.co_located).to_owned()),
            ("Networking", format!("{} Gbit/s", k.networking_gbit_per_s)),
            ("Cluster peak", format!("{} op/s", sci(k.peak_ops_per_s))),
            (
                "Meets the cluster condition",
                yes_no(k.meets_cluster_condition).to_owned(),
            ),
        ]);

        doc.heading("6. Red flags");
        let rows = self
            .red_flags
            .iter()
            .map(|f| {
                vec![
                    f.id.clone(),
                    f.severity.clone(),
                    f.description.clone(),
                    f.evidence.clone(),
                ]
            })
            .collect();
        doc.table(
            &["Flag", "Severity", "Description", "Evidence"],
            &[0.8, 1.0, 3.0, 3.0],
            rows,
            "No red flags.",
        );
        if !self.evidence.is_empty() {
            doc.subheading("Evidence");
            doc.bullets(self.evidence.iter().map(evidence_line).collect(), "");
        }

        doc.heading("7. Attestation");
        sign_off(&mut doc, &self.attestation);

        if !self.amendments.is_empty() {
            doc.heading("8. Amendment history");
            let rows = self
                .amendments
                .iter()
                .map(|a| {
                    vec![
                        a.number.to_string(),
                        a.filed_at.format("%Y-%m-%d %H:%M").to_string(),
                        a.reason.clone(),
                        a.previous_sha256.clone(),
                    ]
                })
                .collect();
            doc.table(
                &["No.", "Filed", "Reason", "SHA-256 of the earlier filing"],
                &[0.6, 1.6, 3.0, 4.0],
                rows,
                "",
            );
        }
        doc
    }
}

fn party(doc: &mut Document, p: &PartyIdentity) {
    doc.key_values([
        ("Name", p.name.clone()),
        ("Kind", format!("{:?}", p.party).to_lowercase()),
        ("Other names", joined(&p.other_names, "; ")),
        ("Countries", joined(&p.countries, ", ")),
        ("Addresses", joined(&p.addresses, "\n")),
        ("Emails", joined(&p.emails, ", ")),
        ("Phones", joined(&p.phones, ", ")),
    ]);
    let rows = p
        .payments
        .iter()
        .map(|pay| vec![pay.account.clone(), pay.means.clone(), pay.source.clone()])
        .collect();
    doc.table(
        &["Account", "Means of payment", "Source of payment"],
        &[1.5, 3.0, 2.0],
        rows,
        "No payment information (not an account holder).",
    );
    let rows = p
        .ip_addresses
        .iter()
        .map(|ip| {
            vec![
                ip.ip.clone(),
                or_dash(ip.country.as_ref()),
                ip.first_seen.format("%Y-%m-%d %H:%M").to_string(),
                ip.last_seen.format("%Y-%m-%d %H:%M").to_string(),
                ip.accesses.to_string(),
            ]
        })
        .collect();
    doc.table(
        &[
            "IP address",
            "Country",
            "First access (UTC)",
            "Last access (UTC)",
            "Accesses",
        ],
        &[2.6, 1.0, 2.0, 2.0, 1.0],
        rows,
        "No access log (not an account holder).",
    );
}

/// The items joined, or a dash when there are none (an empty cell reads like a lost value).
fn joined(items: &[String], separator: &str) -> String {
    or_dash((!items.is_empty()).then(|| items.join(separator)))
}

pub(crate) fn sign_off(doc: &mut Document, s: &SignOff) {
    doc.paragraph(s.statement.clone());
    doc.key_values([
        ("Officer", s.officer_name.clone()),
        ("Title", s.officer_title.clone()),
        (
            "Signed",
            s.signed_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        ),
    ]);
}

pub(crate) fn evidence_line(e: &EvidenceRef) -> String {
    match &e.sha256 {
        Some(digest) => format!("{} ({}; SHA-256 {digest})", e.description, e.reference),
        None => format!("{} ({})", e.description, e.reference),
    }
}

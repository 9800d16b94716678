//! The AI-training report (rule-pack section 7) of a case: the foreign person's CIP identity
//! data, the training run the compute engine found in its usage (episodes, estimate with bounds
//! and method, hardware and cluster evidence, red flags), the officer's attestation, and the
//! earlier filings for the same case as amendments.
//!
//! The case gives the report its id and knowledge date and, when it is about a customer, its
//! subject. Seam: a report may also be made from one customer id without a case (`case_id` is
//! then `customer:<id>` and the knowledge date is the compute engine's); that path exists for
//! providers who track the decision elsewhere and goes away once every report case is opened by
//! the compute monitor.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate};
use cloudkyc_domain::cases::{CaseId, Holidays, Subject, ai_training_report_due};
use cloudkyc_reports::{
    AiTrainingReport, Amendment, IpAccessSummary, RedFlagEntry, ReportKind, ReportMeta,
    Transaction, TransactionStatus,
};
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::CustomerId;

use super::ai_compute::{ComputeParts, compute_parts};
use super::ai_identity::{customer_identity, owner_identity};
use super::{Built, Context, MAX_REPORTS_LISTED};
use crate::customers::CustomerRecord;
use crate::{App, AppError, AppResult};

fn date(ts: i64) -> AppResult<NaiveDate> {
    DateTime::from_timestamp(ts, 0)
        .map(|t| t.date_naive())
        .ok_or_else(|| AppError::Internal(format!("timestamp {ts} is out of range")))
}

/// The case id a kept AI-training report was filed for (the seam's `customer:<id>` without one).
fn filed_case(parameters: &serde_json::Value) -> String {
    match parameters.get("case").and_then(|c| c.as_str()) {
        Some(case) => case.trim().to_owned(),
        None => parameters
            .get("customers")
            .and_then(|c| c.get(0))
            .and_then(|c| c.as_str())
            .map(|c| format!("customer:{c}"))
            .unwrap_or_default(),
    }
}

impl App {
    /// Each address that used the customer's accounts, with first and last use and a count.
    async fn ip_summaries(
        &self,
        scope: &TenantScope,
        record: &CustomerRecord,
    ) -> AppResult<Vec<IpAccessSummary>> {
        let mut by_ip: BTreeMap<String, IpAccessSummary> = BTreeMap::new();
        for account in &record.accounts {
            let events = self
                .account_access_events(scope, record.tenant, account)
                .await?;
            for e in events {
                let entry = by_ip
                    .entry(e.ip.to_string())
                    .or_insert_with(|| IpAccessSummary {
                        ip: e.ip.to_string(),
                        first_seen: e.at,
                        last_seen: e.at,
                        accesses: 0,
                        country: e.country.map(|c| c.as_str().to_owned()),
                    });
                entry.first_seen = entry.first_seen.min(e.at);
                entry.last_seen = entry.last_seen.max(e.at);
                entry.accesses += 1;
            }
        }
        Ok(by_ip.into_values().collect())
    }

    /// The case's id, knowledge date and customer, or the seam's without a case.
    async fn report_subject(
        &self,
        scope: &TenantScope,
        case: Option<&str>,
        customer: Option<CustomerId>,
    ) -> AppResult<(String, Option<NaiveDate>, CustomerId)> {
        let Some(case) = case else {
            let customer = customer
                .ok_or_else(|| AppError::invalid("/case", "a case or a customer is needed"))?;
            return Ok((format!("customer:{customer}"), None, customer));
        };
        let id = CaseId::from_str(case.trim())
            .map_err(|_| AppError::invalid("/case", "must be a case id"))?;
        let record = self.store().case(scope, id).await?;
        let from_case = match record.case.subject() {
            Subject::Customer(reference) => CustomerId::from_str(reference.as_str()).ok(),
            _ => None,
        };
        let customer = from_case.or(customer).ok_or_else(|| {
            AppError::invalid(
                "/customers",
                "the case is not about a customer: name the customer as well",
            )
        })?;
        Ok((id.to_string(), Some(record.case.knowledge_date()), customer))
    }

    /// Earlier filings for the same case, oldest first.
    async fn amendments(&self, scope: &TenantScope, case_id: &str) -> AppResult<Vec<Amendment>> {
        let mut earlier: Vec<_> = self
            .store()
            .reports(scope, MAX_REPORTS_LISTED)
            .await?
            .into_iter()
            .filter(|r| {
                r.kind == ReportKind::AiTraining.as_str() && filed_case(&r.parameters) == case_id
            })
            .collect();
        earlier.reverse();
        Ok(earlier
            .into_iter()
            .zip(1u32..)
            .map(|(r, number)| Amendment {
                number,
                filed_at: r.created_at,
                previous_sha256: r.sha256,
                reason: "superseded by a report regenerated from the records".into(),
            })
            .collect())
    }

    pub(crate) async fn build_ai_training(
        &self,
        ctx: &Context<'_>,
        case: Option<&str>,
        customer: Option<CustomerId>,
    ) -> AppResult<Built> {
        let scope = ctx.scope;
        let (case_id, case_knowledge, customer) =
            self.report_subject(scope, case, customer).await?;
        let record = self.customer(scope, customer).await?;
        let mut assessment = None;
        for account in &record.accounts {
            match self.assess_account(scope, account, ctx.now).await {
                Ok(found) => {
                    assessment = Some(found);
                    break;
                }
                Err(AppError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let assessment = assessment.ok_or_else(|| {
            AppError::Conflict(
                "the compute monitor has seen none of the customer's accounts".into(),
            )
        })?;
        let ComputeParts {
            estimate: compute,
            hardware,
            cluster,
            span: (start, end),
        } = compute_parts(self, &assessment)?;
        let knowledge_date = match case_knowledge {
            Some(d) => d,
            None => date(assessment.knowledge_date)?,
        };
        let due_date = ai_training_report_due(self.policy(), knowledge_date, &Holidays::none())
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let ongoing = assessment.projections.iter().any(|p| p.lineage.is_some());
        let reseller = if record.tenant == scope.tenant() {
            None
        } else {
            Some(self.store().tenant(scope, record.tenant).await?.name)
        };
        let mut person = customer_identity(&record);
        person.ip_addresses = self.ip_summaries(scope, &record).await?;
        let red_flags = assessment
            .flags
            .iter()
            .map(|f| RedFlagEntry {
                id: format!("{:?}", f.flag),
                severity: serde_json::to_value(f.outcome)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                description: f.reason.clone(),
                evidence: f.inputs.to_string(),
            })
            .collect();
        let report = AiTrainingReport {
            meta: ReportMeta::new(
                ReportKind::AiTraining,
                ctx.provider.clone(),
                self.policy(),
                ctx.now,
            ),
            amendments: self.amendments(scope, &case_id).await?,
            case_id,
            foreign_person: person,
            beneficial_owners: record
                .customer
                .beneficial_owners
                .iter()
                .map(owner_identity)
                .collect(),
            transaction: Transaction {
                description: format!(
                    "Use of {} on the accounts of owner group {}",
                    compute.assumptions.first().cloned().unwrap_or_default(),
                    assessment.group
                ),
                accounts: assessment.accounts.clone(),
                reseller,
                status: if ongoing {
                    TransactionStatus::Ongoing
                } else {
                    TransactionStatus::Completed
                },
                agreed_on: None,
                start: date(start)?,
                end: if ongoing { None } else { Some(date(end)?) },
                knowledge_date,
                due_date,
            },
            compute,
            hardware,
            cluster,
            red_flags,
            evidence: Vec::new(),
            attestation: ctx.sign_off(format!(
                "I attest on behalf of {} that this report is complete and accurate to the best \
                 of the provider's records.",
                ctx.provider
            )),
        };
        Ok(Built {
            report: report.into(),
            personal: true,
            archive: None,
        })
    }
}

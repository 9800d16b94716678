//! The `compute.assess` job: after usage or reservations reach an owner group, assess it with
//! its CIP facts and open its cases.
//!
//! - T1/T2/T4 report-case firings (foreign groups only; the engine never gives a U.S. person
//!   one) open an `ai_training_report` case about the subject customer, knowledge date today,
//!   due date from the pack, dedupe key the owner group's name; the case gets the identity
//!   snapshot, the estimate summary, the flags and the assessment JSON as evidence. Raised again
//!   while open, it only gets the flags again when they changed (the flag history).
//! - Otherwise, review-level firings (review, due diligence, enhanced due diligence, inquiry,
//!   high risk) open a `compute_review` case, for U.S. groups only when the pack's
//!   `review_us_persons` is set.
//!
//! Ingestion queues the jobs after the store commit, one per group, with the group as the job's
//! queued key: the store keeps one waiting job per group across every process on the database,
//! and still takes a new one while the previous runs (a dedupe key would drop it, losing the
//! records that arrived meanwhile). An engine load queues one job per group to repair a crash
//! between a commit and its jobs.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_compute::{Assessment, Outcome, PersonStatus};
use cloudkyc_domain::TenantId;
use cloudkyc_domain::cases::{CaseEvent, CaseKind, Command, NewCase, Note, Subject, SubjectRef};
use cloudkyc_store::TenantScope;
use cloudkyc_store::jobs::{Job, NewJob};
use serde::{Deserialize, Serialize};

use super::evidence::{self, FLAGS_REFERENCE};
use super::facts::{GroupHolders, owner_facts};
use super::link_scope;
use super::structure::structure_facts;
use crate::cases::RaisedCase;
use crate::jobs::JobHandler;
use crate::usage::TenantEngine;
use crate::{App, AppError, AppResult};

pub const ASSESS_JOB: &str = "compute.assess";

/// The payload of an [`ASSESS_JOB`]: an account of the group, and the group's name when queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessPayload {
    pub account: String,
    pub group: String,
}

/// Runs [`ASSESS_JOB`]s.
#[derive(Debug)]
pub struct AssessOwnerGroup;

#[async_trait]
impl JobHandler for AssessOwnerGroup {
    fn kind(&self) -> &'static str {
        ASSESS_JOB
    }

    async fn run(&self, app: &App, job: &Job) -> Result<(), String> {
        let payload: AssessPayload =
            serde_json::from_value(job.payload.clone()).map_err(|e| e.to_string())?;
        let subtree = app
            .store()
            .subtree(job.tenant)
            .await
            .map_err(|e| e.to_string())?;
        let scope = TenantScope::system(job.tenant, subtree, ASSESS_JOB);
        app.assess_owner_group(&scope, &payload)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Outcomes that ask an analyst to look.
fn is_review(outcome: Outcome) -> bool {
    matches!(
        outcome,
        Outcome::Review
            | Outcome::DueDiligence
            | Outcome::EnhancedDueDiligence
            | Outcome::Inquiry
            | Outcome::RiskHigh
    )
}

impl App {
    /// Queues an assessment of each owner group of `accounts`, all in one store transaction (a
    /// batch of new accounts may name a thousand groups). Called after the batch's commit: a job
    /// never names records that may not exist.
    pub(crate) async fn queue_assessments<'a>(
        &self,
        tenant: TenantId,
        t: &TenantEngine,
        accounts: impl IntoIterator<Item = &'a str>,
    ) -> AppResult<()> {
        let mut groups = std::collections::BTreeMap::new();
        for account in accounts {
            groups
                .entry(t.engine.owners().group_of(account))
                .or_insert(account);
        }
        self.enqueue_assessments(tenant, groups).await
    }

    /// Queues, when a tenant's engine is loaded, one assessment per owner group with records:
    /// a process that stopped after a batch's commit and before its jobs (or whose job insert
    /// failed) left groups unassessed, and the next load repairs that.
    pub(crate) async fn queue_recovery_assessments(
        &self,
        tenant: TenantId,
        t: &TenantEngine,
    ) -> AppResult<()> {
        self.queue_assessments(tenant, t, t.accounts.iter().map(String::as_str))
            .await
    }

    /// Queues one job per group, named by one of its accounts. The group is the job's queued
    /// key: a group already waiting for its job is not queued twice, by this process or any
    /// other on the same database, while a group whose job is running is queued again, so the
    /// records that arrived meanwhile are assessed too.
    async fn enqueue_assessments(
        &self,
        tenant: TenantId,
        groups: std::collections::BTreeMap<String, &str>,
    ) -> AppResult<()> {
        let mut jobs = Vec::with_capacity(groups.len());
        for (group, account) in groups {
            let payload = AssessPayload {
                account: account.to_owned(),
                group: group.clone(),
            };
            jobs.push(NewJob {
                kind: ASSESS_JOB.to_owned(),
                payload: serde_json::to_value(&payload)
                    .map_err(|e| AppError::Internal(e.to_string()))?,
                run_at: self.now(),
                dedupe_key: None,
                queued_key: Some(group),
            });
        }
        let scope = link_scope(tenant, ASSESS_JOB);
        self.store().enqueue_many(&scope, &jobs, self.now()).await?;
        Ok(())
    }

    /// The holders of `accounts` in `tenant`, opened.
    pub(crate) async fn group_holders(
        &self,
        tenant: TenantId,
        accounts: &[String],
    ) -> AppResult<GroupHolders> {
        let scope = link_scope(tenant, ASSESS_JOB);
        let found = self.store().account_holders(&scope, accounts).await?;
        let mut holders = GroupHolders::default();
        for account in accounts {
            match found.iter().find(|h| &h.account == account) {
                None => holders.unheld.push(account.clone()),
                Some(h) if holders.customers.iter().any(|c| c.id == h.customer) => {}
                Some(h) => {
                    let Some(customer) = self.linkable_customer(&scope, h.customer).await? else {
                        // Purged: nothing is known of the holder any more.
                        holders.unheld.push(account.clone());
                        continue;
                    };
                    if let Some(stored) = self.customer_structure(&customer).await? {
                        let from_structure = structure_facts(
                            &stored,
                            &[],
                            self.policy(),
                            self.store().key_ring(),
                            self.now().date_naive(),
                        );
                        holders.unidentified_owner |= from_structure.unidentified_owner;
                    }
                    holders.customers.push(customer);
                }
            }
        }
        Ok(holders)
    }

    /// The assessment of `account`'s owner group in `tenant` with the facts CIP knows, the
    /// pack's disabled flags removed.
    pub(crate) async fn assess_with_cip(
        &self,
        tenant: TenantId,
        t: &TenantEngine,
        account: &str,
        now: DateTime<Utc>,
    ) -> AppResult<(Assessment, GroupHolders)> {
        let accounts = t.engine.owners().members(account);
        let holders = self.group_holders(tenant, &accounts).await?;
        let scope = link_scope(tenant, ASSESS_JOB);
        let countries = self
            .store()
            .access_countries(&scope, tenant, &accounts)
            .await?
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        let mut facts = owner_facts(
            &holders,
            &accounts,
            countries,
            now.date_naive(),
            self.policy().terms(),
        );
        facts.prior_history = t.engine.prior_history(account);
        let measures = self.special_measure_facts(tenant, &holders).await?;
        facts.special_measure_jurisdictions = measures.jurisdictions;
        facts.special_measures = measures.reached;
        let mut assessment = t.engine.assess(account, &facts, now.timestamp());
        let disabled = &self.policy().compute().red_flags.disabled;
        assessment.flags.retain(|f| {
            !disabled
                .iter()
                .any(|d| d.to_string() == format!("{:?}", f.flag))
        });
        Ok((assessment, holders))
    }

    /// Runs one [`ASSESS_JOB`]: assesses the group and raises its case, if any.
    pub async fn assess_owner_group(
        &self,
        scope: &TenantScope,
        payload: &AssessPayload,
    ) -> AppResult<Option<RaisedCase>> {
        let tenant = scope.tenant();
        let (assessment, holders) = {
            let mut map = self.compute_engines().inner.lock().await;
            self.load_engines(&mut map, scope).await?;
            let Some(t) = map.by_tenant.get_mut(&tenant) else {
                return Err(AppError::Internal(
                    "the job's tenant engine was not loaded".into(),
                ));
            };
            if !t
                .engine
                .owners()
                .members(&payload.account)
                .iter()
                .any(|a| t.accounts.contains(a))
            {
                return Ok(None);
            }
            self.assess_with_cip(tenant, t, &payload.account, self.now())
                .await?
        };
        self.raise_compute_case(scope, &assessment, &holders).await
    }

    async fn raise_compute_case(
        &self,
        scope: &TenantScope,
        a: &Assessment,
        holders: &GroupHolders,
    ) -> AppResult<Option<RaisedCase>> {
        let status = holders.status();
        let report: Vec<_> = a.report_cases().collect();
        let (kind, firings): (CaseKind, Vec<_>) = if !report.is_empty() {
            (CaseKind::AiTrainingReport, report)
        } else {
            let review: Vec<_> = a.flags.iter().filter(|f| is_review(f.outcome)).collect();
            let us_allowed =
                status != PersonStatus::Us || self.policy().compute().review_us_persons;
            if review.is_empty() || !us_allowed {
                return Ok(None);
            }
            (CaseKind::ComputeReview, review)
        };
        let subject = match holders.subject() {
            Some(c) => Subject::Customer(SubjectRef::parse(&c.id.to_string()).map_err(bad)?),
            None => Subject::Episode(SubjectRef::parse(&a.group).map_err(bad)?),
        };
        let names: Vec<String> = firings.iter().map(|f| format!("{:?}", f.flag)).collect();
        let status_words = match status {
            PersonStatus::Us => "U.S. person",
            PersonStatus::Foreign => "foreign person",
            PersonStatus::Undetermined => "status undetermined",
        };
        let summary = format!(
            "{} by owner group {} ({} account(s), {status_words}): {}",
            match kind {
                CaseKind::AiTrainingReport => "Reportable AI training",
                _ => "Compute red flags to review",
            },
            a.group,
            a.accounts.len(),
            names.join(", ")
        );
        let new = NewCase {
            kind,
            subject,
            summary: Note::parse(&summary).map_err(bad)?,
            risk: holders.subject().map(|c| c.decision.risk_tier),
            knowledge_date: self.now().date_naive(),
            due: None,
        };
        let raised = self.raise_case(scope, new, &a.group).await?;
        if raised.created {
            let mut entries = Vec::new();
            if let Some(c) = holders.subject() {
                entries.push(evidence::identity(c).map_err(bad)?);
            }
            entries.push(evidence::summary(a).map_err(bad)?);
            entries.push(evidence::flags(a).map_err(bad)?);
            entries.extend(evidence::assessment(a).map_err(bad)?);
            for e in entries {
                self.work_case(scope, raised.id, None, Command::AddEvidence { evidence: e })
                    .await?;
            }
        } else if self.flags_changed(scope, raised, a).await? {
            let e = evidence::flags(a).map_err(bad)?;
            self.work_case(scope, raised.id, None, Command::AddEvidence { evidence: e })
                .await?;
        }
        Ok(Some(raised))
    }

    /// Whether the flags differ from the last ones the case recorded.
    async fn flags_changed(
        &self,
        scope: &TenantScope,
        raised: RaisedCase,
        a: &Assessment,
    ) -> AppResult<bool> {
        let case = self.case(scope, raised.id).await?;
        let last = case
            .case
            .timeline()
            .iter()
            .rev()
            .find_map(|entry| match &entry.event {
                CaseEvent::EvidenceAdded { evidence }
                    if evidence
                        .reference
                        .as_ref()
                        .is_some_and(|r| r.as_str().starts_with(FLAGS_REFERENCE)) =>
                {
                    Some(evidence.description.as_str().to_owned())
                }
                _ => None,
            });
        let headline = evidence::flags_headline(a);
        Ok(last.as_deref().and_then(|d| d.lines().next()) != Some(headline.trim()))
    }
}

fn bad(e: cloudkyc_domain::cases::CaseError) -> AppError {
    AppError::Internal(format!("compute case evidence: {e}"))
}

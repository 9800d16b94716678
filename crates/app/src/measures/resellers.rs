//! Resellers as subjects of special measures (issue 6, items 10-11).
//!
//! A registered reseller is matched like an owner: its country is its place of organisation
//! (registration refuses a U.S. one, so it is a foreign person) and its legal name goes through
//! the screening engine's pair scorer against every named-person measure (as an organisation).
//! The domain's `plan_enforcement` then says what the measures require:
//!
//! - at registration (stage `onboarding`), a prohibition in force that reaches the reseller
//!   refuses it with a 422 naming the measure and the evidence (`/country` or `/name/full`);
//! - otherwise, and at every re-check, each planned action and each possible match becomes a
//!   `special_measure` case on the reseller, raised for the tenant that registered it, with the
//!   measure and the evidence in the summary (the legal name is not personal data). The
//!   relationship itself is the officer's to end through the reseller's own status machine, so
//!   no account action is scheduled; the case stays until it is worked.
//!
//! Terminated resellers are not re-checked: the relationship is over.
//!
//! A reseller is also a subject of every customer relationship it brought: the domain's
//! `plan_enforcement` acts on an account opened through a party a measure reaches. So each
//! customer of a reseller's tenant (or of a sub-reseller below it) is planned with the
//! reseller as a subject beside itself and its owners (`channel_subjects`), at onboarding and
//! at every re-check: a prohibition on the reseller's country or name closes (or refuses) the
//! customer's accounts, a condition restricts them, each with its action and review case, and
//! the reasons name the reseller and the evidence.

use std::collections::HashMap;

use cloudkyc_domain::TenantId;
use cloudkyc_domain::cases::{CaseKind, NewCase, Note, Subject as CaseSubject, SubjectRef};
use cloudkyc_domain::cip::{CountryCode, PersonStatus};
use cloudkyc_domain::measures::{
    Action, EnforcementPlan, EvidenceSource, LocationEvidence, MatchBasis, SpecialMeasure, Stage,
    Subject, SubjectRole, plan_enforcement,
};
use cloudkyc_domain::ownership::PartyRef;
use cloudkyc_domain::reseller::StatusName;
use cloudkyc_domain::rule_pack::RulePack;
use cloudkyc_screening::Schema;
use cloudkyc_store::TenantScope;
use cloudkyc_store::resellers::ResellerRecord;

use super::enforce::{RECHECK_JOB, RecheckReport};
use super::matching::person_matches;
use crate::{App, AppError, AppResult, FieldError};

/// A case summary is one line; the full reasons are in the measure's own records.
const SUMMARY_CHARS: usize = 500;
/// Party references are short; a legal name may be long.
const PARTY_CHARS: usize = 120;

/// The reseller as a subject of the measures.
fn subject(
    name: &str,
    country: CountryCode,
    measures: &[SpecialMeasure],
    pack: &RulePack,
) -> Subject {
    let label: String = name.chars().take(PARTY_CHARS).collect();
    let party = PartyRef::new(label.trim().to_owned())
        .or_else(|_| PartyRef::new("reseller"))
        .unwrap_or_else(|_| PartyRef::from_uuid(uuid::Uuid::nil()));
    Subject {
        role: SubjectRole::Reseller,
        party,
        // A U.S. reseller cannot be registered: every reseller is a foreign person.
        status: PersonStatus::Foreign,
        evidence: LocationEvidence::new().with(
            EvidenceSource::PlaceOfOrganization,
            country,
            "as registered",
        ),
        person_matches: person_matches(name, Schema::Organization, measures, pack),
    }
}

fn note(text: &str) -> AppResult<Note> {
    let short: String = text
        .chars()
        .filter(|c| !c.is_control())
        .take(SUMMARY_CHARS)
        .collect();
    Note::parse(&short).map_err(|e| AppError::Internal(format!("case summary: {e}")))
}

/// `raise_case` takes keys of at most 200 characters.
fn dedupe(key: &str) -> String {
    key.chars().filter(|c| !c.is_control()).take(200).collect()
}

fn action_words(action: &Action) -> &'static str {
    match action {
        Action::RefuseOnboarding => "refuse the relationship",
        Action::Close => "end the relationship",
        Action::Restrict { .. } => "apply the measure's condition to what the reseller sells",
    }
}

/// For each reseller tenant (and each tenant below one), the resellers its customers came
/// through, as subjects of their relationships.
pub(crate) type ChannelSubjects = HashMap<TenantId, Vec<Subject>>;

impl App {
    /// The reseller subjects of every reseller tenant (see the module documentation). The
    /// registry is the provider's, so it is read with the provider's system scope.
    pub(crate) async fn channel_subjects(
        &self,
        measures: &[SpecialMeasure],
    ) -> AppResult<ChannelSubjects> {
        let mut out = ChannelSubjects::new();
        if measures.is_empty() {
            return Ok(out);
        }
        let provider = self.system_scope(None, RECHECK_JOB).await?;
        for record in self.store().resellers(&provider).await? {
            let subject = subject(&record.name, record.country, measures, self.policy());
            for tenant in self.store().subtree(record.reseller_tenant).await? {
                out.entry(tenant).or_default().push(subject.clone());
            }
        }
        Ok(out)
    }

    /// Refuses registering a reseller that a prohibition in force reaches (see the module
    /// documentation); `Ok` otherwise.
    pub(crate) async fn refuse_prohibited_reseller(
        &self,
        name: &str,
        country: CountryCode,
    ) -> AppResult<()> {
        let measures = self.registry().await?;
        if measures.is_empty() {
            return Ok(());
        }
        let plan = self.reseller_plan(name, country, &measures, Stage::Onboarding);
        let mut errors = Vec::new();
        for planned in plan
            .actions
            .iter()
            .filter(|a| a.action == Action::RefuseOnboarding)
        {
            let why = planned.reasons.join("; ");
            for found in &planned.matches {
                let path = match found.basis {
                    MatchBasis::Location { .. } => "/country",
                    MatchBasis::Person { .. } => "/name/full",
                };
                errors.push(FieldError::new(
                    path,
                    format!("this reseller is prohibited by a special measure: {why}"),
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(errors))
        }
    }

    fn reseller_plan(
        &self,
        name: &str,
        country: CountryCode,
        measures: &[SpecialMeasure],
        stage: Stage,
    ) -> EnforcementPlan {
        let pack = self.policy();
        let subjects = [subject(name, country, measures, pack)];
        plan_enforcement(measures, &subjects, stage, self.now().date_naive(), pack)
    }

    /// Raises the review cases the measures require for a newly registered reseller. The
    /// reseller is stored by then, so a failure does not fail the registration: it is logged
    /// and a re-check (which raises the same cases) is enqueued instead.
    pub(crate) async fn record_reseller_measures(&self, record: &ResellerRecord) {
        let checked = match self.registry().await {
            Ok(measures) if measures.is_empty() => return,
            Ok(measures) => self.check_reseller(record, &measures).await.map(|_| ()),
            Err(error) => Err(error),
        };
        let Err(error) = checked else { return };
        tracing::warn!(reseller = %record.id, %error,
            "special-measure cases of a new reseller failed; re-checking later");
        let key = format!("reseller:{}", record.id);
        let enqueued = match self.system_scope(None, RECHECK_JOB).await {
            Ok(scope) => self.enqueue_measure_recheck(&scope, &key).await,
            Err(error) => Err(error),
        };
        if let Err(error) = enqueued {
            tracing::error!(reseller = %record.id, %error,
                "special-measure re-check of a new reseller could not be enqueued");
        }
    }

    /// Re-checks every reseller the scope's tenants registered; one reseller's error does not
    /// stop the others.
    pub(super) async fn recheck_resellers(
        &self,
        scope: &TenantScope,
        measures: &[SpecialMeasure],
        report: &mut RecheckReport,
    ) -> AppResult<()> {
        for record in self.store().resellers(scope).await? {
            if record.status.name() == StatusName::Terminated {
                continue;
            }
            report.resellers += 1;
            match self.check_reseller(&record, measures).await {
                Ok(raised) => report.reviews += raised,
                Err(error) => {
                    report.errors += 1;
                    tracing::warn!(reseller = %record.id, %error,
                        "special-measure re-check of a reseller failed; the next run retries");
                }
            }
        }
        Ok(())
    }

    /// Raises a `special_measure` case on the reseller for each planned action and possible
    /// match; returns how many cases were newly opened.
    async fn check_reseller(
        &self,
        record: &ResellerRecord,
        measures: &[SpecialMeasure],
    ) -> AppResult<u32> {
        let plan = self.reseller_plan(
            &record.name,
            record.country,
            measures,
            Stage::ExistingAccount,
        );
        if plan.actions.is_empty() && plan.reviews.is_empty() {
            return Ok(0);
        }
        let scope = self.system_scope(Some(record.tenant), RECHECK_JOB).await?;
        let subject = SubjectRef::parse(&record.id.to_string())
            .map(CaseSubject::Reseller)
            .map_err(|e| AppError::Internal(format!("case subject: {e}")))?;
        let today = plan.decided_on;
        let mut raised = 0;
        for planned in &plan.actions {
            let summary = format!(
                "special measure {} reaches the reseller {} ({}): {} by {} ({})",
                planned.measure_id,
                record.name,
                record.country,
                action_words(&planned.action),
                planned.due,
                planned.reasons.join("; ")
            );
            let new = NewCase {
                kind: CaseKind::SpecialMeasure,
                subject: subject.clone(),
                summary: note(&summary)?,
                risk: None,
                knowledge_date: today,
                due: Some(planned.due),
            };
            let key = format!(
                "special_measure_reseller:{}:{}:{}",
                planned.measure_id, record.id, planned.due
            );
            raised += u32::from(self.raise_case(&scope, new, &dedupe(&key)).await?.created);
        }
        for item in &plan.reviews {
            let summary = format!(
                "special measure {}: review the reseller {} ({}): {}",
                item.measure_id, record.name, record.country, item.reason
            );
            let new = NewCase {
                kind: CaseKind::SpecialMeasure,
                subject: subject.clone(),
                summary: note(&summary)?,
                risk: None,
                knowledge_date: today,
                due: None,
            };
            let key = format!(
                "special_measure_reseller_review:{}:{}",
                item.measure_id, record.id
            );
            raised += u32::from(self.raise_case(&scope, new, &dedupe(&key)).await?.created);
        }
        Ok(raised)
    }
}

#[cfg(test)]
#[path = "reseller_tests.rs"]
mod tests;

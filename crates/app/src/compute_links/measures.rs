//! Special measures on jurisdictions (rule-pack section 6) as compute facts.
//!
//! An owner group's holders are matched against the provider's registry exactly as the
//! measures' own enforcement matches them (`measures`): each holder is a subject with its
//! owners and the resellers it came through, placed by its location evidence (addresses,
//! nationality or place of organisation, payment instrument countries, access-IP countries),
//! and the domain's `plan_enforcement` says which measures reach whom (foreign subjects only; an
//! undetermined one when the pack treats it as foreign). Only measures **in force** on a
//! jurisdiction count here (a pending one has not taken effect; a person measure is about a
//! name, not a place). Each match becomes a `SpecialMeasureFact` with the measure id, the
//! jurisdiction, the party and the evidence, and K2 fires on it; every jurisdiction in force
//! also goes to `special_measure_jurisdictions`, which K2 reads against owner and admin-IP
//! countries.
//!
//! Owners are named by position ("owner 1 of customer <id>"), never by name: the facts are
//! part of the assessment an officer's case holds.
//!
//! When the registry changes (a measure added, extended, lifted, or reaching its effective or
//! expiry date), the special-measure re-check runs; it hands every customer whose evidence
//! places it (or its owners or reseller) in the jurisdiction of a registered measure, whatever
//! the measure's state, to [`App::reassess_touched`], which queues an assessment of the groups
//! holding its accounts in the engines this process has loaded (an engine loaded later assesses
//! every group anyway).

use std::collections::{BTreeMap, BTreeSet};

use cloudkyc_compute::SpecialMeasureFact;
use cloudkyc_domain::TenantId;
use cloudkyc_domain::cip::CountryCode;
use cloudkyc_domain::measures::{
    EnforcementPlan, MatchBasis, MeasureStatus, MeasureTarget, SpecialMeasure, Stage, Subject,
    SubjectRole, plan_enforcement,
};
use cloudkyc_domain::ownership::PartyRef;
use cloudkyc_domain::rule_pack::RulePack;

use super::assess::ASSESS_JOB;
use super::facts::GroupHolders;
use super::link_scope;
use crate::customers::CustomerRecord;
use crate::measures::measure_subjects;
use crate::{App, AppResult};

/// What the registry says about one owner group today.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeasureFacts {
    /// Every jurisdiction under a measure in force, sorted.
    pub jurisdictions: Vec<String>,
    /// The measures in force that reach a holder, an owner or a reseller, with the evidence.
    pub reached: Vec<SpecialMeasureFact>,
}

/// Accounts to assess again, per tenant.
pub(crate) type TouchedAccounts = BTreeMap<TenantId, BTreeSet<String>>;

/// The measures of `registry` in force on a jurisdiction on `today`.
pub(crate) fn jurisdictions_in_force(
    registry: Vec<SpecialMeasure>,
    today: chrono::NaiveDate,
) -> Vec<SpecialMeasure> {
    registry
        .into_iter()
        .filter(|m| {
            matches!(m.target(), MeasureTarget::Jurisdiction { .. })
                && m.status_on(today) == MeasureStatus::InForce
        })
        .collect()
}

/// One holder's subjects: itself, its owners (by position) and its resellers.
fn holder_subjects(
    customer: &CustomerRecord,
    access: &[CountryCode],
    channel: &[Subject],
    measures: &[SpecialMeasure],
    pack: &RulePack,
) -> Vec<Subject> {
    let party = PartyRef::from_uuid(*customer.id.as_uuid());
    let mut subjects = measure_subjects(
        &customer.customer,
        &customer.determination,
        party.clone(),
        access,
        measures,
        pack,
    );
    let mut position = 0;
    for subject in subjects.iter_mut().filter(|s| s.role == SubjectRole::Owner) {
        position += 1;
        subject.party = PartyRef::new(format!("owner {position} of customer {}", customer.id))
            .unwrap_or_else(|_| party.clone());
    }
    subjects.extend_from_slice(channel);
    subjects
}

/// The plan's location matches on jurisdiction measures, as facts.
fn reached(plan: &EnforcementPlan, measures: &[SpecialMeasure]) -> Vec<SpecialMeasureFact> {
    let mut out = Vec::new();
    for planned in &plan.actions {
        let target = measures
            .iter()
            .find(|m| m.id() == &planned.measure_id)
            .map(SpecialMeasure::target);
        let Some(MeasureTarget::Jurisdiction { country }) = target else {
            continue;
        };
        for found in &planned.matches {
            let MatchBasis::Location { evidence } = &found.basis else {
                continue;
            };
            out.push(SpecialMeasureFact {
                measure_id: planned.measure_id.as_str().to_owned(),
                jurisdiction: country.as_str().to_owned(),
                role: found.role.to_string(),
                party: found.party.to_string(),
                evidence: evidence.iter().map(ToString::to_string).collect(),
            });
        }
    }
    out
}

/// Whether any subject's evidence places it in the jurisdiction of one of `measures`, whatever
/// the measure's state: a measure on that jurisdiction added, lifted or expired may change the
/// facts of the groups holding the customer's accounts.
pub(crate) fn placed_under_any(
    subjects: &[Subject],
    measures: &[SpecialMeasure],
    pack: &RulePack,
) -> bool {
    measures.iter().any(|m| match m.target() {
        MeasureTarget::Jurisdiction { country } => subjects.iter().any(|s| {
            !s.evidence
                .placing_in(*country, pack.special_measures())
                .is_empty()
        }),
        MeasureTarget::Person(_) => false,
    })
}

impl App {
    /// The special-measure facts of an owner group of `tenant` held by `holders`, today.
    pub(crate) async fn special_measure_facts(
        &self,
        tenant: TenantId,
        holders: &GroupHolders,
    ) -> AppResult<MeasureFacts> {
        let today = self.now().date_naive();
        let measures = jurisdictions_in_force(self.registry().await?, today);
        let mut out = MeasureFacts::default();
        if measures.is_empty() {
            return Ok(out);
        }
        let mut jurisdictions: Vec<String> = measures
            .iter()
            .filter_map(|m| match m.target() {
                MeasureTarget::Jurisdiction { country } => Some(country.as_str().to_owned()),
                MeasureTarget::Person(_) => None,
            })
            .collect();
        jurisdictions.sort();
        jurisdictions.dedup();
        out.jurisdictions = jurisdictions;
        if holders.customers.is_empty() {
            return Ok(out);
        }
        let channels = self.channel_subjects(&measures).await?;
        let scope = link_scope(tenant, ASSESS_JOB);
        for customer in &holders.customers {
            let access = self
                .store()
                .access_countries(&scope, customer.tenant, &customer.accounts)
                .await?;
            let channel = channels
                .get(&customer.tenant)
                .map_or(&[][..], Vec::as_slice);
            let subjects = holder_subjects(customer, &access, channel, &measures, self.policy());
            let plan = plan_enforcement(
                &measures,
                &subjects,
                Stage::ExistingAccount,
                today,
                self.policy(),
            );
            out.reached.extend(reached(&plan, &measures));
        }
        // A reseller is a subject of each of its customers: one fact for it.
        out.reached.sort();
        out.reached.dedup();
        Ok(out)
    }

    /// Queues an assessment of the groups holding `touched` accounts, in the engines loaded in
    /// this process (accounts the engine has not seen have no group to assess).
    pub(crate) async fn reassess_touched(&self, touched: TouchedAccounts) -> AppResult<()> {
        if touched.is_empty() {
            return Ok(());
        }
        let mut map = self.compute_engines().inner.lock().await;
        for (tenant, accounts) in touched {
            let Some(t) = map.by_tenant.get_mut(&tenant) else {
                continue;
            };
            let seen: Vec<String> = accounts
                .into_iter()
                .filter(|a| t.accounts.contains(a))
                .collect();
            self.queue_assessments(tenant, t, seen.iter().map(String::as_str))
                .await?;
        }
        Ok(())
    }
}

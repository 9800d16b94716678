//! The measures in a customer decision: refusal at onboarding, and the cap the actions in
//! effect put on `account_access` at every later decision.
//!
//! Onboarding asks the registry before the decision is stored (stage `onboarding`): a party a
//! prohibition in force reaches is refused (access `closed`, the first decision reason saying
//! which measure and which evidence); a condition in force restricts from the start; a
//! prohibition still pending leaves the account open and schedules its closure by the effective
//! date. Once the customer is stored, its actions and review cases are recorded like a
//! re-check's.

use cloudkyc_domain::cip::{CustomerDetermination, ValidatedCustomer};
use cloudkyc_domain::measures::{
    Action, EnforcementPlan, MeasureStatus, SpecialMeasure, Stage, plan_enforcement,
};
use cloudkyc_domain::ownership::PartyRef;
use cloudkyc_domain::{Tenant, TenantKind};
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::{AccountAccess, CustomerDecision, CustomerId};
use cloudkyc_store::measures::{ActionFilter, ActionKind, ActionState};

use super::enforce::{RECHECK_JOB, RecheckReport, plan_of};
use super::matching;
use crate::customers::CustomerRecord;
use crate::{App, AppResult};

/// What the actions in effect do to a decision: the strictest access they allow, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeasureCap {
    pub access: Option<AccountAccess>,
    pub reasons: Vec<String>,
}

impl MeasureCap {
    fn tighten(&mut self, access: AccountAccess, reason: String) {
        self.access = Some(match (self.access, access) {
            (Some(AccountAccess::Closed), _) | (_, AccountAccess::Closed) => AccountAccess::Closed,
            _ => access,
        });
        self.reasons.push(reason);
    }

    /// Lowers the decision's access to the cap (never raises it) and puts the reasons first.
    pub fn apply(&self, decision: &mut CustomerDecision) {
        decision.account_access = match (self.access, decision.account_access) {
            (Some(AccountAccess::Closed), _) => AccountAccess::Closed,
            (Some(AccountAccess::Restricted), AccountAccess::Full) => AccountAccess::Restricted,
            (_, current) => current,
        };
        for (index, reason) in self.reasons.iter().enumerate() {
            decision.reasons.insert(index, reason.clone());
        }
    }
}

/// The registry's answer at onboarding (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OnboardingMeasures {
    plan: Option<EnforcementPlan>,
}

impl OnboardingMeasures {
    /// Whether the applicant is refused.
    pub fn refuses(&self) -> bool {
        self.plan.as_ref().is_some_and(EnforcementPlan::refuses)
    }

    /// What the plan does to the onboarding decision.
    pub fn cap(&self) -> MeasureCap {
        let mut cap = MeasureCap::default();
        let Some(plan) = &self.plan else { return cap };
        for planned in &plan.actions {
            let why = planned.reasons.join("; ");
            match &planned.action {
                Action::RefuseOnboarding => cap.tighten(
                    AccountAccess::Closed,
                    format!("onboarding refused under a special measure: {why}"),
                ),
                Action::Restrict { condition, .. } if planned.due <= plan.decided_on => cap
                    .tighten(
                        AccountAccess::Restricted,
                        format!(
                            "account restricted under special measure condition {condition}: {why}"
                        ),
                    ),
                Action::Restrict { .. } | Action::Close => cap.reasons.push(format!(
                    "special measure action {} scheduled for {}: {why}",
                    kind_word(&planned.action),
                    planned.due
                )),
            }
        }
        cap
    }

    fn is_empty(&self) -> bool {
        self.plan
            .as_ref()
            .is_none_or(|p| p.actions.is_empty() && p.reviews.is_empty())
    }
}

fn kind_word(action: &Action) -> &'static str {
    match action {
        Action::RefuseOnboarding => "refuse",
        Action::Close => "close",
        Action::Restrict { .. } => "restrict",
    }
}

impl App {
    /// The measures of the provider's registry (the registry belongs to the provider, whoever
    /// onboards), opened; empty before a provider exists.
    pub(crate) async fn registry(&self) -> AppResult<Vec<SpecialMeasure>> {
        let Some(provider) = self.store().provider().await? else {
            return Ok(Vec::new());
        };
        let scope = TenantScope::system(provider.id, vec![provider.id], RECHECK_JOB);
        let today = self.now().date_naive();
        self.store()
            .measures(&scope)
            .await?
            .into_iter()
            .map(|m| super::stored_to_measure(m, self.policy(), today).map(|m| m.measure))
            .collect()
    }

    /// Matches an applicant (its owners, and the resellers it comes through when `tenant` is a
    /// reseller's) against the registry before its decision is stored.
    pub(crate) async fn special_measures_at_onboarding(
        &self,
        tenant: &Tenant,
        customer: &ValidatedCustomer,
        determination: &CustomerDetermination,
    ) -> AppResult<OnboardingMeasures> {
        let measures = self.registry().await?;
        if measures.is_empty() {
            return Ok(OnboardingMeasures::default());
        }
        let party =
            PartyRef::new("applicant").unwrap_or_else(|_| PartyRef::from_uuid(uuid::Uuid::nil()));
        let mut subjects = matching::subjects(
            customer,
            determination,
            party,
            &[],
            &measures,
            self.policy(),
        );
        if tenant.kind == TenantKind::Reseller
            && let Some(channel) = self.channel_subjects(&measures).await?.remove(&tenant.id)
        {
            subjects.extend(channel);
        }
        let plan = plan_enforcement(
            &measures,
            &subjects,
            Stage::Onboarding,
            self.now().date_naive(),
            self.policy(),
        );
        Ok(OnboardingMeasures { plan: Some(plan) })
    }

    /// Records the onboarding plan's actions (those due today as applied: the decision already
    /// carries them) and review cases, as the system. The customer is stored by then with its
    /// capped decision, so a failure here does not fail the onboarding: it is logged and the
    /// re-check job, which plans the same actions, is enqueued instead.
    pub(crate) async fn record_onboarding_measures(
        &self,
        customer: &CustomerRecord,
        found: OnboardingMeasures,
    ) -> AppResult<()> {
        if found.is_empty() {
            return Ok(());
        }
        let Some(plan) = found.plan else {
            return Ok(());
        };
        let scope = self.system_scope(None, RECHECK_JOB).await?;
        if let Err(error) = self.record_plan_of_new(&scope, customer, &plan).await {
            tracing::warn!(customer = %customer.id, %error, "recording special-measure actions failed; re-checking later");
            let key = format!("onboarding:{}", customer.id);
            self.enqueue_measure_recheck(&scope, &key).await?;
        }
        Ok(())
    }

    async fn record_plan_of_new(
        &self,
        scope: &TenantScope,
        customer: &CustomerRecord,
        plan: &EnforcementPlan,
    ) -> AppResult<()> {
        let measures = self.registry().await?;
        let mut report = RecheckReport::default();
        self.apply_plan(scope, customer, plan, &measures, &mut report)
            .await?;
        self.mark_due_applied(scope, customer.id, plan.decided_on)
            .await?;
        for planned in plan.actions.iter().filter(|a| a.due > plan.decided_on) {
            self.enqueue_recheck_on(scope, planned.due).await?;
        }
        Ok(())
    }

    /// The cap the customer's actions in effect today put on its access (see `MeasureCap`).
    /// Reads nothing beyond the customer's actions unless it has some.
    pub(crate) async fn special_measure_cap(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
    ) -> AppResult<MeasureCap> {
        let filter = ActionFilter {
            customer: Some(customer),
            live_only: true,
            ..ActionFilter::default()
        };
        let today = self.now().date_naive();
        let actions: Vec<_> = self
            .store()
            .measure_actions(scope, &filter)
            .await?
            .into_iter()
            .filter(|a| a.due <= today && a.state != ActionState::Lifted)
            .collect();
        let mut cap = MeasureCap::default();
        if actions.is_empty() {
            return Ok(cap);
        }
        let measures = self.registry().await?;
        for action in actions {
            let in_effect = measures.iter().any(|m| {
                m.id().as_str() == action.measure.to_string()
                    && matches!(
                        m.status_on(today),
                        MeasureStatus::Pending | MeasureStatus::InForce
                    )
            });
            if !in_effect {
                continue;
            }
            let plan = plan_of(&action)?;
            let (access, word) = match action.kind {
                ActionKind::Refuse | ActionKind::Close => (AccountAccess::Closed, "closed"),
                ActionKind::Restrict => (AccountAccess::Restricted, "restricted"),
            };
            cap.tighten(
                access,
                format!(
                    "account {word} since {} under a special measure: {}",
                    action.due,
                    plan.reasons.join("; ")
                ),
            );
        }
        Ok(cap)
    }
}

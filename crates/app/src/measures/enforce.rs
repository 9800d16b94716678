//! Enforcement on existing customers: the re-check job.
//!
//! A re-check plans, for every customer of the provider and its resellers, what the measures
//! pending or in force require (`cloudkyc_domain::measures::plan_enforcement`, at stage
//! `existing_account`), then makes the store agree: an action is scheduled (or moved) for each
//! planned one, with a `special_measure` case as its review item; a live action no planned one
//! backs any more (the measure expired, was lifted, or the evidence is gone) is lifted. When an
//! action falls due or is lifted, the customer is decided again (`App::redecide`, audited, with
//! the `webhook.account_access` notice when its access changes): the decision caps the access
//! by the actions in effect (`onboarding.rs`, `App::special_measure_cap`), so an officer's later
//! override cannot reopen a closed account while the measure holds, and lifting gives back the
//! access the customer's own checks earn.
//!
//! The registered resellers are re-checked in the same run (`resellers.rs`: review cases on
//! the reseller), and each customer of a reseller is planned with its reseller as a subject, so
//! a measure reaching the reseller acts on the reseller's customers' accounts.
//!
//! The compute owner groups holding the accounts of every customer whose evidence places a
//! subject in a registered measure's jurisdiction are assessed again at the end of the run
//! (`compute_links::measures`): their special-measure facts may have changed.
//!
//! When the job runs is `schedule.rs`'s concern.

use chrono::NaiveDate;
use cloudkyc_domain::Permission;
use cloudkyc_domain::measures::{
    Action, EnforcementPlan, PlannedAction, SpecialMeasure, Stage, Subject, lifted_actions,
    plan_enforcement,
};
use cloudkyc_domain::ownership::PartyRef;
use cloudkyc_store::TenantScope;
use cloudkyc_store::measures::{
    ActionFilter, ActionKind, ActionState, MeasureAction, NewMeasureAction, SpecialMeasureId,
};
use serde::Serialize;

use super::{MeasureActionView, matching};
use crate::compute_links::measures::{TouchedAccounts, placed_under_any};
use crate::customers::{CustomerRecord, Redecision};
use crate::{App, AppError, AppResult};

/// The job kind of a re-check, and the component its audit events name.
pub const RECHECK_JOB: &str = "special_measures.recheck";
/// The audit action of a customer decided again because a measure's action fell due or lifted.
pub const MEASURE_ENFORCED: &str = "customer.special_measure";

const PAGE: u32 = 500;

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct RecheckReport {
    pub customers: u32,
    /// Resellers re-checked (`resellers.rs`; terminated ones are not).
    pub resellers: u32,
    /// Actions scheduled or moved (each with its review case).
    pub scheduled: u32,
    /// Actions carried out on the customer's accounts.
    pub applied: u32,
    pub lifted: u32,
    /// Possible matches and out-of-reach evidence put up for review (for resellers: the
    /// review cases newly opened).
    pub reviews: u32,
    pub errors: u32,
}

pub(crate) fn action_view(action: MeasureAction) -> AppResult<MeasureActionView> {
    let plan = plan_of(&action)?;
    Ok(MeasureActionView {
        id: action.id,
        customer: action.customer,
        tenant: action.tenant,
        kind: action.kind,
        due: action.due,
        state: action.state,
        plan,
        lift_reason: action.lift_reason,
        updated_at: action.updated_at,
    })
}

pub(crate) fn plan_of(action: &MeasureAction) -> AppResult<PlannedAction> {
    serde_json::from_value(action.plan.clone()).map_err(|e| {
        AppError::Internal(format!("stored action {} does not decode: {e}", action.id))
    })
}

pub(crate) fn kind_of(action: &Action) -> ActionKind {
    match action {
        Action::RefuseOnboarding => ActionKind::Refuse,
        Action::Close => ActionKind::Close,
        Action::Restrict { .. } => ActionKind::Restrict,
    }
}

fn measure_id(planned: &PlannedAction) -> AppResult<SpecialMeasureId> {
    planned
        .measure_id
        .as_str()
        .parse()
        .map_err(|_| AppError::Internal(format!("measure id {} is not ours", planned.measure_id)))
}

impl App {
    /// Re-checks every customer visible to the scope against the scope's measures (see the
    /// module documentation). One customer's error does not stop the others.
    pub async fn recheck_special_measures(&self, scope: &TenantScope) -> AppResult<RecheckReport> {
        Self::require(scope, Permission::DecideCases)?;
        let today = self.now().date_naive();
        let measures: Vec<SpecialMeasure> = self
            .measures(scope)
            .await?
            .into_iter()
            .map(|m| m.measure)
            .collect();
        let mut report = RecheckReport::default();
        let mut compute = TouchedAccounts::new();
        let channels = self.channel_subjects(&measures).await?;
        let mut after = None;
        loop {
            let page = self.store().customers(scope, after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            for stored in page.iter().cloned() {
                report.customers += 1;
                let id = stored.id;
                let result = match crate::customers::record(stored) {
                    Ok(customer) => {
                        let channel = channels
                            .get(&customer.tenant)
                            .map_or(&[][..], Vec::as_slice);
                        self.recheck_customer(
                            scope,
                            &measures,
                            channel,
                            customer,
                            &mut report,
                            &mut compute,
                        )
                        .await
                    }
                    Err(error) => Err(error),
                };
                if let Err(error) = result {
                    report.errors += 1;
                    tracing::warn!(customer = %id, %error, "special-measure re-check failed; the next run retries");
                }
            }
            if page.len() < PAGE as usize {
                break;
            }
        }
        self.recheck_resellers(scope, &measures, &mut report)
            .await?;
        // The compute facts of these customers' owner groups may have changed with the registry.
        self.reassess_touched(compute).await?;
        if let Some(next) = self.next_change(scope, &measures, today).await? {
            self.enqueue_recheck_on(scope, next).await?;
        }
        tracing::info!(?report, "special-measure re-check");
        Ok(report)
    }

    async fn recheck_customer(
        &self,
        scope: &TenantScope,
        measures: &[SpecialMeasure],
        channel: &[Subject],
        customer: CustomerRecord,
        report: &mut RecheckReport,
        compute: &mut TouchedAccounts,
    ) -> AppResult<()> {
        let today = self.now().date_naive();
        let countries = self
            .store()
            .access_countries(scope, customer.tenant, &customer.accounts)
            .await?;
        let mut subjects = matching::subjects(
            &customer.customer,
            &customer.determination,
            PartyRef::from_uuid(*customer.id.as_uuid()),
            &countries,
            measures,
            self.policy(),
        );
        // The resellers the customer came through are subjects of its relationship too.
        subjects.extend_from_slice(channel);
        if placed_under_any(&subjects, measures, self.policy()) {
            compute
                .entry(customer.tenant)
                .or_default()
                .extend(customer.accounts.iter().cloned());
        }
        let plan = plan_enforcement(
            measures,
            &subjects,
            Stage::ExistingAccount,
            today,
            self.policy(),
        );
        if !self
            .apply_plan(scope, &customer, &plan, measures, report)
            .await?
        {
            return Ok(());
        }
        let mut change = Redecision::new(
            MEASURE_ENFORCED,
            "special measures re-checked: the actions in effect changed",
        );
        change.access_countries = countries;
        let id = customer.id;
        self.redecide(scope, customer, change).await?;
        report.applied += self.mark_due_applied(scope, id, today).await?;
        Ok(())
    }

    /// Makes the store agree with `plan` for one customer; returns whether an action fell due
    /// or a due one was lifted (the customer must be decided again).
    pub(super) async fn apply_plan(
        &self,
        scope: &TenantScope,
        customer: &CustomerRecord,
        plan: &EnforcementPlan,
        measures: &[SpecialMeasure],
        report: &mut RecheckReport,
    ) -> AppResult<bool> {
        let today = plan.decided_on;
        let filter = ActionFilter {
            customer: Some(customer.id),
            live_only: true,
            ..ActionFilter::default()
        };
        let live = self.store().measure_actions(scope, &filter).await?;
        let mut redecide = false;
        let mut planned_ids = Vec::new();
        for planned in &plan.actions {
            let measure = measure_id(planned)?;
            planned_ids.push(measure);
            // A refusal at onboarding stands as it was decided.
            if live
                .iter()
                .any(|a| a.measure == measure && a.kind == ActionKind::Refuse)
            {
                continue;
            }
            let new = NewMeasureAction {
                measure,
                customer: customer.id,
                kind: kind_of(&planned.action),
                due: planned.due,
                plan: serde_json::to_value(planned)
                    .map_err(|e| AppError::Internal(format!("plan does not encode: {e}")))?,
            };
            let (action, written) = self
                .store()
                .schedule_measure_action(scope, new, self.now())
                .await?;
            if written {
                report.scheduled += 1;
                self.raise_action_review(scope, customer, &action, planned)
                    .await?;
            }
            redecide |= action.state == ActionState::Scheduled && action.due <= today;
        }
        for action in live.iter().filter(|a| !planned_ids.contains(&a.measure)) {
            let reason = lifted_actions(&[plan_of(action)?], measures, today)
                .into_iter()
                .next()
                .map_or_else(
                    || {
                        "the evidence that matched no longer places the customer under the measure"
                            .to_owned()
                    },
                    |l| l.reason,
                );
            self.store()
                .set_measure_action_state(
                    scope,
                    action.id,
                    ActionState::Lifted,
                    Some(reason),
                    self.now(),
                )
                .await?;
            report.lifted += 1;
            redecide |= action.state == ActionState::Applied || action.due <= today;
        }
        for item in &plan.reviews {
            self.raise_possible_match(scope, customer, item, today)
                .await?;
            report.reviews += 1;
        }
        Ok(redecide)
    }

    /// Marks the customer's scheduled actions due by `today` as applied; returns how many.
    pub(super) async fn mark_due_applied(
        &self,
        scope: &TenantScope,
        customer: cloudkyc_store::customers::CustomerId,
        today: NaiveDate,
    ) -> AppResult<u32> {
        let filter = ActionFilter {
            customer: Some(customer),
            live_only: true,
            ..ActionFilter::default()
        };
        let mut applied = 0;
        for action in self.store().measure_actions(scope, &filter).await? {
            if action.state == ActionState::Scheduled && action.due <= today {
                self.store()
                    .set_measure_action_state(
                        scope,
                        action.id,
                        ActionState::Applied,
                        None,
                        self.now(),
                    )
                    .await?;
                applied += 1;
            }
        }
        Ok(applied)
    }
}

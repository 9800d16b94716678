//! Special measures (rule-pack section 6; issue 6 items 9-11): the registry, matching of
//! customers and owners against it, and enforcement.
//!
//! The registry validates every measure with the domain model (`cloudkyc_domain::measures`)
//! under the pack's `[special_measures]`. One rule is softened: the pack's
//! `earliest_effect_days` (180 days after the determination) rests on a single summary of the
//! proposal, so an earlier effective date is accepted with a warning kept on the measure
//! instead of refused (a provider must be able to record the determination as published).
//! Every other problem is refused with a 422 naming the field.
//!
//! Registering, extending or ending a measure enqueues a re-check of every customer and
//! reseller (`enforce.rs`, `resellers.rs`); onboarding consults the registry before the
//! decision is stored (`onboarding.rs`), and so does registering a reseller.

mod enforce;
mod matching;
mod onboarding;
mod resellers;
mod review;
mod schedule;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, Utc};
use cloudkyc_domain::measures::{
    Extension, Lifting, MeasureDraft, MeasureError, MeasureKindName, MeasureProblem, MeasureRecord,
    MeasureStatus, MeasureTarget, PlannedAction, SpecialMeasure,
};
use cloudkyc_domain::rule_pack::{Days, RulePack, SpecialMeasures};
use cloudkyc_domain::{Permission, TenantId, TenantKind};
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::measures::{
    ActionFilter, ActionKind, ActionState, MeasureActionId, MeasureChange, NewMeasure,
    SpecialMeasureId, StoredMeasure,
};

pub use enforce::{MEASURE_ENFORCED, RECHECK_JOB, RecheckReport};
/// The compute monitor matches owner groups' holders as enforcement does (`compute_links`).
pub(crate) use matching::subjects as measure_subjects;
pub use onboarding::{MeasureCap, OnboardingMeasures};
pub use schedule::RecheckMeasures;

use crate::{App, AppError, AppResult, FieldError};

pub const MEASURE_EXTEND: &str = "special_measure.extend";
pub const MEASURE_LIFT: &str = "special_measure.lift";

/// A measure to register, as the API carries it.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureRequest {
    pub target: MeasureTarget,
    pub kind: MeasureKindName,
    pub condition: Option<String>,
    pub determined: NaiveDate,
    pub effective: NaiveDate,
    /// Defaults to the effective date plus the pack's maximum duration.
    pub expiry: Option<NaiveDate>,
    pub reference: String,
}

/// A registered measure with its status today.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub id: SpecialMeasureId,
    pub tenant: TenantId,
    pub measure: SpecialMeasure,
    pub status: MeasureStatus,
    pub warnings: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One measure's action on one customer, with the matches and evidence behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureActionView {
    pub id: MeasureActionId,
    pub customer: CustomerId,
    pub tenant: TenantId,
    pub kind: ActionKind,
    pub due: NaiveDate,
    pub state: ActionState,
    pub plan: PlannedAction,
    pub lift_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// A measure and the customers it reaches.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureDetail {
    pub measure: Measure,
    pub actions: Vec<MeasureActionView>,
}

/// The pack's rules with the earliest effect lifted (see the module documentation).
pub(crate) fn lenient(pack: &RulePack) -> SpecialMeasures {
    let mut rules = pack.special_measures().clone();
    rules.earliest_effect_days = Days::new(0);
    rules
}

fn invalid(error: MeasureError) -> AppError {
    AppError::Invalid(
        error
            .problems
            .iter()
            .map(|p| FieldError::new(problem_path(p), p.to_string()))
            .collect(),
    )
}

fn problem_path(problem: &MeasureProblem) -> &'static str {
    match problem {
        MeasureProblem::InvalidId { .. } => "/id",
        MeasureProblem::BlankSourceReference => "/reference",
        MeasureProblem::BlankPersonName => "/target/name",
        MeasureProblem::MissingCondition
        | MeasureProblem::ConditionOnProhibition
        | MeasureProblem::UnknownCondition { .. } => "/condition",
        MeasureProblem::TooEarly { .. } => "/effective",
        MeasureProblem::ExpiryNotAfterEffective { .. } | MeasureProblem::TooLong { .. } => {
            "/expiry"
        }
        MeasureProblem::BlankReference { .. } => "/reference",
        MeasureProblem::ExtensionAfterExpiry { .. } => "/decided_on",
        MeasureProblem::AlreadyLifted { .. }
        | MeasureProblem::LiftBeforeDetermination { .. }
        | MeasureProblem::LiftAfterExpiry { .. } => "/on",
        MeasureProblem::ExpiryNotExtended { .. } => "/new_expiry",
    }
}

pub(crate) fn stored_to_measure(
    stored: StoredMeasure,
    pack: &RulePack,
    today: NaiveDate,
) -> AppResult<Measure> {
    let record: MeasureRecord = serde_json::from_value(stored.record).map_err(|e| {
        AppError::Internal(format!("stored measure {} does not decode: {e}", stored.id))
    })?;
    let measure = SpecialMeasure::from_record(record, &lenient(pack))
        .map_err(|e| AppError::Internal(format!("stored measure {} is invalid: {e}", stored.id)))?;
    Ok(Measure {
        id: stored.id,
        tenant: stored.tenant,
        status: measure.status_on(today),
        measure,
        warnings: stored.warnings,
        created_at: stored.created_at,
        updated_at: stored.updated_at,
    })
}

fn record_json(measure: &SpecialMeasure) -> AppResult<serde_json::Value> {
    serde_json::to_value(MeasureRecord::from(measure.clone()))
        .map_err(|e| AppError::Internal(format!("measure does not encode: {e}")))
}

impl App {
    /// Registers a measure for the provider (resellers cannot) and enqueues the re-check of
    /// every customer.
    pub async fn register_measure(
        &self,
        scope: &TenantScope,
        request: MeasureRequest,
    ) -> AppResult<Measure> {
        Self::require(scope, Permission::ManageSpecialMeasures)?;
        let tenant = self.store().tenant(scope, scope.tenant()).await?;
        if tenant.kind == TenantKind::Reseller {
            return Err(AppError::Forbidden(
                "special measures are registered by the provider".into(),
            ));
        }
        let id = SpecialMeasureId::new();
        let draft = MeasureDraft {
            id: id.to_string(),
            target: request.target,
            kind: request.kind,
            condition: request.condition,
            determination_date: request.determined,
            effective_date: request.effective,
            expiry_date: request.expiry,
            source_reference: request.reference,
        };
        let pack = self.policy();
        let mut warnings = Vec::new();
        if let Err(error) = SpecialMeasure::new(draft.clone(), pack.special_measures()) {
            let (early, other): (Vec<_>, Vec<_>) = error
                .problems
                .into_iter()
                .partition(|p| matches!(p, MeasureProblem::TooEarly { .. }));
            if !other.is_empty() {
                return Err(invalid(MeasureError { problems: other }));
            }
            warnings.extend(
                early
                    .iter()
                    .map(|p| format!("{p}; accepted as published, check the determination")),
            );
        }
        let measure = SpecialMeasure::new(draft, &lenient(pack)).map_err(invalid)?;
        let target_kind = match measure.target() {
            MeasureTarget::Jurisdiction { .. } => "jurisdiction",
            MeasureTarget::Person(_) => "person",
        };
        let kind = match measure.kind() {
            cloudkyc_domain::measures::MeasureKind::Prohibit => "prohibit",
            cloudkyc_domain::measures::MeasureKind::Condition { .. } => "condition",
        };
        let new = NewMeasure {
            id,
            target_kind: target_kind.into(),
            kind: kind.into(),
            effective_date: measure.effective_date(),
            expiry_date: measure.expiry(),
            record: record_json(&measure)?,
            warnings,
        };
        let stored = self.store().create_measure(scope, new, self.now()).await?;
        self.enqueue_measure_recheck(scope, &format!("{}@{}", stored.id, stored.updated_at))
            .await?;
        stored_to_measure(stored, pack, self.now().date_naive())
    }

    /// The measures visible to the scope, newest first.
    pub async fn measures(&self, scope: &TenantScope) -> AppResult<Vec<Measure>> {
        Self::require(scope, Permission::ReadCustomers)?;
        let today = self.now().date_naive();
        self.store()
            .measures(scope)
            .await?
            .into_iter()
            .map(|m| stored_to_measure(m, self.policy(), today))
            .collect()
    }

    /// A measure with its actions on the customers visible to the scope.
    pub async fn measure_detail(
        &self,
        scope: &TenantScope,
        id: SpecialMeasureId,
    ) -> AppResult<MeasureDetail> {
        Self::require(scope, Permission::ReadCustomers)?;
        let stored = self.store().measure(scope, id).await?;
        let measure = stored_to_measure(stored, self.policy(), self.now().date_naive())?;
        let filter = ActionFilter {
            measure: Some(id),
            ..ActionFilter::default()
        };
        let actions = self
            .store()
            .measure_actions(scope, &filter)
            .await?
            .into_iter()
            .map(enforce::action_view)
            .collect::<AppResult<Vec<_>>>()?;
        Ok(MeasureDetail { measure, actions })
    }

    /// Keeps a measure in force until `extension.new_expiry`; re-checks every customer.
    pub async fn extend_measure(
        &self,
        scope: &TenantScope,
        id: SpecialMeasureId,
        extension: Extension,
    ) -> AppResult<Measure> {
        self.change_measure(scope, id, MEASURE_EXTEND, |measure, pack| {
            measure.extend(extension, pack)
        })
        .await
    }

    /// Ends a measure early, from `lifting.on`; the actions it caused are lifted by the
    /// re-check that runs on that day.
    pub async fn lift_measure(
        &self,
        scope: &TenantScope,
        id: SpecialMeasureId,
        lifting: Lifting,
    ) -> AppResult<Measure> {
        self.change_measure(scope, id, MEASURE_LIFT, |measure, _| measure.lift(lifting))
            .await
    }

    async fn change_measure(
        &self,
        scope: &TenantScope,
        id: SpecialMeasureId,
        action: &str,
        change: impl FnOnce(&mut SpecialMeasure, &SpecialMeasures) -> Result<(), MeasureError>,
    ) -> AppResult<Measure> {
        Self::require(scope, Permission::ManageSpecialMeasures)?;
        let pack = self.policy();
        let today = self.now().date_naive();
        let stored = self.store().measure(scope, id).await?;
        let expected_updated_at = stored.updated_at;
        let mut current = stored_to_measure(stored, pack, today)?;
        change(&mut current.measure, pack.special_measures()).map_err(invalid)?;
        let update = MeasureChange {
            action: action.to_owned(),
            expiry_date: current.measure.expiry(),
            lifted_on: current.measure.lifted().map(|l| l.on),
            record: record_json(&current.measure)?,
            expected_updated_at,
        };
        let stored = self
            .store()
            .update_measure(scope, id, update, self.now())
            .await?;
        self.enqueue_measure_recheck(scope, &format!("{}@{}", stored.id, stored.updated_at))
            .await?;
        stored_to_measure(stored, pack, today)
    }
}

//! Special measures (issue 6, items 9-11): the registry of measures and the actions they cause
//! on customers' accounts.
//!
//! A measure's full record (its target may name a person) is sealed (associated data tenant /
//! `special_measures` / row / `record`); the columns a sweep needs stay in clear: target and
//! measure kind, effective and expiry dates, the date it was lifted, and warnings about the
//! dates (no personal data). The store does not interpret the record: the application validates
//! it with the domain model before every write.
//!
//! An action is what one measure requires of one customer: refuse, close or restrict, due on a
//! date. Its plan (the matches and the evidence that placed the customer, personal data) is
//! sealed (tenant / `special_measure_actions` / row / `plan`). A customer has at most one live
//! (scheduled or applied) action per measure: scheduling again updates it. Every write of a
//! measure or an action appends its audit event in the same transaction; an action's event goes
//! to its customer's tenant.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cloudkyc_domain::TenantId;
use serde::{Deserialize, Serialize};

use crate::audit::NewAuditEvent;
use crate::crypto::{Aad, KeyRing};
use crate::customers::{CustomerId, enum_text, parse_enum};
use crate::documents::uuid_id;
use crate::{StoreError, StoreResult, TenantScope};

pub const MEASURES_TABLE: &str = "special_measures";
pub const ACTIONS_TABLE: &str = "special_measure_actions";

/// Audit actions and subjects.
pub const MEASURE_CREATE: &str = "special_measure.create";
pub const MEASURE_SUBJECT: &str = "special_measure";
pub const ACTION_SCHEDULE: &str = "special_measure.action_schedule";
pub const ACTION_APPLY: &str = "special_measure.action_apply";
pub const ACTION_LIFT: &str = "special_measure.action_lift";
pub const ACTION_SUBJECT: &str = "special_measure_action";

uuid_id!(
    /// A measure of the registry (also the domain's `MeasureId`, as text).
    SpecialMeasureId
);
uuid_id!(
    /// One measure's action on one customer.
    MeasureActionId
);

/// A measure to register for the scope's tenant, validated by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMeasure {
    /// The id the caller built the record with.
    pub id: SpecialMeasureId,
    /// `jurisdiction` or `person`.
    pub target_kind: String,
    /// `prohibit` or `condition`.
    pub kind: String,
    pub effective_date: NaiveDate,
    pub expiry_date: NaiveDate,
    /// The domain's `MeasureRecord`, sealed.
    pub record: serde_json::Value,
    /// What the registry accepted although the pack questions it (in clear: dates only).
    pub warnings: Vec<String>,
}

/// A stored measure, opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredMeasure {
    pub id: SpecialMeasureId,
    pub tenant: TenantId,
    pub target_kind: String,
    pub kind: String,
    pub effective_date: NaiveDate,
    pub expiry_date: NaiveDate,
    pub lifted_on: Option<NaiveDate>,
    pub record: serde_json::Value,
    pub warnings: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A change of a stored measure (an extension or an early end).
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureChange {
    /// The audit action, e.g. `special_measure.extend`.
    pub action: String,
    pub expiry_date: NaiveDate,
    pub lifted_on: Option<NaiveDate>,
    pub record: serde_json::Value,
    /// Refused with `Conflict` when the measure's `updated_at` moved since it was read.
    pub expected_updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// The customer was refused at onboarding.
    Refuse,
    Close,
    Restrict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionState {
    /// Waiting for its due date.
    Scheduled,
    /// Carried out on the customer's accounts.
    Applied,
    /// The measure ended (or no longer reaches the customer): the action no longer holds.
    Lifted,
}

/// An action to schedule on a customer visible to the scope.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMeasureAction {
    pub measure: SpecialMeasureId,
    pub customer: CustomerId,
    pub kind: ActionKind,
    pub due: NaiveDate,
    /// The domain's `PlannedAction` (matches and evidence), sealed.
    pub plan: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureAction {
    pub id: MeasureActionId,
    pub measure: SpecialMeasureId,
    pub customer: CustomerId,
    /// The customer's tenant.
    pub tenant: TenantId,
    pub kind: ActionKind,
    pub due: NaiveDate,
    pub state: ActionState,
    pub plan: serde_json::Value,
    /// Why it was lifted (no personal data).
    pub lift_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Which actions to list; every field narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionFilter {
    pub measure: Option<SpecialMeasureId>,
    pub customer: Option<CustomerId>,
    /// Scheduled and applied actions only.
    pub live_only: bool,
}

#[async_trait]
pub trait MeasureStore: Send + Sync {
    /// Registers a measure for the scope's tenant with one `special_measure.create` event.
    async fn create_measure(
        &self,
        scope: &TenantScope,
        new: NewMeasure,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredMeasure>;
    /// A measure of a tenant visible to the scope; `NotFound` otherwise.
    async fn measure(
        &self,
        scope: &TenantScope,
        id: SpecialMeasureId,
    ) -> StoreResult<StoredMeasure>;
    /// The measures of the tenants visible to the scope, newest first.
    async fn measures(&self, scope: &TenantScope) -> StoreResult<Vec<StoredMeasure>>;
    /// Applies `change` with one event under `change.action`; `Conflict` when stale.
    async fn update_measure(
        &self,
        scope: &TenantScope,
        id: SpecialMeasureId,
        change: MeasureChange,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredMeasure>;
    /// Schedules `new` on its customer (which must be visible to the scope), or updates the
    /// customer's live action of the same measure when kind, due date or plan differ. Returns
    /// the action and whether anything was written (one `special_measure.action_schedule`
    /// event then).
    async fn schedule_measure_action(
        &self,
        scope: &TenantScope,
        new: NewMeasureAction,
        now: DateTime<Utc>,
    ) -> StoreResult<(MeasureAction, bool)>;
    /// Actions on customers of the tenants visible to the scope, oldest first.
    async fn measure_actions(
        &self,
        scope: &TenantScope,
        filter: &ActionFilter,
    ) -> StoreResult<Vec<MeasureAction>>;
    /// Moves a live action to `Applied` or `Lifted` (with the reason) with one event
    /// (`special_measure.action_apply` / `_lift`). Moving to its current state is a no-op that
    /// writes nothing; a lifted action cannot change again (`Conflict`).
    async fn set_measure_action_state(
        &self,
        scope: &TenantScope,
        id: MeasureActionId,
        state: ActionState,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> StoreResult<MeasureAction>;
}

fn aad<'a>(tenant: TenantId, table: &'static str, row: &'a str, column: &'static str) -> Aad<'a> {
    Aad {
        tenant,
        table,
        row,
        column,
    }
}

fn json_bytes(value: &serde_json::Value) -> StoreResult<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(format!("record: {e}")))
}

fn json_of(bytes: &[u8], column: &str) -> StoreResult<serde_json::Value> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
}

/// The sealed `record_ct` of a measure row.
pub fn seal_record(
    ring: &KeyRing,
    tenant: TenantId,
    id: SpecialMeasureId,
    record: &serde_json::Value,
) -> StoreResult<Vec<u8>> {
    let row = id.to_string();
    ring.encrypt(
        &json_bytes(record)?,
        aad(tenant, MEASURES_TABLE, &row, "record"),
    )
}

pub fn open_record(
    ring: &KeyRing,
    tenant: TenantId,
    id: SpecialMeasureId,
    ciphertext: &[u8],
) -> StoreResult<serde_json::Value> {
    let row = id.to_string();
    let bytes = ring.decrypt(ciphertext, aad(tenant, MEASURES_TABLE, &row, "record"))?;
    json_of(&bytes, "record_ct")
}

/// The sealed `plan_ct` of an action row.
pub fn seal_plan(
    ring: &KeyRing,
    tenant: TenantId,
    id: MeasureActionId,
    plan: &serde_json::Value,
) -> StoreResult<Vec<u8>> {
    let row = id.to_string();
    ring.encrypt(&json_bytes(plan)?, aad(tenant, ACTIONS_TABLE, &row, "plan"))
}

pub fn open_plan(
    ring: &KeyRing,
    tenant: TenantId,
    id: MeasureActionId,
    ciphertext: &[u8],
) -> StoreResult<serde_json::Value> {
    let row = id.to_string();
    let bytes = ring.decrypt(ciphertext, aad(tenant, ACTIONS_TABLE, &row, "plan"))?;
    json_of(&bytes, "plan_ct")
}

/// A date column (`YYYY-MM-DD` text in both backends: it sorts as it compares).
pub fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

pub fn parse_date(column: &str, text: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| StoreError::Corrupt(format!("column {column}: {text:?}: {e}")))
}

pub fn parse_optional_date(column: &str, text: Option<String>) -> StoreResult<Option<NaiveDate>> {
    text.map(|t| parse_date(column, &t)).transpose()
}

pub fn kind_text(kind: ActionKind) -> StoreResult<String> {
    enum_text(&kind)
}

pub fn parse_kind(text: &str) -> StoreResult<ActionKind> {
    parse_enum("kind", text)
}

pub fn state_text(state: ActionState) -> StoreResult<String> {
    enum_text(&state)
}

pub fn parse_state(text: &str) -> StoreResult<ActionState> {
    parse_enum("state", text)
}

/// The warnings column (a JSON array of strings).
pub fn warnings_text(warnings: &[String]) -> String {
    serde_json::Value::from(warnings.to_vec()).to_string()
}

pub fn parse_warnings(text: &str) -> StoreResult<Vec<String>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("column warnings: {e}")))
}

/// The event of a measure's creation or change (digests of the whole stored state).
pub fn measure_event(
    action: &str,
    before: Option<&StoredMeasure>,
    after: &StoredMeasure,
) -> NewAuditEvent {
    NewAuditEvent::new(action, MEASURE_SUBJECT, after.id, before, Some(after))
}

pub fn action_event(
    action: &str,
    before: Option<&MeasureAction>,
    after: &MeasureAction,
) -> NewAuditEvent {
    NewAuditEvent::new(action, ACTION_SUBJECT, after.id, before, Some(after))
}

/// Whether a scheduled action must be rewritten to match `new`.
pub fn differs(current: &MeasureAction, new: &NewMeasureAction) -> bool {
    current.kind != new.kind || current.due != new.due || current.plan != new.plan
}

/// What scheduling `new` does to the customer's live action for the measure (`current`, read
/// under the write lock): `Unchanged` when it already says the same, else the states before and
/// after, for the backend to write with its audit event.
#[derive(Debug)]
pub enum Scheduling {
    Unchanged(MeasureAction),
    Write {
        before: Option<MeasureAction>,
        after: MeasureAction,
    },
}

pub fn schedule(
    current: Option<MeasureAction>,
    new: NewMeasureAction,
    tenant: TenantId,
    now: DateTime<Utc>,
) -> Scheduling {
    match current {
        Some(current) if !differs(&current, &new) => Scheduling::Unchanged(current),
        Some(current) => Scheduling::Write {
            after: MeasureAction {
                kind: new.kind,
                due: new.due,
                plan: new.plan,
                updated_at: crate::customer_updates::next_updated_at(now, current.updated_at),
                ..current.clone()
            },
            before: Some(current),
        },
        None => {
            let at = crate::audit::truncate_to_micros(now);
            Scheduling::Write {
                before: None,
                after: MeasureAction {
                    id: MeasureActionId::new(),
                    measure: new.measure,
                    customer: new.customer,
                    tenant,
                    kind: new.kind,
                    due: new.due,
                    state: ActionState::Scheduled,
                    plan: new.plan,
                    lift_reason: None,
                    created_at: at,
                    updated_at: at,
                },
            }
        }
    }
}

/// The event of a state change, and the refusal of changing a lifted action.
pub fn transition(
    current: &MeasureAction,
    state: ActionState,
) -> StoreResult<Option<&'static str>> {
    match (current.state, state) {
        (from, to) if from == to => Ok(None),
        (ActionState::Lifted, _) => Err(StoreError::Conflict(format!(
            "action {} was lifted; schedule a new one",
            current.id
        ))),
        (_, ActionState::Applied) => Ok(Some(ACTION_APPLY)),
        (_, ActionState::Lifted) => Ok(Some(ACTION_LIFT)),
        (_, ActionState::Scheduled) => Err(StoreError::Conflict(format!(
            "action {} cannot go back to scheduled",
            current.id
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_kinds_and_states_round_trip() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
        assert_eq!(parse_date("d", &date_text(date)).ok(), Some(date));
        assert!(parse_date("d", "01/11/2026").is_err());
        for kind in [ActionKind::Refuse, ActionKind::Close, ActionKind::Restrict] {
            assert_eq!(
                parse_kind(&kind_text(kind).unwrap_or_default()).ok(),
                Some(kind)
            );
        }
        for state in [
            ActionState::Scheduled,
            ActionState::Applied,
            ActionState::Lifted,
        ] {
            assert_eq!(
                parse_state(&state_text(state).unwrap_or_default()).ok(),
                Some(state)
            );
        }
        let warnings = vec!["early".to_owned()];
        assert_eq!(
            parse_warnings(&warnings_text(&warnings)).ok(),
            Some(warnings)
        );
    }
}

//! Special measures and their actions on customers (PostgreSQL). Sealing and audit events live in
//! `cloudkyc_store::measures`; this file is the SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::truncate_to_micros;
use cloudkyc_store::customer_updates::next_updated_at;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::measures::{
    ACTION_SCHEDULE, ActionFilter, ActionState, MEASURE_CREATE, MeasureAction, MeasureActionId,
    MeasureChange, MeasureStore, NewMeasure, NewMeasureAction, Scheduling, SpecialMeasureId,
    StoredMeasure, action_event, date_text, kind_text, measure_event, open_plan, open_record,
    parse_date, parse_kind, parse_optional_date, parse_state, parse_warnings, schedule, seal_plan,
    seal_record, state_text, transition, warnings_text,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::postgres::PgRow;

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::notify::{Change, announce};
use crate::rows::{get, time, uuids};

const MEASURE_COLUMNS: &str = "id, tenant_id, target_kind, kind, effective_date, expiry_date, \
     lifted_on, record_ct, warnings, created_at, updated_at";
const ACTION_COLUMNS: &str = "id, measure_id, customer_id, tenant_id, kind, due, state, plan_ct, \
     lift_reason, created_at, updated_at";

impl PgStore {
    fn stored_measure(&self, row: &PgRow) -> StoreResult<StoredMeasure> {
        let id = SpecialMeasureId::from_uuid(get(row, "id")?);
        let tenant = TenantId::from_uuid(get(row, "tenant_id")?);
        let record_ct: Vec<u8> = get(row, "record_ct")?;
        Ok(StoredMeasure {
            id,
            tenant,
            target_kind: get::<String>(row, "target_kind")?,
            kind: get::<String>(row, "kind")?,
            effective_date: parse_date("effective_date", &get::<String>(row, "effective_date")?)?,
            expiry_date: parse_date("expiry_date", &get::<String>(row, "expiry_date")?)?,
            lifted_on: parse_optional_date("lifted_on", get(row, "lifted_on")?)?,
            record: open_record(&self.ring, tenant, id, &record_ct)?,
            warnings: parse_warnings(&get::<String>(row, "warnings")?)?,
            created_at: time(row, "created_at")?,
            updated_at: time(row, "updated_at")?,
        })
    }

    fn measure_action(&self, row: &PgRow) -> StoreResult<MeasureAction> {
        let id = MeasureActionId::from_uuid(get(row, "id")?);
        let tenant = TenantId::from_uuid(get(row, "tenant_id")?);
        let plan_ct: Vec<u8> = get(row, "plan_ct")?;
        Ok(MeasureAction {
            id,
            measure: SpecialMeasureId::from_uuid(get(row, "measure_id")?),
            customer: CustomerId::from_uuid(get(row, "customer_id")?),
            tenant,
            kind: parse_kind(&get::<String>(row, "kind")?)?,
            due: parse_date("due", &get::<String>(row, "due")?)?,
            state: parse_state(&get::<String>(row, "state")?)?,
            plan: open_plan(&self.ring, tenant, id, &plan_ct)?,
            lift_reason: get(row, "lift_reason")?,
            created_at: time(row, "created_at")?,
            updated_at: time(row, "updated_at")?,
        })
    }
}

#[async_trait]
impl MeasureStore for PgStore {
    async fn create_measure(
        &self,
        scope: &TenantScope,
        new: NewMeasure,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredMeasure> {
        let tenant = scope.tenant();
        let at = truncate_to_micros(now);
        let measure = StoredMeasure {
            id: new.id,
            tenant,
            target_kind: new.target_kind,
            kind: new.kind,
            effective_date: new.effective_date,
            expiry_date: new.expiry_date,
            lifted_on: None,
            record: new.record,
            warnings: new.warnings,
            created_at: at,
            updated_at: at,
        };
        let record_ct = seal_record(&self.ring, tenant, measure.id, &measure.record)?;
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query(&format!(
            "INSERT INTO special_measures ({MEASURE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, $9, $10)"
        ))
        .bind(measure.id.as_uuid())
        .bind(tenant.as_uuid())
        .bind(&measure.target_kind)
        .bind(&measure.kind)
        .bind(date_text(measure.effective_date))
        .bind(date_text(measure.expiry_date))
        .bind(record_ct)
        .bind(warnings_text(&measure.warnings))
        .bind(at)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let event = measure_event(MEASURE_CREATE, None, &measure);
        append(&mut tx, tenant, scope.actor(), now, event).await?;
        announce(&mut tx, Change::Measures).await?;
        tx.commit().await.map_err(db)?;
        Ok(measure)
    }

    async fn measure(
        &self,
        scope: &TenantScope,
        id: SpecialMeasureId,
    ) -> StoreResult<StoredMeasure> {
        let row = sqlx::query(&format!(
            "SELECT {MEASURE_COLUMNS} FROM special_measures WHERE id = $1 \
             AND tenant_id = ANY($2)"
        ))
        .bind(id.as_uuid())
        .bind(uuids(scope.visible()))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("special measure"))?;
        self.stored_measure(&row)
    }

    async fn measures(&self, scope: &TenantScope) -> StoreResult<Vec<StoredMeasure>> {
        let found = sqlx::query(&format!(
            "SELECT {MEASURE_COLUMNS} FROM special_measures \
             WHERE tenant_id = ANY($1) ORDER BY id DESC"
        ))
        .bind(uuids(scope.visible()))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        found.iter().map(|row| self.stored_measure(row)).collect()
    }

    async fn update_measure(
        &self,
        scope: &TenantScope,
        id: SpecialMeasureId,
        change: MeasureChange,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredMeasure> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let row = sqlx::query(&format!(
            "SELECT {MEASURE_COLUMNS} FROM special_measures WHERE id = $1 \
             AND tenant_id = ANY($2) FOR UPDATE"
        ))
        .bind(id.as_uuid())
        .bind(uuids(scope.visible()))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("special measure"))?;
        let before = self.stored_measure(&row)?;
        if before.updated_at != truncate_to_micros(change.expected_updated_at) {
            return Err(StoreError::Conflict(format!(
                "special measure {id} was changed by someone else since it was read"
            )));
        }
        let after = StoredMeasure {
            expiry_date: change.expiry_date,
            lifted_on: change.lifted_on,
            record: change.record,
            updated_at: next_updated_at(now, before.updated_at),
            ..before.clone()
        };
        let record_ct = seal_record(&self.ring, after.tenant, id, &after.record)?;
        sqlx::query(
            "UPDATE special_measures SET expiry_date = $1, lifted_on = $2, record_ct = $3, \
             updated_at = $4 WHERE id = $5",
        )
        .bind(date_text(after.expiry_date))
        .bind(after.lifted_on.map(date_text))
        .bind(record_ct)
        .bind(after.updated_at)
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let event = measure_event(&change.action, Some(&before), &after);
        append(&mut tx, after.tenant, scope.actor(), now, event).await?;
        announce(&mut tx, Change::Measures).await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    async fn schedule_measure_action(
        &self,
        scope: &TenantScope,
        new: NewMeasureAction,
        now: DateTime<Utc>,
    ) -> StoreResult<(MeasureAction, bool)> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let tenant: uuid::Uuid = sqlx::query_scalar(
            "SELECT tenant_id FROM customers WHERE id = $1 \
             AND tenant_id = ANY($2)",
        )
        .bind(new.customer.as_uuid())
        .bind(uuids(scope.visible()))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("customer"))?;
        let tenant = TenantId::from_uuid(tenant);
        let current = sqlx::query(&format!(
            "SELECT {ACTION_COLUMNS} FROM special_measure_actions \
             WHERE measure_id = $1 AND customer_id = $2 AND state <> 'lifted' FOR UPDATE"
        ))
        .bind(new.measure.as_uuid())
        .bind(new.customer.as_uuid())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .map(|row| self.measure_action(&row))
        .transpose()?;
        let (before, after) = match schedule(current, new, tenant, now) {
            Scheduling::Unchanged(current) => return Ok((current, false)),
            Scheduling::Write { before, after } => (before, after),
        };
        let plan_ct = seal_plan(&self.ring, tenant, after.id, &after.plan)?;
        sqlx::query(&format!(
            "INSERT INTO special_measure_actions ({ACTION_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10) \
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, due = excluded.due, \
             plan_ct = excluded.plan_ct, updated_at = excluded.updated_at"
        ))
        .bind(after.id.as_uuid())
        .bind(after.measure.as_uuid())
        .bind(after.customer.as_uuid())
        .bind(tenant.as_uuid())
        .bind(kind_text(after.kind)?)
        .bind(date_text(after.due))
        .bind(state_text(after.state)?)
        .bind(plan_ct)
        .bind(after.created_at)
        .bind(after.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let event = action_event(ACTION_SCHEDULE, before.as_ref(), &after);
        append(&mut tx, tenant, scope.actor(), now, event).await?;
        tx.commit().await.map_err(db)?;
        Ok((after, true))
    }

    async fn measure_actions(
        &self,
        scope: &TenantScope,
        filter: &ActionFilter,
    ) -> StoreResult<Vec<MeasureAction>> {
        let found = sqlx::query(&format!(
            "SELECT {ACTION_COLUMNS} FROM special_measure_actions \
             WHERE tenant_id = ANY($1) \
               AND ($2::uuid IS NULL OR measure_id = $2) AND ($3::uuid IS NULL OR customer_id = $3) \
               AND (NOT $4 OR state <> 'lifted') ORDER BY id"
        ))
        .bind(uuids(scope.visible()))
        .bind(filter.measure.map(|m| *m.as_uuid()))
        .bind(filter.customer.map(|c| *c.as_uuid()))
        .bind(filter.live_only)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        found.iter().map(|row| self.measure_action(row)).collect()
    }

    async fn set_measure_action_state(
        &self,
        scope: &TenantScope,
        id: MeasureActionId,
        state: ActionState,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> StoreResult<MeasureAction> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let row = sqlx::query(&format!(
            "SELECT {ACTION_COLUMNS} FROM special_measure_actions WHERE id = $1 \
             AND tenant_id = ANY($2) FOR UPDATE"
        ))
        .bind(id.as_uuid())
        .bind(uuids(scope.visible()))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("special measure action"))?;
        let before = self.measure_action(&row)?;
        let Some(action) = transition(&before, state)? else {
            return Ok(before);
        };
        let after = MeasureAction {
            state,
            lift_reason: if state == ActionState::Lifted {
                reason
            } else {
                before.lift_reason.clone()
            },
            updated_at: next_updated_at(now, before.updated_at),
            ..before.clone()
        };
        sqlx::query(
            "UPDATE special_measure_actions SET state = $1, lift_reason = $2, updated_at = $3 \
             WHERE id = $4",
        )
        .bind(state_text(after.state)?)
        .bind(&after.lift_reason)
        .bind(after.updated_at)
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append(
            &mut tx,
            after.tenant,
            scope.actor(),
            now,
            action_event(action, Some(&before), &after),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }
}

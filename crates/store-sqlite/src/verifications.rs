//! A customer's verification history in SQLite. The row values (sealed evidence, state texts)
//! are built by `cloudkyc_store::verifications`, so this file only knows SQLite's SQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::{NewAuditEvent, truncate_to_micros};
use cloudkyc_store::backend::to_micros;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::verifications::{
    NewVerification, VERIFICATION_RECORD, VERIFICATION_REJECT, VERIFICATION_REQUEST,
    VERIFICATION_SUBJECT, Verification, VerificationId, VerificationRow, VerificationState,
    VerificationStore, seal_evidence, state_text,
};
use cloudkyc_store::{Actor, StoreError, StoreResult, TenantScope};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnection, SqliteRow};

use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{self, id_list};

const COLUMNS: &str = "id, tenant_id, customer_id, state, event_id, evidence_ct, requested_by, \
     decided_by, created_at, decided_at";

fn verification_row(row: &SqliteRow) -> StoreResult<VerificationRow> {
    Ok(VerificationRow {
        id: rows::id(row, "id")?,
        tenant: rows::id(row, "tenant_id")?,
        customer: rows::id(row, "customer_id")?,
        state: rows::text(row, "state")?,
        event_id: row.try_get("event_id").map_err(db)?,
        evidence_ct: row.try_get("evidence_ct").map_err(db)?,
        requested_by: rows::text(row, "requested_by")?,
        decided_by: row.try_get("decided_by").map_err(db)?,
        created_at: rows::time(row, "created_at")?,
        decided_at: rows::optional_time(row, "decided_at")?,
    })
}

/// The tenant of a customer visible to the scope; `NotFound` otherwise.
pub(crate) async fn customer_tenant(
    conn: &mut SqliteConnection,
    scope: &TenantScope,
    customer: CustomerId,
) -> StoreResult<TenantId> {
    let tenant: Option<String> = sqlx::query_scalar(
        "SELECT tenant_id FROM customers WHERE id = ? AND tenant_id IN (SELECT value FROM json_each(?))",
    )
    .bind(customer.to_string())
    .bind(id_list(scope.visible()))
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?;
    let tenant = tenant.ok_or_else(|| StoreError::not_found("customer"))?;
    cloudkyc_store::backend::parse_id("tenant_id", &tenant)
}

/// Inserts a record inside the caller's write transaction (no audit event: the caller writes
/// the one event of its change). A taken vendor event id is a `Conflict`.
pub(crate) async fn insert(
    store: &SqliteStore,
    conn: &mut SqliteConnection,
    tenant: TenantId,
    actor: &Actor,
    new: NewVerification,
    now: DateTime<Utc>,
) -> StoreResult<Verification> {
    let id = VerificationId::new();
    let at = truncate_to_micros(now);
    let evidence_ct = seal_evidence(&store.ring, tenant, id, &new.evidence)?;
    // Applied and recorded records are decided when written, by whoever wrote them.
    let decided = new.state != VerificationState::Pending;
    let requested_by = actor.audit_name();
    sqlx::query(&format!(
        "INSERT INTO customer_verifications ({COLUMNS}, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(id.to_string())
    .bind(tenant.to_string())
    .bind(new.customer.to_string())
    .bind(state_text(new.state))
    .bind(&new.event_id)
    .bind(&evidence_ct)
    .bind(&requested_by)
    .bind(decided.then(|| requested_by.clone()))
    .bind(to_micros(at))
    .bind(decided.then(|| to_micros(at)))
    .bind(new.evidence.kind())
    .execute(&mut *conn)
    .await
    .map_err(|e| match db(e) {
        StoreError::Conflict(_) => StoreError::Conflict("this vendor event was already recorded".into()),
        other => other,
    })?;
    Ok(Verification {
        id,
        tenant,
        customer: new.customer,
        evidence: new.evidence,
        state: new.state,
        event_id: new.event_id,
        decided_by: decided.then(|| requested_by.clone()),
        requested_by,
        created_at: at,
        decided_at: decided.then_some(at),
    })
}

/// Marks a pending request of `customer` `state` (applied or rejected) by `actor` inside the
/// caller's write transaction. The requester cannot decide their own request (`Forbidden`); a
/// request that is no longer pending is a `Conflict`.
pub(crate) async fn resolve(
    store: &SqliteStore,
    conn: &mut SqliteConnection,
    customer: CustomerId,
    id: VerificationId,
    actor: &Actor,
    state: VerificationState,
    now: DateTime<Utc>,
) -> StoreResult<(Verification, Verification)> {
    let before = one(store, conn, customer, id).await?;
    let by = actor.audit_name();
    if before.state != VerificationState::Pending {
        return Err(StoreError::Conflict(format!(
            "verification {id} is {}, not pending",
            state_text(before.state)
        )));
    }
    if before.requested_by == by {
        return Err(StoreError::Forbidden(
            "a second officer must decide a four-eyes request; its requester cannot".into(),
        ));
    }
    let at = truncate_to_micros(now);
    let changed = sqlx::query(
        "UPDATE customer_verifications SET state = ?, decided_by = ?, decided_at = ? \
         WHERE id = ? AND state = 'pending'",
    )
    .bind(state_text(state))
    .bind(&by)
    .bind(to_micros(at))
    .bind(id.to_string())
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    // Another officer decided it between the read above and this write.
    if changed.rows_affected() != 1 {
        return Err(StoreError::Conflict(format!(
            "verification {id} was decided by someone else"
        )));
    }
    let after = Verification {
        state,
        decided_by: Some(by),
        decided_at: Some(at),
        ..before.clone()
    };
    Ok((before, after))
}

async fn one(
    store: &SqliteStore,
    conn: &mut SqliteConnection,
    customer: CustomerId,
    id: VerificationId,
) -> StoreResult<Verification> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM customer_verifications WHERE id = ? AND customer_id = ?"
    ))
    .bind(id.to_string())
    .bind(customer.to_string())
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    .ok_or_else(|| StoreError::not_found("verification"))?;
    verification_row(&row)?.open(&store.ring)
}

#[async_trait]
impl VerificationStore for SqliteStore {
    async fn record_verification(
        &self,
        scope: &TenantScope,
        new: NewVerification,
        now: DateTime<Utc>,
    ) -> StoreResult<Verification> {
        let mut tx = self.begin_write().await?;
        let tenant = customer_tenant(&mut tx, scope, new.customer).await?;
        let action = if new.state == VerificationState::Pending {
            VERIFICATION_REQUEST
        } else {
            VERIFICATION_RECORD
        };
        let record = insert(self, &mut tx, tenant, scope.actor(), new, now).await?;
        let event = NewAuditEvent::new(
            action,
            VERIFICATION_SUBJECT,
            record.id,
            None::<&Verification>,
            Some(&record),
        );
        append(&mut tx, tenant, scope.actor(), now, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(record)
    }

    async fn reject_verification(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        id: VerificationId,
        now: DateTime<Utc>,
    ) -> StoreResult<Verification> {
        let mut tx = self.begin_write().await?;
        let tenant = customer_tenant(&mut tx, scope, customer).await?;
        let (before, after) = resolve(
            self,
            &mut tx,
            customer,
            id,
            scope.actor(),
            VerificationState::Rejected,
            now,
        )
        .await?;
        let event = NewAuditEvent::new(
            VERIFICATION_REJECT,
            VERIFICATION_SUBJECT,
            id,
            Some(&before),
            Some(&after),
        );
        append(&mut tx, tenant, scope.actor(), now, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    async fn verification(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        id: VerificationId,
    ) -> StoreResult<Verification> {
        let mut conn = self.reader.acquire().await.map_err(db)?;
        customer_tenant(&mut conn, scope, customer).await?;
        one(self, &mut conn, customer, id).await
    }

    async fn verifications(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
    ) -> StoreResult<Vec<Verification>> {
        let mut conn = self.reader.acquire().await.map_err(db)?;
        customer_tenant(&mut conn, scope, customer).await?;
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM customer_verifications WHERE customer_id = ? ORDER BY id"
        ))
        .bind(customer.to_string())
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        found
            .iter()
            .map(|row| verification_row(row)?.open(&self.ring))
            .collect()
    }

    async fn verification_by_event(
        &self,
        scope: &TenantScope,
        event_id: &str,
    ) -> StoreResult<Option<Verification>> {
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM customer_verifications WHERE event_id = ? \
             AND tenant_id IN (SELECT value FROM json_each(?))"
        ))
        .bind(event_id)
        .bind(id_list(scope.visible()))
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?;
        found
            .map(|row| verification_row(&row)?.open(&self.ring))
            .transpose()
    }
}

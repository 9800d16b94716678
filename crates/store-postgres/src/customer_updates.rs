//! Changing a stored customer (see `cloudkyc_store::customer_updates`): one transaction that
//! first locks the customer's row (`FOR UPDATE`), so a racing change waits and then sees the
//! moved `updated_at`.

use chrono::{DateTime, Utc};
use cloudkyc_store::audit::NewAuditEvent;
use cloudkyc_store::customer_updates::{CustomerChange, DecisionColumns, next_updated_at, stale};
use cloudkyc_store::customers::{CUSTOMER_SUBJECT, Customer, CustomerId};
use cloudkyc_store::verifications::VerificationState;
use cloudkyc_store::{StoreError, StoreResult, TenantScope};

use crate::PgStore;
use crate::audit::append;
use crate::customers::COLUMNS;
use crate::error::db;
use crate::jobs::insert_jobs;
use crate::rows::uuids;
use crate::verifications;

pub(crate) async fn update(
    store: &PgStore,
    scope: &TenantScope,
    id: CustomerId,
    change: CustomerChange,
    now: DateTime<Utc>,
) -> StoreResult<Customer> {
    let mut tx = store.pool.begin().await.map_err(db)?;
    let found = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM customers WHERE id = $1 AND tenant_id = ANY($2) FOR UPDATE"
    ))
    .bind(id.as_uuid())
    .bind(uuids(scope.visible()))
    .fetch_all(&mut *tx)
    .await
    .map_err(db)?;
    let before = store
        .open_rows(&mut tx, found)
        .await?
        .pop()
        .ok_or_else(|| StoreError::not_found("customer"))?;
    if before.updated_at != cloudkyc_store::audit::truncate_to_micros(change.expected_updated_at) {
        return Err(stale(id));
    }
    let tenant = before.tenant;
    let at = next_updated_at(now, before.updated_at);
    let columns =
        DecisionColumns::seal(&store.ring, tenant, id, &change.decision, &change.personal)?;
    sqlx::query(
        "UPDATE customers SET person_status = $1, cip_status = $2, account_access = $3, risk_tier = $4, \
         policy_id = $5, policy_version = $6, reasons_ct = $7, personal_ct = $8, updated_at = $9 \
         WHERE id = $10",
    )
    .bind(&columns.person_status)
    .bind(&columns.cip_status)
    .bind(&columns.account_access)
    .bind(&columns.risk_tier)
    .bind(&change.decision.policy_id)
    .bind(&change.decision.policy_version)
    .bind(&columns.reasons_ct)
    .bind(&columns.personal_ct)
    .bind(at)
    .bind(id.as_uuid())
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    sqlx::query("DELETE FROM customer_lookups WHERE customer_id = $1")
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    for lookup in &change.lookups {
        sqlx::query(
            "INSERT INTO customer_lookups (tenant_id, bidx, customer_id) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(tenant.as_uuid())
        .bind(lookup.blind_index(&store.ring))
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    let accounts = match change.accounts {
        Some(accounts) => {
            sqlx::query("DELETE FROM customer_accounts WHERE customer_id = $1")
                .bind(id.as_uuid())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
            for (position, external_id) in (0_i32..).zip(&accounts) {
                sqlx::query(
                    "INSERT INTO customer_accounts (tenant_id, external_id, customer_id, position) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(tenant.as_uuid())
                .bind(external_id)
                .bind(id.as_uuid())
                .bind(position)
                .execute(&mut *tx)
                .await
                .map_err(|e| match db(e) {
                    StoreError::Conflict(_) => StoreError::Conflict(format!(
                        "account {external_id:?} belongs to another customer"
                    )),
                    other => other,
                })?;
            }
            accounts
        }
        None => before.accounts.clone(),
    };
    if let Some(request) = change.applies {
        verifications::resolve(
            store,
            &mut tx,
            id,
            request,
            scope.actor(),
            VerificationState::Applied,
            now,
        )
        .await?;
    }
    for new in change.verifications {
        if new.customer != id {
            return Err(StoreError::Conflict(
                "evidence recorded with a change must be the changed customer's".into(),
            ));
        }
        verifications::insert(store, &mut tx, tenant, scope.actor(), new, now).await?;
    }
    // A structure the change derives its owners from is written in this transaction too.
    if let Some(replacement) = change.ownership {
        store
            .replace_in(&mut tx, scope, id, tenant, replacement, now)
            .await?;
    }
    let after = Customer {
        decision: change.decision,
        personal: change.personal,
        accounts,
        updated_at: at,
        ..before.clone()
    };
    let event = NewAuditEvent::new(
        &change.action,
        CUSTOMER_SUBJECT,
        id,
        Some(&before),
        Some(&after),
    );
    append(&mut tx, tenant, scope.actor(), now, event).await?;
    insert_jobs(&mut tx, tenant, &change.jobs, now).await?;
    tx.commit().await.map_err(db)?;
    Ok(after)
}

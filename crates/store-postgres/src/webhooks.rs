//! Webhook subscriptions and their deliveries. A fan-out writes the delivery rows and their jobs
//! in one transaction; sealing lives in `cloudkyc_store::webhooks`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::{JobId, TenantId};
use cloudkyc_store::audit::truncate_to_micros;
use cloudkyc_store::backend::to_u32;
use cloudkyc_store::webhooks::{
    Delivery, DeliveryAttempt, DeliveryId, DeliveryState, DeliveryTarget, NewWebhook, Webhook,
    WebhookEvent, WebhookId, WebhookStore, created_event, deleted_event, delivery_job_payload,
    open_secret, open_url, parse_state, parse_status, seal_webhook, state_text,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::postgres::PgRow;
use uuid::Uuid;

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{get, time, uuids};

const WEBHOOK_COLUMNS: &str = "id, tenant_id, url_ct, events, created_at";
const DELIVERY_COLUMNS: &str = "d.id, d.webhook_id, d.tenant_id, d.event_id, d.event_type, \
     d.state, d.attempts, d.last_status, d.last_error, d.created_at, d.last_attempt_at";

impl PgStore {
    fn webhook(&self, row: &PgRow) -> StoreResult<Webhook> {
        let id = WebhookId::from_uuid(get(row, "id")?);
        let tenant = TenantId::from_uuid(get(row, "tenant_id")?);
        let url_ct: Vec<u8> = get(row, "url_ct")?;
        Ok(Webhook {
            id,
            tenant,
            url: open_url(&self.ring, tenant, id, &url_ct)?,
            events: get(row, "events")?,
            created_at: time(row, "created_at")?,
        })
    }
}

fn delivery(row: &PgRow) -> StoreResult<Delivery> {
    let attempts: i32 = get(row, "attempts")?;
    let status: Option<i32> = get(row, "last_status")?;
    Ok(Delivery {
        id: DeliveryId::from_uuid(get(row, "id")?),
        webhook: WebhookId::from_uuid(get(row, "webhook_id")?),
        tenant: TenantId::from_uuid(get(row, "tenant_id")?),
        event_id: get(row, "event_id")?,
        event_type: get(row, "event_type")?,
        state: parse_state(&get::<String>(row, "state")?)?,
        attempts: to_u32("attempts", i64::from(attempts))?,
        last_status: parse_status(status.map(i64::from))?,
        last_error: get(row, "last_error")?,
        created_at: time(row, "created_at")?,
        last_attempt_at: get(row, "last_attempt_at")?,
    })
}

#[async_trait]
impl WebhookStore for PgStore {
    async fn create_webhook(
        &self,
        scope: &TenantScope,
        new: NewWebhook,
        now: DateTime<Utc>,
    ) -> StoreResult<Webhook> {
        let id = WebhookId::new();
        let tenant = scope.tenant();
        let (url_ct, secret_ct) = seal_webhook(&self.ring, tenant, id, &new)?;
        let webhook = Webhook {
            id,
            tenant,
            url: new.url,
            events: new.events,
            created_at: truncate_to_micros(now),
        };
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query(
            "INSERT INTO webhooks (id, tenant_id, url_ct, secret_ct, events, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.as_uuid())
        .bind(tenant.as_uuid())
        .bind(url_ct)
        .bind(secret_ct)
        .bind(&webhook.events)
        .bind(webhook.created_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append(&mut tx, tenant, scope.actor(), now, created_event(&webhook)).await?;
        tx.commit().await.map_err(db)?;
        Ok(webhook)
    }

    async fn webhooks(&self, scope: &TenantScope) -> StoreResult<Vec<Webhook>> {
        let found = sqlx::query(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE deleted_at IS NULL \
             AND tenant_id = ANY($1) ORDER BY id DESC"
        ))
        .bind(uuids(scope.visible()))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        found.iter().map(|row| self.webhook(row)).collect()
    }

    async fn delete_webhook(
        &self,
        scope: &TenantScope,
        id: WebhookId,
        now: DateTime<Utc>,
    ) -> StoreResult<Webhook> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let row = sqlx::query(&format!(
            "UPDATE webhooks SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL \
             AND tenant_id = ANY($3) RETURNING {WEBHOOK_COLUMNS}"
        ))
        .bind(truncate_to_micros(now))
        .bind(id.as_uuid())
        .bind(uuids(scope.visible()))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("webhook"))?;
        let webhook = self.webhook(&row)?;
        append(
            &mut tx,
            webhook.tenant,
            scope.actor(),
            now,
            deleted_event(&webhook),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(webhook)
    }

    async fn enqueue_deliveries(
        &self,
        scope: &TenantScope,
        event: WebhookEvent,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Delivery>> {
        if !scope.can_see(event.tenant) {
            return Err(StoreError::not_found("tenant"));
        }
        let at = truncate_to_micros(now);
        let mut tx = self.pool.begin().await.map_err(db)?;
        // The tenant and its ancestors, walking up the parent links.
        let subscribed: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "WITH RECURSIVE chain (id, parent_id) AS ( \
                 SELECT id, parent_id FROM tenants WHERE id = $1 \
                 UNION ALL SELECT t.id, t.parent_id FROM tenants t JOIN chain c ON t.id = c.parent_id) \
             SELECT id, tenant_id FROM webhooks WHERE deleted_at IS NULL \
               AND tenant_id IN (SELECT id FROM chain) AND $2 = ANY(events) \
             ORDER BY id",
        )
        .bind(event.tenant.as_uuid())
        .bind(&event.event_type)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut created = Vec::new();
        for (webhook, tenant) in subscribed {
            let (webhook, tenant) = (WebhookId::from_uuid(webhook), TenantId::from_uuid(tenant));
            let id = DeliveryId::new();
            let inserted = sqlx::query(
                "INSERT INTO webhook_deliveries (id, webhook_id, tenant_id, event_id, event_type, \
                 event_created_at, data, state, attempts, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8) \
                 ON CONFLICT (webhook_id, event_id) DO NOTHING",
            )
            .bind(id.as_uuid())
            .bind(webhook.as_uuid())
            .bind(tenant.as_uuid())
            .bind(&event.event_id)
            .bind(&event.event_type)
            .bind(truncate_to_micros(event.created_at))
            .bind(&event.data)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            if inserted.rows_affected() == 0 {
                continue;
            }
            sqlx::query(
                "INSERT INTO jobs (id, tenant_id, kind, payload, dedupe_key, state, run_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, 'queued', $6, $6, $6) ON CONFLICT DO NOTHING",
            )
            .bind(JobId::new().as_uuid())
            .bind(tenant.as_uuid())
            .bind(&event.job_kind)
            .bind(delivery_job_payload(id))
            .bind(id.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            created.push(Delivery {
                id,
                webhook,
                tenant,
                event_id: event.event_id.clone(),
                event_type: event.event_type.clone(),
                state: DeliveryState::Pending,
                attempts: 0,
                last_status: None,
                last_error: None,
                created_at: at,
                last_attempt_at: None,
            });
        }
        tx.commit().await.map_err(db)?;
        Ok(created)
    }

    async fn delivery_target(
        &self,
        scope: &TenantScope,
        id: DeliveryId,
    ) -> StoreResult<DeliveryTarget> {
        let row = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS}, d.event_created_at, d.data, w.url_ct, w.secret_ct, \
                    (w.deleted_at IS NULL) AS active \
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
             WHERE d.id = $1 AND d.tenant_id = ANY($2)"
        ))
        .bind(id.as_uuid())
        .bind(uuids(scope.visible()))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("delivery"))?;
        let delivery = delivery(&row)?;
        let url_ct: Vec<u8> = get(&row, "url_ct")?;
        let secret_ct: Vec<u8> = get(&row, "secret_ct")?;
        Ok(DeliveryTarget {
            url: open_url(&self.ring, delivery.tenant, delivery.webhook, &url_ct)?,
            secret: open_secret(&self.ring, delivery.tenant, delivery.webhook, &secret_ct)?,
            event_created_at: time(&row, "event_created_at")?,
            data: get(&row, "data")?,
            active: get(&row, "active")?,
            delivery,
        })
    }

    async fn record_delivery_attempt(
        &self,
        scope: &TenantScope,
        id: DeliveryId,
        attempt: DeliveryAttempt,
        now: DateTime<Utc>,
    ) -> StoreResult<Delivery> {
        let counted = i32::from(attempt.state != DeliveryState::Cancelled);
        let row = sqlx::query(&format!(
            "UPDATE webhook_deliveries d SET state = $1, attempts = attempts + $2, last_status = $3, \
             last_error = $4, last_attempt_at = $5 \
             WHERE d.id = $6 AND d.tenant_id = ANY($7) RETURNING {DELIVERY_COLUMNS}"
        ))
        .bind(state_text(attempt.state)?)
        .bind(counted)
        .bind(attempt.status.map(i32::from))
        .bind(attempt.error)
        .bind(truncate_to_micros(now))
        .bind(id.as_uuid())
        .bind(uuids(scope.visible()))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("delivery"))?;
        delivery(&row)
    }

    async fn deliveries(
        &self,
        scope: &TenantScope,
        webhook: WebhookId,
        limit: u32,
    ) -> StoreResult<Vec<Delivery>> {
        let live: Option<Uuid> = sqlx::query_scalar(
            "SELECT id FROM webhooks WHERE id = $1 AND deleted_at IS NULL AND tenant_id = ANY($2)",
        )
        .bind(webhook.as_uuid())
        .bind(uuids(scope.visible()))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        if live.is_none() {
            return Err(StoreError::not_found("webhook"));
        }
        let found = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE d.webhook_id = $1 \
             ORDER BY d.id DESC LIMIT $2"
        ))
        .bind(webhook.as_uuid())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        found.iter().map(delivery).collect()
    }
}

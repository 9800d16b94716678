//! Webhook subscriptions and their deliveries. A fan-out writes the delivery rows and their jobs
//! on the one writer connection in one transaction; sealing lives in `cloudkyc_store::webhooks`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::{JobId, TenantId};
use cloudkyc_store::audit::truncate_to_micros;
use cloudkyc_store::backend::{to_micros, to_u32};
use cloudkyc_store::webhooks::{
    Delivery, DeliveryAttempt, DeliveryId, DeliveryState, DeliveryTarget, NewWebhook, Webhook,
    WebhookEvent, WebhookId, WebhookStore, created_event, deleted_event, delivery_job_payload,
    open_secret, open_url, parse_state, parse_status, seal_webhook, state_text,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{self, id_list};

const WEBHOOK_COLUMNS: &str = "id, tenant_id, url_ct, events, created_at";
const DELIVERY_COLUMNS: &str = "id, webhook_id, tenant_id, event_id, event_type, state, attempts, \
     last_status, last_error, created_at, last_attempt_at";

impl SqliteStore {
    fn webhook(&self, row: &SqliteRow) -> StoreResult<Webhook> {
        let id: WebhookId = rows::id(row, "id")?;
        let tenant: TenantId = rows::id(row, "tenant_id")?;
        let url_ct: Vec<u8> = row.try_get("url_ct").map_err(db)?;
        let events = rows::text(row, "events")?;
        Ok(Webhook {
            id,
            tenant,
            url: open_url(&self.ring, tenant, id, &url_ct)?,
            events: serde_json::from_str(&events)
                .map_err(|e| StoreError::Corrupt(format!("column events: {e}")))?,
            created_at: rows::time(row, "created_at")?,
        })
    }
}

fn delivery(row: &SqliteRow) -> StoreResult<Delivery> {
    Ok(Delivery {
        id: rows::id(row, "id")?,
        webhook: rows::id(row, "webhook_id")?,
        tenant: rows::id(row, "tenant_id")?,
        event_id: rows::text(row, "event_id")?,
        event_type: rows::text(row, "event_type")?,
        state: parse_state(&rows::text(row, "state")?)?,
        attempts: to_u32("attempts", row.try_get("attempts").map_err(db)?)?,
        last_status: parse_status(row.try_get("last_status").map_err(db)?)?,
        last_error: row.try_get("last_error").map_err(db)?,
        created_at: rows::time(row, "created_at")?,
        last_attempt_at: rows::optional_time(row, "last_attempt_at")?,
    })
}

#[async_trait]
impl WebhookStore for SqliteStore {
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
        let events = serde_json::to_string(&webhook.events)
            .map_err(|e| StoreError::Corrupt(format!("events: {e}")))?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO webhooks (id, tenant_id, url_ct, secret_ct, events, created_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(tenant.to_string())
        .bind(url_ct)
        .bind(secret_ct)
        .bind(events)
        .bind(to_micros(webhook.created_at))
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
             AND tenant_id IN (SELECT value FROM json_each(?)) ORDER BY id DESC"
        ))
        .bind(id_list(scope.visible()))
        .fetch_all(&self.reader)
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
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(&format!(
            "UPDATE webhooks SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL \
             AND tenant_id IN (SELECT value FROM json_each(?)) RETURNING {WEBHOOK_COLUMNS}"
        ))
        .bind(to_micros(now))
        .bind(id.to_string())
        .bind(id_list(scope.visible()))
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
        let mut tx = self.begin_write().await?;
        // The tenant and its ancestors, walking up the parent links.
        let subscribed = sqlx::query(
            "WITH RECURSIVE chain (id, parent_id) AS ( \
                 SELECT id, parent_id FROM tenants WHERE id = ? \
                 UNION ALL SELECT t.id, t.parent_id FROM tenants t JOIN chain c ON t.id = c.parent_id) \
             SELECT id, tenant_id FROM webhooks WHERE deleted_at IS NULL \
               AND tenant_id IN (SELECT id FROM chain) \
               AND EXISTS (SELECT 1 FROM json_each(webhooks.events) WHERE value = ?) \
             ORDER BY id",
        )
        .bind(event.tenant.to_string())
        .bind(&event.event_type)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let at = truncate_to_micros(now);
        let mut created = Vec::new();
        for row in &subscribed {
            let webhook: WebhookId = rows::id(row, "id")?;
            let tenant: TenantId = rows::id(row, "tenant_id")?;
            let id = DeliveryId::new();
            let inserted = sqlx::query(
                "INSERT INTO webhook_deliveries (id, webhook_id, tenant_id, event_id, event_type, \
                 event_created_at, data, state, attempts, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?) \
                 ON CONFLICT (webhook_id, event_id) DO NOTHING",
            )
            .bind(id.to_string())
            .bind(webhook.to_string())
            .bind(tenant.to_string())
            .bind(&event.event_id)
            .bind(&event.event_type)
            .bind(to_micros(event.created_at))
            .bind(event.data.to_string())
            .bind(to_micros(at))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            if inserted.rows_affected() == 0 {
                continue;
            }
            sqlx::query(
                "INSERT INTO jobs (id, tenant_id, kind, payload, dedupe_key, state, run_at, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(JobId::new().to_string())
            .bind(tenant.to_string())
            .bind(&event.job_kind)
            .bind(delivery_job_payload(id).to_string())
            .bind(id.to_string())
            .bind(to_micros(at))
            .bind(to_micros(at))
            .bind(to_micros(at))
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
            "SELECT {DELIVERY_COLUMNS}, event_created_at, data, \
                    (SELECT url_ct FROM webhooks w WHERE w.id = d.webhook_id) AS url_ct, \
                    (SELECT secret_ct FROM webhooks w WHERE w.id = d.webhook_id) AS secret_ct, \
                    (SELECT deleted_at IS NULL FROM webhooks w WHERE w.id = d.webhook_id) AS active \
             FROM webhook_deliveries d WHERE id = ? AND tenant_id IN (SELECT value FROM json_each(?))"
        ))
        .bind(id.to_string())
        .bind(id_list(scope.visible()))
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("delivery"))?;
        let delivery = delivery(&row)?;
        let url_ct: Vec<u8> = row.try_get("url_ct").map_err(db)?;
        let secret_ct: Vec<u8> = row.try_get("secret_ct").map_err(db)?;
        let data = rows::text(&row, "data")?;
        Ok(DeliveryTarget {
            url: open_url(&self.ring, delivery.tenant, delivery.webhook, &url_ct)?,
            secret: open_secret(&self.ring, delivery.tenant, delivery.webhook, &secret_ct)?,
            event_created_at: rows::time(&row, "event_created_at")?,
            data: serde_json::from_str(&data)
                .map_err(|e| StoreError::Corrupt(format!("column data: {e}")))?,
            active: row.try_get("active").map_err(db)?,
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
        let counted = i64::from(attempt.state != DeliveryState::Cancelled);
        let row = sqlx::query(&format!(
            "UPDATE webhook_deliveries SET state = ?, attempts = attempts + ?, last_status = ?, \
             last_error = ?, last_attempt_at = ? \
             WHERE id = ? AND tenant_id IN (SELECT value FROM json_each(?)) RETURNING {DELIVERY_COLUMNS}"
        ))
        .bind(state_text(attempt.state)?)
        .bind(counted)
        .bind(attempt.status.map(i64::from))
        .bind(attempt.error)
        .bind(to_micros(now))
        .bind(id.to_string())
        .bind(id_list(scope.visible()))
        .fetch_optional(&self.writer)
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
        let mut conn = self.reader.acquire().await.map_err(db)?;
        let live: Option<String> = sqlx::query_scalar(
            "SELECT id FROM webhooks WHERE id = ? AND deleted_at IS NULL \
             AND tenant_id IN (SELECT value FROM json_each(?))",
        )
        .bind(webhook.to_string())
        .bind(id_list(scope.visible()))
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        if live.is_none() {
            return Err(StoreError::not_found("webhook"));
        }
        let found = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = ? \
             ORDER BY id DESC LIMIT ?"
        ))
        .bind(webhook.to_string())
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        found.iter().map(delivery).collect()
    }
}

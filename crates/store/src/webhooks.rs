//! Outbound webhooks (issue 3, item 5): a tenant's subscriptions and the deliveries made to them.
//!
//! A subscription's URL and signing secret are sealed (associated data tenant / `webhooks` / row
//! / column): a URL often carries a token in its path, and the secret signs every delivery.
//! Deleting a subscription keeps its row (`deleted_at`) so its delivery history stays readable by
//! the operator and deliveries still queued for it are cancelled instead of sent.
//!
//! A delivery is one event for one subscription. [`WebhookStore::enqueue_deliveries`] writes the
//! delivery rows of an event and their jobs in one transaction, once per `(subscription, event
//! id)`, so a fan-out that is retried never sends an event twice to the same endpoint. Deliveries
//! are operational records, like jobs: they are not audit events (the change they announce is).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use serde::{Deserialize, Serialize};

use crate::crypto::{Aad, KeyRing};
use crate::customers::{enum_text, parse_enum};
use crate::documents::uuid_id;
use crate::{StoreResult, TenantScope};

/// The audit actions of a subscription's creation and deletion.
pub const WEBHOOK_CREATE: &str = "webhook.create";
pub const WEBHOOK_DELETE: &str = "webhook.delete";
pub const WEBHOOK_SUBJECT: &str = "webhook";

/// The table whose rows the sealed columns are bound to.
pub const WEBHOOKS_TABLE: &str = "webhooks";

uuid_id!(
    /// A webhook subscription.
    WebhookId
);
uuid_id!(
    /// One event's delivery to one subscription; the receiver's idempotency key.
    DeliveryId
);

/// A subscription to create for the scope's tenant. The caller has validated the URL and the
/// event types and generated the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<String>,
    pub secret: String,
}

impl std::fmt::Debug for NewWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewWebhook")
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

/// A subscription, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: WebhookId,
    pub tenant: TenantId,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Not attempted yet.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// The last attempt failed; another is scheduled.
    Retrying,
    /// Every attempt failed; no more will be made.
    Dead,
    /// The subscription was deleted before the delivery was made.
    Cancelled,
}

/// One event's delivery to one subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: DeliveryId,
    pub webhook: WebhookId,
    /// The subscription's tenant.
    pub tenant: TenantId,
    /// The event's id (the same for every subscription that receives it).
    pub event_id: String,
    pub event_type: String,
    pub state: DeliveryState,
    pub attempts: u32,
    /// The HTTP status of the last attempt, when the endpoint answered at all.
    pub last_status: Option<u16>,
    /// Why the last attempt failed (`HTTP 500`, `timeout`, ...); never a response body.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
}

/// An event to deliver to the subscriptions of `tenant` and of its ancestors (the provider hears
/// about its resellers' customers). `data` must hold no personal data: it is stored in clear.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// The tenant the event is about.
    pub tenant: TenantId,
    /// Unique per event: a fan-out repeated with the same id creates nothing new.
    pub event_id: String,
    pub event_type: String,
    pub created_at: DateTime<Utc>,
    pub data: serde_json::Value,
    /// The kind of the job enqueued per delivery (its payload is `{"delivery": "<id>"}`).
    pub job_kind: String,
}

/// What a delivery job needs: the delivery, its event and its subscription's URL and secret.
#[derive(Clone, PartialEq)]
pub struct DeliveryTarget {
    pub delivery: Delivery,
    pub event_created_at: DateTime<Utc>,
    pub data: serde_json::Value,
    pub url: String,
    pub secret: String,
    /// `false` once the subscription is deleted.
    pub active: bool,
}

impl std::fmt::Debug for DeliveryTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryTarget")
            .field("delivery", &self.delivery)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// The outcome of one attempt, recorded on the delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    pub state: DeliveryState,
    pub status: Option<u16>,
    pub error: Option<String>,
}

#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Stores a subscription of the scope's tenant (URL and secret sealed) with one
    /// `webhook.create` audit event, in one transaction.
    async fn create_webhook(
        &self,
        scope: &TenantScope,
        new: NewWebhook,
        now: DateTime<Utc>,
    ) -> StoreResult<Webhook>;
    /// The live subscriptions of every tenant visible to the scope, newest first.
    async fn webhooks(&self, scope: &TenantScope) -> StoreResult<Vec<Webhook>>;
    /// Deletes a live subscription visible to the scope (`NotFound` otherwise, also when it is
    /// already deleted), with one `webhook.delete` audit event.
    async fn delete_webhook(
        &self,
        scope: &TenantScope,
        id: WebhookId,
        now: DateTime<Utc>,
    ) -> StoreResult<Webhook>;
    /// Creates, in one transaction, one delivery and one job per live subscription of
    /// `event.tenant` and of its ancestors that subscribed to `event.event_type`, skipping
    /// subscriptions that already have a delivery of `event.event_id`. `event.tenant` must be
    /// visible to the scope. Returns the deliveries created by this call.
    async fn enqueue_deliveries(
        &self,
        scope: &TenantScope,
        event: WebhookEvent,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Delivery>>;
    /// A delivery of a tenant visible to the scope, with what sending it needs.
    async fn delivery_target(
        &self,
        scope: &TenantScope,
        id: DeliveryId,
    ) -> StoreResult<DeliveryTarget>;
    /// Records an attempt (counted unless the state is `Cancelled`) and returns the delivery.
    async fn record_delivery_attempt(
        &self,
        scope: &TenantScope,
        id: DeliveryId,
        attempt: DeliveryAttempt,
        now: DateTime<Utc>,
    ) -> StoreResult<Delivery>;
    /// The deliveries of a live subscription visible to the scope, newest first.
    async fn deliveries(
        &self,
        scope: &TenantScope,
        webhook: WebhookId,
        limit: u32,
    ) -> StoreResult<Vec<Delivery>>;
}

fn aad<'a>(tenant: TenantId, row: &'a str, column: &'static str) -> Aad<'a> {
    Aad {
        tenant,
        table: WEBHOOKS_TABLE,
        row,
        column,
    }
}

/// The sealed columns of a subscription: `(url_ct, secret_ct)`.
pub fn seal_webhook(
    ring: &KeyRing,
    tenant: TenantId,
    id: WebhookId,
    new: &NewWebhook,
) -> StoreResult<(Vec<u8>, Vec<u8>)> {
    let row = id.to_string();
    Ok((
        ring.encrypt_str(&new.url, aad(tenant, &row, "url"))?,
        ring.encrypt_str(&new.secret, aad(tenant, &row, "secret"))?,
    ))
}

/// The opened URL of a subscription row.
pub fn open_url(
    ring: &KeyRing,
    tenant: TenantId,
    id: WebhookId,
    url_ct: &[u8],
) -> StoreResult<String> {
    ring.decrypt_str(url_ct, aad(tenant, &id.to_string(), "url"))
}

/// The opened signing secret of a subscription row.
pub fn open_secret(
    ring: &KeyRing,
    tenant: TenantId,
    id: WebhookId,
    secret_ct: &[u8],
) -> StoreResult<String> {
    ring.decrypt_str(secret_ct, aad(tenant, &id.to_string(), "secret"))
}

/// The audit event of a creation (the digest covers URL and events, never the secret).
pub fn created_event(webhook: &Webhook) -> crate::audit::NewAuditEvent {
    crate::audit::NewAuditEvent::new(
        WEBHOOK_CREATE,
        WEBHOOK_SUBJECT,
        webhook.id,
        None::<&Webhook>,
        Some(webhook),
    )
}

/// The audit event of a deletion.
pub fn deleted_event(webhook: &Webhook) -> crate::audit::NewAuditEvent {
    crate::audit::NewAuditEvent::new(
        WEBHOOK_DELETE,
        WEBHOOK_SUBJECT,
        webhook.id,
        Some(webhook),
        None::<&Webhook>,
    )
}

/// The text of a delivery state column.
pub fn state_text(state: DeliveryState) -> StoreResult<String> {
    enum_text(&state)
}

pub fn parse_state(text: &str) -> StoreResult<DeliveryState> {
    parse_enum("state", text)
}

/// The payload of a delivery job.
pub fn delivery_job_payload(id: DeliveryId) -> serde_json::Value {
    serde_json::json!({ "delivery": id })
}

/// An HTTP status read back from its column.
pub fn parse_status(value: Option<i64>) -> StoreResult<Option<u16>> {
    value
        .map(|v| {
            u16::try_from(v).map_err(|_| {
                crate::StoreError::Corrupt(format!("column last_status: {v} is out of range"))
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_debug_hides_the_secret() {
        for state in [
            DeliveryState::Pending,
            DeliveryState::Delivered,
            DeliveryState::Retrying,
            DeliveryState::Dead,
            DeliveryState::Cancelled,
        ] {
            let text = state_text(state).unwrap_or_default();
            assert_eq!(parse_state(&text).ok(), Some(state));
        }
        let new = NewWebhook {
            url: "https://hooks.example.com/t/tok123".into(),
            events: vec!["customer.account_access".into()],
            secret: "whsec_topsecret".into(),
        };
        let debug = format!("{new:?}");
        assert!(!debug.contains("topsecret") && !debug.contains("tok123"));
        assert!(parse_status(Some(70_000)).is_err());
    }
}

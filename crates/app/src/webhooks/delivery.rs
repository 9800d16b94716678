//! The two delivery jobs and the HTTP transport they send through.
//!
//! [`FanOutAccessChange`] turns one [`AccessChange`] outbox job into one [`DELIVER_JOB`] per
//! subscribed endpoint (the store writes them in one transaction, once per endpoint and event,
//! so a retried fan-out sends nothing twice). [`DeliverWebhook`] sends one delivery: a non-2xx
//! answer, a timeout or a refused connection is an `Err`, which the runner retries with backoff
//! and finally marks dead; every attempt is recorded on the delivery for
//! `GET /v1/webhooks/{id}/deliveries`. Logs and stored errors name the delivery and the status,
//! never the URL (it may carry a token) nor the body.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_store::TenantScope;
use cloudkyc_store::jobs::Job;
use cloudkyc_store::webhooks::{DeliveryAttempt, DeliveryId, DeliveryState, WebhookEvent};
use serde::Serialize;

use super::ACCOUNT_ACCESS_EVENT;
use super::signature::{EVENT_ID_HEADER, SIGNATURE_HEADER, sign};
use crate::App;
use crate::customers::{ACCESS_CHANGED_JOB, AccessChange};
use crate::jobs::{JobHandler, MAX_ATTEMPTS};

/// The job kind of one delivery to one endpoint (payload `{"delivery": "<id>"}`).
pub const DELIVER_JOB: &str = "webhook.deliver";

/// How long an endpoint has to answer.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// The JSON body of a delivery. Built from what the delivery stored, so every retry sends the
/// same bytes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryBody<'a> {
    /// The delivery id, also in `Cloudkyc-Event-Id`: the receiver's idempotency key.
    pub id: DeliveryId,
    #[serde(rename = "type")]
    pub event_type: &'a str,
    pub created_at: DateTime<Utc>,
    pub data: &'a serde_json::Value,
}

/// One POST to make.
#[derive(Clone, PartialEq, Eq)]
pub struct OutboundRequest {
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for OutboundRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundRequest")
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// Sends a webhook request and answers the HTTP status, or why no status came back (short
/// words, no URL).
#[async_trait]
pub trait WebhookTransport: Send + Sync + std::fmt::Debug {
    async fn post(&self, request: OutboundRequest) -> Result<u16, String>;
}

/// The real transport: an HTTP client (rustls, Mozilla's roots) that follows no redirects (a
/// 3xx is a failure, so a delivery never lands somewhere nobody subscribed) and gives up after
/// [`DELIVERY_TIMEOUT`].
#[derive(Debug, Default)]
pub struct HttpTransport {
    client: OnceLock<Result<reqwest::Client, String>>,
}

impl HttpTransport {
    fn client(&self) -> Result<&reqwest::Client, String> {
        self.client
            .get_or_init(|| {
                reqwest::Client::builder()
                    .timeout(DELIVERY_TIMEOUT)
                    .redirect(reqwest::redirect::Policy::none())
                    .user_agent(concat!("cloudkyc-webhooks/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| format!("HTTP client unavailable: {}", e.without_url()))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

#[async_trait]
impl WebhookTransport for HttpTransport {
    async fn post(&self, request: OutboundRequest) -> Result<u16, String> {
        let mut builder = self.client()?.post(&request.url);
        for (name, value) in request.headers {
            builder = builder.header(name, value);
        }
        match builder.body(request.body).send().await {
            Ok(response) => Ok(response.status().as_u16()),
            Err(e) if e.is_timeout() => Err("timeout".to_owned()),
            Err(e) if e.is_connect() => Err("connection failed".to_owned()),
            Err(e) => Err(format!("request failed: {}", e.without_url())),
        }
    }
}

async fn scope_for(app: &App, job: &Job, kind: &str) -> Result<TenantScope, String> {
    let subtree = app
        .store()
        .subtree(job.tenant)
        .await
        .map_err(|e| e.to_string())?;
    Ok(TenantScope::system(job.tenant, subtree, kind))
}

/// Fans an [`AccessChange`] out to one delivery per subscribed endpoint.
#[derive(Debug, Default)]
pub struct FanOutAccessChange;

#[async_trait]
impl JobHandler for FanOutAccessChange {
    fn kind(&self) -> &'static str {
        ACCESS_CHANGED_JOB
    }

    async fn run(&self, app: &App, job: &Job) -> Result<(), String> {
        let change: AccessChange = serde_json::from_value(job.payload.clone())
            .map_err(|e| format!("the payload is not an access change: {e}"))?;
        let scope = scope_for(app, job, ACCESS_CHANGED_JOB).await?;
        let event = WebhookEvent {
            tenant: change.tenant,
            // The outbox job is the event: a retried fan-out finds its deliveries made.
            event_id: job.id.to_string(),
            event_type: ACCOUNT_ACCESS_EVENT.to_owned(),
            created_at: change.at,
            data: job.payload.clone(),
            job_kind: DELIVER_JOB.to_owned(),
        };
        let made = app
            .store()
            .enqueue_deliveries(&scope, event, app.now())
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(job = %job.id, deliveries = made.len(), "access change fanned out");
        Ok(())
    }
}

/// Sends one delivery through a [`WebhookTransport`].
#[derive(Debug)]
pub struct DeliverWebhook {
    transport: Arc<dyn WebhookTransport>,
}

impl DeliverWebhook {
    pub fn new(transport: Arc<dyn WebhookTransport>) -> Self {
        Self { transport }
    }
}

impl Default for DeliverWebhook {
    fn default() -> Self {
        Self::new(Arc::new(HttpTransport::default()))
    }
}

#[async_trait]
impl JobHandler for DeliverWebhook {
    fn kind(&self) -> &'static str {
        DELIVER_JOB
    }

    async fn run(&self, app: &App, job: &Job) -> Result<(), String> {
        let id: DeliveryId = serde_json::from_value(job.payload["delivery"].clone())
            .map_err(|e| format!("the payload names no delivery: {e}"))?;
        let scope = scope_for(app, job, DELIVER_JOB).await?;
        let store = app.store();
        let target = store
            .delivery_target(&scope, id)
            .await
            .map_err(|e| e.to_string())?;
        let record = |attempt: DeliveryAttempt| async {
            store
                .record_delivery_attempt(&scope, id, attempt, app.now())
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        if !target.active {
            return record(DeliveryAttempt {
                state: DeliveryState::Cancelled,
                status: None,
                error: Some("the subscription was deleted".into()),
            })
            .await;
        }
        if target.delivery.state == DeliveryState::Delivered {
            // A job whose lease ran out after it delivered: nothing left to do.
            return Ok(());
        }
        let body = serde_json::to_vec(&DeliveryBody {
            id,
            event_type: &target.delivery.event_type,
            created_at: target.event_created_at,
            data: &target.data,
        })
        .map_err(|e| e.to_string())?;
        let request = OutboundRequest {
            url: target.url.clone(),
            headers: vec![
                ("content-type", "application/json".to_owned()),
                (
                    SIGNATURE_HEADER,
                    sign(&target.secret, app.now().timestamp(), &body),
                ),
                (EVENT_ID_HEADER, id.to_string()),
            ],
            body,
        };
        let (status, error) = match self.transport.post(request).await {
            Ok(status) if (200..300).contains(&status) => (Some(status), None),
            Ok(status) => (Some(status), Some(format!("HTTP {status}"))),
            Err(why) => (None, Some(why)),
        };
        let Some(error) = error else {
            return record(DeliveryAttempt {
                state: DeliveryState::Delivered,
                status,
                error: None,
            })
            .await;
        };
        let last = job.attempts + 1 >= MAX_ATTEMPTS;
        record(DeliveryAttempt {
            state: if last {
                DeliveryState::Dead
            } else {
                DeliveryState::Retrying
            },
            status,
            error: Some(error.clone()),
        })
        .await?;
        Err(format!("delivery {id}: {error}"))
    }
}

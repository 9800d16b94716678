//! Outbound signed webhooks (issue 3, item 5): the provider's platform subscribes an HTTPS
//! endpoint and hears when a customer's `account_access` changes.
//!
//! Subscriptions need `ManageWebhooks` (admin and integration: the platform's own configuration,
//! not case work). The signing secret is generated here, shown once in the answer to the
//! creation, and stored sealed. Delivery is two jobs: the [`ACCESS_CHANGED_JOB`] outbox job
//! fans out to one [`DELIVER_JOB`] per subscribed endpoint (of the customer's tenant and of its
//! ancestors), so an endpoint that fails is retried alone; each delivery job signs the body
//! ([`signature`]) and POSTs it. See the server README for the receiver's recipe.
//!
//! [`ACCESS_CHANGED_JOB`]: crate::customers::ACCESS_CHANGED_JOB

mod delivery;
pub mod signature;
pub mod url;

use cloudkyc_domain::Permission;
use cloudkyc_store::TenantScope;
use cloudkyc_store::webhooks::{Delivery, NewWebhook, Webhook, WebhookId};
use rand::RngCore;

use crate::{App, AppError, AppResult, FieldError};

pub use delivery::{
    DELIVER_JOB, DeliverWebhook, DeliveryBody, FanOutAccessChange, HttpTransport, OutboundRequest,
    WebhookTransport,
};

/// The event type of an `account_access` change.
pub const ACCOUNT_ACCESS_EVENT: &str = "customer.account_access";
/// The event types a subscription may ask for.
pub const EVENT_TYPES: [&str; 1] = [ACCOUNT_ACCESS_EVENT];
/// At most this many deliveries are listed per subscription.
pub const MAX_DELIVERIES_LISTED: u32 = 100;

/// A subscription request as the caller wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateWebhook {
    pub url: String,
    pub events: Vec<String>,
}

/// A signing secret: `whsec_` and 64 hex digits (32 random bytes). Never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    fn generate() -> Self {
        let mut bytes = [0_u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(format!("whsec_{}", hex::encode(bytes)))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(..)")
    }
}

/// A created subscription with its secret, which is never readable again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedWebhook {
    pub webhook: Webhook,
    pub secret: WebhookSecret,
}

fn validate(request: &CreateWebhook) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = url::problems(&request.url)
        .into_iter()
        .map(|problem| FieldError::new("/url", problem))
        .collect();
    if request.events.is_empty() {
        errors.push(FieldError::new(
            "/events",
            format!("must name at least one of {}", EVENT_TYPES.join(", ")),
        ));
    }
    for (i, event) in request.events.iter().enumerate() {
        if !EVENT_TYPES.contains(&event.as_str()) {
            errors.push(FieldError::new(
                format!("/events/{i}"),
                format!(
                    "unknown event type; expected one of {}",
                    EVENT_TYPES.join(", ")
                ),
            ));
        }
    }
    errors
}

impl App {
    /// Subscribes an endpoint of the caller's tenant (`ManageWebhooks`); the answer carries the
    /// signing secret, shown this once.
    pub async fn create_webhook(
        &self,
        scope: &TenantScope,
        request: CreateWebhook,
    ) -> AppResult<CreatedWebhook> {
        Self::require(scope, Permission::ManageWebhooks)?;
        let errors = validate(&request);
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let mut events = request.events;
        events.sort();
        events.dedup();
        let secret = WebhookSecret::generate();
        let new = NewWebhook {
            url: request.url,
            events,
            secret: secret.expose().to_owned(),
        };
        let webhook = self.store().create_webhook(scope, new, self.now()).await?;
        Ok(CreatedWebhook { webhook, secret })
    }

    /// The live subscriptions of the caller's tenants, newest first, without secrets.
    pub async fn webhooks(&self, scope: &TenantScope) -> AppResult<Vec<Webhook>> {
        Self::require(scope, Permission::ManageWebhooks)?;
        Ok(self.store().webhooks(scope).await?)
    }

    /// Deletes a subscription; deliveries still queued for it are cancelled, not sent.
    pub async fn delete_webhook(&self, scope: &TenantScope, id: WebhookId) -> AppResult<Webhook> {
        Self::require(scope, Permission::ManageWebhooks)?;
        Ok(self.store().delete_webhook(scope, id, self.now()).await?)
    }

    /// The latest deliveries of a subscription, newest first, with their outcome.
    pub async fn webhook_deliveries(
        &self,
        scope: &TenantScope,
        id: WebhookId,
    ) -> AppResult<Vec<Delivery>> {
        Self::require(scope, Permission::ManageWebhooks)?;
        Ok(self
            .store()
            .deliveries(scope, id, MAX_DELIVERIES_LISTED)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_of_a_subscription_is_reported() {
        let request = CreateWebhook {
            url: "http://user@hooks.example.com/h".into(),
            events: vec![ACCOUNT_ACCESS_EVENT.into(), "customer.deleted".into()],
        };
        let paths: Vec<String> = validate(&request).into_iter().map(|e| e.path).collect();
        assert_eq!(paths, vec!["/url", "/url", "/events/1"]);
        let empty = CreateWebhook {
            url: "https://hooks.example.com/h".into(),
            events: vec![],
        };
        assert_eq!(validate(&empty)[0].path, "/events");
    }

    #[test]
    fn secrets_are_random_and_never_debug_printed() {
        let (a, b) = (WebhookSecret::generate(), WebhookSecret::generate());
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), "whsec_".len() + 64);
        assert_eq!(format!("{a:?}"), "WebhookSecret(..)");
    }
}

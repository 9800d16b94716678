//! Webhook subscriptions and deliveries: sealed URL and secret, audited creation and deletion,
//! tenant scope, and a fan-out to the tenant's and its ancestors' subscriptions that writes each
//! delivery and its job once.

use chrono::Duration;
use serde_json::json;

use super::ContractDatabase;
use super::support::{reseller, scope_of, setup, t0};
use crate::audit::{state_digest, truncate_to_micros};
use crate::webhooks::{
    DeliveryAttempt, DeliveryId, DeliveryState, NewWebhook, WEBHOOK_CREATE, WEBHOOK_DELETE,
    WEBHOOK_SUBJECT, WebhookEvent, WebhookId,
};
use crate::{StoreError, TenantScope};

const EVENT: &str = "customer.account_access";
const JOB: &str = "contract.webhook.deliver";

fn hook(url: &str, events: &[&str], secret: &str) -> NewWebhook {
    NewWebhook {
        url: url.to_owned(),
        events: events.iter().map(|e| (*e).to_owned()).collect(),
        secret: secret.to_owned(),
    }
}

fn event(tenant: cloudkyc_domain::TenantId, id: &str) -> WebhookEvent {
    WebhookEvent {
        tenant,
        event_id: id.to_owned(),
        event_type: EVENT.to_owned(),
        created_at: t0(),
        data: json!({"customer": "c-1", "from": "restricted", "to": "full"}),
        job_kind: JOB.to_owned(),
    }
}

pub async fn webhooks_are_created_listed_and_deleted_with_events(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    let b = reseller(&s.store, &s.operator, s.provider.id, "B").await;
    let a_scope = scope_of(&s.store, a.id).await;
    let b_scope = scope_of(&s.store, b.id).await;
    let whole = scope_of(&s.store, s.provider.id).await;

    let url = "https://hooks.example.com/cloudkyc/path-token-4417";
    let created = s
        .store
        .create_webhook(&a_scope, hook(url, &[EVENT], "whsec_secret-9921"), t0())
        .await
        .expect("created");
    assert_eq!(created.tenant, a.id);
    assert_eq!(created.url, url);
    assert_eq!(created.events, vec![EVENT.to_owned()]);
    let later = s
        .store
        .create_webhook(
            &a_scope,
            hook("https://b.example.com/h", &[EVENT], "s2"),
            t0() + Duration::seconds(1),
        )
        .await
        .expect("second");
    assert_eq!(
        s.store.webhooks(&a_scope).await.expect("list"),
        vec![later.clone(), created.clone()],
        "newest first, read back exactly"
    );
    assert!(s.store.webhooks(&b_scope).await.expect("list").is_empty());
    assert_eq!(s.store.webhooks(&whole).await.expect("list").len(), 2);

    assert!(matches!(
        s.store.delete_webhook(&b_scope, created.id, t0()).await,
        Err(StoreError::NotFound { .. })
    ));
    let deleted = s
        .store
        .delete_webhook(&whole, created.id, t0())
        .await
        .expect("an ancestor deletes");
    assert_eq!(deleted, created);
    assert!(matches!(
        s.store.delete_webhook(&a_scope, created.id, t0()).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        s.store.webhooks(&a_scope).await.expect("list"),
        vec![later.clone()]
    );

    let events = s
        .store
        .audit_events(&whole, a.id, 0, 100)
        .await
        .expect("events");
    let webhook_events: Vec<(&str, String)> = events
        .iter()
        .filter(|e| e.subject_kind == WEBHOOK_SUBJECT)
        .map(|e| (e.action.as_str(), e.subject_id.clone()))
        .collect();
    assert_eq!(
        webhook_events,
        vec![
            (WEBHOOK_CREATE, created.id.to_string()),
            (WEBHOOK_CREATE, later.id.to_string()),
            (WEBHOOK_DELETE, created.id.to_string()),
        ]
    );
    let delete = events
        .iter()
        .find(|e| e.action == WEBHOOK_DELETE)
        .expect("delete event");
    assert_eq!(delete.before_digest, Some(state_digest(&created)));
    assert_eq!(delete.actor, "operator");

    assert!(
        db.raw_contains(EVENT).await,
        "the search sees what is stored in plaintext"
    );
    for sealed in ["secret-9921", "path-token-4417"] {
        assert!(
            !db.raw_contains(sealed).await,
            "{sealed:?} found in plaintext"
        );
    }
}

pub async fn deliveries_fan_out_to_the_tenant_and_its_ancestors_once(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    let b = reseller(&s.store, &s.operator, s.provider.id, "B").await;
    let a_scope = scope_of(&s.store, a.id).await;
    let b_scope = scope_of(&s.store, b.id).await;
    let whole = scope_of(&s.store, s.provider.id).await;
    let create = |scope: &TenantScope, url: &str, events: &[&str], secret: &str| {
        let (store, scope, new) = (s.store.clone(), scope.clone(), hook(url, events, secret));
        async move {
            store
                .create_webhook(&scope, new, t0())
                .await
                .expect("created")
        }
    };
    let provider_hook = create(&whole, "https://p.example.com/h", &[EVENT], "sp").await;
    let a_hook = create(&a_scope, "https://a.example.com/h", &["other", EVENT], "sa").await;
    let _a_other = create(&a_scope, "https://a.example.com/o", &["other"], "so").await;
    let _b_hook = create(&b_scope, "https://b.example.com/h", &[EVENT], "sb").await;
    let gone = create(&a_scope, "https://a.example.com/gone", &[EVENT], "sg").await;
    s.store
        .delete_webhook(&a_scope, gone.id, t0())
        .await
        .expect("deleted");

    assert!(matches!(
        s.store
            .enqueue_deliveries(&b_scope, event(a.id, "e-1"), t0())
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let made = s
        .store
        .enqueue_deliveries(&a_scope, event(a.id, "e-1"), t0())
        .await
        .expect("fanned out");
    let mut targets: Vec<WebhookId> = made.iter().map(|d| d.webhook).collect();
    targets.sort();
    let mut expected = vec![provider_hook.id, a_hook.id];
    expected.sort();
    assert_eq!(
        targets, expected,
        "the tenant's and its ancestor's, live and subscribed"
    );
    assert!(
        made.iter()
            .all(|d| d.state == DeliveryState::Pending && d.attempts == 0)
    );
    let to_provider = made
        .iter()
        .find(|d| d.webhook == provider_hook.id)
        .expect("provider delivery");
    assert_eq!(
        to_provider.tenant, s.provider.id,
        "a delivery belongs to its subscription's tenant"
    );

    assert!(
        s.store
            .enqueue_deliveries(&a_scope, event(a.id, "e-1"), t0())
            .await
            .expect("repeated")
            .is_empty(),
        "a repeated fan-out creates nothing"
    );

    let mut claimed = Vec::new();
    while let Some(job) = s
        .store
        .claim_job(&[JOB], t0(), Duration::minutes(5))
        .await
        .expect("claim")
    {
        claimed.push(job);
    }
    assert_eq!(claimed.len(), 2, "one job per delivery");
    for job in &claimed {
        let id: DeliveryId = serde_json::from_value(job.payload["delivery"].clone())
            .expect("payload names the delivery");
        let delivery = made.iter().find(|d| d.id == id).expect("a made delivery");
        assert_eq!(job.tenant, delivery.tenant);
    }

    let target = s
        .store
        .delivery_target(
            &a_scope,
            made.iter().find(|d| d.webhook == a_hook.id).expect("a").id,
        )
        .await
        .expect("target");
    assert_eq!(target.url, "https://a.example.com/h");
    assert_eq!(target.secret, "sa");
    assert!(target.active);
    assert_eq!(target.event_created_at, truncate_to_micros(t0()));
    assert_eq!(target.data, event(a.id, "e-1").data);
    assert!(
        matches!(
            s.store.delivery_target(&a_scope, to_provider.id).await,
            Err(StoreError::NotFound { .. })
        ),
        "the provider's delivery is not the reseller's to read"
    );

    let failed = s
        .store
        .record_delivery_attempt(
            &whole,
            to_provider.id,
            DeliveryAttempt {
                state: DeliveryState::Retrying,
                status: Some(503),
                error: Some("HTTP 503".into()),
            },
            t0(),
        )
        .await
        .expect("recorded");
    assert_eq!(
        (failed.state, failed.attempts, failed.last_status),
        (DeliveryState::Retrying, 1, Some(503))
    );
    let delivered = s
        .store
        .record_delivery_attempt(
            &whole,
            to_provider.id,
            DeliveryAttempt {
                state: DeliveryState::Delivered,
                status: Some(204),
                error: None,
            },
            t0() + Duration::minutes(1),
        )
        .await
        .expect("recorded");
    assert_eq!(delivered.attempts, 2);
    assert_eq!(delivered.last_error, None);
    let listed = s
        .store
        .deliveries(&whole, provider_hook.id, 10)
        .await
        .expect("listed");
    assert_eq!(listed, vec![delivered]);
    assert!(matches!(
        s.store.deliveries(&b_scope, a_hook.id, 10).await,
        Err(StoreError::NotFound { .. })
    ));

    // Deleting a subscription leaves its queued deliveries to be cancelled, not sent.
    s.store
        .delete_webhook(&a_scope, a_hook.id, t0())
        .await
        .expect("deleted");
    let to_a = made.iter().find(|d| d.webhook == a_hook.id).expect("a");
    let target = s
        .store
        .delivery_target(&a_scope, to_a.id)
        .await
        .expect("still readable");
    assert!(!target.active);
    let cancelled = s
        .store
        .record_delivery_attempt(
            &a_scope,
            to_a.id,
            DeliveryAttempt {
                state: DeliveryState::Cancelled,
                status: None,
                error: None,
            },
            t0(),
        )
        .await
        .expect("cancelled");
    assert_eq!(
        (cancelled.state, cancelled.attempts),
        (DeliveryState::Cancelled, 0)
    );
}

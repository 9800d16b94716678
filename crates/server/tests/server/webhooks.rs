//! `/v1/webhooks`: the subscription lifecycle, and deliveries to a real HTTP server on loopback:
//! signed bodies, fan-out to the tenant's and the provider's endpoints, a failing endpoint
//! retried alone with backoff until it is dead. Time moves on the `ManualClock`; no sleeps.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::Duration;
use cloudkyc_app::customers::{AccessChange, AccountAccess, CipStatus};
use cloudkyc_app::jobs::JobRunner;
use cloudkyc_app::webhooks::signature::verify;
use cloudkyc_domain::Role;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::{JobStore, TenantScope};
use serde_json::{Value, json};

use super::support::TestApp;

fn subscription(url: &str) -> Value {
    json!({"url": url, "events": ["customer.account_access"]})
}

#[tokio::test]
async fn subscriptions_are_created_with_a_secret_shown_once_listed_and_deleted() {
    let t = TestApp::new().await;
    let integration = t.key(Role::Integration).await;
    let url = "https://platform.example.com/hooks/cloudkyc";
    let response = t
        .post("/v1/webhooks", Some(&integration), &subscription(url))
        .await;
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let created = response.ok(StatusCode::CREATED);
    assert_eq!(created["url"], url);
    assert_eq!(created["events"], json!(["customer.account_access"]));
    assert_eq!(created["tenant"], t.provider.to_string());
    let secret = created["secret"].as_str().unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 70,
        "{secret}"
    );

    let listed = t
        .get("/v1/webhooks", Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    let hooks = listed["webhooks"].as_array().unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["id"], created["id"]);
    assert!(hooks[0].get("secret").is_none(), "never listed: {listed}");

    let officer = t.key(Role::Officer).await;
    t.post("/v1/webhooks", Some(&officer), &subscription(url))
        .await
        .problem(StatusCode::FORBIDDEN);

    let bad = t
        .post(
            "/v1/webhooks",
            Some(&t.admin),
            &json!({"url": "http://user:pw@platform.example.com/h",
                    "events": ["customer.account_access", "customer.deleted"]}),
        )
        .await;
    assert_eq!(bad.invalid_paths(), vec!["/url", "/url", "/events/1"]);
    for url in ["ftp://platform.example.com/h", "not a url", "/relative"] {
        let bad = t
            .post("/v1/webhooks", Some(&t.admin), &subscription(url))
            .await;
        assert_eq!(bad.invalid_paths(), vec!["/url"], "{url}");
    }
    t.post(
        "/v1/webhooks",
        Some(&t.admin),
        &subscription("http://localhost:9999/h"),
    )
    .await
    .ok(StatusCode::CREATED);

    let id = created["id"].as_str().unwrap();
    let deleted = t
        .delete(&format!("/v1/webhooks/{id}"), Some(&integration))
        .await
        .ok(StatusCode::OK);
    assert_eq!(deleted["id"], id);
    t.delete(&format!("/v1/webhooks/{id}"), Some(&integration))
        .await
        .problem(StatusCode::NOT_FOUND);
    t.get(&format!("/v1/webhooks/{id}/deliveries"), Some(&t.admin))
        .await
        .problem(StatusCode::NOT_FOUND);
    let listed = t
        .get("/v1/webhooks", Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert_eq!(listed["webhooks"].as_array().unwrap().len(), 1);
}

/// What the receiver saw: headers and raw body of each POST, per path.
#[derive(Clone, Default)]
struct Received {
    requests: Arc<Mutex<Vec<(String, HeaderMap, Bytes)>>>,
    failing_status: Arc<AtomicU16>,
}

async fn ok_hook(State(r): State<Received>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.requests
        .lock()
        .unwrap()
        .push(("/ok".into(), headers, body));
    StatusCode::NO_CONTENT
}

async fn failing_hook(State(r): State<Received>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.requests
        .lock()
        .unwrap()
        .push(("/fail".into(), headers, body));
    StatusCode::from_u16(r.failing_status.load(Ordering::SeqCst)).unwrap()
}

/// A real HTTP server on 127.0.0.1 with an endpoint that answers 204 and one that answers
/// `failing_status`.
async fn receiver() -> (String, Received) {
    let received = Received::default();
    received.failing_status.store(500, Ordering::SeqCst);
    let app = Router::new()
        .route("/ok", post(ok_hook))
        .route("/fail", post(failing_hook))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, received)
}

async fn deliveries(t: &TestApp, hook: &Value) -> Vec<Value> {
    let id = hook["id"].as_str().unwrap();
    t.get(&format!("/v1/webhooks/{id}/deliveries"), Some(&t.admin))
        .await
        .ok(StatusCode::OK)["deliveries"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn an_access_change_is_delivered_signed_and_a_failing_endpoint_is_retried_alone() {
    let t = TestApp::new().await;
    let (base, received) = receiver().await;
    // The provider listens on /ok; the reseller's own platform on /fail.
    let provider_hook = t
        .post(
            "/v1/webhooks",
            Some(&t.admin),
            &subscription(&format!("{base}/ok")),
        )
        .await
        .ok(StatusCode::CREATED);
    let reseller_admin_scope = TenantScope::system(t.reseller, vec![t.reseller], "test");
    let reseller_hook = {
        // Reseller keys do not manage webhooks; a scope acting for the reseller subscribes one.
        let created = t
            .app
            .create_webhook(
                &reseller_admin_scope,
                cloudkyc_app::webhooks::CreateWebhook {
                    url: format!("{base}/fail"),
                    events: vec!["customer.account_access".into()],
                },
            )
            .await
            .unwrap();
        json!({"id": created.webhook.id.to_string(), "secret": created.secret.expose()})
    };

    // An access change of a reseller's customer, enqueued as the customer update would.
    let change = AccessChange {
        tenant: t.reseller,
        customer: CustomerId::new(),
        accounts: vec!["acct-7001".into()],
        from: AccountAccess::Restricted,
        to: AccountAccess::Full,
        cip_status: CipStatus::Verified,
        cause: "customer.override".into(),
        at: t.app.now(),
    };
    t.store
        .enqueue(&reseller_admin_scope, change.job().unwrap(), t.app.now())
        .await
        .unwrap();

    let runner = JobRunner::new(t.app.clone());
    runner.drain().await.unwrap();

    let sent_at = t.app.now().timestamp();
    {
        let requests = received.requests.lock().unwrap();
        let ok: Vec<_> = requests.iter().filter(|(path, ..)| path == "/ok").collect();
        assert_eq!(
            ok.len(),
            1,
            "the provider hears about its reseller's customer"
        );
        let (_, headers, body) = ok[0];
        let signature = headers["cloudkyc-signature"].to_str().unwrap();
        assert!(
            signature.starts_with(&format!("t={sent_at},v1=")),
            "{signature}"
        );
        let secret = provider_hook["secret"].as_str().unwrap();
        assert_eq!(verify(secret, signature, body, sent_at, 300), Ok(()));
        assert!(verify("whsec_wrong", signature, body, sent_at, 300).is_err());
        assert_eq!(headers["content-type"], "application/json");
        let json: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(json["type"], "customer.account_access");
        assert_eq!(json["id"], headers["cloudkyc-event-id"].to_str().unwrap());
        assert_eq!(json["created_at"], "2026-11-01T09:00:00Z");
        assert_eq!(json["data"], serde_json::to_value(&change).unwrap());
        assert_eq!(json["data"]["to"], "full");
        let fail: Vec<_> = requests.iter().filter(|(p, ..)| p == "/fail").collect();
        assert_eq!(fail.len(), 1);
        let (_, headers, body) = fail[0];
        let secret = reseller_hook["secret"].as_str().unwrap();
        let signature = headers["cloudkyc-signature"].to_str().unwrap();
        assert_eq!(verify(secret, signature, body, sent_at, 300), Ok(()));
        assert_ne!(
            headers["cloudkyc-event-id"], ok[0].1["cloudkyc-event-id"],
            "each endpoint gets its own delivery id"
        );
    }

    let delivered = deliveries(&t, &provider_hook).await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0]["state"], "delivered");
    assert_eq!(delivered[0]["attempts"], 1);
    assert_eq!(delivered[0]["last_status"], 204);
    let failing = deliveries(&t, &reseller_hook).await;
    assert_eq!(failing[0]["state"], "retrying");
    assert_eq!(failing[0]["attempts"], 1);
    assert_eq!(failing[0]["last_status"], 500);
    assert_eq!(failing[0]["last_error"], "HTTP 500");

    // Nothing is due before the backoff runs out.
    let idle = runner.drain().await.unwrap();
    assert_eq!(idle.retried + idle.completed + idle.dead, 0);
    // Four more attempts with growing backoff, then the delivery is dead.
    for _ in 0..4 {
        t.clock.advance(Duration::hours(1));
        runner.drain().await.unwrap();
    }
    let failing = deliveries(&t, &reseller_hook).await;
    assert_eq!(failing[0]["state"], "dead");
    assert_eq!(failing[0]["attempts"], 5);
    let requests = received.requests.lock().unwrap();
    assert_eq!(requests.iter().filter(|(p, ..)| p == "/fail").count(), 5);
    assert_eq!(
        requests.iter().filter(|(p, ..)| p == "/ok").count(),
        1,
        "the failing endpoint's retries never re-send to the others"
    );
    let bodies: Vec<&Bytes> = requests
        .iter()
        .filter(|(p, ..)| p == "/fail")
        .map(|(_, _, body)| body)
        .collect();
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "every retry sends the same body"
    );
}

#[tokio::test]
async fn a_recovered_endpoint_is_delivered_on_retry_and_a_deleted_one_is_cancelled() {
    let t = TestApp::new().await;
    let (base, received) = receiver().await;
    let flaky = t
        .post(
            "/v1/webhooks",
            Some(&t.admin),
            &subscription(&format!("{base}/fail")),
        )
        .await
        .ok(StatusCode::CREATED);
    let doomed = t
        .post(
            "/v1/webhooks",
            Some(&t.admin),
            &subscription(&format!("{base}/ok")),
        )
        .await
        .ok(StatusCode::CREATED);
    let change = AccessChange {
        tenant: t.provider,
        customer: CustomerId::new(),
        accounts: vec!["acct-1".into()],
        from: AccountAccess::Restricted,
        to: AccountAccess::Closed,
        cip_status: CipStatus::Failed,
        cause: "customer.verification".into(),
        at: t.app.now(),
    };
    // Fan out first, then delete one subscription before its delivery runs.
    let runner = JobRunner::new(t.app.clone());
    t.store
        .enqueue(&t.operator, change.job().unwrap(), t.app.now())
        .await
        .unwrap();
    runner.run_one().await.unwrap();
    let doomed_id = doomed["id"].as_str().unwrap();
    t.delete(&format!("/v1/webhooks/{doomed_id}"), Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    runner.drain().await.unwrap();
    assert_eq!(
        deliveries(&t, &flaky).await[0]["state"],
        "retrying",
        "the first attempt failed"
    );

    received.failing_status.store(200, Ordering::SeqCst);
    t.clock.advance(Duration::minutes(1));
    runner.drain().await.unwrap();
    let after = deliveries(&t, &flaky).await;
    assert_eq!(after[0]["state"], "delivered");
    assert_eq!(after[0]["attempts"], 2);
    assert_eq!(after[0]["last_status"], 200);
    assert_eq!(after[0]["last_error"], Value::Null);

    let requests = received.requests.lock().unwrap();
    assert_eq!(
        requests.iter().filter(|(p, ..)| p == "/ok").count(),
        0,
        "nothing is sent to a deleted subscription"
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_is_recorded_without_a_status_and_retried() {
    let t = TestApp::new().await;
    // A port that was just free: nothing listens there any more.
    let closed = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let hook = t
        .post(
            "/v1/webhooks",
            Some(&t.admin),
            &subscription(&format!("http://{closed}/hook")),
        )
        .await
        .ok(StatusCode::CREATED);
    let change = AccessChange {
        tenant: t.provider,
        customer: CustomerId::new(),
        accounts: vec!["acct-2".into()],
        from: AccountAccess::None,
        to: AccountAccess::Restricted,
        cip_status: CipStatus::Pending,
        cause: "customer.resubmit".into(),
        at: t.app.now(),
    };
    t.store
        .enqueue(&t.operator, change.job().unwrap(), t.app.now())
        .await
        .unwrap();
    let report = JobRunner::new(t.app.clone()).drain().await.unwrap();
    assert!(report.retried >= 1, "{report:?}");
    let failed = deliveries(&t, &hook).await;
    assert_eq!(failed[0]["state"], "retrying");
    assert_eq!(failed[0]["last_status"], Value::Null);
    assert_eq!(failed[0]["last_error"], "connection failed");
}

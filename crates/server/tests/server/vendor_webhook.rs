//! `POST /v1/webhooks/verification-vendor`: signed with HMAC-SHA256 over the raw body, refused
//! with a bad signature or a stale timestamp, deduplicated on the event id; a pass verifies a
//! customer waiting for the vendor, a fail fails it; no leak for an unknown customer.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Duration;
use cloudkyc_domain::Role;
use cloudkyc_server::{ServerConfig, WebhookSecret};
use cloudkyc_store::customers::{AccountAccess, CustomerId};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::support::{TestApp, TestResponse};
use super::verifications::{access_changes, audit_actions, onboard, person};

const SECRET: &str = "whsec-test-4f1c9a";
const PATH: &str = "/v1/webhooks/verification-vendor";

async fn app() -> TestApp {
    let mut config = ServerConfig::default();
    config.webhooks.vendor_secret = Some(WebhookSecret::new(SECRET));
    TestApp::with_config(config).await
}

fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

async fn deliver(t: &TestApp, body: &[u8], signature: Option<String>) -> TestResponse {
    let mut request = Request::post(PATH).header(header::CONTENT_TYPE, "application/json");
    if let Some(signature) = signature {
        request = request.header("Cloudkyc-Signature", signature);
    }
    t.send(request.body(Body::from(body.to_vec())).unwrap())
        .await
}

async fn signed(t: &TestApp, event: &Value) -> TestResponse {
    let body = serde_json::to_vec(event).unwrap();
    let sig = signature(SECRET, t.app.now().timestamp(), &body);
    deliver(t, &body, Some(sig)).await
}

fn event(id: &str, customer: &str, verdict: &str) -> Value {
    json!({"id": id, "customer_id": customer, "vendor": "acme-idv", "verdict": verdict,
           "reference": "acme:check/8841"})
}

async fn customer(t: &TestApp, id: &str) -> Value {
    t.get(&format!("/v1/customers/{id}"), Some(&t.admin))
        .await
        .ok(StatusCode::OK)
}

#[tokio::test]
async fn a_pass_verifies_a_customer_waiting_for_the_vendor_once() {
    let t = app().await;
    let pending = onboard(&t, &person("acct-1", "DE", false)).await;
    assert_eq!(pending["cip_status"], "pending");
    let id = pending["id"].as_str().unwrap();

    let answer = signed(&t, &event("evt-1", id, "pass"))
        .await
        .ok(StatusCode::OK);
    assert_eq!(
        answer,
        json!({"duplicate": false, "cip_status": "verified", "account_access": "full"})
    );
    let after = customer(&t, id).await;
    assert_eq!(after["cip_status"], "verified");
    assert!(
        after["decision_reasons"]
            .to_string()
            .contains("vendor acme-idv verdict pass (reference acme:check/8841) satisfied the checks that could not run: ip_geolocation")
    );
    let changes = access_changes(&t).await;
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (changes[0].from, changes[0].to),
        (AccountAccess::Restricted, AccountAccess::Full)
    );

    // The same event again: acknowledged, nothing changes.
    let replay = signed(&t, &event("evt-1", id, "fail"))
        .await
        .ok(StatusCode::OK);
    assert_eq!(replay, json!({"duplicate": true}));
    assert_eq!(customer(&t, id).await["cip_status"], "verified");
    assert!(access_changes(&t).await.is_empty());
    let actions = audit_actions(&t).await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "customer.vendor_verdict")
            .count(),
        1
    );
    let history = t
        .get(&format!("/v1/customers/{id}/verifications"), Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    let vendor = &history["verifications"][0];
    assert_eq!(vendor["kind"], "vendor");
    assert_eq!(vendor["verdict"], "pass");
    assert_eq!(vendor["reference"], "acme:check/8841");
    assert_eq!(vendor["event_id"], "evt-1");
    assert_eq!(vendor["requested_by"], "system:vendor_webhook");
}

#[tokio::test]
async fn a_fail_fails_verification_per_the_pack() {
    let t = app().await;
    let pending = onboard(&t, &person("acct-1", "DE", false)).await;
    let id = pending["id"].as_str().unwrap();
    let answer = signed(&t, &event("evt-2", id, "fail"))
        .await
        .ok(StatusCode::OK);
    assert_eq!(answer["cip_status"], "failed");
    assert_eq!(answer["account_access"], "closed");
    let inconclusive = signed(&t, &event("evt-3", id, "inconclusive"))
        .await
        .ok(StatusCode::OK);
    assert_eq!(
        inconclusive["cip_status"], "failed",
        "an inconclusive verdict does not undo a fail"
    );
}

#[tokio::test]
async fn bad_signatures_and_stale_timestamps_are_refused() {
    let t = app().await;
    let pending = onboard(&t, &person("acct-1", "DE", false)).await;
    let id = pending["id"].as_str().unwrap();
    let body = serde_json::to_vec(&event("evt-1", id, "pass")).unwrap();
    let now = t.app.now().timestamp();

    deliver(&t, &body, None)
        .await
        .problem(StatusCode::UNAUTHORIZED);
    deliver(&t, &body, Some(signature("wrong-secret", now, &body)))
        .await
        .problem(StatusCode::UNAUTHORIZED);
    deliver(&t, &body, Some("t=abc,v1=zz".into()))
        .await
        .problem(StatusCode::UNAUTHORIZED);
    // Signed for another body.
    let other = serde_json::to_vec(&event("evt-1", id, "fail")).unwrap();
    deliver(&t, &body, Some(signature(SECRET, now, &other)))
        .await
        .problem(StatusCode::UNAUTHORIZED);
    // Outside the five-minute window, either way.
    for t_sig in [now - 301, now + 301] {
        let problem = deliver(&t, &body, Some(signature(SECRET, t_sig, &body)))
            .await
            .problem(StatusCode::UNAUTHORIZED);
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("replay window")
        );
    }
    // An API key is no signature.
    let request = Request::post(PATH)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {}", t.admin))
        .body(Body::from(body.clone()))
        .unwrap();
    t.send(request).await.problem(StatusCode::UNAUTHORIZED);

    // A captured request replayed after the window is refused even though it was genuine.
    let sig = signature(SECRET, now, &body);
    deliver(&t, &body, Some(sig.clone()))
        .await
        .ok(StatusCode::OK);
    t.clock.advance(Duration::minutes(6));
    deliver(&t, &body, Some(sig))
        .await
        .problem(StatusCode::UNAUTHORIZED);
    assert_eq!(
        audit_actions(&t)
            .await
            .iter()
            .filter(|a| *a == "customer.vendor_verdict")
            .count(),
        1
    );
}

#[tokio::test]
async fn unknown_customers_and_malformed_bodies_are_clear_client_errors() {
    let t = app().await;
    // Another tenant's customer exists, but the answer for an unknown id says nothing more.
    let reseller = t.key(Role::Reseller).await;
    t.post(
        "/v1/customers",
        Some(&reseller),
        &person("acct-r", "DE", false),
    )
    .await
    .ok(StatusCode::CREATED);
    let unknown = CustomerId::new().to_string();
    let problem = signed(&t, &event("evt-9", &unknown, "pass"))
        .await
        .problem(StatusCode::NOT_FOUND);
    assert_eq!(problem["detail"], "customer not found");
    assert!(!problem.to_string().contains(&unknown));

    let not_json = b"{not json";
    let sig = signature(SECRET, t.app.now().timestamp(), not_json);
    deliver(&t, not_json, Some(sig))
        .await
        .problem(StatusCode::BAD_REQUEST);
    let invalid = signed(
        &t,
        &json!({"id": "", "customer_id": "nope", "vendor": "acme", "verdict": "pass",
                "reference": "r"}),
    )
    .await;
    assert_eq!(invalid.invalid_paths(), vec!["/id", "/customer_id"]);
    let wrong_verdict = signed(&t, &event("evt-10", &unknown, "maybe")).await;
    assert_eq!(wrong_verdict.invalid_paths(), vec!["/verdict"]);
    let extra = signed(
        &t,
        &json!({"id": "e", "customer_id": unknown, "vendor": "a",
        "verdict": "pass", "reference": "r", "score": 0.9}),
    )
    .await;
    assert_eq!(extra.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn without_a_secret_the_endpoint_is_off() {
    let t = TestApp::new().await;
    let body = b"{}";
    let problem = deliver(
        &t,
        body,
        Some(signature(SECRET, t.app.now().timestamp(), body)),
    )
    .await
    .problem(StatusCode::NOT_FOUND);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("not configured")
    );
}

//! What the request log says, and what it never says: secrets, credentials, raw paths and
//! query strings (which may carry personal data).
//!
//! The capture is the test binary's *global* subscriber: a thread-local one (`set_default`)
//! races with the other tests' threads over tracing's per-callsite interest cache and loses
//! lines. Every test's lines land in the capture; this test picks its own by request id.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use super::support::{TestApp, TestResponse};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        captured
    })
}

async fn send(
    t: &TestApp,
    id: &str,
    method: Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> TestResponse {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("x-request-id", id)
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, "application/json");
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    t.send(request.body(body).unwrap()).await
}

#[tokio::test]
async fn request_logs_carry_the_route_template_and_ids_but_no_secrets_or_personal_data() {
    let captured = capture();
    let t = TestApp::new().await;
    let run = uuid::Uuid::new_v4().simple().to_string();
    let id = |n: u32| format!("logs-{run}-{n}");

    let body = json!({"role": "analyst", "name": "Amara Okafor's laptop"});
    let created = send(&t, &id(1), Method::POST, "/v1/keys", &t.admin, Some(body)).await;
    let created = created.ok(StatusCode::CREATED);
    let secret = created["secret"].as_str().unwrap().to_owned();
    let key_id = created["id"].as_str().unwrap().to_owned();
    let revoke = format!("/v1/keys/{key_id}");
    send(&t, &id(2), Method::DELETE, &revoke, &t.admin, None)
        .await
        .ok(StatusCode::OK);
    let tenants = send(&t, &id(3), Method::GET, "/v1/tenants", &secret, None).await;
    tenants.problem(StatusCode::UNAUTHORIZED);
    let audit = "/v1/audit?tenant=amara.okafor@example.ng";
    let audit = send(&t, &id(4), Method::GET, audit, &t.admin, None).await;
    audit.problem(StatusCode::UNPROCESSABLE_ENTITY);
    let customer = "/v1/customers/amara.okafor@example.ng";
    let customer = send(&t, &id(5), Method::GET, customer, &t.admin, None).await;
    customer.problem(StatusCode::BAD_REQUEST);

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let answered = |n: u32| -> Value {
        logs.lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap())
            .find(|line| {
                line["fields"]["message"] == "request answered"
                    && line["span"]["request_id"] == id(n)
            })
            .unwrap_or_else(|| panic!("no log line for request {n}:\n{logs}"))
    };
    let revoked = answered(2);
    assert_eq!(revoked["span"]["route"], "/v1/keys/{id}");
    assert_eq!(revoked["span"]["method"], "DELETE");
    assert_eq!(revoked["span"]["tenant"], t.provider.to_string());
    assert_eq!(revoked["span"]["role"], "admin");
    assert_eq!(revoked["fields"]["status"], 200);
    assert!(revoked["fields"]["latency_ms"].is_number());
    assert_eq!(answered(1)["fields"]["status"], 201);
    assert_eq!(answered(3)["fields"]["status"], 401);
    assert_eq!(answered(4)["span"]["route"], "/v1/audit");
    assert_eq!(answered(5)["span"]["route"], "/v1/customers/{id}");

    for forbidden in [
        &t.admin,
        &secret,
        "Bearer",
        "Amara",
        "okafor",
        "example.ng",
        &key_id,
    ] {
        assert!(
            !logs.contains(forbidden),
            "the log contains {forbidden:?}:\n{logs}"
        );
    }
}

/// Signs like the verification vendor: HMAC-SHA256 of `"<t>.<body>"`.
fn vendor_signature(secret: &str, t: i64, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[tokio::test]
async fn bodies_with_personal_data_and_signed_webhooks_leave_no_trace_in_the_logs() {
    const VENDOR_SECRET: &str = "whsec-logs-8e1d27c4";
    let captured = capture();
    let mut config = cloudkyc_server::ServerConfig::default();
    config.webhooks.vendor_secret = Some(cloudkyc_server::WebhookSecret::new(VENDOR_SECRET));
    let t = TestApp::with_config(config).await;
    let run = uuid::Uuid::new_v4().simple().to_string();
    let id = |n: u32| format!("logs-pd-{run}-{n}");

    // Onboarding: names, a date of birth, a passport number and zone, email, phone, address.
    let person = json!({
      "kind": "individual",
      "name": {"full": "Zainab Oyelaran-Whitfield"},
      "date_of_birth": "1979-06-23",
      "nationalities": ["NG"],
      "addresses": [{"line1": "41 Kingsway Crescent", "city": "Ibadan", "country": "NG"}],
      "emails": ["zainab.whitfield@example.ng"],
      "phones": ["+234 805 555 0177"],
      "documents": [{"type": "passport", "number": "B93117408", "issuing_country": "NG",
                     "expires": "2030-01-31"}],
      "accounts": [{"external_id": "acct-logs-1",
                    "payment_methods": [{"type": "card", "brand": "visa", "last4": "4242",
                                         "bin_country": "NG", "source": "customer"}]}],
      "beneficial_owners": []
    });
    let created = send(
        &t,
        &id(1),
        Method::POST,
        "/v1/customers",
        &t.admin,
        Some(person),
    )
    .await;
    let created = created.ok(StatusCode::CREATED);
    let customer = created["id"].as_str().unwrap().to_owned();
    // The same person again, invalid: the 422 names fields, never their values.
    let invalid = json!({"kind": "individual", "name": {"full": "Zainab Oyelaran-Whitfield"},
                         "date_of_birth": "23/06/1979", "emails": ["zainab.whitfield@"]});
    let refused = send(
        &t,
        &id(2),
        Method::POST,
        "/v1/customers",
        &t.admin,
        Some(invalid),
    )
    .await;
    refused.problem(StatusCode::UNPROCESSABLE_ENTITY);
    // Access events carry the customer's IP addresses; screening carries a name.
    let events = json!([{"id": "ev-logs-1", "account": "acct-logs-1", "ip": "102.89.47.201",
                         "at": "2026-11-01T08:00:00Z", "action": "login"}]);
    let ingested = send(
        &t,
        &id(3),
        Method::POST,
        "/v1/access-events",
        &t.admin,
        Some(events),
    )
    .await;
    assert!(ingested.status.is_success(), "{}", ingested.status);
    let screening = json!({"name": "Zainab Oyelaran-Whitfield", "schema": "person"});
    let screened = send(
        &t,
        &id(4),
        Method::POST,
        "/v1/screenings",
        &t.admin,
        Some(screening),
    )
    .await;
    screened.ok(StatusCode::OK);

    // The vendor's webhook, once with a good signature and once with a forged one.
    let verdict = json!({"id": "vendor-logs-1", "customer_id": customer, "vendor": "acme-idv",
                         "verdict": "pass", "reference": "acme:check/logs"});
    let body = serde_json::to_vec(&verdict).unwrap();
    let good = vendor_signature(VENDOR_SECRET, t.app.now().timestamp(), &body);
    let forged = vendor_signature("not-the-secret", t.app.now().timestamp(), &body);
    for (n, signature) in [(5, &good), (6, &forged)] {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/v1/webhooks/verification-vendor")
            .header("x-request-id", id(n))
            .header(header::CONTENT_TYPE, "application/json")
            .header("Cloudkyc-Signature", signature)
            .body(Body::from(body.clone()))
            .unwrap();
        let answer = t.send(request).await;
        assert!(!answer.status.is_server_error(), "{}", answer.status);
    }

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for n in 1..=6 {
        assert!(
            logs.contains(&id(n)),
            "no log line for request {n}:\n{logs}"
        );
    }
    let signature_hex = |s: &str| s.rsplit("v1=").next().unwrap().to_owned();
    for forbidden in [
        "Zainab",
        "Oyelaran",
        "Whitfield",
        "1979-06-23",
        "23/06/1979",
        "Kingsway",
        "B93117408",
        "zainab.whitfield",
        "805 555 0177",
        "102.89.47.201",
        VENDOR_SECRET,
        &signature_hex(&good),
        &signature_hex(&forged),
        &t.admin,
    ] {
        assert!(
            !logs.contains(forbidden),
            "the log contains {forbidden:?}:\n{logs}"
        );
    }
}

//! Key rotation without downtime: create the new key, run on both, revoke the old one. At no
//! moment is the platform without a working key, and what one key wrote the other reads.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::support::TestApp;

async fn create_key(t: &TestApp, name: &str) -> (String, String) {
    let body = json!({"role": "integration", "name": name});
    let created = t.post("/v1/keys", Some(&t.admin), &body).await;
    let created = created.ok(StatusCode::CREATED);
    let id = created["id"].as_str().unwrap().to_owned();
    (id, created["secret"].as_str().unwrap().to_owned())
}

fn onboarding() -> Value {
    json!({
      "kind": "entity",
      "name": {"full": "Rotation Test Compute Ltd"},
      "incorporation": {"country": "US", "date": "2020-01-15", "registration_number": "DE-7731"},
      "addresses": [{"line1": "1 Main Street", "city": "Dover", "country": "US"}],
      "emails": ["ops@rotation.example"],
      "accounts": [{"external_id": "acct-rotation",
                    "payment_methods": [{"type": "bank_account", "country": "US", "source": "customer"}]}],
      "beneficial_owners": []
    })
}

#[tokio::test]
async fn a_key_is_rotated_without_a_moment_without_access() {
    let t = TestApp::new().await;
    let (old_id, old) = create_key(&t, "platform 2026").await;
    let first = t.post("/v1/customers", Some(&old), &onboarding()).await;
    let first = first.ok(StatusCode::CREATED);
    let first = format!("/v1/customers/{}", first["id"].as_str().unwrap());

    // Step 1: the new key exists; both work, on the same data.
    let (_, new) = create_key(&t, "platform 2027").await;
    t.get(&first, Some(&new)).await.ok(StatusCode::OK);
    t.get(&first, Some(&old)).await.ok(StatusCode::OK);
    let keys = t.get("/v1/keys", Some(&t.admin)).await.ok(StatusCode::OK);
    let listed = keys.to_string();
    assert!(listed.contains("platform 2026") && listed.contains("platform 2027"));

    // Step 2: the old key is revoked; the new one goes on working, the old one is refused.
    t.delete(&format!("/v1/keys/{old_id}"), Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    t.get(&first, Some(&new)).await.ok(StatusCode::OK);
    t.get(&first, Some(&old))
        .await
        .problem(StatusCode::UNAUTHORIZED);
    let mut second = onboarding();
    second["accounts"][0]["external_id"] = json!("acct-rotation-2");
    second["name"]["full"] = json!("Rotation Test Compute Two Ltd");
    t.post("/v1/customers", Some(&new), &second)
        .await
        .ok(StatusCode::CREATED);
}

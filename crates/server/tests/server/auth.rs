//! Authentication: every refusal is the same 401 problem with a Bearer challenge.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Duration;
use cloudkyc_app::keys::CreateKey;
use cloudkyc_domain::Role;
use serde_json::json;

use super::support::{TestApp, TestResponse};

fn assert_refused(response: &TestResponse, invalid_token: bool) {
    let problem = response.problem(StatusCode::UNAUTHORIZED);
    assert_eq!(problem["type"], "urn:cloudkyc:problem:unauthorized");
    let challenge = response.header(header::WWW_AUTHENTICATE).unwrap();
    assert!(
        challenge.starts_with("Bearer realm=\"cloudkyc\""),
        "{challenge}"
    );
    assert_eq!(
        challenge.contains("error=\"invalid_token\""),
        invalid_token,
        "{challenge}"
    );
}

#[tokio::test]
async fn a_request_without_credentials_is_refused() {
    let t = TestApp::new().await;
    assert_refused(&t.get("/v1/tenants", None).await, false);
}

#[tokio::test]
async fn malformed_and_unknown_keys_are_refused_alike() {
    let t = TestApp::new().await;
    let mut tampered = t.admin.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let unknown_id = format!("ck_{}_{}", uuid::Uuid::new_v4().simple(), "A".repeat(43));
    for key in [
        "nope",
        "ck_",
        "ck_zz_yy",
        tampered.as_str(),
        unknown_id.as_str(),
    ] {
        assert_refused(&t.get("/v1/tenants", Some(key)).await, true);
    }
    for authorization in [
        format!("Basic {}", t.admin),
        t.admin.clone(),
        "Bearer".to_owned(),
    ] {
        let request = Request::get("/v1/tenants")
            .header(header::AUTHORIZATION, authorization)
            .body(Body::empty())
            .unwrap();
        assert_refused(&t.send(request).await, true);
    }
}

#[tokio::test]
async fn a_revoked_key_stops_working_at_once() {
    let t = TestApp::new().await;
    let created = t
        .post(
            "/v1/keys",
            Some(&t.admin),
            &json!({"role": "auditor", "name": "leaving"}),
        )
        .await;
    let created = created.ok(StatusCode::CREATED);
    let secret = created["secret"].as_str().unwrap();
    t.get("/v1/tenants", Some(secret)).await.ok(StatusCode::OK);
    t.delete(
        &format!("/v1/keys/{}", created["id"].as_str().unwrap()),
        Some(&t.admin),
    )
    .await
    .ok(StatusCode::OK);
    assert_refused(&t.get("/v1/tenants", Some(secret)).await, true);
}

#[tokio::test]
async fn an_expired_key_is_refused() {
    let t = TestApp::new().await;
    let request = CreateKey {
        role: Role::Analyst,
        tenant: None,
        name: "short lived".into(),
        expires_at: Some(t.app.now() + Duration::hours(1)),
    };
    let key = t.app.create_key(&t.operator, request).await.unwrap();
    let secret = key.secret.expose();
    t.get("/v1/tenants", Some(secret)).await.ok(StatusCode::OK);
    t.clock.advance(Duration::hours(2));
    assert_refused(&t.get("/v1/tenants", Some(secret)).await, true);
}

#[tokio::test]
async fn credentials_are_checked_before_the_body() {
    // An unauthenticated caller learns nothing about what the endpoint would accept.
    let t = TestApp::new().await;
    let response = t.post("/v1/keys", None, &json!({"role": "root"})).await;
    assert_refused(&response, false);
}

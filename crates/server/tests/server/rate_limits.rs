//! Rate limits: a token bucket per API key, and per client IP where no key is taken; an empty
//! bucket is a 429 problem with `Retry-After`.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use cloudkyc_domain::Role;
use cloudkyc_server::{BucketLimit, RateLimitConfig, ServerConfig};

use super::support::{TestApp, TestResponse};

/// Buckets of `burst` that do not refill within a test.
fn config(burst: u32) -> ServerConfig {
    let limit = BucketLimit {
        per_second: 0.01,
        burst,
    };
    ServerConfig {
        rate_limit: RateLimitConfig {
            enabled: true,
            per_key: limit,
            per_ip: limit,
        },
        ..ServerConfig::default()
    }
}

/// A request as `serve` hands it to the router: with the peer's address.
async fn from_peer(t: &TestApp, path: &str, peer: &str, key: Option<&str>) -> TestResponse {
    let mut request = Request::builder().method(Method::GET).uri(path);
    if let Some(key) = key {
        request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
    }
    let mut request = request.body(Body::empty()).unwrap();
    let peer: SocketAddr = peer.parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    t.send(request).await
}

fn assert_limited(response: &TestResponse) {
    let problem = response.problem(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(problem["type"], "urn:cloudkyc:problem:too-many-requests");
    let retry_after: u64 = response
        .header(header::RETRY_AFTER)
        .expect("a Retry-After header")
        .parse()
        .expect("Retry-After in seconds");
    assert!(retry_after >= 1);
}

#[tokio::test]
async fn each_key_has_its_own_bucket() {
    let t = TestApp::with_config(config(3)).await;
    let first = t.key(Role::Auditor).await;
    let second = t.key(Role::Auditor).await;
    for _ in 0..3 {
        t.get("/v1/tenants", Some(&first)).await.ok(StatusCode::OK);
    }
    assert_limited(&t.get("/v1/tenants", Some(&first)).await);
    // The same client with another key is not held back by the first key's bucket.
    t.get("/v1/tenants", Some(&second)).await.ok(StatusCode::OK);
    // Neither is a key from another address: the limit follows the key, not the connection.
    assert_limited(&from_peer(&t, "/v1/tenants", "192.0.2.7:4000", Some(&first)).await);
}

#[tokio::test]
async fn keyless_routes_are_limited_per_client_ip() {
    let t = TestApp::with_config(config(2)).await;
    let key = t.key(Role::Auditor).await;
    for _ in 0..2 {
        let response = from_peer(&t, "/healthz", "192.0.2.1:5000", None).await;
        assert_eq!(response.status, StatusCode::OK);
    }
    assert_limited(&from_peer(&t, "/healthz", "192.0.2.1:5001", None).await);
    // A key does not lift a public route out of its client's bucket.
    assert_limited(&from_peer(&t, "/openapi.json", "192.0.2.1:5002", Some(&key)).await);
    // Another client has its own bucket.
    let other = from_peer(&t, "/healthz", "192.0.2.2:5000", None).await;
    assert_eq!(other.status, StatusCode::OK);
    // Requests without a key on keyed routes count against the client too.
    let refused = from_peer(&t, "/v1/tenants", "192.0.2.2:5000", None).await;
    refused.problem(StatusCode::UNAUTHORIZED);
    assert_limited(&from_peer(&t, "/v1/tenants", "192.0.2.2:5000", None).await);
}

#[tokio::test]
async fn limits_can_be_turned_off() {
    let mut config = config(1);
    config.rate_limit.enabled = false;
    let t = TestApp::with_config(config).await;
    let key = t.key(Role::Auditor).await;
    for _ in 0..5 {
        t.get("/v1/tenants", Some(&key)).await.ok(StatusCode::OK);
        let response = from_peer(&t, "/healthz", "192.0.2.1:5000", None).await;
        assert_eq!(response.status, StatusCode::OK);
    }
}

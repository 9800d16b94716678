//! The middleware stack around handlers of the tests' own, without a store.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::{get, post};
use tower::ServiceExt;

use super::*;
use crate::extract::ApiJson;
use crate::problem::{PROBLEM_JSON, Problem};

fn app(metrics: Arc<Metrics>) -> Router {
    let config = ServerConfig {
        body_limit_bytes: 64,
        request_timeout: Duration::from_millis(50),
        ..ServerConfig::default()
    };
    let router = Router::new()
        .route(
            "/echo",
            post(|ApiJson(v): ApiJson<serde_json::Value>| async move { axum::Json(v) }),
        )
        .route("/panic", get(panics))
        .route("/never", get(std::future::pending::<&'static str>))
        .route(
            "/plain-error",
            get(|| async { (StatusCode::BAD_GATEWAY, "upstream said no") }),
        )
        .fallback(|| async { crate::problem::ApiError::not_found("nothing here") });
    apply(router, metrics, &config)
}

#[allow(clippy::unused_async)]
async fn panics() -> &'static str {
    panic!("handler bug")
}

async fn send(request: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = app(Arc::new(Metrics::new("test")))
        .oneshot(request)
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    (parts.status, parts.headers, bytes.to_vec())
}

async fn problem(request: Request<Body>) -> (StatusCode, Problem, String) {
    let (status, headers, body) = send(request).await;
    assert_eq!(headers[header::CONTENT_TYPE], PROBLEM_JSON, "{status}");
    let id = headers["x-request-id"].to_str().unwrap().to_owned();
    (status, serde_json::from_slice(&body).unwrap(), id)
}

fn get_request(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn the_request_id_is_echoed_and_named_in_problems() {
    let request = Request::get("/nowhere")
        .header("x-request-id", "client-7")
        .body(Body::empty())
        .unwrap();
    let (status, problem, id) = problem(request).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(id, "client-7");
    assert_eq!(problem.request_id.as_deref(), Some("client-7"));
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem_with_allow() {
    let (status, headers, body) = send(Request::delete("/echo").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers[header::ALLOW], "POST");
    let problem: Problem = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem.kind, "urn:cloudkyc:problem:method-not-allowed");
    assert!(problem.request_id.is_some());
}

#[tokio::test]
async fn a_panic_is_a_500_problem_that_does_not_leak() {
    let (status, problem, _) = problem(get_request("/panic")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!problem.detail.contains("handler bug"));
}

#[tokio::test]
async fn a_slow_request_times_out_with_a_503_problem() {
    let (status, problem, _) = problem(get_request("/never")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(problem.kind, "urn:cloudkyc:problem:timeout");
}

#[tokio::test]
async fn a_bare_error_from_anywhere_becomes_a_problem() {
    let (status, problem, _) = problem(get_request("/plain-error")).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(problem.kind, "about:blank");
}

#[tokio::test]
async fn the_body_limit_applies_to_the_json_extractor() {
    let small = Request::post("/echo")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("[1]"))
        .unwrap();
    assert_eq!(send(small).await.0, StatusCode::OK);
    let big = format!("[{}1]", "1,".repeat(100));
    let request = Request::post("/echo")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(big))
        .unwrap();
    let (status, problem, _) = problem(request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(problem.kind, "urn:cloudkyc:problem:payload-too-large");
}

#[tokio::test]
async fn requests_are_counted_by_route_template() {
    let metrics = Arc::new(Metrics::new("test"));
    let router = app(Arc::clone(&metrics));
    router.clone().oneshot(get_request("/panic")).await.unwrap();
    router.oneshot(get_request("/no/such/place")).await.unwrap();
    let text = metrics.render();
    assert!(
        text.contains(
            r#"cloudkyc_http_requests_total{method="GET",route="/panic",status="500"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"route="unmatched",status="404"} 1"#),
        "{text}"
    );
    assert!(!text.contains("/no/such/place"));
}

//! Health, readiness, metrics and request ids.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

use super::support::TestApp;

#[tokio::test]
async fn healthz_and_readyz_answer_without_credentials() {
    let t = TestApp::new().await;
    assert_eq!(
        t.get("/healthz", None).await.ok(StatusCode::OK),
        json!({"status": "ok"})
    );
    let ready = t.get("/readyz", None).await.ok(StatusCode::OK);
    assert_eq!(ready["status"], "ready");
    assert_eq!(
        ready["checks"],
        json!([{"name": "database", "ok": true}, {"name": "lists", "ok": true}])
    );
}

#[tokio::test]
async fn a_lost_database_makes_readyz_and_the_api_answer_503() {
    let t = TestApp::new().await;
    t.store.close().await;
    let response = t.get("/readyz", None).await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    let ready = response.json();
    assert_eq!(ready["status"], "unavailable");
    assert_eq!(ready["checks"][0]["ok"], false);
    let problem = t
        .get("/v1/tenants", Some(&t.admin))
        .await
        .problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(problem["type"], "urn:cloudkyc:problem:unavailable");
    // The process itself is fine.
    t.get("/healthz", None).await.ok(StatusCode::OK);
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_show_the_queue() {
    let t = TestApp::new().await;
    t.get("/v1/tenants", Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    t.get("/v1/tenants", None)
        .await
        .problem(StatusCode::UNAUTHORIZED);
    let id = uuid::Uuid::new_v4();
    t.delete(&format!("/v1/keys/{id}"), Some(&t.admin))
        .await
        .problem(StatusCode::NOT_FOUND);
    t.get("/no/such/route?email=someone@example.com", None)
        .await
        .problem(StatusCode::NOT_FOUND);
    t.app.schedule_daily_jobs().await.unwrap();

    let response = t.get("/metrics", None).await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(
        response
            .header(header::CONTENT_TYPE)
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = String::from_utf8(response.body).unwrap();
    for line in [
        r#"cloudkyc_http_requests_total{method="GET",route="/v1/tenants",status="200"} 1"#,
        r#"cloudkyc_http_requests_total{method="GET",route="/v1/tenants",status="401"} 1"#,
        r#"cloudkyc_http_requests_total{method="DELETE",route="/v1/keys/{id}",status="404"} 1"#,
        r#"cloudkyc_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        r#"cloudkyc_http_request_duration_seconds_count{method="GET",route="/v1/tenants"} 2"#,
        // schedule_daily_jobs: audit.verify, the ongoing-duties sweep, access_events.purge,
        // records.retention.
        r#"cloudkyc_jobs{state="queued"} 4"#,
        r#"cloudkyc_jobs{state="dead"} 0"#,
        r#"cloudkyc_build_info{version=""#,
    ] {
        assert!(text.contains(line), "missing {line} in\n{text}");
    }
    // Raw paths and query strings never become labels.
    assert!(
        !text.contains(&id.to_string())
            && !text.contains("example.com")
            && !text.contains("/no/such")
    );
}

#[tokio::test]
async fn request_ids_are_kept_when_sane_and_made_up_otherwise() {
    let t = TestApp::new().await;
    let request = Request::get("/healthz")
        .header("x-request-id", "lb-7f3a.1")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        t.send(request).await.header("x-request-id"),
        Some("lb-7f3a.1")
    );

    let request = Request::get("/v1/keys")
        .header("x-request-id", "bad id\u{7f}")
        .body(Body::empty());
    // A header value with a control character cannot even be built; use one with a space.
    assert!(request.is_err());
    let request = Request::get("/v1/keys")
        .header("x-request-id", "has space")
        .body(Body::empty())
        .unwrap();
    let response = t.send(request).await;
    let id = response.header("x-request-id").unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    assert_eq!(
        response.problem(StatusCode::UNAUTHORIZED)["request_id"],
        id.as_str()
    );
}

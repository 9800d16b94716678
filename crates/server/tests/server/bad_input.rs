//! Every kind of bad request gets its 4xx problem, never a 5xx.

use axum::http::{Method, StatusCode, header};
use cloudkyc_server::ServerConfig;
use serde_json::json;

use super::support::TestApp;

#[tokio::test]
async fn malformed_json_is_a_400() {
    let t = TestApp::new().await;
    for body in [
        "{",
        "",
        "{\"role\": \"analyst\",}",
        "[1, 2",
        "{\"role\": \"analyst\", \"name\": \"x\"} trailing",
    ] {
        let problem = t
            .post_raw("/v1/keys", Some("application/json"), body)
            .await
            .problem(StatusCode::BAD_REQUEST);
        assert_eq!(
            problem["type"], "urn:cloudkyc:problem:bad-request",
            "{body:?}"
        );
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415() {
    let t = TestApp::new().await;
    let body = r#"{"role": "analyst", "name": "x"}"#;
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let response = t.post_raw("/v1/keys", content_type, body).await;
        let problem = response.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(
            problem["type"],
            "urn:cloudkyc:problem:unsupported-media-type"
        );
    }
    // A charset parameter is fine.
    let response = t
        .post_raw("/v1/keys", Some("application/json; charset=utf-8"), body)
        .await;
    assert_eq!(response.status, StatusCode::CREATED);
}

#[tokio::test]
async fn wrong_types_unknown_fields_and_unknown_enum_values_are_422s_with_the_path() {
    let t = TestApp::new().await;
    let cases = [
        (
            json!({"role": "analyst", "name": 5}),
            "/name",
            "invalid type: integer `5`",
        ),
        (
            json!({"role": "root", "name": "x"}),
            "/role",
            "unknown variant `root`",
        ),
        (
            json!({"role": "analyst", "name": "x", "colour": "red"}),
            "/colour",
            "unknown field `colour`",
        ),
        (json!({"role": "analyst"}), "/name", "missing field `name`"),
        (
            json!({"role": "analyst", "name": "x", "tenant": "not-a-uuid"}),
            "/tenant",
            "UUID",
        ),
        (
            json!({"role": "analyst", "name": "x", "expires_at": "tomorrow"}),
            "/expires_at",
            "input",
        ),
        (json!("analyst"), "", "invalid type: string"),
        (json!(42), "", "invalid type: integer"),
    ];
    for (body, path, message) in cases {
        let response = t.post("/v1/keys", Some(&t.admin), &body).await;
        let problem = response.problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["type"], "urn:cloudkyc:problem:validation");
        let errors = problem["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{problem}");
        assert_eq!(errors[0]["path"], path, "{body}: {problem}");
        assert!(
            errors[0]["message"].as_str().unwrap().contains(message),
            "{body}: {problem}"
        );
    }
}

#[tokio::test]
async fn values_the_use_case_refuses_are_422s_with_the_path() {
    let t = TestApp::new().await;
    let cases = [
        (json!({"role": "analyst", "name": "   "}), "/name"),
        (json!({"role": "analyst", "name": "x".repeat(101)}), "/name"),
        (
            json!({"role": "analyst", "name": "x", "expires_at": "2020-01-01T00:00:00Z"}),
            "/expires_at",
        ),
        (json!({"role": "reseller", "name": "x"}), "/role"),
    ];
    for (body, path) in cases {
        let response = t.post("/v1/keys", Some(&t.admin), &body).await;
        assert_eq!(response.invalid_paths(), [path], "{body}");
    }
}

#[tokio::test]
async fn an_oversize_body_is_a_413() {
    let t = TestApp::new().await;
    let name = "x".repeat(2 * 1024 * 1024);
    let body = serde_json::to_vec(&json!({"role": "analyst", "name": name})).unwrap();
    let problem = t
        .post_raw("/v1/keys", Some("application/json"), body)
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(problem["type"], "urn:cloudkyc:problem:payload-too-large");
}

#[tokio::test]
async fn the_body_limit_is_configurable() {
    let t = TestApp::with_config(ServerConfig {
        body_limit_bytes: 32,
        ..ServerConfig::default()
    })
    .await;
    let body =
        serde_json::to_vec(&json!({"role": "analyst", "name": "a name long enough"})).unwrap();
    assert!(body.len() > 32);
    t.post_raw("/v1/keys", Some("application/json"), body)
        .await
        .problem(StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn bad_path_and_query_parameters_are_4xx() {
    let t = TestApp::new().await;
    let problem = t
        .delete("/v1/keys/not-a-uuid", Some(&t.admin))
        .await
        .problem(StatusCode::BAD_REQUEST);
    assert!(
        problem["detail"].as_str().unwrap().contains("id"),
        "{problem}"
    );

    for (query, path) in [
        ("limit=lots", "/limit"),
        ("limit=0", "/limit"),
        ("limit=1001", "/limit"),
        ("limit=-3", "/limit"),
        ("after=-1", "/after"),
        ("tenant=nope", "/tenant"),
    ] {
        let response = t.get(&format!("/v1/audit?{query}"), Some(&t.admin)).await;
        assert_eq!(response.invalid_paths(), [path], "{query}");
    }
    let response = t.get("/v1/audit?limt=5", Some(&t.admin)).await;
    let problem = response.problem(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field `limt`")
    );
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let t = TestApp::new().await;
    for path in ["/", "/v1", "/v1/nothing", "/v1/keys/a/b", "/healthz/extra"] {
        let problem = t
            .get(path, Some(&t.admin))
            .await
            .problem(StatusCode::NOT_FOUND);
        assert_eq!(problem["type"], "urn:cloudkyc:problem:not-found", "{path}");
    }
    for (method, path, allow) in [
        (Method::PUT, "/v1/keys", "GET,HEAD,POST"),
        (Method::POST, "/healthz", "GET,HEAD"),
        (Method::GET, "/v1/audit/verify", "POST"),
    ] {
        let response = t.call(method.clone(), path, Some(&t.admin), None).await;
        let problem = response.problem(StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(problem["type"], "urn:cloudkyc:problem:method-not-allowed");
        let mut allowed: Vec<&str> = response
            .header(header::ALLOW)
            .unwrap()
            .split(',')
            .map(str::trim)
            .collect();
        allowed.sort_unstable();
        assert_eq!(allowed.join(","), allow, "{method} {path}");
    }
}

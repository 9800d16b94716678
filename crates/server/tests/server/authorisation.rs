//! Every route × (no key, a revoked key, every role): built from the router's own route table,
//! so a new route is covered the moment it is added (and `routes::tests` holds the table and the
//! OpenAPI document together). A route's request body is the example its OpenAPI schema
//! documents, so that the only thing that differs between roles is the role.

use axum::http::{Method, StatusCode, header};
use cloudkyc_domain::Role;
use cloudkyc_server::{Access, ApiDoc, RouteSpec, ServerConfig, WebhookSecret, routes};
use serde_json::Value;
use utoipa::OpenApi;

use super::support::{TestApp, TestResponse};

/// The path with every `{parameter}` replaced by a fresh UUID.
fn concrete_path(template: &str) -> String {
    template
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                uuid::Uuid::new_v4().to_string()
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn example_body(doc: &Value, spec: &RouteSpec) -> Option<Value> {
    let method = spec.verb.method().as_str().to_ascii_lowercase();
    let body = doc["paths"][spec.path][method.as_str()].get("requestBody")?;
    let schema = &body["content"]["application/json"]["schema"];
    let name = schema["$ref"].as_str()?.rsplit('/').next()?;
    let example = doc["components"]["schemas"][name]["example"].clone();
    assert!(
        !example.is_null(),
        "{} {} documents no example body",
        spec.verb.method(),
        spec.path
    );
    Some(example)
}

async fn call(
    t: &TestApp,
    spec: &RouteSpec,
    body: Option<&Value>,
    key: Option<&str>,
) -> TestResponse {
    let method: Method = spec.verb.method();
    let response = t.call(method, &concrete_path(spec.path), key, body).await;
    assert!(
        !response.status.is_server_error(),
        "{} {} answered {}: {}",
        spec.verb.method(),
        spec.path,
        response.status,
        String::from_utf8_lossy(&response.body)
    );
    response
}

/// An admin key, created and revoked.
async fn revoked_admin_key(t: &TestApp) -> String {
    let body = serde_json::json!({"role": "admin", "name": "revoked before the test"});
    let created = t.post("/v1/keys", Some(&t.admin), &body).await;
    let created = created.ok(StatusCode::CREATED);
    let revoke = format!("/v1/keys/{}", created["id"].as_str().unwrap());
    t.delete(&revoke, Some(&t.admin)).await.ok(StatusCode::OK);
    created["secret"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_route_enforces_its_access_rule_for_every_role() {
    // With a vendor secret, so the signed route is served (it answers 404 without one).
    let mut config = ServerConfig::default();
    config.webhooks.vendor_secret = Some(WebhookSecret::new("authorisation-test-secret"));
    let t = TestApp::with_config(config).await;
    let keys = t.keys_by_role().await;
    let revoked = revoked_admin_key(&t).await;
    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
    let table = routes();
    assert!(table.len() >= 10);

    for spec in &table {
        let body = example_body(&doc, spec);
        let route = format!("{} {}", spec.verb.method(), spec.path);

        let anonymous = call(&t, spec, body.as_ref(), None).await;
        if spec.access == Access::Public {
            assert_ne!(
                anonymous.status,
                StatusCode::UNAUTHORIZED,
                "{route} is public"
            );
        } else {
            anonymous.problem(StatusCode::UNAUTHORIZED);
            assert!(
                anonymous.header(header::WWW_AUTHENTICATE).is_some(),
                "{route}"
            );
        }

        // A revoked key is no key at all, whatever it could do before.
        let refused = call(&t, spec, body.as_ref(), Some(&revoked)).await;
        if spec.access == Access::Public {
            assert_ne!(
                refused.status,
                StatusCode::UNAUTHORIZED,
                "{route} is public"
            );
        } else {
            refused.problem(StatusCode::UNAUTHORIZED);
        }

        for role in Role::ALL {
            let response = call(&t, spec, body.as_ref(), Some(&keys[&role])).await;
            let allowed = match spec.access {
                Access::Public | Access::AnyRole => true,
                Access::Requires(permission) => role.allows(permission),
                Access::Signed => false,
            };
            if spec.access == Access::Signed {
                // An API key is not a signature, whatever its role.
                response.problem(StatusCode::UNAUTHORIZED);
            } else if allowed {
                assert!(
                    response.status != StatusCode::UNAUTHORIZED
                        && response.status != StatusCode::FORBIDDEN,
                    "{route} as {role}: expected to be let through, got {}: {}",
                    response.status,
                    String::from_utf8_lossy(&response.body)
                );
            } else {
                let problem = response.problem(StatusCode::FORBIDDEN);
                assert_eq!(
                    problem["type"], "urn:cloudkyc:problem:forbidden",
                    "{route} as {role}"
                );
            }
        }
    }
}

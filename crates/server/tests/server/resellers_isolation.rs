//! A reseller key confined to its own tenant across every route of the route table: each route
//! with an id, called with every id of another tenant (the provider's customer, a sibling
//! reseller's customer, the registry rows, a webhook, keys, accounts), answers 404 (or 403 where
//! the role may not call it at all, 400 where an account name is not a UUID); each list names
//! none of them. The provider sees everyone's customers.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use cloudkyc_domain::Role;
use cloudkyc_server::{Access, ApiDoc, RouteSpec, routes};
use serde_json::{Value, json};
use utoipa::OpenApi;

use super::resellers::{register, reseller_key};
use super::support::{TestApp, TestResponse};
use super::verifications::{onboard, person};

fn example_body(doc: &Value, spec: &RouteSpec) -> Option<Value> {
    let method = spec.verb.method().as_str().to_ascii_lowercase();
    let body = doc["paths"][spec.path][method.as_str()].get("requestBody")?;
    let name = body["content"]["application/json"]["schema"]["$ref"]
        .as_str()?
        .rsplit('/')
        .next()?;
    Some(doc["components"]["schemas"][name]["example"].clone())
}

/// For a route taking a file: a type it accepts and bytes that are what the type says.
fn raw_body(doc: &Value, spec: &RouteSpec) -> Option<(String, Vec<u8>)> {
    let method = spec.verb.method().as_str().to_ascii_lowercase();
    let content = doc["paths"][spec.path][method.as_str()]
        .get("requestBody")?
        .get("content")?
        .as_object()?;
    if content.contains_key("application/json") {
        return None;
    }
    let kind = content.keys().next()?.clone();
    let bytes = match kind.as_str() {
        "image/png" => b"\x89PNG\r\n\x1a\nimage".to_vec(),
        "image/jpeg" => vec![0xFF, 0xD8, 0xFF, 0xE0],
        _ => b"%PDF-1.7 file".to_vec(),
    };
    Some((kind, bytes))
}

async fn call_raw(
    t: &TestApp,
    spec: &RouteSpec,
    path: &str,
    key: &str,
    (kind, bytes): &(String, Vec<u8>),
) -> TestResponse {
    let request = Request::builder()
        .method(spec.verb.method())
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, kind.as_str())
        .body(Body::from(bytes.clone()))
        .unwrap();
    t.send(request).await
}

fn with_id(template: &str, id: &str) -> String {
    template
        .split('/')
        .map(|s| if s.starts_with('{') { id } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn a_reseller_key_cannot_see_or_touch_anything_outside_its_tenant_on_any_route() {
    let t = TestApp::new().await;
    let a = register(&t, "Alpha Resale Ltd").await;
    let b = register(&t, "Beta Resale Ltd").await;
    let key_a = reseller_key(&t, &a["tenant_id"]).await;
    let key_b = reseller_key(&t, &b["tenant_id"]).await;
    let own = t
        .post(
            "/v1/customers",
            Some(&key_a),
            &person("acct-a-1", "DE", false),
        )
        .await
        .ok(StatusCode::CREATED);
    let theirs = t
        .post(
            "/v1/customers",
            Some(&key_b),
            &person("acct-b-1", "DE", false),
        )
        .await
        .ok(StatusCode::CREATED);
    let provider = onboard(&t, &person("acct-p-1", "DE", false)).await;
    let webhook = t
        .post(
            "/v1/webhooks",
            Some(&t.admin),
            &json!({"url": "https://platform.example.com/hooks", "events": ["customer.account_access"]}),
        )
        .await
        .ok(StatusCode::CREATED);
    let keys = t.get("/v1/keys", Some(&t.admin)).await.ok(StatusCode::OK);
    // Every id (and account) that is not reseller A's.
    let mut foreign: BTreeSet<String> = [
        &theirs["id"],
        &provider["id"],
        &a["id"],
        &b["id"],
        &b["tenant_id"],
        &webhook["id"],
    ]
    .iter()
    .map(|v| v.as_str().unwrap().to_owned())
    .collect();
    foreign.extend(["acct-b-1".to_owned(), "acct-p-1".to_owned()]);
    for k in keys["keys"].as_array().unwrap() {
        foreign.insert(k["id"].as_str().unwrap().to_owned());
    }

    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
    let mut checked = 0;
    for spec in routes() {
        if matches!(spec.access, Access::Public | Access::Signed) {
            continue;
        }
        let route = format!("{} {}", spec.verb.method(), spec.path);
        let body = example_body(&doc, &spec);
        let raw = raw_body(&doc, &spec);
        let allowed = match spec.access {
            Access::Requires(permission) => Role::Reseller.allows(permission),
            _ => true,
        };
        if !spec.path.contains('{') {
            if spec.verb.method() != Method::GET {
                continue;
            }
            // A list: whatever it answers names nothing of another tenant.
            let answer = t.call(Method::GET, spec.path, Some(&key_a), None).await;
            assert!(
                !answer.status.is_server_error(),
                "{route}: {}",
                answer.status
            );
            let text = String::from_utf8_lossy(&answer.body);
            for id in &foreign {
                assert!(!text.contains(id.as_str()), "{route} shows {id}: {text}");
            }
            checked += 1;
            continue;
        }
        for id in &foreign {
            let path = with_id(spec.path, id);
            let answer = match &raw {
                Some(raw) => call_raw(&t, &spec, &path, &key_a, raw).await,
                None => {
                    t.call(spec.verb.method(), &path, Some(&key_a), body.as_ref())
                        .await
                }
            };
            let not_a_uuid = uuid::Uuid::parse_str(id).is_err();
            let expected = if not_a_uuid && answer.status == StatusCode::BAD_REQUEST {
                // An account name where the route takes a UUID: refused unread.
                true
            } else if allowed {
                // The tenant check answers, not the role check; a body refused before the
                // lookup (422) touches nothing either.
                [StatusCode::NOT_FOUND, StatusCode::UNPROCESSABLE_ENTITY].contains(&answer.status)
            } else {
                answer.status == StatusCode::FORBIDDEN
            };
            assert!(
                expected,
                "{route} with {id} as reseller A answered {}: {}",
                answer.status,
                String::from_utf8_lossy(&answer.body)
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked} checks");

    // Its own customer it sees; the provider sees everyone's.
    let own_id = own["id"].as_str().unwrap();
    t.get(&format!("/v1/customers/{own_id}"), Some(&key_a))
        .await
        .ok(StatusCode::OK);
    let listed = t
        .get("/v1/customers", Some(&key_a))
        .await
        .ok(StatusCode::OK);
    assert!(listed.to_string().contains(own_id));
    let all = t
        .get("/v1/customers", Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    for id in [
        own_id,
        theirs["id"].as_str().unwrap(),
        provider["id"].as_str().unwrap(),
    ] {
        assert!(all.to_string().contains(id), "the provider sees {id}");
    }
}

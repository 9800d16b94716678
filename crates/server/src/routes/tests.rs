//! The route table and the OpenAPI document must describe the same API.

use std::collections::BTreeSet;

use utoipa::OpenApi;

use super::*;
use crate::ApiDoc;

fn document() -> serde_json::Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap()
}

fn operation<'a>(doc: &'a serde_json::Value, spec: &RouteSpec) -> &'a serde_json::Value {
    let method = spec.verb.method().as_str().to_ascii_lowercase();
    &doc["paths"][spec.path][method]
}

#[test]
fn every_route_is_documented_and_every_documented_operation_is_routed() {
    let doc = document();
    let routed: BTreeSet<(String, String)> = routes()
        .iter()
        .map(|r| {
            (
                r.path.to_owned(),
                r.verb.method().as_str().to_ascii_lowercase(),
            )
        })
        .collect();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| (path.clone(), m.clone()))
        })
        .collect();
    assert_eq!(routed, documented);
}

#[test]
fn documented_security_matches_the_access_rule() {
    let doc = document();
    for spec in routes() {
        let op = operation(&doc, &spec);
        let secured = op
            .get("security")
            .is_some_and(|s| s.as_array().is_some_and(|a| !a.is_empty()));
        assert_eq!(
            secured,
            spec.access != Access::Public,
            "{} {}",
            spec.verb.method(),
            spec.path
        );
        assert_eq!(
            op["responses"].get("401").is_some(),
            secured,
            "{}",
            spec.path
        );
    }
}

#[test]
fn every_request_body_has_an_example() {
    // The authorisation test sends these examples, so each must exist.
    let doc = document();
    for spec in routes() {
        let op = operation(&doc, &spec);
        if let Some(body) = op.get("requestBody") {
            // A raw upload (a document image) has no JSON body, so no example to send.
            let Some(json) = body["content"].get("application/json") else {
                continue;
            };
            let schema = &json["schema"];
            let name = schema["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
            assert!(
                doc["components"]["schemas"][name].get("example").is_some(),
                "{} has no example",
                name
            );
        }
    }
}

#[test]
fn every_error_status_is_a_problem() {
    let doc = document();
    for (name, response) in doc["components"]["responses"].as_object().unwrap() {
        assert!(
            response["content"]["application/problem+json"].is_object(),
            "{name}"
        );
    }
}

//! `POST /v1/screenings` and screening at onboarding, against the bundled lists.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::support::TestApp;

/// A U.S. individual whom onboarding grants full access when the name is clear.
fn us_person(name: &str) -> Value {
    json!({
      "kind": "individual",
      "name": {"full": name},
      "date_of_birth": "1980-05-01",
      "nationalities": ["US"],
      "addresses": [{"line1": "100 Market Street", "city": "San Francisco", "country": "US"}],
      "emails": ["someone@example.com"],
      "phones": ["+1 415 555 0100"],
      "accounts": [{"external_id": "acct-9001",
                    "payment_methods": [{"type": "card", "brand": "visa", "last4": "4242",
                                         "bin_country": "US", "source": "customer"}]}],
      "beneficial_owners": []
    })
}

#[tokio::test]
async fn a_listed_person_is_found_at_full_score_with_its_explanation() {
    let t = TestApp::new().await;
    let result = t
        .post(
            "/v1/screenings",
            Some(&t.admin),
            &json!({"name": "Kim Jong Un", "schema": "person"}),
        )
        .await
        .ok(StatusCode::OK);
    let hits = result["hits"].as_array().unwrap();
    let top = hits.first().unwrap_or_else(|| panic!("no hit: {result}"));
    assert_eq!(top["score"].as_f64(), Some(1.0), "{top}");
    assert_eq!(top["schema"], "person");
    assert!(top["explanation"].is_object(), "{top}");
    assert!(result["threshold"].as_f64().unwrap() > 0.0);
    assert!(result["algorithm_version"].as_str().unwrap().len() > 1);
    assert!(!result["list_versions"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn an_unlisted_name_has_no_hit() {
    let t = TestApp::new().await;
    let result = t
        .post(
            "/v1/screenings",
            Some(&t.admin),
            &json!({"name": "Amara Okafor", "schema": "person", "country": "NG"}),
        )
        .await
        .ok(StatusCode::OK);
    assert_eq!(result["hits"], json!([]), "{result}");
}

#[tokio::test]
async fn bad_screening_bodies_are_unprocessable() {
    let t = TestApp::new().await;
    for (body, path) in [
        (json!({"name": ""}), "/name"),
        (json!({"name": "Kim", "schema": "dragon"}), "/schema"),
        (json!({"name": "Kim", "country": "Atlantis"}), "/country"),
        (
            json!({"name": "Kim", "date_of_birth": "yesterday"}),
            "/date_of_birth",
        ),
        (json!({"name": "Kim", "limit": 0}), "/limit"),
    ] {
        let response = t.post("/v1/screenings", Some(&t.admin), &body).await;
        assert_eq!(response.invalid_paths(), vec![path.to_owned()], "{body}");
    }
    let unknown = t
        .post(
            "/v1/screenings",
            Some(&t.admin),
            &json!({"name": "Kim", "nickname": "x"}),
        )
        .await;
    unknown.problem(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn onboarding_a_listed_name_is_a_potential_match_and_never_full_access() {
    let t = TestApp::new().await;
    let clear = t
        .post(
            "/v1/customers",
            Some(&t.admin),
            &us_person("Jane Whitfield"),
        )
        .await
        .ok(StatusCode::CREATED);
    assert_eq!(clear["screening"]["status"], "clear", "{clear}");
    assert_eq!(clear["account_access"], "full", "{clear}");

    // The listed birth date: with another one the score rightly falls below the threshold.
    let mut body = us_person("Kim Jong Un");
    body["date_of_birth"] = json!("1984-01-08");
    body["accounts"][0]["external_id"] = json!("acct-9002");
    body["emails"] = json!(["other@example.com"]);
    let listed = t
        .post("/v1/customers", Some(&t.admin), &body)
        .await
        .ok(StatusCode::CREATED);
    let screening = &listed["screening"];
    assert_eq!(screening["status"], "potential_match", "{listed}");
    let hit = &screening["hits"][0];
    assert_eq!(hit["subject"], "customer");
    assert_eq!(hit["subject_name"], "Kim Jong Un");
    assert!(screening["algorithm_version"].is_string());
    assert!(screening["threshold"].as_f64().is_some());
    assert!(!screening["list_versions"].as_array().unwrap().is_empty());
    assert_eq!(listed["account_access"], "restricted", "{listed}");
    let reasons = listed["decision_reasons"].to_string();
    assert!(
        reasons.contains("potential match") && reasons.contains("restricted pending review"),
        "{reasons}"
    );

    // The sealed screening survives a read.
    let id = listed["id"].as_str().unwrap();
    let read = t
        .get(&format!("/v1/customers/{id}"), Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert_eq!(read["screening"], listed["screening"]);
}

#[tokio::test]
async fn a_hit_on_a_beneficial_owner_names_the_owner() {
    let t = TestApp::new().await;
    let body = json!({
      "kind": "entity",
      "name": {"full": "Bluewater Analytics LLC"},
      "incorporation": {"country": "US", "date": "2020-03-01"},
      "addresses": [{"line1": "1 Harbor Way", "city": "Boston", "country": "US"}],
      "emails": ["ops@bluewater.example"],
      "phones": ["+1 617 555 0199"],
      "accounts": [{"external_id": "acct-3001",
                    "payment_methods": [{"type": "bank_account", "country": "US", "source": "customer"}]}],
      "beneficial_owners": [
        {"name": {"full": "Kim Jong Un"}, "date_of_birth": "1984-01-08", "nationalities": ["US"],
         "addresses": [{"line1": "2 Harbor Way", "city": "Boston", "country": "US"}],
         "ownership_percent": 60}
      ]
    });
    let customer = t
        .post("/v1/customers", Some(&t.admin), &body)
        .await
        .ok(StatusCode::CREATED);
    let screening = &customer["screening"];
    assert_eq!(screening["status"], "potential_match", "{customer}");
    let hits = screening["hits"].as_array().unwrap();
    assert!(
        hits.iter()
            .any(|h| h["subject"] == "beneficial_owner" && h["subject_name"] == "Kim Jong Un"),
        "{screening}"
    );
    assert_ne!(customer["account_access"], "full");
}

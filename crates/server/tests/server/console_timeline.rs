//! The customer page's timeline: each verification attempt with its result and date, the
//! decisions made again, and the latest screening with every hit explained in words (which
//! name matched which list entry, the score, the features), all escaped.

use axum::http::StatusCode;
use cloudkyc_domain::Role;
use serde_json::json;

use super::console_support::{page, signed_in};
use super::support::TestApp;
use super::verifications::{onboard, person};

const SCRIPT: &str = "<script>alert(1)</script>";

#[tokio::test]
async fn verification_attempts_are_listed_with_their_result_and_date() {
    let t = TestApp::new().await;
    let officer = t.key(Role::Officer).await;
    // Medium tier: an officer's override applies at once.
    let customer = onboard(&t, &person("acct-1", "DE", false)).await;
    let id = customer["id"].as_str().unwrap();
    let reason = format!("passport inspected in person {SCRIPT}");
    t.post(
        &format!("/v1/customers/{id}/verifications"),
        Some(&officer),
        &json!({"decision": "verified", "reason": reason}),
    )
    .await
    .ok(StatusCode::OK);
    let s = signed_in(&t, Role::Auditor).await;
    let answer = page(&t, &format!("/console/customers/{id}"), &s).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.html());
    let html = answer.html();
    let today = t.app.now().format("%Y-%m-%d").to_string();
    for expected in [
        "Onboarded",
        "Officer override: verified",
        "applied",
        "Decided again (customer.override)",
        "CIP verified, account access full",
        "Latest screening",
        "clear: no hits",
        today.as_str(),
    ] {
        assert!(html.contains(expected), "the timeline lacks {expected:?}");
    }
    // The decision lists its checks, failed ones marked.
    assert!(html.contains("check "), "no checks listed");
    // Newest first: the override's decision comes before onboarding.
    assert!(html.find("Decided again").unwrap() < html.find("Onboarded").unwrap());
    assert!(!html.contains(SCRIPT), "the reason is shown raw");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
            || html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "the reason is missing"
    );
}

#[tokio::test]
async fn a_screening_hit_is_explained_in_words() {
    let t = TestApp::new().await;
    // The listed name and birth date: a potential match (see screenings.rs).
    let body = json!({
      "kind": "individual",
      "name": {"full": "Kim Jong Un"},
      "date_of_birth": "1984-01-08",
      "nationalities": ["US"],
      "addresses": [{"line1": "100 Market Street", "city": "San Francisco", "country": "US"}],
      "emails": ["someone@example.com"],
      "phones": ["+1 415 555 0100"],
      "accounts": [{"external_id": "acct-9002",
                    "payment_methods": [{"type": "card", "brand": "visa", "last4": "4242",
                                         "bin_country": "US", "source": "customer"}]}],
      "beneficial_owners": []
    });
    let customer = onboard(&t, &body).await;
    let hit = &customer["screening"]["hits"][0];
    let id = customer["id"].as_str().unwrap();
    let s = signed_in(&t, Role::Analyst).await;
    let html = page(&t, &format!("/console/customers/{id}"), &s)
        .await
        .html();
    let score = format!("{:.3}", hit["score"].as_f64().unwrap());
    let list = hit["list"].as_str().unwrap();
    let entity = hit["entity_id"].as_str().unwrap();
    for expected in [
        "potential match:",
        "Customer name “Kim Jong Un”",
        "matched",
        list,
        entity,
        score.as_str(),
        "against a threshold of",
        "names compared after normalising",
    ] {
        assert!(html.contains(expected), "the hit lacks {expected:?}");
    }
    // Each feature of the explanation in words, not the JSON.
    assert!(!html.contains("\"unmatched_query\""), "raw JSON shown");
    let pairs = hit["explanation"]["name"]["pairs"].as_array().unwrap();
    assert!(!pairs.is_empty());
    for pair in pairs {
        let sentence = format!(
            "“{}” matched “{}”",
            pair["query"].as_str().unwrap(),
            pair["candidate"].as_str().unwrap()
        );
        assert!(html.contains(&sentence), "{sentence} missing");
    }
    for q in hit["explanation"]["qualifiers"].as_array().unwrap() {
        let name = q["qualifier"].as_str().unwrap().replace('_', " ");
        assert!(html.contains(&name), "qualifier {name} missing");
    }
}

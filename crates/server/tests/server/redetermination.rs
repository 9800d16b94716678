//! Re-determination when the evidence contradicts the recorded status: access from abroad to a
//! customer recorded as a U.S. person queues `customer.redetermine`, whose handler decides the
//! customer again with the geolocated access countries; and an officer's
//! `POST /v1/customers/{id}/redetermination`.

use axum::http::StatusCode;
use cloudkyc_app::jobs::JobRunner;
use cloudkyc_domain::Role;
use cloudkyc_store::AuditStore;
use serde_json::{Value, json};

use super::owners::reasons;
use super::support::TestApp;

/// A German national living in the United States: a U.S. person by location alone.
fn lena() -> Value {
    json!({
      "kind": "individual",
      "name": {"full": "Lena Fischer"},
      "date_of_birth": "1990-07-14",
      "nationalities": ["DE"],
      "addresses": [{"line1": "500 Folsom Street", "city": "San Francisco", "country": "US"}],
      "emails": ["lena.fischer@example.com"],
      "phones": ["+1 415 555 0123"],
      "accounts": [{"external_id": "acct-lena",
                    "payment_methods": [{"type": "card", "brand": "visa", "last4": "4242",
                                         "bin_country": "US", "source": "customer"}]}]
    })
}

async fn audit_actions(t: &TestApp) -> Vec<String> {
    t.store
        .audit_events(&t.operator, t.provider, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn access_from_abroad_makes_a_us_person_by_location_undetermined() {
    let t = TestApp::new().await;
    let created = t
        .post("/v1/customers", Some(&t.admin), &lena())
        .await
        .ok(StatusCode::CREATED);
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["person_status"], "us", "{created}");
    assert_eq!(created["account_access"], "full");

    // An administration login from Nigeria (the bundled geolocation database places the
    // address there) beside one from the United States.
    let events = json!([
        {"id": "l-1", "account": "acct-lena", "ip": "8.8.8.8", "at": "2026-11-01T07:00:00Z", "action": "login"},
        {"id": "l-2", "account": "acct-lena", "ip": "102.89.34.10", "at": "2026-11-01T08:00:00Z", "action": "admin"},
    ]);
    let ingested = t
        .post("/v1/access-events", Some(&t.admin), &events)
        .await
        .ok(StatusCode::OK);
    assert_eq!(ingested["review_flags"].as_array().unwrap().len(), 1);

    let report = JobRunner::new(t.app.clone()).drain().await.unwrap();
    assert_eq!((report.retried, report.dead), (0, 0), "{report:?}");
    let after = t
        .get(&format!("/v1/customers/{id}"), Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert_eq!(after["person_status"], "undetermined", "{after}");
    // In doubt the high tier applies, whose geolocation check now compares the Nigerian access
    // with the U.S. address: it fails, and the pack closes the account after a failure.
    let geolocation = after["verification_checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "ip_geolocation")
        .unwrap();
    assert_eq!(geolocation["outcome"], "fail", "{after}");
    assert_eq!(after["cip_status"], "failed");
    assert_eq!(after["account_access"], "closed");
    let why = reasons(&after);
    assert!(
        why[0].contains("accessed from")
            && why[0].contains("NG")
            && why[0].ends_with("; person status changes from us to undetermined"),
        "the flag's reason comes first, with the change: {why:?}"
    );
    assert!(
        why.iter()
            .any(|r| r.starts_with("person status undetermined")),
        "{why:?}"
    );
    assert!(
        why.iter()
            .any(|r| r.starts_with("check ip_geolocation failed: access from unclaimed NG")),
        "{why:?}"
    );
    assert!(
        audit_actions(&t)
            .await
            .contains(&"customer.redetermined".to_owned())
    );
}

#[tokio::test]
async fn an_officer_can_ask_for_a_redetermination_with_a_reason() {
    let t = TestApp::new().await;
    let created = t
        .post("/v1/customers", Some(&t.admin), &lena())
        .await
        .ok(StatusCode::CREATED);
    let path = format!(
        "/v1/customers/{}/redetermination",
        created["id"].as_str().unwrap()
    );
    let officer = t.key(Role::Officer).await;
    let after = t
        .post(
            &path,
            Some(&officer),
            &json!({"reason": "payment from a foreign bank seen"}),
        )
        .await
        .ok(StatusCode::OK);
    // No contradicting evidence on file: the status stands, and the request is on record.
    assert_eq!(after["person_status"], "us");
    assert_eq!(
        reasons(&after)[0],
        "re-determination requested: payment from a foreign bank seen; person status stays us"
    );
    assert_ne!(after["updated_at"], created["updated_at"]);

    let blank = t
        .post(&path, Some(&officer), &json!({"reason": "  "}))
        .await;
    assert_eq!(blank.invalid_paths(), vec!["/reason".to_owned()]);
    let analyst = t.key(Role::Analyst).await;
    t.post(&path, Some(&analyst), &json!({"reason": "why not"}))
        .await
        .problem(StatusCode::FORBIDDEN);
}

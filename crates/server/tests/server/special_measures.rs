//! `/v1/special-measures`: the interface's requests as written, refusal of a prohibited
//! applicant, a measure added after customers exist (actions by the effective date, review
//! cases, the access change), and lifting on expiry and on an early end. Time moves on the
//! `ManualClock`; background work runs with `JobRunner::drain`.

use axum::http::StatusCode;
use chrono::Duration;
use cloudkyc_app::jobs::JobRunner;
use cloudkyc_domain::Role;
use serde_json::{Value, json};

use super::support::TestApp;

fn kp_measure() -> Value {
    json!({"target": {"kind": "jurisdiction", "country": "KP"}, "measure": "prohibit",
           "determined": "2026-11-01", "effective": "2026-11-01",
           "reference": "example determination"})
}

fn individual(name: &str, country: &str, city: &str, phone: &str, account: &str) -> Value {
    json!({
      "kind": "individual",
      "name": {"full": name},
      "date_of_birth": "1988-04-12",
      "nationalities": [country],
      "addresses": [{"line1": "12 Marina Road", "city": city, "country": country}],
      "emails": [format!("{account}@example.com")],
      "phones": [phone],
      "accounts": [{"external_id": account,
                    "payment_methods": [{"type": "card", "brand": "visa", "last4": "4242",
                                         "bin_country": country, "source": "customer"}]}],
      "beneficial_owners": []
    })
}

async fn drain(t: &TestApp) {
    let report = JobRunner::new(t.app.clone()).drain().await.unwrap();
    assert_eq!(report.dead + report.retried, 0, "{report:?}");
}

#[tokio::test]
async fn the_interface_requests_are_accepted_with_an_admin_or_integration_key() {
    let t = TestApp::new().await;
    let integration = t.key(Role::Integration).await;
    let created = t
        .post("/v1/special-measures", Some(&integration), &kp_measure())
        .await
        .ok(StatusCode::CREATED);
    assert_eq!(
        created["target"],
        json!({"kind": "jurisdiction", "country": "KP"})
    );
    assert_eq!(created["measure"], "prohibit");
    assert_eq!(created["status"], "in_force");
    assert_eq!(created["expiry"], "2027-11-01");
    let warning = created["warnings"][0].as_str().unwrap();
    assert!(warning.contains("180 days"), "{created}");

    let person = json!({"target": {"kind": "person", "name": "Example Person", "country": "RU"},
                        "measure": "prohibit", "determined": "2026-11-01",
                        "effective": "2026-11-01", "reference": "example determination"});
    let named = t
        .post("/v1/special-measures", Some(&t.admin), &person)
        .await
        .ok(StatusCode::CREATED);
    assert_eq!(named["target"]["name"], "Example Person");
    assert_eq!(named["target"]["country"], "RU");

    for role in [Role::Reseller, Role::Analyst, Role::Auditor] {
        let key = t.key(role).await;
        t.post("/v1/special-measures", Some(&key), &kp_measure())
            .await
            .problem(StatusCode::FORBIDDEN);
    }
    let mut bad = kp_measure();
    bad["target"]["country"] = json!("Korea");
    bad["reference"] = json!("");
    let problem = t.post("/v1/special-measures", Some(&t.admin), &bad).await;
    assert_eq!(problem.invalid_paths(), vec!["/target/country".to_owned()]);
    let mut condition = kp_measure();
    condition["measure"] = json!("condition");
    condition["condition"] = json!("no_such_condition");
    let problem = t
        .post("/v1/special-measures", Some(&t.admin), &condition)
        .await;
    assert_eq!(problem.invalid_paths(), vec!["/condition".to_owned()]);

    let listed = t
        .get("/v1/special-measures", Some(&integration))
        .await
        .ok(StatusCode::OK);
    let ids: Vec<&Value> = listed["special_measures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["id"])
        .collect();
    assert_eq!(ids, vec![&named["id"], &created["id"]], "newest first");
    t.get(
        "/v1/special-measures/00000000-0000-0000-0000-000000000000",
        Some(&t.admin),
    )
    .await
    .problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_prohibited_applicant_is_refused_at_onboarding_with_the_reason() {
    let t = TestApp::new().await;
    let measure = t
        .post("/v1/special-measures", Some(&t.admin), &kp_measure())
        .await
        .ok(StatusCode::CREATED);
    let reseller = t.key(Role::Reseller).await;
    let refused = t
        .post(
            "/v1/customers",
            Some(&reseller),
            &individual("Ri Example", "KP", "Pyongyang", "+49 30 901820", "kp-1"),
        )
        .await
        .ok(StatusCode::CREATED);
    assert_eq!(refused["account_access"], "closed");
    let reason = refused["decision_reasons"][0].as_str().unwrap();
    assert!(reason.starts_with("onboarding refused"), "{reason}");
    assert!(
        reason.contains("KP") && reason.contains("Pyongyang"),
        "{reason}"
    );
    let detail = t
        .get(
            &format!("/v1/special-measures/{}", measure["id"].as_str().unwrap()),
            Some(&t.admin),
        )
        .await
        .ok(StatusCode::OK);
    let customers = detail["customers"].as_array().unwrap();
    assert_eq!(customers.len(), 1, "{detail}");
    assert_eq!(customers[0]["customer"], refused["id"]);
    assert_eq!(customers[0]["action"], "refuse");
    assert_eq!(customers[0]["matches"][0]["basis"], "location");
}

#[tokio::test]
async fn a_special_measure_added_after_customers_exist() {
    let t = TestApp::new().await;
    let integration = t.key(Role::Integration).await;
    let reseller = t.key(Role::Reseller).await;
    let direct = t
        .post(
            "/v1/customers",
            Some(&integration),
            &individual("Amara Okafor", "NG", "Lagos", "+234 803 555 0142", "ng-1"),
        )
        .await
        .ok(StatusCode::CREATED);
    let downstream = t
        .post(
            "/v1/customers",
            Some(&reseller),
            &individual("Chidi Eze", "NG", "Abuja", "+234 803 555 0143", "ng-2"),
        )
        .await
        .ok(StatusCode::CREATED);
    let spared = t
        .post(
            "/v1/customers",
            Some(&integration),
            &individual("Jo Example", "DE", "Berlin", "+49 30 901820", "de-1"),
        )
        .await
        .ok(StatusCode::CREATED);
    let before = direct["account_access"].clone();
    assert_ne!(before, "closed");

    let body = json!({"target": {"kind": "jurisdiction", "country": "NG"}, "measure": "prohibit",
                      "determined": "2026-11-01", "effective": "2026-12-01",
                      "expiry": "2027-01-01", "reference": "91 FR 0001"});
    let measure = t
        .post("/v1/special-measures", Some(&integration), &body)
        .await
        .ok(StatusCode::CREATED);
    assert_eq!(measure["status"], "pending");
    let path = format!("/v1/special-measures/{}", measure["id"].as_str().unwrap());
    drain(&t).await;

    let detail = t.get(&path, Some(&t.admin)).await.ok(StatusCode::OK);
    let customers = detail["customers"].as_array().unwrap();
    let mut reached: Vec<&Value> = customers.iter().map(|c| &c["customer"]).collect();
    reached.sort_by_key(|v| v.as_str().unwrap().to_owned());
    let mut expected = vec![&direct["id"], &downstream["id"]];
    expected.sort_by_key(|v| v.as_str().unwrap().to_owned());
    assert_eq!(
        reached, expected,
        "both Nigerian customers, through the reseller too"
    );
    for action in customers {
        assert_eq!(action["action"], "close");
        assert_eq!(action["due"], "2026-12-01");
        assert_eq!(action["state"], "scheduled");
        let sources: Vec<&str> = action["matches"][0]["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["source"].as_str().unwrap())
            .collect();
        for source in ["address", "nationality", "payment_instrument"] {
            assert!(sources.contains(&source), "{sources:?}");
        }
    }
    // The reseller sees its own customer's action only.
    let own = t.get(&path, Some(&reseller)).await;
    assert_eq!(
        own.status,
        StatusCode::NOT_FOUND,
        "the registry is the provider's"
    );

    let cases = t
        .get("/v1/cases?kind=special_measure", Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    let subjects: Vec<&str> = cases["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects.len(),
        2,
        "one review item per reached customer: {cases}"
    );
    assert!(subjects.contains(&direct["id"].as_str().unwrap()));
    assert!(!subjects.contains(&spared["id"].as_str().unwrap()));

    // By the effective date the accounts are closed, through the customer update path.
    t.clock.advance(Duration::days(30) + Duration::hours(1));
    drain(&t).await;
    let id = direct["id"].as_str().unwrap();
    let closed = t
        .get(&format!("/v1/customers/{id}"), Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert_eq!(closed["account_access"], "closed");
    let audit = t
        .get("/v1/audit?limit=500", Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert!(
        audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "customer.special_measure" && e["subject_id"] == id),
        "the closure is a recorded customer change"
    );
    let untouched = t
        .get(
            &format!("/v1/customers/{}", spared["id"].as_str().unwrap()),
            Some(&t.admin),
        )
        .await
        .ok(StatusCode::OK);
    assert_eq!(untouched["account_access"], spared["account_access"]);

    // Expiry lifts the actions it caused.
    t.clock.advance(Duration::days(31));
    drain(&t).await;
    let detail = t.get(&path, Some(&t.admin)).await.ok(StatusCode::OK);
    assert_eq!(detail["status"], "expired");
    for action in detail["customers"].as_array().unwrap() {
        assert_eq!(action["state"], "lifted", "{action}");
        assert!(action["lift_reason"].as_str().unwrap().contains("expired"));
    }
    let reopened = t
        .get(&format!("/v1/customers/{id}"), Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert_eq!(reopened["account_access"], before);
}

#[tokio::test]
async fn ending_a_measure_early_lifts_its_actions_and_extending_it_keeps_them() {
    let t = TestApp::new().await;
    let customer = t
        .post(
            "/v1/customers",
            Some(&t.admin),
            &individual("Amara Okafor", "NG", "Lagos", "+234 803 555 0142", "ng-1"),
        )
        .await
        .ok(StatusCode::CREATED);
    let body = json!({"target": {"kind": "jurisdiction", "country": "NG"}, "measure": "condition",
                      "condition": "no_accelerators", "determined": "2026-05-01",
                      "effective": "2026-11-01", "reference": "91 FR 0002"});
    let measure = t
        .post("/v1/special-measures", Some(&t.admin), &body)
        .await
        .ok(StatusCode::CREATED);
    assert!(
        measure["warnings"].as_array().unwrap().is_empty(),
        "{measure}"
    );
    let path = format!("/v1/special-measures/{}", measure["id"].as_str().unwrap());
    drain(&t).await;
    let detail = t.get(&path, Some(&t.admin)).await.ok(StatusCode::OK);
    assert_eq!(detail["customers"][0]["action"], "restrict");
    assert_eq!(
        detail["customers"][0]["state"], "applied",
        "in force: restricted now"
    );

    let extended = t
        .post(
            &format!("{path}/extend"),
            Some(&t.admin),
            &json!({"new_expiry": "2028-06-01", "reference": "91 FR 0003"}),
        )
        .await
        .ok(StatusCode::OK);
    assert_eq!(extended["expiry"], "2028-06-01");
    t.post(
        &format!("{path}/extend"),
        Some(&t.admin),
        &json!({"new_expiry": "2020-01-01", "reference": "r"}),
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY);
    drain(&t).await;
    let detail = t.get(&path, Some(&t.admin)).await.ok(StatusCode::OK);
    assert_eq!(detail["customers"][0]["state"], "applied");

    let ended = t
        .post(
            &format!("{path}/expire"),
            Some(&t.admin),
            &json!({"reference": "91 FR 0004"}),
        )
        .await
        .ok(StatusCode::OK);
    assert_eq!(ended["status"], "lifted");
    drain(&t).await;
    let detail = t.get(&path, Some(&t.admin)).await.ok(StatusCode::OK);
    assert_eq!(detail["customers"][0]["state"], "lifted");
    let id = customer["id"].as_str().unwrap();
    let after = t
        .get(&format!("/v1/customers/{id}"), Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert_eq!(after["account_access"], customer["account_access"]);
}

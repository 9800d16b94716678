//! Compute cases end to end: two foreign customers sharing a beneficial owner, a frontier-scale
//! run split over their accounts through `POST /v1/usage`, the `compute.assess` job, and the
//! AI-training report case in `GET /v1/cases?kind=ai_training_report`.

use axum::http::StatusCode;
use cloudkyc_app::jobs::JobRunner;
use cloudkyc_domain::Role;
use serde_json::{Value, json};

use super::support::TestApp;

fn entity(name: &str, country: &str, account: &str) -> Value {
    json!({
      "kind": "entity",
      "name": {"full": name},
      "incorporation": {"country": country, "date": "2019-03-01"},
      "addresses": [{"line1": "1 Harbour Road", "city": "Capital", "country": country}],
      "accounts": [{"external_id": account,
                    "payment_methods": [{"type": "bank_account", "country": country, "source": "customer"}]}],
      "beneficial_owners": [{"name": {"full": "Chen Jun"}, "date_of_birth": "1975-05-05",
        "nationalities": [country],
        "addresses": [{"line1": "2 Hill Street", "city": "Capital", "country": country}],
        "ownership_percent": 60}]
    })
}

/// 16,384 H100 for 100 days on each account, one cluster: over 1e26 only together.
fn split_run() -> Value {
    let half = |id: &str, account: &str| {
        json!({"id": id, "account": account, "accelerator": "H100", "count": 16384,
               "start": "2026-07-01T00:00:00Z", "end": "2026-10-09T00:00:00Z",
               "cluster": "pg-1", "datacenter": "dc1", "fabric_gbps": 3200})
    };
    json!([half("u-a", "acct-a"), half("u-b", "acct-b")])
}

async fn report_cases(t: &TestApp, key: &str) -> Vec<Value> {
    t.get("/v1/cases?kind=ai_training_report", Some(key))
        .await
        .ok(StatusCode::OK)["cases"]
        .as_array()
        .unwrap()
        .clone()
}

async fn run(country: &str) -> (TestApp, Vec<Value>, Vec<String>) {
    let t = TestApp::new().await;
    let mut ids = Vec::new();
    for (name, account) in [("Aurora Labs", "acct-a"), ("Aurora Research", "acct-b")] {
        let created = t
            .post(
                "/v1/customers",
                Some(&t.admin),
                &entity(name, country, account),
            )
            .await
            .ok(StatusCode::CREATED);
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    let integration = t.key(Role::Integration).await;
    let ingested = t
        .post("/v1/usage", Some(&integration), &split_run())
        .await
        .ok(StatusCode::OK);
    assert_eq!(ingested["accepted"], 2, "{ingested}");
    // Nothing before the job has run.
    assert!(report_cases(&t, &t.admin).await.is_empty());
    let report = JobRunner::new(t.app.clone()).drain().await.unwrap();
    assert_eq!((report.retried, report.dead), (0, 0), "{report:?}");
    let cases = report_cases(&t, &t.admin).await;
    (t, cases, ids)
}

#[tokio::test]
async fn a_foreign_run_split_over_linked_accounts_opens_a_report_case_once_the_job_ran() {
    let (t, cases, customers) = run("SG").await;
    assert_eq!(cases.len(), 1, "{cases:?}");
    let case = &cases[0];
    assert_eq!(case["kind"], "ai_training_report");
    let subject = case["subject"].to_string();
    assert!(
        customers.iter().any(|c| subject.contains(c.as_str())),
        "{case}"
    );
    let id = case["id"].as_str().unwrap();
    let full = t
        .get(&format!("/v1/cases/{id}"), Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    let text = full.to_string();
    assert!(text.contains("compute-assessment:acct-a@"), "{full}");
    assert!(text.contains("T1 (report_case)"), "{full}");

    let assessment = t
        .get("/v1/compute/accounts/acct-b", Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert_eq!(assessment["accounts"], json!(["acct-a", "acct-b"]));
}

#[tokio::test]
async fn the_same_run_by_us_customers_opens_no_report_case() {
    let (_t, cases, _) = run("US").await;
    assert!(cases.is_empty(), "{cases:?}");
}

//! `/v1/access-events` and `/v1/access-events/summary`: the interface.md body as written, the
//! country attached from the bundled database, per-record rejection (never a 500), idempotent
//! replays, NDJSON, tenant isolation, the review flag with its re-determination job, and the
//! retention purge job.

use axum::http::StatusCode;
use chrono::Duration;
use cloudkyc_app::access::REDETERMINE_JOB;
use cloudkyc_app::jobs::JobRunner;
use cloudkyc_domain::Role;
use cloudkyc_store::JobStore;
use serde_json::{Value, json};

use super::support::TestApp;

fn interface_events() -> Value {
    json!([{"id": "ev-1", "account": "acct-1001", "ip": "102.89.34.10",
            "at": "2026-11-01T08:15:00Z", "action": "login"}])
}

fn customer(name: &str, country: &str, phone: &str, account: &str) -> Value {
    json!({
      "kind": "individual",
      "name": {"full": name},
      "date_of_birth": "1980-01-01",
      "nationalities": [country],
      "addresses": [{"line1": "1 Main Street", "city": "Springfield", "country": country}],
      "emails": [format!("{account}@example.com")],
      "phones": [phone],
      "accounts": [{"external_id": account,
                    "payment_methods": [{"type": "card", "brand": "visa", "last4": "4242",
                                         "bin_country": country, "source": "customer"}]}],
      "beneficial_owners": []
    })
}

async fn onboard(t: &TestApp, key: &str, body: &Value) -> Value {
    t.post("/v1/customers", Some(key), body)
        .await
        .ok(StatusCode::CREATED)
}

fn counts(body: &Value) -> (u64, u64, usize) {
    (
        body["accepted"].as_u64().unwrap(),
        body["duplicate"].as_u64().unwrap(),
        body["rejected"].as_array().unwrap().len(),
    )
}

#[tokio::test]
async fn the_interface_body_is_accepted_and_placed_in_its_country() {
    let t = TestApp::new().await;
    onboard(
        &t,
        &t.admin,
        &customer("Amara Okafor", "NG", "+234 803 555 0142", "acct-1001"),
    )
    .await;
    let integration = t.key(Role::Integration).await;
    let first = t
        .post("/v1/access-events", Some(&integration), &interface_events())
        .await
        .ok(StatusCode::OK);
    assert_eq!(counts(&first), (1, 0, 0), "{first}");
    assert_eq!(
        first["review_flags"],
        json!([]),
        "a foreign customer abroad"
    );
    let replay = t
        .post("/v1/access-events", Some(&integration), &interface_events())
        .await
        .ok(StatusCode::OK);
    assert_eq!(counts(&replay), (0, 1, 0));

    let summary = t
        .get(
            "/v1/access-events/summary?account=acct-1001",
            Some(&t.admin),
        )
        .await
        .ok(StatusCode::OK);
    assert_eq!(summary["account"], "acct-1001");
    assert_eq!(summary["events"], 1);
    assert_eq!(summary["distinct_ips"], 1);
    assert_eq!(summary["countries"], json!(["NG"]));
    assert_eq!(summary["unplaced_events"], 0);
    assert_eq!(summary["first_seen"], "2026-11-01T08:15:00Z");
    assert_eq!(summary["last_seen"], "2026-11-01T08:15:00Z");
    assert_eq!(summary["review_flags"], json!([]));
}

#[tokio::test]
async fn bad_records_are_rejected_one_by_one_with_their_reasons() {
    let t = TestApp::new().await;
    onboard(
        &t,
        &t.admin,
        &customer("Amara Okafor", "NG", "+234 803 555 0142", "acct-1001"),
    )
    .await;
    // An account of the reseller's customer: not an account of the provider's tenant.
    let reseller = t.key(Role::Reseller).await;
    onboard(
        &t,
        &reseller,
        &customer("Tan Wei", "SG", "+65 6555 0100", "acct-nimbus-1"),
    )
    .await;
    let ndjson = [
        r#"{"id": "ok-1", "account": "acct-1001", "ip": "8.8.8.8", "at": "2026-11-01T08:00:00Z", "action": "api"}"#,
        r#"{"id": "bad-json", "account": "#,
        "",
        r#"{"id": "bad-action", "account": "acct-1001", "ip": "8.8.8.8", "at": "2026-11-01T08:00:00Z", "action": "sudo"}"#,
        r#"{"id": "bad-ip", "account": "acct-1001", "ip": "300.1.2.3", "at": "2026-11-01T08:00:00Z", "action": "login"}"#,
        r#"{"id": "bad-many", "account": "", "ip": "localhost", "at": "tomorrow", "action": "LOGIN"}"#,
        r#"{"id": "future", "account": "acct-1001", "ip": "8.8.8.8", "at": "2027-01-01T00:00:00Z", "action": "login"}"#,
        r#"{"id": "theirs", "account": "acct-nimbus-1", "ip": "8.8.8.8", "at": "2026-11-01T08:00:00Z", "action": "login"}"#,
        r#"{"id": "unknown", "account": "acct-nobody", "ip": "8.8.8.8", "at": "2026-11-01T08:00:00Z", "action": "login"}"#,
        r#"{"id": "no-ip", "account": "acct-1001", "at": "2026-11-01T08:00:00Z", "action": "login"}"#,
        r#"{"id": "private", "account": "acct-1001", "ip": "192.168.0.1", "at": "2026-11-01T08:01:00Z", "action": "console"}"#,
    ]
    .join("\n");
    let body = t
        .post_raw("/v1/access-events", Some("application/x-ndjson"), ndjson)
        .await
        .ok(StatusCode::OK);
    assert_eq!(counts(&body), (2, 0, 8), "{body}");
    let rejected = body["rejected"].as_array().unwrap();
    let reasons = |id: &str| -> String {
        rejected
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} rejected: {body}"))["reasons"]
            .to_string()
    };
    assert!(reasons("bad-action").contains("action: unknown action"));
    assert!(reasons("bad-ip").contains("ip: is not an IPv4 or IPv6 address"));
    let many = reasons("bad-many");
    for field in ["account:", "ip:", "at:", "action:"] {
        assert!(many.contains(field), "{field} in {many}");
    }
    assert!(reasons("future").contains("in the future"));
    assert!(reasons("theirs").contains("no customer of this tenant holds this account"));
    assert!(reasons("unknown").contains("no customer of this tenant holds this account"));
    assert!(reasons("no-ip").contains("ip"));
    let malformed = rejected.iter().find(|r| r["index"] == 1).unwrap();
    assert_eq!(malformed["id"], Value::Null, "the broken line has no id");
    let indexes: Vec<u64> = rejected
        .iter()
        .map(|r| r["index"].as_u64().unwrap())
        .collect();
    assert_eq!(
        indexes,
        [1, 2, 3, 4, 5, 6, 7, 8],
        "in body order, blank lines not counted"
    );

    let summary = t
        .get(
            "/v1/access-events/summary?account=acct-1001",
            Some(&t.admin),
        )
        .await
        .ok(StatusCode::OK);
    assert_eq!(summary["events"], 2);
    assert_eq!(summary["countries"], json!(["US"]));
    assert_eq!(
        summary["unplaced_events"], 1,
        "a private address is not placed"
    );
}

#[tokio::test]
async fn unusable_bodies_are_refused_whole_and_never_fail_the_server() {
    let t = TestApp::new().await;
    for (content_type, body, status) in [
        (
            Some("application/json"),
            "",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Some("application/json"),
            "[]",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Some("application/json"),
            "[{",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Some("application/x-ndjson"),
            "hello\nworld",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (Some("text/plain"), "[]", StatusCode::UNSUPPORTED_MEDIA_TYPE),
    ] {
        let response = t.post_raw("/v1/access-events", content_type, body).await;
        response.problem(status);
    }
    let missing = t
        .get(
            "/v1/access-events/summary?account=acct-nobody",
            Some(&t.admin),
        )
        .await;
    missing.problem(StatusCode::NOT_FOUND);
    let no_account = t.get("/v1/access-events/summary", Some(&t.admin)).await;
    assert_eq!(no_account.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn tenants_see_only_their_own_accounts_logs() {
    let t = TestApp::new().await;
    onboard(
        &t,
        &t.admin,
        &customer("Amara Okafor", "NG", "+234 803 555 0142", "acct-1001"),
    )
    .await;
    t.post("/v1/access-events", Some(&t.admin), &interface_events())
        .await
        .ok(StatusCode::OK);
    let reseller = t.key(Role::Reseller).await;
    t.get(
        "/v1/access-events/summary?account=acct-1001",
        Some(&reseller),
    )
    .await
    .problem(StatusCode::NOT_FOUND);
    let from_reseller = t
        .post("/v1/access-events", Some(&reseller), &interface_events())
        .await
        .ok(StatusCode::OK);
    assert_eq!(counts(&from_reseller), (0, 0, 1), "{from_reseller}");
}

#[tokio::test]
async fn foreign_access_to_a_us_person_is_flagged_and_queues_a_redetermination() {
    let t = TestApp::new().await;
    let created = onboard(
        &t,
        &t.admin,
        &customer("Jo Example", "US", "+1 415 555 0100", "acct-us-1"),
    )
    .await;
    assert_eq!(created["person_status"], "us", "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let events = json!([
        {"id": "us-1", "account": "acct-us-1", "ip": "8.8.8.8", "at": "2026-11-01T07:00:00Z", "action": "login"},
        {"id": "us-2", "account": "acct-us-1", "ip": "102.89.34.10", "at": "2026-11-01T08:00:00Z", "action": "admin"},
    ]);
    let body = t
        .post("/v1/access-events", Some(&t.admin), &events)
        .await
        .ok(StatusCode::OK);
    assert_eq!(counts(&body), (2, 0, 0));
    let flags = body["review_flags"].as_array().unwrap();
    assert_eq!(flags.len(), 1, "{body}");
    assert_eq!(flags[0]["kind"], "foreign_access_to_us_person");
    assert_eq!(flags[0]["customer"], id.as_str());
    assert_eq!(flags[0]["countries"], json!(["NG"]));

    let summary = t
        .get(
            "/v1/access-events/summary?account=acct-us-1",
            Some(&t.admin),
        )
        .await
        .ok(StatusCode::OK);
    assert_eq!(summary["countries"], json!(["NG", "US"]));
    assert_eq!(summary["customer"], id.as_str());
    assert_eq!(summary["review_flags"][0]["countries"], json!(["NG"]));
    assert!(
        summary["review_flags"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("NG (Nigeria)")
    );

    let job = t
        .store
        .claim_job(&[REDETERMINE_JOB], t.app.now(), Duration::minutes(5))
        .await
        .unwrap()
        .expect("a re-determination was queued with the batch");
    assert_eq!(job.payload["customer"], id.as_str());
    assert_eq!(job.tenant, t.provider);
}

#[tokio::test]
async fn the_daily_purge_removes_accounts_unused_for_the_retention_period() {
    let t = TestApp::new().await;
    onboard(
        &t,
        &t.admin,
        &customer("Amara Okafor", "NG", "+234 803 555 0142", "acct-1001"),
    )
    .await;
    t.post("/v1/access-events", Some(&t.admin), &interface_events())
        .await
        .ok(StatusCode::OK);
    t.app
        .schedule_access_purge(t.provider, Duration::zero())
        .await
        .unwrap();
    let runner = JobRunner::new(t.app.clone());
    // Still within the pack's two years: the purge keeps everything.
    runner.drain().await.unwrap();
    let kept = t
        .get(
            "/v1/access-events/summary?account=acct-1001",
            Some(&t.admin),
        )
        .await
        .ok(StatusCode::OK);
    assert_eq!(kept["events"], 1);

    t.clock.advance(Duration::days(2 * 366 + 1));
    runner.drain().await.unwrap();
    let purged = t
        .get(
            "/v1/access-events/summary?account=acct-1001",
            Some(&t.admin),
        )
        .await
        .ok(StatusCode::OK);
    assert_eq!(purged["events"], 0, "{purged}");
    let audit = t
        .get("/v1/audit?limit=1000", Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"access.ingest"));
    assert!(actions.contains(&"access.purge"), "{actions:?}");
}

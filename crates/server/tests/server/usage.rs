//! `/v1/usage`, `/v1/reservations` and `/v1/compute/accounts/{account}`: the interface.md bodies,
//! per-record rejection, idempotent replays, NDJSON, tenant isolation and recovery after a
//! restart.

use axum::http::StatusCode;
use cloudkyc_app::{App, Clock};
use cloudkyc_domain::Role;
use serde_json::{Value, json};

use super::support::{TestApp, default_policy};

fn interface_usage() -> Value {
    json!([{"id": "u-1", "account": "acct-2001", "accelerator": "H100", "count": 4096,
    "start": "2026-10-01T00:00:00Z", "end": "2026-10-31T00:00:00Z", "cluster": "dc7-pg-12",
    "datacenter": "dc7", "fabric_gbps": 3200}])
}

fn interface_reservations() -> Value {
    json!([{"id": "r-1", "account": "acct-2001", "accelerator": "H100",
    "count": 24576, "start": "2026-11-01T00:00:00Z", "end": "2027-05-01T00:00:00Z", "cluster": "dc7-pg-12",
    "datacenter": "dc7", "fabric_gbps": 3200}])
}

fn counts(body: &Value) -> (u64, u64, usize) {
    (
        body["accepted"].as_u64().unwrap(),
        body["duplicate"].as_u64().unwrap(),
        body["rejected"].as_array().unwrap().len(),
    )
}

#[tokio::test]
async fn the_interface_bodies_are_accepted_as_written() {
    let t = TestApp::new().await;
    let integration = t.key(Role::Integration).await;
    let usage = t
        .post("/v1/usage", Some(&integration), &interface_usage())
        .await;
    assert_eq!(counts(&usage.ok(StatusCode::OK)), (1, 0, 0));
    let reservations = t
        .post(
            "/v1/reservations",
            Some(&integration),
            &interface_reservations(),
        )
        .await;
    assert_eq!(counts(&reservations.ok(StatusCode::OK)), (1, 0, 0));

    let assessment = t
        .get("/v1/compute/accounts/acct-2001", Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert_eq!(assessment["accounts"], json!(["acct-2001"]));
    let episodes = assessment["view"]["episodes"].as_array().unwrap();
    assert_eq!(episodes.len(), 1, "{assessment}");
    assert!(
        !assessment["view"]["clusters"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let projections = assessment["projections"].as_array().unwrap();
    assert!(
        !projections.is_empty(),
        "the reservation projects compute: {assessment}"
    );
    let requests = assessment["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["id"], "r-1");
}

#[tokio::test]
async fn a_mixed_batch_is_accepted_record_by_record_and_replays_as_duplicates() {
    let t = TestApp::new().await;
    let batch = json!([
        {"id": "u-1", "account": "acct-1", "accelerator": "H100", "count": 8,
         "start": "2026-10-01T00:00:00Z", "end": "2026-10-02T00:00:00Z"},
        {"id": "u-2", "account": "acct-1", "accelerator": "Quantum Abacus 9000", "count": 8,
         "start": "2026-10-01T00:00:00Z", "end": "2026-10-02T00:00:00Z"},
        {"id": "u-3", "account": "acct-1", "accelerator": "A100", "count": 8,
         "start": "2026-10-02T00:00:00Z", "end": "2026-10-01T00:00:00Z"},
        {"id": "u-1", "account": "acct-1", "accelerator": "H100", "count": 8,
         "start": "2026-10-01T00:00:00Z", "end": "2026-10-02T00:00:00Z"},
        {"id": "u-4", "account": "acct-1", "accelerator": "H100", "count": -5,
         "start": "2026-10-01T00:00:00Z", "end": "2026-10-02T00:00:00Z"},
        {"id": "u-5", "count": "lots"}
    ]);
    let body = t
        .post("/v1/usage", Some(&t.admin), &batch)
        .await
        .ok(StatusCode::OK);
    assert_eq!(counts(&body), (1, 1, 4), "{body}");
    let rejected = body["rejected"].as_array().unwrap();
    let by_id = |id: &str| {
        rejected
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} rejected: {body}"))
    };
    assert_eq!(by_id("u-2")["index"], 1);
    let unknown = by_id("u-2")["reasons"][0].as_str().unwrap();
    assert!(unknown.starts_with("accelerator"), "{unknown}");
    let backwards = by_id("u-3")["reasons"][0].as_str().unwrap();
    assert!(backwards.contains("end must be after start"), "{backwards}");
    assert!(
        by_id("u-4")["reasons"][0]
            .as_str()
            .unwrap()
            .contains("count")
    );
    assert_eq!(by_id("u-5")["index"], 5);
    let malformed = by_id("u-5")["reasons"][0].as_str().unwrap();
    assert!(malformed.starts_with("malformed record"), "{malformed}");

    let replay = t
        .post("/v1/usage", Some(&t.admin), &batch)
        .await
        .ok(StatusCode::OK);
    assert_eq!(
        counts(&replay),
        (0, 2, 4),
        "the good record and its repeat are duplicates now"
    );
}

#[tokio::test]
async fn ndjson_works_and_unusable_bodies_are_refused_whole() {
    let t = TestApp::new().await;
    let ndjson = "{\"id\": \"u-1\", \"account\": \"acct-9\", \"accelerator\": \"h100-sxm\", \"count\": 16, \"start\": \"2026-10-01T00:00:00Z\", \"end\": \"2026-10-03T00:00:00Z\"}\n\n\
                  {\"id\": \"u-2\", \"account\": \"acct-9\", \"accelerator\": \"A100\", \"count\": 16, \"start\": \"2026-10-01T00:00:00Z\", \"end\": \"2026-10-03T00:00:00Z\"}\n\
                  {not json\n";
    let body = t
        .post_raw("/v1/usage", Some("application/x-ndjson"), ndjson)
        .await
        .ok(StatusCode::OK);
    assert_eq!(counts(&body), (2, 0, 1), "{body}");
    assert_eq!(body["rejected"][0]["index"], 2);

    for unusable in ["", "[]", "hello, this is not JSON", "[{\"id\": "] {
        let response = t
            .post_raw("/v1/usage", Some("application/json"), unusable)
            .await;
        assert!(
            response.status == StatusCode::UNPROCESSABLE_ENTITY
                || response.status == StatusCode::BAD_REQUEST,
            "{unusable:?} answered {}",
            response.status
        );
    }
    let wrong_type = t.post_raw("/v1/usage", Some("text/csv"), "a,b").await;
    wrong_type.problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn another_tenant_cannot_see_the_accounts_assessment() {
    let t = TestApp::new().await;
    t.post("/v1/usage", Some(&t.admin), &interface_usage())
        .await
        .ok(StatusCode::OK);
    let reseller = t.key(Role::Reseller).await;
    t.get("/v1/compute/accounts/acct-2001", Some(&reseller))
        .await
        .problem(StatusCode::NOT_FOUND);
    // The reseller's own record with the same id and account is its own, not a duplicate.
    let own = t
        .post("/v1/usage", Some(&reseller), &interface_usage())
        .await;
    assert_eq!(counts(&own.ok(StatusCode::OK)), (1, 0, 0));
    let seen = t
        .get("/v1/compute/accounts/acct-2001", Some(&reseller))
        .await
        .ok(StatusCode::OK);
    assert_eq!(seen["view"]["episodes"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_restarted_process_rebuilds_the_engine_from_the_store() {
    let t = TestApp::new().await;
    t.post("/v1/usage", Some(&t.admin), &interface_usage())
        .await
        .ok(StatusCode::OK);
    let restarted = App::new(t.store.clone(), t.clock.clone(), default_policy());
    let assessment = restarted
        .assess_account(&t.operator, "acct-2001", t.clock.now())
        .await
        .unwrap();
    assert_eq!(assessment.view.episodes.len(), 1);
    let replay = restarted
        .ingest_usage(&t.operator, interface_usage().to_string().as_bytes())
        .await
        .unwrap();
    assert_eq!((replay.accepted, replay.duplicate), (0, 1));
}

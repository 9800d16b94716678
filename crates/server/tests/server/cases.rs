//! Cases through the API: a high-risk case worked from open to closed by two officers
//! (four-eyes), evidence attached and read back, refusals as 409/422, another tenant's case as
//! 404, the calendar and the metrics.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Duration;
use cloudkyc_domain::Role;
use serde_json::{Value, json};

use super::support::TestApp;

async fn act(t: &TestApp, id: &str, key: &str, body: Value) -> super::support::TestResponse {
    t.post(&format!("/v1/cases/{id}/actions"), Some(key), &body)
        .await
}

#[tokio::test]
async fn officers_work_a_high_risk_case_from_open_to_closed_with_four_eyes() {
    let t = TestApp::new().await;
    let first = t.key(Role::Officer).await;
    let second = t.key(Role::Officer).await;
    let analyst = t.key(Role::Analyst).await;

    let opened = t
        .post(
            "/v1/cases",
            Some(&first),
            &json!({"kind": "screening_hit", "subject": "cust-42", "risk": "high",
                    "summary": "OFAC SDN candidate, score 0.93"}),
        )
        .await
        .ok(StatusCode::CREATED);
    let id = opened["id"].as_str().unwrap().to_owned();
    assert_eq!(opened["status"], "open");
    assert_eq!(opened["priority"], "high");
    assert_eq!(opened["subject"], "cust-42");
    assert_eq!(opened["timeline"][0]["type"], "opened");

    let worked = act(
        &t,
        &id,
        &analyst,
        json!({"action": "assign", "to": "analyst-1"}),
    )
    .await
    .ok(StatusCode::OK);
    assert_eq!(worked["status"], "investigating");
    act(
        &t,
        &id,
        &analyst,
        json!({"action": "comment", "text": "Date of birth matches."}),
    )
    .await
    .ok(StatusCode::OK);

    // Evidence: the file stored encrypted, its digest on the timeline.
    let upload = Request::post(format!(
        "/v1/cases/{id}/attachments?file_name=list-entry.pdf&description=SDN%20entry"
    ))
    .header(header::AUTHORIZATION, format!("Bearer {analyst}"))
    .header(header::CONTENT_TYPE, "application/pdf")
    .body(Body::from("%PDF-1.7 sdn entry"))
    .unwrap();
    let attached = t.send(upload).await.ok(StatusCode::CREATED);
    let attachment = attached["attachment"]["id"].as_str().unwrap().to_owned();
    let content = t
        .get(
            &format!("/v1/cases/{id}/attachments/{attachment}/content"),
            Some(&first),
        )
        .await;
    assert_eq!(content.status, StatusCode::OK);
    assert_eq!(content.body, b"%PDF-1.7 sdn entry");

    // The analyst proposes; an officer may not approve their own proposal; a second may.
    let proposed = act(
        &t,
        &id,
        &first,
        json!({"action": "propose_decision",
               "decision": {"outcome": "confirmed", "rationale": "Same person as the SDN entry."}}),
    )
    .await
    .ok(StatusCode::OK);
    assert_eq!(proposed["status"], "investigating");
    assert_eq!(proposed["awaiting_approval"], true);
    let version = proposed["version"].as_i64().unwrap();
    act(&t, &id, &first, json!({"action": "approve_decision"}))
        .await
        .problem(StatusCode::FORBIDDEN);
    act(&t, &id, &analyst, json!({"action": "approve_decision"}))
        .await
        .problem(StatusCode::FORBIDDEN);
    act(
        &t,
        &id,
        &second,
        json!({"action": "approve_decision", "expected_version": version - 1}),
    )
    .await
    .problem(StatusCode::CONFLICT);
    let closed = act(
        &t,
        &id,
        &second,
        json!({"action": "approve_decision", "expected_version": version}),
    )
    .await
    .ok(StatusCode::OK);
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["outcome"], "confirmed");
    let decision = closed["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "decision")
        .unwrap();
    assert_ne!(decision["proposed_by"], decision["approved_by"]);

    // A closed case refuses work but keeps its history readable and listed.
    act(
        &t,
        &id,
        &first,
        json!({"action": "escalate", "reason": "late"}),
    )
    .await
    .problem(StatusCode::CONFLICT);
    let read = t
        .get(&format!("/v1/cases/{id}"), Some(&analyst))
        .await
        .ok(StatusCode::OK);
    assert_eq!(read["timeline"], closed["timeline"]);
    let listed = t
        .get("/v1/cases?status=closed&subject=cust-42", Some(&first))
        .await
        .ok(StatusCode::OK);
    let item = &listed["cases"][0];
    assert_eq!(item["id"], id.as_str());
    for field in ["id", "kind", "status", "due", "subject"] {
        assert!(item.get(field).is_some(), "{field} missing from {item}");
    }
}

#[tokio::test]
async fn bad_commands_are_422_or_409_never_500() {
    let t = TestApp::new().await;
    let officer = t.key(Role::Officer).await;
    let opened = t
        .post(
            "/v1/cases",
            Some(&officer),
            &json!({"kind": "compute_review", "subject": "acct-7", "summary": "burst"}),
        )
        .await
        .ok(StatusCode::CREATED);
    let id = opened["id"].as_str().unwrap();
    assert!(
        !act(&t, id, &officer, json!({"action": "dance"}))
            .await
            .invalid_paths()
            .is_empty()
    );
    act(
        &t,
        id,
        &officer,
        json!({"action": "comment", "text": "   "}),
    )
    .await
    .problem(StatusCode::UNPROCESSABLE_ENTITY);
    act(&t, id, &officer, json!({"action": "approve_decision"}))
        .await
        .problem(StatusCode::CONFLICT);
    act(
        &t,
        id,
        &officer,
        json!({"action": "customer_responded", "summary": "sent"}),
    )
    .await
    .problem(StatusCode::CONFLICT);
    act(
        &t,
        id,
        &officer,
        json!({"action": "propose_decision", "decision": {"outcome": "reported", "rationale": "filed"}}),
    )
    .await
    .problem(StatusCode::CONFLICT);
    let paths = t
        .post(
            "/v1/cases",
            Some(&officer),
            &json!({"kind": "phishing", "subject": " ", "summary": ""}),
        )
        .await
        .invalid_paths();
    assert_eq!(paths, vec!["/kind", "/subject", "/summary"]);
    t.get("/v1/cases?status=pending", Some(&officer))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
    t.get("/v1/calendar?window_days=0", Some(&officer))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn another_tenants_case_is_not_found() {
    // Keys of a reseller tenant take the reseller role, which never reads cases (a reseller
    // must not learn of an alert on its customer): it is refused before any lookup, so an
    // existing id and a random one answer alike. Below the HTTP layer, a scope of the
    // reseller's tenant does not find the provider's case, while the provider sees its
    // reseller's cases.
    let t = TestApp::new().await;
    let officer = t.key(Role::Officer).await;
    let reseller_key = t.key(Role::Reseller).await;
    let opened = t
        .post(
            "/v1/cases",
            Some(&officer),
            &json!({"kind": "verification", "subject": "cust-1", "summary": "pending too long"}),
        )
        .await
        .ok(StatusCode::CREATED);
    let id = opened["id"].as_str().unwrap();
    let random = uuid::Uuid::new_v4().to_string();
    for case in [id, random.as_str()] {
        t.get(&format!("/v1/cases/{case}"), Some(&reseller_key))
            .await
            .problem(StatusCode::FORBIDDEN);
    }
    t.get(&format!("/v1/cases/{random}"), Some(&officer))
        .await
        .problem(StatusCode::NOT_FOUND);
    act(
        &t,
        &random,
        &officer,
        json!({"action": "comment", "text": "hi"}),
    )
    .await
    .problem(StatusCode::NOT_FOUND);

    let reseller_scope = t.app.system_scope(Some(t.reseller), "test").await.unwrap();
    let case_id: cloudkyc_domain::cases::CaseId = id.parse().unwrap();
    assert!(matches!(
        t.app.case(&reseller_scope, case_id).await,
        Err(cloudkyc_app::AppError::NotFound(_))
    ));
    let new = cloudkyc_domain::cases::NewCase {
        kind: cloudkyc_domain::cases::CaseKind::Verification,
        subject: cloudkyc_domain::cases::Subject::Customer(
            cloudkyc_domain::cases::SubjectRef::parse("cust-9").unwrap(),
        ),
        summary: cloudkyc_domain::cases::Note::parse("failed").unwrap(),
        risk: None,
        knowledge_date: t.app.today(),
        due: None,
    };
    let raised = t.app.raise_case(&reseller_scope, new, "v-1").await.unwrap();
    let own = raised.id.to_string();
    t.get(&format!("/v1/cases/{own}"), Some(&officer))
        .await
        .ok(StatusCode::OK);
    let listed = t.get("/v1/cases", Some(&officer)).await.ok(StatusCode::OK);
    assert_eq!(listed["cases"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_calendar_and_metrics_flag_overdue_cases() {
    let t = TestApp::new().await;
    let officer = t.key(Role::Officer).await;
    // Records production: 10 calendar days from the request (`[records].cip_production`).
    let opened = t
        .post(
            "/v1/cases",
            Some(&officer),
            &json!({"kind": "records_request", "subject_type": "request", "subject": "BIS-1",
                    "summary": "written CIP requested", "knowledge_date": "2026-11-01"}),
        )
        .await
        .ok(StatusCode::CREATED);
    assert_eq!(opened["due"], "2026-11-11");
    let calendar = t
        .get("/v1/calendar", Some(&officer))
        .await
        .ok(StatusCode::OK);
    let clocks: Vec<&str> = calendar["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["clock"].as_str().unwrap())
        .collect();
    assert_eq!(clocks, vec!["records_production", "annual_certification"]);

    t.clock.advance(Duration::days(11));
    let calendar = t
        .get("/v1/calendar", Some(&officer))
        .await
        .ok(StatusCode::OK);
    assert_eq!(calendar["overdue"], 1);
    assert_eq!(calendar["items"][0]["state"], "overdue");
    let overdue = t
        .get("/v1/cases?overdue=true", Some(&officer))
        .await
        .ok(StatusCode::OK);
    assert_eq!(overdue["cases"][0]["id"], opened["id"]);
    assert_eq!(overdue["cases"][0]["due_state"], "overdue");
    let metrics = t.get("/metrics", None).await;
    let text = String::from_utf8_lossy(&metrics.body);
    assert!(
        text.contains(r#"cloudkyc_cases{state="overdue"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"cloudkyc_cases{state="open"} 1"#), "{text}");
}

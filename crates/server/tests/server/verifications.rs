//! Verification decisions after onboarding: officer overrides (one step below the pack's
//! four-eyes tiers, two officers at them), the verification history, resubmission limits and
//! window, the access-change notice and the audit trail. (Optimistic concurrency: the store's
//! contract suite and the app's `redecide` unit test.)

use axum::http::StatusCode;
use chrono::Duration;
use cloudkyc_app::customers::{ACCESS_CHANGED_JOB, AccessChange};
use cloudkyc_domain::Role;
use cloudkyc_store::customers::{AccountAccess, CustomerId};
use cloudkyc_store::{AuditStore, JobStore};
use serde_json::{Value, json};

use super::support::{TestApp, TestResponse};

/// A foreign individual: medium tier (foreign person), or high with a second, high-risk
/// nationality. `bin` other than `DE` fails the payment-country check.
pub fn person(account: &str, bin: &str, high: bool) -> Value {
    let nationalities = if high {
        json!(["DE", "BY"])
    } else {
        json!(["DE"])
    };
    json!({
      "kind": "individual",
      "name": {"full": "Henrike Quellmalz"},
      "date_of_birth": "1984-07-02",
      "nationalities": nationalities,
      "addresses": [{"line1": "Torstrasse 5", "city": "Berlin", "country": "DE"}],
      "emails": ["henrike.quellmalz@example.de"],
      "phones": ["+49 30 901820"],
      "accounts": [{"external_id": account,
                    "payment_methods": [{"type": "card", "brand": "visa", "last4": "4242",
                                         "bin_country": bin, "source": "customer"}]}],
      "beneficial_owners": []
    })
}

pub async fn onboard(t: &TestApp, body: &Value) -> Value {
    t.post("/v1/customers", Some(&t.admin), body)
        .await
        .ok(StatusCode::CREATED)
}

fn status(customer: &Value) -> (&str, &str, &str) {
    (
        customer["cip_status"].as_str().unwrap(),
        customer["account_access"].as_str().unwrap(),
        customer["risk_tier"].as_str().unwrap(),
    )
}

async fn override_(t: &TestApp, key: &str, id: &str, body: Value) -> TestResponse {
    t.post(
        &format!("/v1/customers/{id}/verifications"),
        Some(key),
        &body,
    )
    .await
}

/// The waiting access-change notices (claimed, so each is seen once).
pub async fn access_changes(t: &TestApp) -> Vec<AccessChange> {
    let mut out = Vec::new();
    while let Some(job) = t
        .store
        .claim_job(&[ACCESS_CHANGED_JOB], t.app.now(), Duration::minutes(5))
        .await
        .unwrap()
    {
        out.push(serde_json::from_value(job.payload.clone()).unwrap());
        t.store.complete_job(job.id, t.app.now()).await.unwrap();
    }
    out
}

pub async fn audit_actions(t: &TestApp) -> Vec<String> {
    t.store
        .audit_events(&t.operator, t.provider, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn a_medium_tier_override_applies_at_once_and_notifies_the_access_change() {
    let t = TestApp::new().await;
    let officer = t.key(Role::Officer).await;
    let customer = onboard(&t, &person("acct-1", "DE", false)).await;
    assert_eq!(status(&customer), ("pending", "restricted", "medium"));
    let id = customer["id"].as_str().unwrap();
    assert!(access_changes(&t).await.is_empty());

    let answer = override_(
        &t,
        &officer,
        id,
        json!({"decision": "verified", "reason": "passport inspected in person"}),
    )
    .await
    .ok(StatusCode::OK);
    assert_eq!(answer["verification"]["state"], "applied");
    assert_eq!(answer["verification"]["kind"], "override");
    let after = &answer["customer"];
    assert_eq!(status(after), ("verified", "full", "medium"));
    let reasons: Vec<&str> = after["decision_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("officer override to verified by key:")
                && r.ends_with(": passport inspected in person")),
        "{reasons:?}"
    );

    let changes = access_changes(&t).await;
    assert_eq!(changes.len(), 1);
    let change = &changes[0];
    assert_eq!(change.customer.to_string(), id);
    assert_eq!(
        (change.from, change.to),
        (AccountAccess::Restricted, AccountAccess::Full)
    );
    assert_eq!(change.accounts, vec!["acct-1".to_owned()]);
    assert_eq!(change.cause, "customer.override");
    assert_eq!(
        audit_actions(&t)
            .await
            .iter()
            .filter(|a| *a == "customer.override")
            .count(),
        1
    );

    // The history shows the override and the checks of the decision it led to.
    let history = t
        .get(&format!("/v1/customers/{id}/verifications"), Some(&officer))
        .await
        .ok(StatusCode::OK);
    let entries = history["verifications"].as_array().unwrap();
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["override", "decision"]);
    assert_eq!(entries[0]["reason"], "passport inspected in person");
    assert_eq!(entries[1]["action"], "customer.override");
    assert_eq!(entries[1]["cip_status"], "verified");
    assert!(
        entries[1]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "ip_geolocation" && c["outcome"] == "cannot_run")
    );
}

#[tokio::test]
async fn an_override_needs_a_reason_and_the_permission() {
    let t = TestApp::new().await;
    let customer = onboard(&t, &person("acct-1", "DE", false)).await;
    let id = customer["id"].as_str().unwrap();
    let officer = t.key(Role::Officer).await;
    for body in [
        json!({"decision": "verified", "reason": "   "}),
        json!({"decision": "verified", "reason": ""}),
    ] {
        assert_eq!(
            override_(&t, &officer, id, body).await.invalid_paths(),
            vec!["/reason"]
        );
    }
    let missing = override_(&t, &officer, id, json!({"decision": "verified"})).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad = override_(
        &t,
        &officer,
        id,
        json!({"decision": "maybe", "reason": "x"}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let analyst = t.key(Role::Analyst).await;
    override_(
        &t,
        &analyst,
        id,
        json!({"decision": "verified", "reason": "x"}),
    )
    .await
    .problem(StatusCode::FORBIDDEN);
    let unknown = CustomerId::new().to_string();
    override_(
        &t,
        &officer,
        &unknown,
        json!({"decision": "verified", "reason": "x"}),
    )
    .await
    .problem(StatusCode::NOT_FOUND);
    // Nothing was written by any of them.
    let read = t
        .get(&format!("/v1/customers/{id}"), Some(&officer))
        .await
        .ok(StatusCode::OK);
    assert_eq!(status(&read), ("pending", "restricted", "medium"));
    assert!(
        !audit_actions(&t)
            .await
            .iter()
            .any(|a| a.starts_with("verification.") || a == "customer.override")
    );
}

#[tokio::test]
async fn a_high_tier_override_needs_a_second_officer() {
    let t = TestApp::new().await;
    let first = t.key(Role::Officer).await;
    let second = t.key(Role::Officer).await;
    let customer = onboard(&t, &person("acct-1", "DE", true)).await;
    assert_eq!(status(&customer), ("pending", "restricted", "high"));
    let id = customer["id"].as_str().unwrap();

    let requested = override_(
        &t,
        &first,
        id,
        json!({"decision": "verified", "reason": "identity confirmed by video call"}),
    )
    .await
    .ok(StatusCode::ACCEPTED);
    assert_eq!(requested["verification"]["state"], "pending");
    assert_eq!(
        status(&requested["customer"]),
        ("pending", "restricted", "high")
    );
    let request = requested["verification"]["id"].as_str().unwrap();
    let approve = format!("/v1/customers/{id}/verifications/{request}/approve");

    // The requester cannot approve their own override.
    let own = t.post(&approve, Some(&first), &json!({})).await;
    let problem = own.problem(StatusCode::FORBIDDEN);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("second officer")
    );
    assert!(access_changes(&t).await.is_empty());

    let approved = t
        .post(&approve, Some(&second), &json!({}))
        .await
        .ok(StatusCode::OK);
    assert_eq!(approved["verification"]["state"], "applied");
    assert!(approved["verification"]["decided_by"].is_string());
    assert_ne!(
        approved["verification"]["decided_by"],
        approved["verification"]["requested_by"]
    );
    assert_eq!(status(&approved["customer"]), ("verified", "full", "high"));
    let reasons = approved["customer"]["decision_reasons"].to_string();
    assert!(
        reasons.contains("(four-eyes): identity confirmed by video call"),
        "{reasons}"
    );
    assert_eq!(access_changes(&t).await.len(), 1);

    // Approving twice is a conflict, and changes nothing more.
    t.post(&approve, Some(&second), &json!({}))
        .await
        .problem(StatusCode::CONFLICT);
    let actions = audit_actions(&t).await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "verification.request")
            .count(),
        1
    );
    assert_eq!(
        actions.iter().filter(|a| *a == "customer.override").count(),
        1
    );
}

#[tokio::test]
async fn a_rejected_four_eyes_override_changes_nothing() {
    let t = TestApp::new().await;
    let first = t.key(Role::Officer).await;
    let second = t.key(Role::Admin).await;
    let customer = onboard(&t, &person("acct-1", "DE", true)).await;
    let id = customer["id"].as_str().unwrap();
    let requested = override_(
        &t,
        &first,
        id,
        json!({"decision": "failed", "reason": "document appears altered"}),
    )
    .await
    .ok(StatusCode::ACCEPTED);
    let request = requested["verification"]["id"].as_str().unwrap();
    let reject = format!("/v1/customers/{id}/verifications/{request}/reject");
    t.post(&reject, Some(&first), &json!({}))
        .await
        .problem(StatusCode::FORBIDDEN);
    let rejected = t
        .post(&reject, Some(&second), &json!({}))
        .await
        .ok(StatusCode::OK);
    assert_eq!(rejected["state"], "rejected");
    t.post(
        &format!("/v1/customers/{id}/verifications/{request}/approve"),
        Some(&second),
        &json!({}),
    )
    .await
    .problem(StatusCode::CONFLICT);
    let read = t
        .get(&format!("/v1/customers/{id}"), Some(&first))
        .await
        .ok(StatusCode::OK);
    assert_eq!(status(&read), ("pending", "restricted", "high"));
    assert!(access_changes(&t).await.is_empty());
    assert!(
        audit_actions(&t)
            .await
            .contains(&"verification.reject".to_owned())
    );
    // An unknown request id of this customer is not found.
    t.post(
        &format!(
            "/v1/customers/{id}/verifications/{}/approve",
            CustomerId::new()
        ),
        Some(&second),
        &json!({}),
    )
    .await
    .problem(StatusCode::NOT_FOUND);
}

async fn resubmit(t: &TestApp, id: &str, body: &Value) -> TestResponse {
    t.post(
        &format!("/v1/customers/{id}/resubmissions"),
        Some(&t.admin),
        body,
    )
    .await
}

#[tokio::test]
async fn a_failed_customer_resubmits_and_keeps_its_id() {
    let t = TestApp::new().await;
    let failed = onboard(&t, &person("acct-1", "BR", false)).await;
    assert_eq!(status(&failed), ("failed", "closed", "medium"));
    let id = failed["id"].as_str().unwrap();
    access_changes(&t).await;

    // Every field error at once, and nothing changes.
    let mut broken = person("acct-1", "DE", false);
    broken["emails"] = json!(["not an email"]);
    broken["date_of_birth"] = json!("yesterday");
    let paths = resubmit(&t, id, &broken).await.invalid_paths();
    assert!(paths.len() >= 2, "{paths:?}");
    assert!(paths.contains(&"/emails/0".to_owned()), "{paths:?}");

    // Another customer's account cannot be taken.
    onboard(&t, &{
        let mut other = person("acct-other", "DE", false);
        other["name"] = json!({"full": "Otto Brandauer"});
        other
    })
    .await;
    let mut taking = person("acct-1", "DE", false);
    taking["accounts"][0]["external_id"] = json!("acct-other");
    resubmit(&t, id, &taking)
        .await
        .problem(StatusCode::CONFLICT);

    let mut fixed = person("acct-1", "DE", false);
    fixed["accounts"].as_array_mut().unwrap().push(
        json!({"external_id": "acct-2", "payment_methods": [{"type": "card", "brand": "visa",
            "last4": "1111", "bin_country": "DE", "source": "customer"}]}),
    );
    let after = resubmit(&t, id, &fixed).await.ok(StatusCode::OK);
    assert_eq!(after["id"], failed["id"]);
    assert_eq!(status(&after), ("pending", "restricted", "medium"));
    assert_eq!(
        after["accounts"],
        json!([{"external_id": "acct-1"}, {"external_id": "acct-2"}])
    );
    assert!(
        after["decision_reasons"][0]
            .as_str()
            .unwrap()
            .starts_with("resubmission 1 of 3")
    );
    let changes = access_changes(&t).await;
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (changes[0].from, changes[0].to),
        (AccountAccess::Closed, AccountAccess::Restricted)
    );
    assert_eq!(changes[0].cause, "customer.resubmit");
    assert_eq!(
        audit_actions(&t)
            .await
            .iter()
            .filter(|a| *a == "customer.resubmit")
            .count(),
        1
    );
}

#[tokio::test]
async fn resubmissions_stop_at_the_packs_limit() {
    let t = TestApp::new().await;
    let failed = onboard(&t, &person("acct-1", "BR", false)).await;
    let id = failed["id"].as_str().unwrap();
    let still_failing = person("acct-1", "BR", false);
    for n in 1..=3 {
        let after = resubmit(&t, id, &still_failing).await.ok(StatusCode::OK);
        assert_eq!(
            status(&after),
            ("failed", "closed", "medium"),
            "resubmission {n}"
        );
    }
    let problem = resubmit(&t, id, &person("acct-1", "DE", false))
        .await
        .problem(StatusCode::CONFLICT);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("3 resubmissions")
    );
}

#[tokio::test]
async fn resubmission_is_refused_after_the_window_and_for_a_verified_customer() {
    let t = TestApp::new().await;
    let failed = onboard(&t, &person("acct-1", "BR", false)).await;
    let id = failed["id"].as_str().unwrap();
    t.clock.advance(Duration::days(29));
    resubmit(&t, id, &person("acct-1", "BR", false))
        .await
        .ok(StatusCode::OK);
    t.clock.advance(Duration::days(2));
    let problem = resubmit(&t, id, &person("acct-1", "DE", false))
        .await
        .problem(StatusCode::CONFLICT);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("window of 30 days")
    );

    let officer = t.key(Role::Officer).await;
    let other = onboard(&t, &person("acct-9", "DE", false)).await;
    let other_id = other["id"].as_str().unwrap();
    override_(
        &t,
        &officer,
        other_id,
        json!({"decision": "verified", "reason": "seen in person"}),
    )
    .await
    .ok(StatusCode::OK);
    resubmit(&t, other_id, &person("acct-9", "DE", false))
        .await
        .problem(StatusCode::CONFLICT);
    // A reseller cannot reach the provider's customer.
    let reseller = t.key(Role::Reseller).await;
    t.post(
        &format!("/v1/customers/{id}/resubmissions"),
        Some(&reseller),
        &person("acct-1", "DE", false),
    )
    .await
    .problem(StatusCode::NOT_FOUND);
}

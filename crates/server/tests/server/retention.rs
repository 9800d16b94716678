//! Records retention over HTTP: legal holds placed and released by officers, the daily purge
//! run two years and a day after closure on the `ManualClock`, a purged customer answering a
//! clear `409` (never a 500) while its retention state still reads, and the counts.

use axum::http::{Method, StatusCode};
use chrono::{Duration, Months};
use cloudkyc_app::jobs::JobRunner;
use cloudkyc_domain::Role;
use cloudkyc_domain::cip::CustomerDraft;
use cloudkyc_store::customer_updates::CustomerChange;
use cloudkyc_store::customers::{AccountAccess, CustomerId};
use cloudkyc_store::{AuditStore, CustomerStore};
use serde_json::{Value, json};

use super::support::TestApp;

/// A customer onboarded and closed now.
async fn closed_customer(t: &TestApp, account: &str) -> CustomerId {
    let draft: CustomerDraft = serde_json::from_value(json!({
        "kind": "individual",
        "name": {"full": format!("Closed {account}")},
        "date_of_birth": "1980-01-01",
        "nationalities": ["DE"],
        "addresses": [{"line1": "1 Main St", "city": "Berlin", "country": "DE"}],
        "emails": [format!("{account}@example.com")],
        "accounts": [{"external_id": account, "payment_methods": [{"type": "card",
            "brand": "visa", "last4": "4242", "bin_country": "DE", "source": "customer"}]}],
        "beneficial_owners": []
    }))
    .unwrap();
    let onboarded = t.app.onboard_customer(&t.operator, draft, None).await;
    let id = onboarded.unwrap().customer.id;
    let stored = t.store.customer(&t.operator, id).await.unwrap();
    let mut decision = stored.decision.clone();
    decision.account_access = AccountAccess::Closed;
    let change = CustomerChange::new(
        "customer.close",
        decision,
        stored.personal,
        vec![],
        stored.updated_at,
    );
    let now = t.app.now();
    t.store
        .update_customer(&t.operator, id, change, now)
        .await
        .unwrap();
    id
}

fn reason(text: &str) -> Value {
    json!({"reason": text})
}

#[tokio::test]
async fn holds_are_placed_and_released_by_officers_only() {
    let t = TestApp::new().await;
    let id = closed_customer(&t, "acct-hold").await;
    let officer = t.key(Role::Officer).await;
    let analyst = t.key(Role::Analyst).await;
    let path = format!("/v1/customers/{id}/legal-hold");

    let refused = t.post(&path, Some(&analyst), &reason("mine")).await;
    refused.problem(StatusCode::FORBIDDEN);
    let blank = t.post(&path, Some(&officer), &reason("  ")).await;
    assert_eq!(blank.invalid_paths(), vec!["/reason".to_owned()]);
    let hold = t
        .post(&path, Some(&officer), &reason("matter 24-117"))
        .await;
    let hold = hold.ok(StatusCode::CREATED);
    assert_eq!(hold["customer"], id.to_string());
    assert_eq!(hold["reason"], "matter 24-117");
    let twice = t.post(&path, Some(&officer), &reason("again")).await;
    twice.problem(StatusCode::CONFLICT);

    let state = t
        .get(&format!("/v1/customers/{id}/retention"), Some(&analyst))
        .await;
    let state = state.ok(StatusCode::OK);
    assert_eq!(state["legal_hold"]["id"], hold["id"]);
    // Stamped by the database from the closing change (a microsecond after onboarding).
    assert!(state["closed_at"].is_string(), "{state}");
    assert_eq!(state["purged_at"], Value::Null);

    let body = reason("matter closed");
    let released = t
        .call(Method::DELETE, &path, Some(&officer), Some(&body))
        .await;
    let released = released.ok(StatusCode::OK);
    assert_eq!(released["release_reason"], "matter closed");
    let none = t
        .call(Method::DELETE, &path, Some(&officer), Some(&body))
        .await;
    none.problem(StatusCode::NOT_FOUND);
    let unknown = format!("/v1/customers/{}/legal-hold", CustomerId::new());
    let missing = t.post(&unknown, Some(&officer), &reason("who")).await;
    missing.problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn two_years_and_a_day_after_closure_the_customer_is_purged_unless_held() {
    let t = TestApp::new().await;
    let gone = closed_customer(&t, "acct-gone").await;
    let held = closed_customer(&t, "acct-held").await;
    let officer = t.key(Role::Officer).await;
    let hold_path = format!("/v1/customers/{held}/legal-hold");
    let placed = t
        .post(&hold_path, Some(&officer), &reason("litigation"))
        .await;
    placed.ok(StatusCode::CREATED);

    let before = t
        .get("/v1/retention", Some(&officer))
        .await
        .ok(StatusCode::OK);
    assert_eq!(
        (before["due"].clone(), before["held"].clone()),
        (json!(0), json!(1))
    );
    assert_eq!(before["retention_years"], 2);
    assert_eq!(before["retention_from"], "later");

    let now = t.app.now();
    let later = now.checked_add_months(Months::new(24)).unwrap() + Duration::days(1);
    t.clock.advance(later - now);
    let due = t
        .get("/v1/retention", Some(&officer))
        .await
        .ok(StatusCode::OK);
    assert_eq!(due["due"], 1);
    t.app
        .schedule_retention(t.provider, Duration::zero())
        .await
        .unwrap();
    let drained = JobRunner::new(t.app.clone()).drain().await;
    assert!(drained.is_ok(), "{drained:?}");

    // The purged customer answers a clear conflict; its retention state still reads.
    let read = t
        .get(&format!("/v1/customers/{gone}"), Some(&officer))
        .await;
    let problem = read.problem(StatusCode::CONFLICT);
    assert!(
        problem["detail"].as_str().unwrap_or("").contains("purged"),
        "{problem}"
    );
    let state = t
        .get(&format!("/v1/customers/{gone}/retention"), Some(&officer))
        .await;
    let state = state.ok(StatusCode::OK);
    assert_eq!(state["purged_at"], json!(later));
    let kept = t
        .get(&format!("/v1/customers/{held}"), Some(&officer))
        .await;
    kept.ok(StatusCode::OK);
    let late_hold = format!("/v1/customers/{gone}/legal-hold");
    let late = t
        .post(&late_hold, Some(&officer), &reason("too late"))
        .await;
    late.problem(StatusCode::CONFLICT);

    let after = t
        .get("/v1/retention", Some(&officer))
        .await
        .ok(StatusCode::OK);
    assert_eq!(
        (
            after["due"].clone(),
            after["held"].clone(),
            after["purged"].clone()
        ),
        (json!(0), json!(1), json!(1))
    );
    let report = t.store.verify_audit().await.unwrap();
    assert!(report.first_break().is_none(), "{report:?}");
}

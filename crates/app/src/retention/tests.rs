//! The retention job against a real SQLite store and the bundled pack (2 years after the later
//! of closure and last access), with a `ManualClock` standing in for the passing years.

use std::sync::Arc;

use chrono::{DateTime, Duration, Months, TimeZone, Utc};
use cloudkyc_domain::Role;
use cloudkyc_domain::cip::CustomerDraft;
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_store::TenantScope;
use cloudkyc_store::customer_updates::CustomerChange;
use cloudkyc_store::customers::{AccountAccess, CustomerId};
use cloudkyc_store_sqlite::SqliteStore;
use serde_json::json;

use crate::jobs::JobRunner;
use crate::keys::CreateKey;
use crate::{App, AppError, ManualClock};

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

async fn app() -> (App, Arc<ManualClock>, TenantScope) {
    let master = cloudkyc_store::crypto::MasterKey::generate();
    let store = SqliteStore::open("sqlite::memory:", &master)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let pack = RulePack::bundled(DEFAULT_PACK_ID).unwrap_or_else(|| panic!("bundled pack"));
    // The clock starts before the oldest closure the tests need and moves forward from there.
    let clock = Arc::new(ManualClock::new(start() - Months::new(25)));
    let app = App::new(Arc::new(store), clock.clone(), Arc::new(pack))
        .with_screening_index(cloudkyc_screening::Index::build(&[]));
    let scope = app
        .operator_scope("Retention Cloud")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (app, clock, scope)
}

/// The instant 2 years (the bundled pack's period) + `extra` before `start()`.
fn retention_ago(extra: Duration) -> DateTime<Utc> {
    start() - Months::new(24) - extra
}

/// Moves the clock forward to `at`.
fn set(app: &App, clock: &ManualClock, at: DateTime<Utc>) {
    clock.advance(at - app.now());
}

/// Onboards a customer and closes its account at `at` (the clock moves there: the store keeps
/// `updated_at` monotonic, so a closure cannot be backdated).
async fn closed(
    app: &App,
    clock: &ManualClock,
    scope: &TenantScope,
    account: &str,
    at: DateTime<Utc>,
) -> CustomerId {
    set(app, clock, at);
    let draft: CustomerDraft = serde_json::from_value(json!({
        "kind": "individual",
        "name": {"full": format!("Holder {account}")},
        "date_of_birth": "1980-01-01",
        "nationalities": ["DE"],
        "addresses": [{"line1": "1 Main St", "city": "Berlin", "country": "DE"}],
        "emails": [format!("{account}@example.com")],
        "accounts": [{"external_id": account, "payment_methods": [{"type": "card",
            "brand": "visa", "last4": "4242", "bin_country": "DE", "source": "customer"}]}],
        "beneficial_owners": []
    }))
    .unwrap_or_else(|e| panic!("{e}"));
    let onboarded = app.onboard_customer(scope, draft, None).await;
    let id = onboarded.unwrap_or_else(|e| panic!("{e}")).customer.id;
    let stored = app.store().customer(scope, id).await;
    let stored = stored.unwrap_or_else(|e| panic!("{e}"));
    let mut decision = stored.decision.clone();
    decision.account_access = AccountAccess::Closed;
    let change = CustomerChange::new(
        "customer.close",
        decision,
        stored.personal,
        vec![],
        stored.updated_at,
    );
    let changed = app.store().update_customer(scope, id, change, at).await;
    changed.unwrap_or_else(|e| panic!("{e}"));
    id
}

#[tokio::test]
async fn the_daily_job_purges_what_expired_and_keeps_the_rest() {
    let (app, clock, scope) = app().await;
    // Closed 2 years + 1 day ago (twice, one held) and 2 years - 1 day ago.
    let old = retention_ago(Duration::days(1));
    let expired = closed(&app, &clock, &scope, "acct-old", old).await;
    let held = closed(&app, &clock, &scope, "acct-held", old).await;
    let young = retention_ago(Duration::days(-1));
    let recent = closed(&app, &clock, &scope, "acct-recent", young).await;
    set(&app, &clock, start());
    app.place_legal_hold(&scope, held, "litigation hold 42")
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let status = app.retention_status(&scope).await;
    let status = status.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((status.counts.due, status.counts.held), (1, 1));

    assert!(
        app.schedule_retention(scope.tenant(), Duration::zero())
            .await
            .is_ok()
    );
    let report = JobRunner::new(app.clone()).drain().await;
    assert!(report.is_ok(), "{report:?}");

    let state = |id| app.customer_retention(&scope, id);
    let purged = state(expired).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(purged.purged_at, Some(start()));
    for kept in [recent, held] {
        let kept_state = state(kept).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(kept_state.purged_at, None);
        assert!(app.customer(&scope, kept).await.is_ok());
    }
    // Reading the purged customer says so, it does not fail.
    let read = app.customer(&scope, expired).await;
    assert!(
        matches!(&read, Err(AppError::Conflict(m)) if m.contains("purged")),
        "{read:?}"
    );
    let status = app.retention_status(&scope).await;
    let status = status.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (status.counts.due, status.counts.held, status.counts.purged),
        (0, 1, 1)
    );
    let verified = app.store().verify_audit().await;
    assert!(verified.is_ok_and(|r| r.first_break().is_none()));
}

#[tokio::test]
async fn two_days_later_the_next_run_purges_the_second_and_releases_matter() {
    let (app, clock, scope) = app().await;
    let held = closed(
        &app,
        &clock,
        &scope,
        "acct-held",
        retention_ago(Duration::days(1)),
    )
    .await;
    let young = retention_ago(Duration::days(-1));
    let recent = closed(&app, &clock, &scope, "acct-recent", young).await;
    set(&app, &clock, start());
    app.place_legal_hold(&scope, held, "regulator request")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        app.schedule_retention(scope.tenant(), Duration::zero())
            .await
            .is_ok()
    );
    let runner = JobRunner::new(app.clone());
    assert!(runner.drain().await.is_ok());

    clock.advance(Duration::days(2));
    app.release_legal_hold(&scope, held, "request answered")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // Only the run the first one scheduled a day later can purge now: both go.
    assert!(runner.drain().await.is_ok());
    for id in [recent, held] {
        let state = app.customer_retention(&scope, id).await;
        assert!(state.is_ok_and(|s| s.purged_at.is_some()), "{id}");
    }
}

#[tokio::test]
async fn holds_need_a_reason_and_an_officer() {
    let (app, clock, scope) = app().await;
    let id = closed(
        &app,
        &clock,
        &scope,
        "acct-x",
        retention_ago(Duration::days(1)),
    )
    .await;
    let blank = app.place_legal_hold(&scope, id, "   ").await;
    assert!(matches!(blank, Err(AppError::Invalid(_))), "{blank:?}");
    let long = "x".repeat(super::MAX_REASON + 1);
    let too_long = app.place_legal_hold(&scope, id, &long).await;
    assert!(matches!(too_long, Err(AppError::Invalid(_))));
    let request = CreateKey {
        role: Role::Analyst,
        tenant: None,
        name: "analyst key".into(),
        expires_at: None,
    };
    let created = app.create_key(&scope, request).await;
    let secret = created.unwrap_or_else(|e| panic!("{e}")).secret;
    let analyst = app.authenticate(secret.expose()).await;
    let analyst = analyst
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("the key authenticates"));
    let refused = app.place_legal_hold(&analyst, id, "mine").await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    let none = app.release_legal_hold(&scope, id, "nothing held").await;
    assert!(matches!(none, Err(AppError::NotFound(_))), "{none:?}");
    let unknown = app.place_legal_hold(&scope, CustomerId::new(), "who").await;
    assert!(matches!(unknown, Err(AppError::NotFound(_))), "{unknown:?}");
}

#[tokio::test]
async fn the_overview_lists_what_the_purge_then_takes_and_the_holds() {
    let (app, clock, scope) = app().await;
    let old = retention_ago(Duration::days(1));
    let expired = closed(&app, &clock, &scope, "acct-old", old).await;
    let held = closed(&app, &clock, &scope, "acct-held", old).await;
    let young = retention_ago(Duration::days(-1));
    closed(&app, &clock, &scope, "acct-recent", young).await;
    set(&app, &clock, start());
    app.place_legal_hold(&scope, held, "litigation hold 42")
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let overview = app.retention_overview(&scope, 100).await;
    let overview = overview.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(overview.status.counts.due, 1);
    let due: Vec<CustomerId> = overview.due_customers.iter().map(|c| c.id).collect();
    assert_eq!(due, vec![expired]);
    assert_eq!(overview.holds.len(), 1);
    assert_eq!(
        (
            overview.holds[0].customer,
            overview.holds[0].reason.as_str()
        ),
        (held, "litigation hold 42")
    );
    assert!(matches!(
        app.retention_overview(&scope, 0).await,
        Err(AppError::Invalid(_))
    ));

    // What the dry run lists is exactly what the purge takes, and the space is reclaimed.
    let run = app.purge_expired_records(&scope).await;
    let run = run.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run.purged, due);
    assert!(run.space_reclaimed);
    let after = app.expired_records(&scope, 100).await;
    assert!(after.unwrap_or_else(|e| panic!("{e}")).is_empty());
    let again = app.purge_expired_records(&scope).await;
    let again = again.unwrap_or_else(|e| panic!("{e}"));
    assert!(again.purged.is_empty() && !again.space_reclaimed);
}

//! A customer purged under records retention withdraws the owner-group links it gave, as a
//! changed customer's withdrawn evidence does: the merge stays as history and both sides are
//! assessed again.

use chrono::Duration;
use cloudkyc_compute::{LinkKind, PersonStatus};
use cloudkyc_store::TenantScope;
use cloudkyc_store::customer_updates::CustomerChange;
use cloudkyc_store::customers::{AccountAccess, CustomerId};

use super::compute_support::{Assessed, app, onboard, run_jobs, usage};

/// A Singapore entity paying for `account` with the one card both test customers share.
fn card_payer(name: &str, account: &str) -> serde_json::Value {
    serde_json::json!({"kind": "entity", "name": {"full": name},
        "incorporation": {"country": "SG", "date": "2019-03-01"},
        "addresses": [{"line1": "1 Harbour Road", "city": "Singapore", "country": "SG"}],
        "accounts": [{"external_id": account, "payment_methods": [
            {"type": "card", "brand": "visa", "bin": "455612", "last4": "8831",
             "bin_country": "SG", "source": "customer"}]}],
        "beneficial_owners": [{"name": {"full": format!("Owner of {name}")},
            "date_of_birth": "1970-01-01", "nationalities": ["SG"], "ownership_percent": 60,
            "addresses": [{"line1": "2 Hill Street", "city": "Singapore", "country": "SG"}]}]})
}

/// Closes the customer's account (what makes its retention period start).
async fn close(app: &cloudkyc_app::App, scope: &TenantScope, id: CustomerId) {
    let stored = app.store().customer(scope, id).await.unwrap();
    let mut decision = stored.decision.clone();
    decision.account_access = AccountAccess::Closed;
    let change = CustomerChange::new(
        "customer.close",
        decision,
        stored.personal,
        vec![],
        stored.updated_at,
    );
    app.store()
        .update_customer(scope, id, change, app.now())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_purged_customer_withdraws_its_links_and_both_sides_are_assessed_again() {
    let (app, clock, _dir) = app().await;
    let scope = app.operator_scope("Test Cloud").await.unwrap();
    onboard(&app, &scope, card_payer("Aurora A", "acct-a")).await;
    let b = onboard(&app, &scope, card_payer("Aurora B", "acct-b")).await;
    usage(&app, &scope, &["acct-a", "acct-b"]).await;
    let joined = app
        .assess_account(&scope, "acct-a", app.now())
        .await
        .unwrap();
    assert_eq!(joined.accounts, ["acct-a", "acct-b"]);
    assert_eq!(joined.merges.len(), 1, "{:#?}", joined.merges);
    assert_eq!(
        joined.merges[0].evidence[0].kind,
        LinkKind::PaymentInstrument
    );
    let assessed = Assessed::default();
    run_jobs(&app, &clock, Duration::minutes(6), &assessed).await;
    assert_eq!(assessed.take(), ["acct-a"], "one group before the purge");

    // B closes, and is purged once its retention (2 years after closure) has run out.
    close(&app, &scope, b).await;
    clock.advance(Duration::days(2 * 366 + 1));
    let run = app.purge_expired_records(&scope).await.unwrap();
    assert_eq!(run.purged, [b]);
    run_jobs(&app, &clock, Duration::minutes(6), &assessed).await;
    assert_eq!(
        assessed.take(),
        ["acct-a", "acct-b"],
        "both sides of the withdrawn merge are assessed again"
    );

    let a = app
        .assess_account(&scope, "acct-a", app.now())
        .await
        .unwrap();
    assert_eq!(a.accounts, ["acct-a"]);
    assert!(a.merges.is_empty(), "{:#?}", a.merges);
    assert_eq!(a.withdrawn_merges.len(), 1, "{:#?}", a.withdrawn_merges);
    let withdrawn = &a.withdrawn_merges[0];
    let mut pair = [withdrawn.merge.a.as_str(), withdrawn.merge.b.as_str()];
    pair.sort_unstable();
    assert_eq!(pair, ["acct-a", "acct-b"]);
    assert_eq!(withdrawn.withdrawn[0].kind, LinkKind::PaymentInstrument);
    assert!(
        withdrawn.withdrawn[0]
            .detail
            .contains("shared payment card visa ending 8831"),
        "{:?}",
        withdrawn.withdrawn[0]
    );
    // The purged side: nothing is known of its holder any more.
    let b_side = app
        .assess_account(&scope, "acct-b", app.now())
        .await
        .unwrap();
    assert_eq!(b_side.accounts, ["acct-b"]);
    assert_eq!(b_side.facts.status, PersonStatus::Undetermined);
    assert_eq!(b_side.withdrawn_merges.len(), 1);
}

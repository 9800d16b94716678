//! Termination under the `migrate` rule, on an in-memory store: the customers of the reseller
//! and of its sub-reseller move into the registering tenant and get CIP again there; a
//! customer whose idempotency key the parent already uses stays, with a review case.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use cloudkyc_domain::cases::{CaseKind, Subject};
use cloudkyc_domain::cip::CustomerDraft;
use cloudkyc_domain::reseller::ResellerEvent;
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, DownstreamAction, RulePack};
use cloudkyc_domain::{TenantId, TenantKind};
use cloudkyc_store::TenantScope;
use cloudkyc_store::cases::CaseFilter;
use cloudkyc_store::customer_migration::{MIGRATED_IN, MIGRATED_OUT};
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store_sqlite::SqliteStore;
use serde_json::json;

use super::*;
use crate::ManualClock;

fn migrate_pack() -> RulePack {
    let source = RulePack::bundled_source(DEFAULT_PACK_ID)
        .unwrap_or_else(|| panic!("bundled pack"))
        .replace(
            "downstream_on_termination = \"suspend\"",
            "downstream_on_termination = \"migrate\"",
        );
    let pack = RulePack::from_toml_str(&source).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        pack.resellers().downstream_on_termination,
        DownstreamAction::Migrate
    );
    pack
}

async fn app() -> (App, TenantScope) {
    let store = SqliteStore::open(
        "sqlite::memory:",
        &cloudkyc_store::crypto::MasterKey::generate(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let start = Utc
        .with_ymd_and_hms(2026, 11, 2, 9, 0, 0)
        .single()
        .unwrap_or_default();
    let clock = Arc::new(ManualClock::new(start));
    let app = App::new(Arc::new(store), clock, Arc::new(migrate_pack()))
        .with_screening_index(cloudkyc_screening::Index::build(&[]));
    let scope = app
        .operator_scope("Test Cloud")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (app, scope)
}

fn nimbus() -> RegisterReseller {
    RegisterReseller {
        name: "Nimbus Cloud Pte Ltd".into(),
        country: "SG".into(),
        cip_agreement: cloudkyc_domain::reseller::AgreementKind::AdoptsProviderCip,
    }
}

fn draft(account: &str) -> CustomerDraft {
    serde_json::from_value(json!({
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
    .unwrap_or_else(|e| panic!("{e}"))
}

async fn onboard(app: &App, tenant: TenantId, account: &str, key: &str) -> CustomerId {
    let scope = app
        .system_scope(Some(tenant), "test")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let onboarded = app
        .onboard_customer(&scope, draft(account), Some(key.to_owned()))
        .await;
    onboarded.unwrap_or_else(|e| panic!("{e}")).customer.id
}

async fn actions(app: &App, tenant: TenantId) -> Vec<String> {
    let scope = app
        .system_scope(None, "test")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let events = app.store().audit_events(&scope, tenant, 0, 1000).await;
    let events = events.unwrap_or_else(|e| panic!("{e}"));
    events.into_iter().map(|e| e.action).collect()
}

#[tokio::test]
async fn migrate_moves_the_reseller_subtrees_customers_into_the_parent() {
    let (app, scope) = app().await;
    let registered = app
        .register_reseller(&scope, nimbus())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let reseller = registered.record.reseller_tenant;
    let provider = registered.record.tenant;
    let operator = app
        .operator_scope("Test Cloud")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let sub = app
        .store()
        .create_tenant(&operator, reseller, "Sub", TenantKind::Reseller, app.now())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .id;
    let direct = onboard(&app, reseller, "acct-r-1", "key-1").await;
    let below = onboard(&app, sub, "acct-s-1", "key-2").await;
    // The provider already used the idempotency key `key-3`: that customer cannot move.
    onboard(&app, provider, "acct-p-1", "key-3").await;
    let stuck = onboard(&app, reseller, "acct-r-2", "key-3").await;

    let operator = app
        .operator_scope("Test Cloud")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let id = registered.record.id;
    let on = app.reseller_today();
    let start = ResellerEvent::StartTermination {
        on,
        reason: "the reseller ends the agreement".into(),
    };
    app.reseller_event(&operator, id, start)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let done = app
        .reseller_event(&operator, id, ResellerEvent::CompleteTermination { on })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let downstream = done
        .downstream
        .unwrap_or_else(|| panic!("termination reports its downstream"));
    assert_eq!(downstream.action, DownstreamAction::Migrate);
    assert_eq!(
        (downstream.migrated, downstream.failed),
        (2, 0),
        "{downstream:?}"
    );
    assert_eq!(
        downstream.changed, 3,
        "all three get CIP again: {downstream:?}"
    );
    assert_eq!(downstream.refused.len(), 1, "{downstream:?}");
    let refusal = &downstream.refused[0];
    assert_eq!((refusal.customer, refusal.tenant), (stuck, reseller));
    assert!(refusal.reason.contains("idempotency key"), "{refusal:?}");

    // The moved customers are the provider's own now; the reseller's subtree keeps only the
    // one that could not move.
    let provider_only = TenantScope::operator(provider, vec![provider]);
    for moved in [direct, below] {
        let read = app.store().customer(&provider_only, moved).await;
        let read = read.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read.tenant, provider);
        assert!(
            read.decision.reasons[0].contains("migrated to a direct relationship"),
            "{:?}",
            read.decision.reasons
        );
    }
    let subtree = app
        .system_scope(Some(reseller), "test")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let left = app.store().customers(&subtree, None, 100).await;
    let left: Vec<CustomerId> = left
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(left, vec![stuck]);

    // Both chains record each move: the reseller's and the sub-reseller's out, the provider's in.
    let count = |actions: &[String], action: &str| actions.iter().filter(|a| *a == action).count();
    assert_eq!(count(&actions(&app, reseller).await, MIGRATED_OUT), 1);
    assert_eq!(count(&actions(&app, sub).await, MIGRATED_OUT), 1);
    let provider_chain = actions(&app, provider).await;
    assert_eq!(count(&provider_chain, MIGRATED_IN), 2);
    assert_eq!(count(&provider_chain, RESELLER_MIGRATED), 2);

    // The refused customer has its review case, raised for the registering tenant.
    let filter = CaseFilter {
        kind: Some(CaseKind::Verification),
        ..CaseFilter::default()
    };
    let cases = app.store().cases(&provider_only, &filter).await;
    let cases = cases.unwrap_or_else(|e| panic!("{e}"));
    let case = cases
        .iter()
        .find(
            |c| matches!(c.case.subject(), Subject::Customer(s) if s.as_str() == stuck.to_string()),
        )
        .unwrap_or_else(|| panic!("a review case about {stuck}: {cases:?}"));
    assert_eq!(Some(case.case.id()), refusal.case);
    let verified = app.store().verify_audit().await;
    assert!(verified.unwrap_or_else(|e| panic!("{e}")).intact());
}

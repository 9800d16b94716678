//! Termination under a pack whose `downstream_on_termination` is `migrate`, over HTTP: the
//! reseller's customers move into the provider's tenant (the provider lists them as its own,
//! the reseller's tenant holds none of them), each gets CIP again as a direct customer, a
//! customer whose account id the provider already uses stays where it is with a review case,
//! and the audit chains verify.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_domain::{Role, TenantId};
use cloudkyc_store::{AuditStore, CustomerStore};
use serde_json::{Value, json};

use super::resellers::{register, reseller_key};
use super::support::TestApp;
use super::verifications::person;

fn migrate_pack() -> Arc<RulePack> {
    let source = RulePack::bundled_source(DEFAULT_PACK_ID).unwrap();
    let rule = "downstream_on_termination = \"suspend\"";
    assert!(source.contains(rule), "the bundled pack states the rule");
    let text = source.replace(rule, "downstream_on_termination = \"migrate\"");
    Arc::new(RulePack::from_toml_str(&text).unwrap())
}

async fn chain(t: &TestApp, tenant: TenantId) -> Vec<String> {
    let operator = t.app.operator_scope("Test Cloud Inc.").await.unwrap();
    let events = t
        .store
        .audit_events(&operator, tenant, 0, 1000)
        .await
        .unwrap();
    events.into_iter().map(|e| e.action).collect()
}

fn ids(list: &Value) -> Vec<&str> {
    list["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn terminating_under_migrate_moves_the_customers_to_the_provider() {
    let t = TestApp::with_policy(migrate_pack()).await;
    let reseller = register(&t, "Nimbus Cloud Pte Ltd").await;
    let id = reseller["id"].as_str().unwrap();
    let tenant: TenantId = reseller["tenant_id"].as_str().unwrap().parse().unwrap();
    let key = reseller_key(&t, &reseller["tenant_id"]).await;
    let mut moving = Vec::new();
    for account in ["acct-m-1", "acct-m-2"] {
        let created = t
            .post("/v1/customers", Some(&key), &person(account, "DE", false))
            .await
            .ok(StatusCode::CREATED);
        assert_eq!(created["tenant"], reseller["tenant_id"]);
        moving.push(created["id"].as_str().unwrap().to_owned());
    }
    // The provider already has a customer on `acct-dup`: the reseller's customer on the same
    // account id cannot join it.
    t.post(
        "/v1/customers",
        Some(&t.admin),
        &person("acct-dup", "DE", false),
    )
    .await
    .ok(StatusCode::CREATED);
    let staying = t
        .post(
            "/v1/customers",
            Some(&key),
            &person("acct-dup", "DE", false),
        )
        .await
        .ok(StatusCode::CREATED);
    let staying = staying["id"].as_str().unwrap().to_owned();

    let officer = t.key(Role::Officer).await;
    let reason = json!({"reason": "the reseller ends the agreement"});
    t.post(
        &format!("/v1/resellers/{id}/termination"),
        Some(&officer),
        &reason,
    )
    .await
    .ok(StatusCode::OK);
    let done = t
        .post(
            &format!("/v1/resellers/{id}/termination/complete"),
            Some(&officer),
            &json!({}),
        )
        .await
        .ok(StatusCode::OK);
    let downstream = &done["downstream"];
    assert_eq!(downstream["action"], "migrate", "{done}");
    assert_eq!(downstream["migrated"], 2, "{downstream}");
    assert_eq!(downstream["failed"], 0, "{downstream}");
    assert_eq!(
        downstream["changed"], 3,
        "every customer gets CIP again: {downstream}"
    );
    let refused = downstream["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1, "{downstream}");
    assert_eq!(refused[0]["customer"], staying.as_str());
    assert!(
        refused[0]["reason"].as_str().unwrap().contains("acct-dup"),
        "{downstream}"
    );
    assert!(
        refused[0]["case"].is_string(),
        "a review case: {downstream}"
    );

    // The provider lists the moved customers as its own tenant's.
    let listed = t
        .get("/v1/customers?limit=100", Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    for cid in &moving {
        assert!(ids(&listed).contains(&cid.as_str()), "{listed}");
        let read = t
            .get(&format!("/v1/customers/{cid}"), Some(&t.admin))
            .await
            .ok(StatusCode::OK);
        assert_eq!(read["tenant"], t.provider.to_string(), "{read}");
        assert!(
            read["decision_reasons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r
                    .as_str()
                    .unwrap()
                    .contains("migrated to a direct relationship")),
            "{read}"
        );
    }
    // The terminated reseller's tenant holds only the customer that could not move.
    let reseller_scope = t.app.system_scope(Some(tenant), "test").await.unwrap();
    let left = t.store.customers(&reseller_scope, None, 100).await.unwrap();
    let left: Vec<String> = left.iter().map(|c| c.id.to_string()).collect();
    assert_eq!(left, vec![staying.clone()]);
    let cases = t
        .get("/v1/cases?kind=verification", Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert!(
        cases["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["subject"] == staying.as_str()),
        "{cases}"
    );

    // Each move is on both chains, and every chain verifies.
    let out = chain(&t, tenant).await;
    let into = chain(&t, t.provider).await;
    let count = |actions: &[String], action: &str| actions.iter().filter(|a| *a == action).count();
    assert_eq!(count(&out, "customer.migrated_out"), 2, "{out:?}");
    assert_eq!(count(&into, "customer.migrated_in"), 2, "{into:?}");
    assert_eq!(count(&into, "customer.reseller_migrated"), 2, "{into:?}");
    let auditor = t.key(Role::Auditor).await;
    let report = t
        .call(Method::POST, "/v1/audit/verify", Some(&auditor), None)
        .await
        .ok(StatusCode::OK);
    assert_eq!(report["intact"], true, "{report}");
}

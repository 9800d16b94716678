//! The audit chain over HTTP: every key change is an entry; the chains verify.

use axum::http::{Method, StatusCode};
use cloudkyc_domain::Role;
use cloudkyc_store::api_key::NewKey;
use serde_json::json;

use super::support::TestApp;

#[tokio::test]
async fn key_changes_appear_in_the_chain_in_order_and_page() {
    let t = TestApp::new().await;
    for name in ["one", "two", "three"] {
        t.post(
            "/v1/keys",
            Some(&t.admin),
            &json!({"role": "analyst", "name": name}),
        )
        .await
        .ok(StatusCode::CREATED);
    }
    let auditor = t.key(Role::Auditor).await;
    let all = t.get("/v1/audit", Some(&auditor)).await.ok(StatusCode::OK);
    assert_eq!(all["tenant"], t.provider.to_string());
    let entries = all["entries"].as_array().unwrap();
    assert!(entries.len() >= 4, "{all}");
    let seqs: Vec<i64> = entries.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    assert!(all["next_after"].is_null());
    for pair in entries.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }
    assert!(
        entries
            .iter()
            .any(|e| e["actor"].as_str().unwrap().starts_with("key:"))
    );

    let page = t
        .get("/v1/audit?limit=2", Some(&auditor))
        .await
        .ok(StatusCode::OK);
    assert_eq!(page["entries"].as_array().unwrap().len(), 2);
    assert_eq!(page["next_after"], 2);
    let next = t
        .get("/v1/audit?limit=2&after=2", Some(&auditor))
        .await
        .ok(StatusCode::OK);
    assert_eq!(next["entries"][0]["seq"], 3);
}

#[tokio::test]
async fn the_provider_reads_a_resellers_chain_but_not_the_reverse() {
    let t = TestApp::new().await;
    let path = format!("/v1/audit?tenant={}", t.reseller);
    let page = t.get(&path, Some(&t.admin)).await.ok(StatusCode::OK);
    assert_eq!(page["tenant"], t.reseller.to_string());
    let unknown = format!("/v1/audit?tenant={}", uuid::Uuid::new_v4());
    t.get(&unknown, Some(&t.admin))
        .await
        .problem(StatusCode::NOT_FOUND);

    // An admin key of the reseller (made in the store; the use case gives resellers their own
    // role) reads its own chain, and the provider's does not exist for it.
    let new = NewKey {
        tenant: t.reseller,
        role: Role::Admin,
        name: "reseller admin".into(),
        expires_at: None,
    };
    let reseller_admin = t
        .app
        .store()
        .create_key(&t.operator, new, t.app.now())
        .await
        .unwrap();
    let secret = reseller_admin.secret.expose();
    t.get("/v1/audit", Some(secret)).await.ok(StatusCode::OK);
    let provider_chain = format!("/v1/audit?tenant={}", t.provider);
    t.get(&provider_chain, Some(secret))
        .await
        .problem(StatusCode::NOT_FOUND);
    let report = t
        .call(Method::POST, "/v1/audit/verify", Some(secret), None)
        .await
        .ok(StatusCode::OK);
    let tenants: Vec<&str> = report["chains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tenant"].as_str().unwrap())
        .collect();
    assert!(
        !tenants.contains(&t.provider.to_string().as_str()),
        "{report}"
    );
}

#[tokio::test]
async fn the_chains_verify_intact() {
    let t = TestApp::new().await;
    t.post(
        "/v1/keys",
        Some(&t.admin),
        &json!({"role": "officer", "name": "x"}),
    )
    .await
    .ok(StatusCode::CREATED);
    let auditor = t.key(Role::Auditor).await;
    let report = t
        .call(Method::POST, "/v1/audit/verify", Some(&auditor), None)
        .await
        .ok(StatusCode::OK);
    assert_eq!(report["intact"], true);
    let chains = report["chains"].as_array().unwrap();
    assert!(
        chains
            .iter()
            .any(|c| c["tenant"] == t.provider.to_string() && c["entries"].as_u64().unwrap() >= 2)
    );
    assert!(chains.iter().all(|c| c["first_break"].is_null()));
}

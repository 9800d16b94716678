//! Foreign resellers over HTTP: registration exactly as documented and termination end to end
//! (finding, reminders, termination, the downstream rule with its webhook notice, the audit
//! trail). The isolation of reseller keys across the route table: `resellers_isolation.rs`.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::Duration;
use cloudkyc_app::jobs::JobRunner;
use cloudkyc_app::keys::CreateKey;
use cloudkyc_domain::{Role, TenantId};
use cloudkyc_store::AuditStore;
use serde_json::{Value, json};

use super::support::{TestApp, TestResponse};
use super::verifications::{access_changes, audit_actions, person};

const NIMBUS: &str = r#"{"name": {"full": "Nimbus Cloud Pte Ltd"}, "country": "SG", "cip_agreement": "adopts_provider_cip"}"#;

pub async fn register(t: &TestApp, name: &str) -> Value {
    let mut body: Value = serde_json::from_str(NIMBUS).unwrap();
    body["name"]["full"] = json!(name);
    t.post("/v1/resellers", Some(&t.admin), &body)
        .await
        .ok(StatusCode::CREATED)
}

/// A reseller key for a tenant made after the test's operator scope (so: a fresh scope, as
/// `cloudkyc keys create --role reseller --tenant <id>` builds one).
pub async fn reseller_key(t: &TestApp, tenant: &Value) -> String {
    let tenant: TenantId = tenant.as_str().unwrap().parse().unwrap();
    let operator = t.app.operator_scope("Test Cloud Inc.").await.unwrap();
    let request = CreateKey {
        role: Role::Reseller,
        tenant: Some(tenant),
        name: "reseller".into(),
        expires_at: None,
    };
    let created = t.app.create_key(&operator, request).await.unwrap();
    created.secret.expose().to_owned()
}

async fn put_pdf(t: &TestApp, path: &str, bytes: &[u8]) -> TestResponse {
    let request = Request::builder()
        .method(Method::PUT)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {}", t.admin))
        .header(header::CONTENT_TYPE, "application/pdf")
        .body(Body::from(bytes.to_vec()))
        .unwrap();
    t.send(request).await
}

#[tokio::test]
async fn registration_takes_the_documented_body_and_the_reseller_gets_a_key() {
    let t = TestApp::new().await;
    let body: Value = serde_json::from_str(NIMBUS).unwrap();
    let created = t
        .post(
            "/v1/resellers",
            Some(&t.key(Role::Integration).await),
            &body,
        )
        .await
        .ok(StatusCode::CREATED);
    assert!(created["id"].is_string() && created["tenant_id"].is_string());
    assert_eq!(created["status"], "active");
    assert_eq!(created["cip_agreement"], "adopts_provider_cip");
    assert_eq!(created["screening"]["status"], "clear");
    let key = reseller_key(&t, &created["tenant_id"]).await;
    let tenants = t.get("/v1/tenants", Some(&key)).await.ok(StatusCode::OK);
    assert!(
        tenants
            .to_string()
            .contains(created["tenant_id"].as_str().unwrap())
    );
    // The reseller's own key does not manage resellers.
    t.get("/v1/resellers", Some(&key))
        .await
        .problem(StatusCode::FORBIDDEN);
    // Bad input is a 4xx naming each field, never a 500.
    let bad =
        json!({"name": {"full": ""}, "country": "US", "cip_agreement": "adopts_provider_cip"});
    let paths = t
        .post("/v1/resellers", Some(&t.admin), &bad)
        .await
        .invalid_paths();
    assert_eq!(paths, ["/name/full", "/country"]);
    let unknown = json!({"name": {"full": "X"}, "country": "SG", "cip_agreement": "maybe"});
    let answer = t.post("/v1/resellers", Some(&t.admin), &unknown).await;
    assert!(answer.status.is_client_error(), "{}", answer.status);
}

#[tokio::test]
async fn termination_runs_end_to_end_from_finding_to_suspended_accounts() {
    let t = TestApp::new().await;
    let reseller = register(&t, "Nimbus Cloud Pte Ltd").await;
    let id = reseller["id"].as_str().unwrap();
    let key = reseller_key(&t, &reseller["tenant_id"]).await;
    let customer = t
        .post(
            "/v1/customers",
            Some(&key),
            &person("acct-n-1", "DE", false),
        )
        .await
        .ok(StatusCode::CREATED);
    let cid = customer["id"].as_str().unwrap();
    let officer = t.key(Role::Officer).await;
    let verified = t
        .post(
            &format!("/v1/customers/{cid}/verifications"),
            Some(&officer),
            &json!({"decision": "verified", "reason": "passport inspected"}),
        )
        .await
        .ok(StatusCode::OK);
    assert_eq!(verified["customer"]["account_access"], "full");
    access_changes(&t).await;

    // The agreement: bytes that are not what the type says, a missing or future signing day.
    let bad = put_pdf(
        &t,
        &format!("/v1/resellers/{id}/agreement?signed_on=2026-10-15"),
        b"GIF89a",
    )
    .await;
    assert_eq!(bad.invalid_paths(), ["/body"]);
    let missing = put_pdf(&t, &format!("/v1/resellers/{id}/agreement"), b"%PDF-1.7").await;
    assert_eq!(missing.invalid_paths(), ["/signed_on"]);
    let future = put_pdf(
        &t,
        &format!("/v1/resellers/{id}/agreement?signed_on=2027-01-01"),
        b"%PDF-1.7",
    )
    .await;
    assert_eq!(future.invalid_paths(), ["/signed_on"]);
    let pdf = b"%PDF-1.7 reseller agreement".to_vec();
    let path = format!("/v1/resellers/{id}/agreement?signed_on=2026-10-15");
    let with_agreement = put_pdf(&t, &path, &pdf).await.ok(StatusCode::OK);
    assert_eq!(
        with_agreement["agreement_document"]["sha256"],
        cloudkyc_store::documents::sha256_hex(&pdf)
    );
    let attest = json!({"by": "Mei Tan, CCO", "statement": "CIP applied to every account"});
    t.post(
        &format!("/v1/resellers/{id}/attestations"),
        Some(&t.admin),
        &attest,
    )
    .await
    .ok(StatusCode::OK);
    let finding = json!({"reference": "audit 2026-11: no CIP records"});
    let found = t
        .post(
            &format!("/v1/resellers/{id}/findings"),
            Some(&officer),
            &finding,
        )
        .await
        .ok(StatusCode::OK);
    assert_eq!(found["status"], "non_compliant");
    assert_eq!(found["termination_due"], "2026-12-01");
    assert_eq!(found["reminders"].as_array().unwrap().len(), 5);

    // The finding opened a `reseller` case for the provider, due at the deadline.
    let cases = t
        .get("/v1/cases?kind=reseller", Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    let cases = cases["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1, "{cases:?}");
    assert_eq!(cases[0]["subject"], id);
    assert_eq!(cases[0]["due"], "2026-12-01");
    // Nine days on the daily job sends the 21-days-before reminder.
    t.clock.advance(Duration::days(9));
    JobRunner::new(t.app.clone()).drain().await.unwrap();
    let read = t
        .get(&format!("/v1/resellers/{id}"), Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert_eq!(read["reminders"].as_array().unwrap().len(), 4);

    let reason = json!({"reason": "non-compliance not cured"});
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
    assert_eq!(done["status"], "terminated");
    assert_eq!(done["downstream"]["action"], "suspend");
    assert_eq!(done["downstream"]["changed"], 1);
    assert_eq!(done["downstream"]["failed"], 0);
    // The reseller's key was revoked with the termination: it no longer gets in.
    assert_eq!(done["downstream"]["keys_revoked"], 1);
    assert_eq!(done["downstream"]["keys_failed"], 0);
    t.get("/v1/customers", Some(&key))
        .await
        .problem(StatusCode::UNAUTHORIZED);
    // The revocation is on the reseller tenant's audit chain (a fresh scope sees that tenant).
    let operator = t.app.operator_scope("Test Cloud Inc.").await.unwrap();
    let tenant: TenantId = reseller["tenant_id"].as_str().unwrap().parse().unwrap();
    let revoked = t
        .store
        .audit_events(&operator, tenant, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "key.revoke")
        .count();
    assert_eq!(revoked, 1);
    let after = t
        .get(&format!("/v1/customers/{cid}"), Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert_eq!(after["account_access"], "restricted");
    let notices = access_changes(&t).await;
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].cause, "customer.reseller_suspended");
    // A later decision about the customer (here a re-determination) keeps the suspension.
    let again = t
        .post(
            &format!("/v1/customers/{cid}/redetermination"),
            Some(&officer),
            &json!({"reason": "periodic review"}),
        )
        .await
        .ok(StatusCode::OK);
    assert_eq!(again["account_access"], "restricted", "{again}");
    assert!(
        again["decision_reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("was terminated on")),
        "{again}"
    );
    // Final: nothing more is accepted.
    t.post(
        &format!("/v1/resellers/{id}/attestations"),
        Some(&t.admin),
        &attest,
    )
    .await
    .problem(StatusCode::CONFLICT);
    // The terminated reseller's tenant takes no new API key.
    let refused = t
        .post(
            "/v1/keys",
            Some(&t.admin),
            &json!({"role": "reseller", "name": "after the end", "tenant": reseller["tenant_id"]}),
        )
        .await
        .problem(StatusCode::CONFLICT);
    assert!(refused.to_string().contains("terminated on"), "{refused}");
    let actions = audit_actions(&t).await;
    for action in [
        "reseller.register",
        "reseller.agreement",
        "reseller.attest",
        "reseller.find_non_compliance",
        "reseller.remind",
        "reseller.start_termination",
        "reseller.complete_termination",
        "reseller.downstream",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }
}

#[tokio::test]
async fn the_legal_entity_is_verified_through_the_customer_cip() {
    let t = TestApp::new().await;
    let reseller = register(&t, "Nimbus Cloud Pte Ltd").await;
    let path = format!(
        "/v1/resellers/{}/legal-entity",
        reseller["id"].as_str().unwrap()
    );
    assert!(reseller["legal_entity"].is_null());
    let individual = person("acct-le-1", "SG", false);
    let refused = t
        .call(Method::PUT, &path, Some(&t.admin), Some(&individual))
        .await;
    assert_eq!(refused.invalid_paths(), ["/kind"]);
    let entity = json!({
        "kind": "entity",
        "name": {"full": "Nimbus Cloud Pte Ltd"},
        "incorporation": {"country": "SG", "date": "2019-05-02", "registration_number": "201912345K"},
        "addresses": [{"line1": "1 Raffles Place", "city": "Singapore", "country": "SG"}],
        "emails": ["ops@nimbus.example"],
        "phones": ["+65 6123 4567"],
        "accounts": [{"external_id": "reseller-nimbus",
                      "payment_methods": [{"type": "bank_account", "country": "SG", "source": "customer"}]}],
        "beneficial_owners": [{"name": {"full": "Mei Tan"}, "date_of_birth": "1980-01-15",
            "nationalities": ["SG"], "ownership_percent": 100,
            "emails": ["mei.tan@nimbus.example"], "phones": ["+65 6123 4568"],
            "addresses": [{"line1": "9 Orchard Road", "city": "Singapore", "country": "SG"}]}]
    });
    // The reseller's own key does not verify itself.
    let key = reseller_key(&t, &reseller["tenant_id"]).await;
    t.call(Method::PUT, &path, Some(&key), Some(&entity))
        .await
        .problem(StatusCode::FORBIDDEN);
    let verified = t
        .call(Method::PUT, &path, Some(&t.admin), Some(&entity))
        .await
        .ok(StatusCode::OK);
    let customer = verified["legal_entity"]["customer"].as_str().unwrap();
    assert!(
        verified["legal_entity"]["cip_status"].is_string(),
        "{verified}"
    );
    // The record is an ordinary customer of the provider, with the CIP's checks and reasons.
    let record = t
        .get(&format!("/v1/customers/{customer}"), Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert_eq!(record["cip_status"], verified["legal_entity"]["cip_status"]);
    let read = t
        .get(
            &format!("/v1/resellers/{}", reseller["id"].as_str().unwrap()),
            Some(&t.admin),
        )
        .await
        .ok(StatusCode::OK);
    assert_eq!(read["legal_entity"]["customer"], customer);
    let actions = audit_actions(&t).await;
    assert!(
        actions.iter().any(|a| a == "reseller.legal_entity"),
        "{actions:?}"
    );
}

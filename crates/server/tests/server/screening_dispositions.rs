//! `/v1/customers/{id}/screening/dispositions`: an officer records "not this entity" against the
//! entity's record in force, reads it back, and bad input is a 422 naming the field.

use axum::http::StatusCode;
use cloudkyc_domain::Role;
use serde_json::{Value, json};

use super::support::TestApp;

fn customer() -> Value {
    json!({
      "kind": "individual",
      "name": {"full": "Amara Okafor"},
      "date_of_birth": "1988-04-12",
      "nationalities": ["NG"],
      "addresses": [{"line1": "12 Marina Road", "city": "Lagos", "country": "NG"}],
      "emails": ["amara.okafor@example.ng"],
      "phones": ["+234 803 555 0142"],
      "accounts": [{"external_id": "acct-1001",
                    "payment_methods": [{"type": "card", "brand": "visa", "last4": "4242",
                                         "bin_country": "NG", "source": "customer"}]}],
      "beneficial_owners": []
    })
}

fn decision(entity: &str) -> Value {
    json!({"list": "ofac_sdn", "entity_id": entity, "decision": "not_this_entity",
           "note": "Listed bank in Havana; our customer is a person in Lagos"})
}

async fn onboarded(t: &TestApp) -> String {
    let created = t
        .post("/v1/customers", Some(&t.admin), &customer())
        .await
        .ok(StatusCode::CREATED);
    created["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_officer_records_not_this_entity_and_reads_it_back() {
    let t = TestApp::new().await;
    let id = onboarded(&t).await;
    let path = format!("/v1/customers/{id}/screening/dispositions");
    let officer = t.key(Role::Officer).await;

    let listed = t.get(&path, Some(&officer)).await.ok(StatusCode::OK);
    assert_eq!(listed["dispositions"], json!([]));

    let recorded = t
        .post(&path, Some(&officer), &decision("306"))
        .await
        .ok(StatusCode::CREATED);
    assert_eq!(recorded["customer"], id);
    assert_eq!(recorded["list"], "ofac_sdn");
    assert_eq!(recorded["entity_id"], "306");
    assert_eq!(recorded["decision"], "not_this_entity");
    assert_eq!(recorded["in_force"], true);
    assert_eq!(recorded["entity_hash"].as_str().unwrap().len(), 64);

    let auditor = t.key(Role::Auditor).await;
    let listed = t.get(&path, Some(&auditor)).await.ok(StatusCode::OK);
    let all = listed["dispositions"].as_array().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0], recorded);

    // Deciding again replaces the decision.
    let mut again = decision("306");
    again["note"] = json!("Reviewed a second time: still not this bank");
    t.post(&path, Some(&officer), &again)
        .await
        .ok(StatusCode::CREATED);
    let listed = t.get(&path, Some(&officer)).await.ok(StatusCode::OK);
    let all = listed["dispositions"].as_array().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        all[0]["note"],
        "Reviewed a second time: still not this bank"
    );
}

#[tokio::test]
async fn bad_decisions_are_refused_with_the_field_and_roles_are_checked() {
    let t = TestApp::new().await;
    let id = onboarded(&t).await;
    let path = format!("/v1/customers/{id}/screening/dispositions");
    let officer = t.key(Role::Officer).await;

    let unknown = t
        .post(&path, Some(&officer), &decision("no-such-entry"))
        .await;
    assert_eq!(unknown.invalid_paths(), vec!["/entity_id"]);
    let mut bad = decision("306");
    bad["decision"] = json!("confirmed");
    assert_eq!(
        t.post(&path, Some(&officer), &bad).await.invalid_paths(),
        vec!["/decision"]
    );
    let mut bad = decision("306");
    bad["note"] = json!("  ");
    assert_eq!(
        t.post(&path, Some(&officer), &bad).await.invalid_paths(),
        vec!["/note"]
    );
    let mut bad = decision("306");
    bad["list"] = json!("");
    assert_eq!(
        t.post(&path, Some(&officer), &bad).await.invalid_paths(),
        vec!["/list"]
    );

    let analyst = t.key(Role::Analyst).await;
    t.post(&path, Some(&analyst), &decision("306"))
        .await
        .problem(StatusCode::FORBIDDEN);
    let missing = format!(
        "/v1/customers/{}/screening/dispositions",
        uuid::Uuid::now_v7()
    );
    t.post(&missing, Some(&officer), &decision("306"))
        .await
        .problem(StatusCode::NOT_FOUND);
    t.get(&missing, Some(&officer))
        .await
        .problem(StatusCode::NOT_FOUND);
    let reseller = t.key_for(Role::Reseller, Some(t.reseller)).await;
    t.get(&path, Some(&reseller))
        .await
        .problem(StatusCode::NOT_FOUND);
}

//! `PUT /v1/customers/{id}/beneficial-owners`: an owner added or removed re-runs the
//! determination and verification, notifies an access change, and is audited; an invalid list
//! is refused whole with every error.

use axum::http::{Method, StatusCode};
use chrono::Duration;
use cloudkyc_app::customers::{ACCESS_CHANGED_JOB, AccessChange};
use cloudkyc_domain::Role;
use cloudkyc_store::jobs::Job;
use cloudkyc_store::{AuditStore, JobStore};
use serde_json::{Value, json};

use super::support::{TestApp, TestResponse};

pub fn keystone() -> Value {
    json!({
      "kind": "entity",
      "name": {"full": "Keystone Analytics LLC"},
      "incorporation": {"country": "US", "date": "2015-06-01", "registration_number": "DE-5512093"},
      "addresses": [{"line1": "100 Market Street", "city": "Wilmington", "country": "US"}],
      "emails": ["ops@keystone-analytics.example"],
      "phones": ["+1 302 555 0147"],
      "accounts": [{"external_id": "acct-3001",
                    "payment_methods": [{"type": "card", "brand": "visa", "last4": "4242",
                                         "bin_country": "US", "source": "customer"}]}],
      "beneficial_owners": [dana()]
    })
}

fn dana() -> Value {
    json!({"name": {"full": "Dana Whitfield"}, "date_of_birth": "1975-05-20",
           "nationalities": ["US"],
           "addresses": [{"line1": "12 Elm Street", "city": "Dover", "country": "US"}],
           "emails": ["dana@keystone-analytics.example"], "phones": ["+1 302 555 0188"],
           "ownership_percent": 70})
}

fn jonas() -> Value {
    json!({"name": {"full": "Jonas Becker"}, "date_of_birth": "1981-03-09",
           "nationalities": ["DE"],
           "addresses": [{"line1": "Friedrichstrasse 10", "city": "Berlin", "country": "DE"}],
           "emails": ["jonas.becker@example.de"], "phones": ["+49 30 5555 0123"],
           "ownership_percent": 30})
}

pub fn reasons(customer: &Value) -> Vec<String> {
    customer["decision_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect()
}

async fn put_owners(t: &TestApp, key: &str, id: &str, owners: Value) -> TestResponse {
    let body = json!({ "beneficial_owners": owners });
    let path = format!("/v1/customers/{id}/beneficial-owners");
    t.call(Method::PUT, &path, Some(key), Some(&body)).await
}

/// The waiting access-change notices, oldest first (claimed, so each is seen once).
async fn access_changes(t: &TestApp) -> Vec<AccessChange> {
    let mut out = Vec::new();
    while let Some(job) = t
        .store
        .claim_job(&[ACCESS_CHANGED_JOB], t.clock_now(), Duration::minutes(5))
        .await
        .unwrap()
    {
        out.push(payload(&job));
        t.store.complete_job(job.id, t.clock_now()).await.unwrap();
    }
    out
}

fn payload(job: &Job) -> AccessChange {
    serde_json::from_value(job.payload.clone()).unwrap()
}

async fn last_audit_action(t: &TestApp) -> String {
    let events = t
        .store
        .audit_events(&t.operator, t.provider, 0, 1000)
        .await
        .unwrap();
    events.last().unwrap().action.clone()
}

trait Now {
    fn clock_now(&self) -> chrono::DateTime<chrono::Utc>;
}

impl Now for TestApp {
    fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        self.app.now()
    }
}

#[tokio::test]
async fn adding_a_foreign_owner_makes_the_customer_foreign_and_removing_it_undoes_that() {
    let t = TestApp::new().await;
    let created = t
        .post("/v1/customers", Some(&t.admin), &keystone())
        .await
        .ok(StatusCode::CREATED);
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["person_status"], "us", "{created}");
    assert_eq!(created["cip_status"], "not_required");
    assert_eq!(created["account_access"], "full");

    // A foreign owner joins: the customer is foreign if any owner is, and must now be verified.
    let writer = t.key(Role::Analyst).await;
    let changed = put_owners(&t, &writer, &id, json!([dana(), jonas()]))
        .await
        .ok(StatusCode::OK);
    assert_eq!(changed["person_status"], "foreign", "{changed}");
    assert_eq!(changed["cip_status"], "pending");
    assert_eq!(changed["account_access"], "restricted");
    let owners = changed["beneficial_owners"].as_array().unwrap();
    assert_eq!(owners.len(), 2);
    assert_eq!(owners[1]["name"]["full"], "Jonas Becker");
    assert_eq!(owners[1]["person_status"], "foreign");
    let why = reasons(&changed);
    assert!(
        why.iter()
            .any(|r| r
                == "beneficial-owner change notice: 1 added, 0 removed, 0 changed, 1 unchanged"),
        "{why:?}"
    );
    assert!(
        why.iter().any(|r| r.starts_with("person status foreign")),
        "{why:?}"
    );
    assert_eq!(last_audit_action(&t).await, "customer.owners_changed");
    let notices = access_changes(&t).await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].customer.to_string(), id);
    assert_eq!(notices[0].accounts, vec!["acct-3001".to_owned()]);
    assert_eq!(
        (notices[0].from, notices[0].to),
        (
            cloudkyc_app::customers::AccountAccess::Full,
            cloudkyc_app::customers::AccountAccess::Restricted
        )
    );
    assert_eq!(notices[0].cause, "customer.owners_changed");

    // The foreign owner leaves: U.S. again, full access again, and another notice.
    let back = put_owners(&t, &writer, &id, json!([dana()]))
        .await
        .ok(StatusCode::OK);
    assert_eq!(back["person_status"], "us", "{back}");
    assert_eq!(back["account_access"], "full");
    assert!(
        reasons(&back)
            .iter()
            .any(|r| r
                == "beneficial-owner change notice: 0 added, 1 removed, 0 changed, 1 unchanged"),
        "{back}"
    );
    let notices = access_changes(&t).await;
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].to, cloudkyc_app::customers::AccountAccess::Full);

    // A changed share is a changed owner, and no access change means no notice.
    let mut richer = dana();
    richer["ownership_percent"] = json!(80);
    let same = put_owners(&t, &writer, &id, json!([richer]))
        .await
        .ok(StatusCode::OK);
    assert!(
        reasons(&same)
            .iter()
            .any(|r| r
                == "beneficial-owner change notice: 0 added, 0 removed, 1 changed, 0 unchanged"),
        "{same}"
    );
    assert!(access_changes(&t).await.is_empty());
}

#[tokio::test]
async fn an_invalid_owner_list_is_refused_with_every_error_and_changes_nothing() {
    let t = TestApp::new().await;
    let created = t
        .post("/v1/customers", Some(&t.admin), &keystone())
        .await
        .ok(StatusCode::CREATED);
    let id = created["id"].as_str().unwrap();
    let mut bad_birth = dana();
    bad_birth["date_of_birth"] = json!("1975-02-30");
    let mut bad_contact = jonas();
    bad_contact["nationalities"] = json!(["XX"]);
    bad_contact["emails"] = json!(["not-an-email"]);
    bad_contact["ownership_percent"] = json!(130);
    let response = put_owners(&t, &t.admin, id, json!([bad_birth, bad_contact])).await;
    let paths = response.invalid_paths();
    for expected in [
        "/beneficial_owners/0/date_of_birth",
        "/beneficial_owners/1/nationalities/0",
        "/beneficial_owners/1/emails/0",
        "/beneficial_owners/1/ownership_percent",
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected} missing from {paths:?}"
        );
    }
    let read = t
        .get(&format!("/v1/customers/{id}"), Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    assert_eq!(read, created, "nothing was stored");
    assert_eq!(last_audit_action(&t).await, "customer.create");

    // Not the list the API takes, and not a customer the caller can see.
    let response = t
        .call(
            Method::PUT,
            &format!("/v1/customers/{id}/beneficial-owners"),
            Some(&t.admin),
            Some(&json!([dana()])),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reseller = t.key(Role::Reseller).await;
    put_owners(&t, &reseller, id, json!([dana()]))
        .await
        .problem(StatusCode::NOT_FOUND);
    let unknown = uuid::Uuid::now_v7();
    put_owners(&t, &t.admin, &unknown.to_string(), json!([dana()]))
        .await
        .problem(StatusCode::NOT_FOUND);
}

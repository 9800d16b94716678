//! `/v1/reports`: generated from the records by an officer, kept with the SHA-256 the audit
//! chain records, read back byte for byte with every read logged, and refused clearly. Every
//! scenario runs on SQLite and, when `CLOUDKYC_TEST_POSTGRES_URL` is set, on PostgreSQL.

use axum::http::StatusCode;
use cloudkyc_app::demo::DOCUMENTED_CUSTOMERS;
use cloudkyc_domain::Role;
use cloudkyc_domain::cip::CustomerDraft;
use cloudkyc_store::Store;
use cloudkyc_store::report_figures::{REPORT_DISCLOSE, REPORT_GENERATE};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::support::TestApp;

/// Runs `scenario` as the test `$sqlite` on SQLite and as `$postgres` on PostgreSQL (which
/// says it skipped when no server is configured).
macro_rules! on_both_backends {
    ($scenario:ident, $sqlite:ident, $postgres:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            $scenario(TestApp::new().await).await;
        }

        #[tokio::test]
        async fn $postgres() {
            if let Some(t) = TestApp::postgres().await {
                $scenario(t).await;
            }
        }
    };
}

on_both_backends!(
    generate_and_read,
    an_officer_generates_a_report_and_readers_get_the_exact_files,
    an_officer_generates_a_report_and_readers_get_the_exact_files_on_postgres
);
on_both_backends!(
    production_archive,
    a_production_is_an_archive_of_the_named_customers,
    a_production_is_an_archive_of_the_named_customers_on_postgres
);
on_both_backends!(
    refusals,
    reports_are_refused_clearly,
    reports_are_refused_clearly_on_postgres
);
on_both_backends!(
    out_of_cycle,
    an_out_of_cycle_certification_records_its_reason_and_trigger,
    an_out_of_cycle_certification_records_its_reason_and_trigger_on_postgres
);

async fn onboard_documented<S: Store + 'static>(t: &TestApp<S>) -> Vec<String> {
    let mut ids = Vec::new();
    for (key, body) in DOCUMENTED_CUSTOMERS {
        let draft: CustomerDraft = serde_json::from_str(body).unwrap();
        let onboarded = t
            .app
            .onboard_customer(&t.operator, draft, Some((*key).to_owned()))
            .await
            .unwrap();
        ids.push(onboarded.customer.id.to_string());
    }
    ids
}

async fn generate_and_read<S: Store + 'static>(t: TestApp<S>) {
    onboard_documented(&t).await;
    let officer = t.key(Role::Officer).await;
    let created = t
        .post(
            "/v1/reports",
            Some(&officer),
            &json!({"kind": "certification-initial",
                    "officer": {"name": "Ngozi Adeyemi", "title": "Chief Compliance Officer"}}),
        )
        .await
        .ok(StatusCode::CREATED);
    assert_eq!(created["kind"], "certification-initial");
    assert_eq!(created["personal"], false);
    assert!(created["created_by"].as_str().unwrap().starts_with("key:"));
    let id = created["id"].as_str().unwrap();
    let sha = created["sha256"].as_str().unwrap();

    let auditor = t.key(Role::Auditor).await;
    let listed = t
        .get("/v1/reports", Some(&auditor))
        .await
        .ok(StatusCode::OK);
    assert_eq!(listed["reports"][0]["id"], id);
    let meta = t
        .get(&format!("/v1/reports/{id}"), Some(&auditor))
        .await
        .ok(StatusCode::OK);
    assert_eq!(meta["sha256"], sha);

    let json_file = t
        .get(&format!("/v1/reports/{id}/json"), Some(&auditor))
        .await;
    assert_eq!(json_file.status, StatusCode::OK);
    assert_eq!(json_file.header("content-type"), Some("application/json"));
    assert_eq!(json_file.header("cache-control"), Some("no-store"));
    assert_eq!(hex::encode(Sha256::digest(&json_file.body)), sha);
    let report = json_file.json();
    assert_eq!(report["figures"]["customers_total"], 3);
    assert_eq!(report["sign_off"]["officer_name"], "Ngozi Adeyemi");

    let pdf = t
        .get(&format!("/v1/reports/{id}/pdf"), Some(&auditor))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert!(pdf.body.starts_with(b"%PDF"));
    t.get(&format!("/v1/reports/{id}/archive"), Some(&auditor))
        .await
        .problem(StatusCode::NOT_FOUND);

    let events = t
        .get("/v1/audit?limit=1000", Some(&t.admin))
        .await
        .ok(StatusCode::OK);
    let entries = events["entries"].as_array().unwrap();
    let of = |action: &str| {
        entries
            .iter()
            .filter(|e| e["action"] == action)
            .map(|e| e["after_digest"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(of(REPORT_GENERATE), vec![json!(sha)]);
    assert_eq!(
        of(REPORT_DISCLOSE),
        vec![json!(sha), json!(hex::encode(Sha256::digest(&pdf.body)))],
        "both reads are logged with the digest of what was handed out"
    );
}

async fn production_archive<S: Store + 'static>(t: TestApp<S>) {
    let ids = onboard_documented(&t).await;
    let officer = t.key(Role::Officer).await;
    let created = t
        .post(
            "/v1/reports",
            Some(&officer),
            &json!({"kind": "production", "customers": [ids[0], ids[1]], "reference": "BIS-7"}),
        )
        .await
        .ok(StatusCode::CREATED);
    assert_eq!(created["personal"], true);
    assert!(created["archive_bytes"].as_u64().unwrap() > 0);
    let id = created["id"].as_str().unwrap();
    let analyst = t.key(Role::Analyst).await;
    let archive = t
        .get(&format!("/v1/reports/{id}/archive"), Some(&analyst))
        .await;
    assert_eq!(archive.status, StatusCode::OK);
    assert_eq!(archive.header("content-type"), Some("application/x-tar"));
    let files = cloudkyc_app::reports::tar::read(&archive.body).unwrap();
    let manifest = t
        .get(&format!("/v1/reports/{id}/json"), Some(&analyst))
        .await
        .json();
    assert_eq!(manifest["request"]["reference"], "BIS-7");
    for listed in manifest["files"].as_array().unwrap() {
        let path = listed["path"].as_str().unwrap();
        let (_, content) = files.iter().find(|(p, _)| p == path).unwrap();
        assert_eq!(
            listed["sha256"].as_str().unwrap(),
            hex::encode(Sha256::digest(content))
        );
    }
    assert!(
        files
            .iter()
            .any(|(p, _)| p == &format!("customers/{}/customer.json", ids[1]))
    );
}

async fn refusals<S: Store + 'static>(t: TestApp<S>) {
    let officer = t.key(Role::Officer).await;
    let auditor = t.key(Role::Auditor).await;
    let integration = t.key(Role::Integration).await;
    let post = |body| {
        let t = &t;
        let officer = officer.clone();
        async move { t.post("/v1/reports", Some(&officer), &body).await }
    };

    let unknown = post(json!({"kind": "quarterly"})).await;
    assert_eq!(unknown.invalid_paths(), vec!["/kind"]);
    let stray_year = post(json!({"kind": "written-cip", "year": 2025})).await;
    assert_eq!(stray_year.invalid_paths(), vec!["/year"]);
    let no_customers = post(json!({"kind": "production"})).await;
    assert_eq!(no_customers.invalid_paths(), vec!["/customers"]);
    post(json!({"kind": "production", "customers": ["0190a5b2-0000-7000-8000-000000000000"]}))
        .await
        .problem(StatusCode::NOT_FOUND);
    post(json!({"kind": "written-cip", "colour": "blue"}))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);

    t.post(
        "/v1/reports",
        Some(&auditor),
        &json!({"kind": "written-cip"}),
    )
    .await
    .problem(StatusCode::FORBIDDEN);
    t.get("/v1/reports", Some(&integration))
        .await
        .problem(StatusCode::FORBIDDEN);
    t.get(
        "/v1/reports/0190a5b2-0000-7000-8000-000000000000",
        Some(&auditor),
    )
    .await
    .problem(StatusCode::NOT_FOUND);
    t.get("/v1/reports?limit=0", Some(&auditor))
        .await
        .problem(StatusCode::UNPROCESSABLE_ENTITY);
}

async fn out_of_cycle<S: Store + 'static>(t: TestApp<S>) {
    onboard_documented(&t).await;
    let officer = t.key(Role::Officer).await;
    let reason = "Corvid Group acquired the provider on 1 November 2026.";
    let created = t
        .post(
            "/v1/reports",
            Some(&officer),
            &json!({"kind": "certification-out-of-cycle", "reason": reason,
                    "trigger": "corporate_structure_change"}),
        )
        .await
        .ok(StatusCode::CREATED);
    assert_eq!(created["kind"], "certification-out-of-cycle");
    assert_eq!(
        created["parameters"]["trigger"],
        "corporate_structure_change"
    );
    let id = created["id"].as_str().unwrap();
    let report = t
        .get(&format!("/v1/reports/{id}/json"), Some(&officer))
        .await
        .ok(StatusCode::OK);
    assert_eq!(report["certification"], "out_of_cycle");
    assert_eq!(report["out_of_cycle_reason"], reason);
    assert_eq!(report["out_of_cycle_trigger"], "corporate_structure_change");
    assert_eq!(report["figures"]["customers_total"], 3);
    let pdf = t
        .get(&format!("/v1/reports/{id}/pdf"), Some(&officer))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with(b"%PDF"));

    let post = |body| {
        let t = &t;
        let officer = officer.clone();
        async move { t.post("/v1/reports", Some(&officer), &body).await }
    };
    let no_reason = post(json!({"kind": "certification-out-of-cycle"})).await;
    assert_eq!(no_reason.invalid_paths(), vec!["/reason"]);
    let blank = post(json!({"kind": "certification-out-of-cycle", "reason": "  "})).await;
    assert_eq!(blank.invalid_paths(), vec!["/reason"]);
    let bad_trigger = post(
        json!({"kind": "certification-out-of-cycle", "reason": reason,
                                   "trigger": "mood"}),
    )
    .await;
    assert_eq!(bad_trigger.invalid_paths(), vec!["/trigger"]);
    let stray = post(json!({"kind": "certification-annual", "reason": reason})).await;
    assert_eq!(stray.invalid_paths(), vec!["/reason"]);
}

//! The dashboard, customer and case pages: render, search, reveal (audited), escaping, tenant
//! isolation, and a case worked to closed through the forms with four-eyes.

use axum::http::StatusCode;
use cloudkyc_domain::Role;
use serde_json::{Value, json};

use super::console_support::{Session, page, signed_in, submit};
use super::support::TestApp;

const SCRIPT: &str = "<script>alert(1)</script>";

fn jordan() -> Value {
    serde_json::from_str(include_str!("../../../app/src/demo/jordan_miller.json")).unwrap()
}

/// Onboards Jordan Miller and a customer whose name is HTML; returns their ids.
async fn customers(test: &TestApp) -> (String, String) {
    let jordan = test
        .post("/v1/customers", Some(&test.admin), &jordan())
        .await
        .ok(StatusCode::CREATED);
    let mut hostile = self::jordan();
    hostile["name"]["full"] = SCRIPT.into();
    hostile["emails"] = json!(["hostile@example.com"]);
    hostile["accounts"][0]["external_id"] = "acct-evil".into();
    let hostile = test
        .post("/v1/customers", Some(&test.admin), &hostile)
        .await
        .ok(StatusCode::CREATED);
    (
        jordan["id"].as_str().unwrap().to_owned(),
        hostile["id"].as_str().unwrap().to_owned(),
    )
}

async fn open_case(test: &TestApp, subject: &str, summary: &str) -> String {
    let opened = test
        .post(
            "/v1/cases",
            Some(&test.admin),
            &json!({"kind": "screening_hit", "subject": subject, "risk": "high", "summary": summary}),
        )
        .await
        .ok(StatusCode::CREATED);
    opened["id"].as_str().unwrap().to_owned()
}

fn assert_page(answer: &super::support::TestResponse, contains: &str) {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.html());
    assert!(answer.html().contains(contains), "page lacks {contains}");
}

#[tokio::test]
async fn every_page_renders_for_every_console_role() {
    let test = TestApp::new().await;
    let (jordan, _) = customers(&test).await;
    let case = open_case(&test, &jordan, "OFAC SDN candidate").await;
    for role in [Role::Admin, Role::Officer, Role::Analyst, Role::Auditor] {
        let s = signed_in(&test, role).await;
        assert_page(&page(&test, "/console", &s).await, "pending verifications");
        assert_page(
            &page(&test, "/console/customers", &s).await,
            "Jordan Miller",
        );
        assert_page(
            &page(&test, &format!("/console/customers/{jordan}"), &s).await,
            "Decision reasons",
        );
        assert_page(
            &page(&test, "/console/cases", &s).await,
            "OFAC SDN candidate",
        );
        assert_page(
            &page(&test, &format!("/console/cases/{case}"), &s).await,
            "Timeline",
        );
        assert_page(
            &page(&test, "/console/cases?overdue=on&kind=screening_hit", &s).await,
            "cases",
        );
    }
}

#[tokio::test]
async fn customers_are_found_by_name_email_and_status() {
    let test = TestApp::new().await;
    customers(&test).await;
    let s = signed_in(&test, Role::Analyst).await;
    let by_name = page(&test, "/console/customers?q=jordan&by=name", &s).await;
    assert!(by_name.html().contains("Jordan Miller") && by_name.html().contains("1 customers"));
    let by_email = page(
        &test,
        "/console/customers?q=JORDAN.MILLER%40example.com&by=email",
        &s,
    )
    .await;
    assert!(by_email.html().contains("Jordan Miller"));
    let none = page(
        &test,
        "/console/customers?q=nobody%40example.com&by=email",
        &s,
    )
    .await;
    assert!(none.html().contains("No customers found"));
    let bad = page(&test, "/console/customers?q=x&by=shoe-size", &s).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn html_in_data_is_escaped_everywhere() {
    let test = TestApp::new().await;
    let (_, hostile) = customers(&test).await;
    let case = open_case(&test, &hostile, SCRIPT).await;
    let s = signed_in(&test, Role::Officer).await;
    submit(
        &test,
        &format!("/console/cases/{case}/comment"),
        &s,
        &[("version", "1"), ("text", SCRIPT)],
    )
    .await;
    for path in [
        "/console".to_owned(),
        "/console/customers".to_owned(),
        format!("/console/customers/{hostile}"),
        "/console/cases".to_owned(),
        format!("/console/cases/{case}"),
    ] {
        let html = page(&test, &path, &s).await.html();
        assert!(!html.contains(SCRIPT), "{path} shows raw HTML");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                || html.contains("&#60;script&#62;"),
            "{path} lacks the escaped name"
        );
    }
}

#[tokio::test]
async fn identity_data_is_masked_until_a_permitted_role_reveals_it() {
    let test = TestApp::new().await;
    let (jordan, _) = customers(&test).await;
    let path = format!("/console/customers/{jordan}");
    let officer = signed_in(&test, Role::Officer).await;
    let masked = page(&test, &path, &officer).await.html();
    assert!(!masked.contains("1990-06-30") && !masked.contains("400 Market Street"));
    let revealed = submit(&test, &format!("{path}/reveal"), &officer, &[]).await;
    assert_page(&revealed, "1990-06-30");
    let audit = test
        .app
        .store()
        .audit_events(&test.operator, test.provider, 0, 1000)
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "customer.identity_revealed" && e.subject_id == jordan)
    );
    // An auditor reads the record but may not see identity data.
    let auditor = signed_in(&test, Role::Auditor).await;
    assert!(
        !page(&test, &path, &auditor)
            .await
            .html()
            .contains("Reveal identity data")
    );
    let refused = submit(&test, &format!("{path}/reveal"), &auditor, &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.html().contains("1990-06-30"));
}

#[tokio::test]
async fn another_tenants_ids_and_garbage_ids_are_not_found() {
    let test = TestApp::new().await;
    let (jordan, _) = customers(&test).await;
    let case = open_case(&test, &jordan, "provider case").await;
    // A reseller's user reads its own tenant's customers only; the provider's are not found.
    let reseller = signed_in(&test, Role::Reseller).await;
    let officer = signed_in(&test, Role::Officer).await;
    for (s, path) in [
        (&reseller, format!("/console/customers/{jordan}")),
        (&officer, "/console/customers/not-a-uuid".to_owned()),
        (&officer, "/console/cases/not-a-uuid".to_owned()),
        (&officer, format!("/console/cases/{}", uuid::Uuid::now_v7())),
        (
            &officer,
            format!("/console/customers/{}", uuid::Uuid::now_v7()),
        ),
    ] {
        let answer = page(&test, &path, s).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!answer.html().contains("Jordan Miller"));
    }
    // Cases are not for a reseller's role at all (a tip-off risk): refused, nothing shown.
    let answer = page(&test, &format!("/console/cases/{case}"), &reseller).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(!answer.html().contains("provider case"));
    let listing = page(&test, "/console/customers", &reseller).await;
    assert!(!listing.html().contains("Jordan Miller"));
    let forged = submit(
        &test,
        &format!("/console/customers/{jordan}/reveal"),
        &reseller,
        &[],
    )
    .await;
    assert!(matches!(
        forged.status,
        StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
    ));
    assert!(!forged.html().contains("1990-06-30"));
}

#[tokio::test]
async fn a_case_is_worked_to_closed_with_four_eyes() {
    let test = TestApp::new().await;
    let (jordan, _) = customers(&test).await;
    let case = open_case(&test, &jordan, "OFAC SDN candidate").await;
    let analyst = signed_in(&test, Role::Analyst).await;
    let officer = signed_in(&test, Role::Officer).await;
    let other_officer = signed_in(&test, Role::Officer).await;
    let path = format!("/console/cases/{case}");
    let version = |html: &str| -> String {
        let marker = "name=\"version\" value=\"";
        let start = html.find(marker).unwrap() + marker.len();
        html[start..].split('"').next().unwrap().to_owned()
    };
    let step = |s: Session, action: &'static str, fields: Vec<(&'static str, &'static str)>| {
        let test = &test;
        let path = path.clone();
        async move {
            let v = version(&page(test, &path, &s).await.html());
            let mut all = vec![("version", v.as_str())];
            all.extend(fields);
            submit(test, &format!("{path}/{action}"), &s, &all).await
        }
    };
    let answer = step(analyst.clone(), "assign", vec![("to", "")]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.html());
    step(
        analyst.clone(),
        "comment",
        vec![("text", "Date of birth differs.")],
    )
    .await;
    let answer = step(
        officer.clone(),
        "decide",
        vec![("outcome", "false_positive"), ("text", "Different person.")],
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.html());
    // The proposer may not approve its own decision.
    let own = step(officer.clone(), "approve", vec![]).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    let approved = step(other_officer.clone(), "approve", vec![]).await;
    assert_eq!(
        approved.status,
        StatusCode::SEE_OTHER,
        "{}",
        approved.html()
    );
    let html = page(&test, &path, &officer).await.html();
    assert!(html.contains("closed") && html.contains("false_positive"));
    // A stale version is a conflict page, not a 500; an unknown action a 404.
    let stale = submit(
        &test,
        &format!("{path}/comment"),
        &officer,
        &[("version", "1"), ("text", "late")],
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let unknown = submit(
        &test,
        &format!("{path}/explode"),
        &officer,
        &[("version", "1")],
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let missing = submit(&test, &format!("{path}/comment"), &officer, &[]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
}

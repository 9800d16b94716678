//! The console's oversight pages (compute, resellers, special measures, lists, reports): who may
//! open them, unknown ids, escaping, and generating a report through the two CSRF-protected
//! forms down to its downloads.

use axum::http::{StatusCode, header};
use cloudkyc_domain::Role;

use super::console_support::{Session, form, page, signed_in, submit};
use super::support::TestApp;

/// The demo's owner groups, resellers and special measure, in the test's provider.
async fn with_oversight_data() -> TestApp {
    let test = TestApp::new().await;
    cloudkyc_app::demo::seed_compute(&test.app, &test.operator)
        .await
        .unwrap();
    cloudkyc_app::demo::seed_oversight(&test.app, &test.operator)
        .await
        .unwrap();
    test
}

/// The first link under `prefix` on the page.
fn first_link(html: &str, prefix: &str) -> String {
    let marker = format!("href=\"{prefix}");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no link to {prefix}: {html}"))
        + 6;
    html[start..].split('"').next().unwrap().to_owned()
}

async fn ok(test: &TestApp, path: &str, session: &Session) -> String {
    let answer = page(test, path, session).await;
    assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.html());
    answer.html()
}

#[tokio::test]
async fn an_officer_reads_every_oversight_page() {
    let test = with_oversight_data().await;
    let officer = signed_in(&test, Role::Officer).await;

    let groups = ok(&test, "/console/compute", &officer).await;
    let group = first_link(&groups, "/console/compute/");
    let html = ok(&test, &group, &officer).await;
    for expected in [
        "<svg class=\"graph\"",
        "Training threshold",
        "p50",
        "Cluster peak",
        "Red flags",
    ] {
        assert!(html.contains(expected), "{group} lacks {expected}");
    }

    let html = ok(&test, "/console/resellers", &officer).await;
    assert!(html.contains("terminate by"), "{html}");
    assert!(html.contains("Reviews"));

    let html = ok(&test, "/console/measures", &officer).await;
    let measure = first_link(&html, "/console/measures/");
    let html = ok(&test, &measure, &officer).await;
    assert!(html.contains("Customers reached"), "{html}");

    let html = ok(&test, "/console/lists", &officer).await;
    assert!(
        html.contains("in force") && html.contains("SHA-256"),
        "{html}"
    );
    let html = ok(&test, "/console/reports", &officer).await;
    assert!(html.contains("Generate a report"));
}

#[tokio::test]
async fn roles_without_the_permission_are_refused_and_unknown_ids_are_404() {
    let test = with_oversight_data().await;
    let integration = signed_in(&test, Role::Integration).await;
    let answer = page(&test, "/console/reports", &integration).await;
    assert_eq!(
        answer.status,
        StatusCode::FORBIDDEN,
        "integration reads no reports"
    );
    // An auditor reads reports but may not sign one off.
    let auditor = signed_in(&test, Role::Auditor).await;
    let html = ok(&test, "/console/reports", &auditor).await;
    assert!(!html.contains("Generate a report"));
    let kind = [("kind", "written-cip")];
    let answer = submit(&test, "/console/reports/preview", &auditor, &kind).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let answer = submit(&test, "/console/reports", &auditor, &kind).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);

    let officer = signed_in(&test, Role::Officer).await;
    let unknown = uuid::Uuid::new_v4();
    for path in [
        "/console/measures/not-an-id".to_owned(),
        format!("/console/measures/{unknown}"),
        "/console/compute/no-such-account".to_owned(),
        format!("/console/reports/{unknown}"),
        format!("/console/reports/{unknown}/pdf"),
        format!("/console/reports/{unknown}/exe"),
    ] {
        let answer = page(&test, &path, &officer).await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{path}: {}",
            answer.html()
        );
    }
    // A forged session: back to the sign-in page, no data.
    let nobody = Session {
        cookie: "cloudkyc_session=forged".into(),
        csrf: String::new(),
    };
    let answer = page(&test, "/console/compute", &nobody).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.header(header::LOCATION), Some("/console/sign-in"));
}

#[tokio::test]
async fn a_report_is_previewed_signed_off_and_downloaded_with_its_fields_escaped() {
    let test = TestApp::new().await;
    let officer = signed_in(&test, Role::Officer).await;
    let fields = [
        ("kind", "written-cip"),
        ("officer_name", "<script>alert(1)</script> Ngozi"),
        ("officer_title", "Chief Compliance Officer"),
    ];
    // Without the session's token nothing is kept.
    let forged = form(&test, "/console/reports", &officer, &fields).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let preview = submit(&test, "/console/reports/preview", &officer, &fields).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.html());
    let html = preview.html();
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62; Ngozi"),
        "{html}"
    );
    assert!(!html.contains("<script>alert"), "unescaped: {html}");
    let kept = test.app.list_reports(&test.operator, 10).await.unwrap();
    assert!(
        kept.is_empty(),
        "neither a forged form nor a preview keeps a report"
    );

    let signed = submit(&test, "/console/reports", &officer, &fields).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.html());
    let location = signed.header(header::LOCATION).unwrap().to_owned();
    let html = ok(&test, &location, &officer).await;
    assert!(html.contains("written-cip") && html.contains("SHA-256"));
    assert!(!html.contains("<script>alert"), "unescaped: {html}");
    let pdf = page(&test, &format!("{location}/pdf"), &officer).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.header(header::CONTENT_TYPE), Some("application/pdf"));
    assert!(pdf.body.starts_with(b"%PDF"));
    let json = page(&test, &format!("{location}/json"), &officer).await;
    assert_eq!(json.header(header::CONTENT_TYPE), Some("application/json"));
    assert_eq!(json.json()["contact"]["title"], "Chief Compliance Officer");

    let bad_year = [("kind", "certification-annual"), ("year", "next")];
    let bad = submit(&test, "/console/reports/preview", &officer, &bad_year).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

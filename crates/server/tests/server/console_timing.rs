//! `Server-Timing` on console responses: a rendered page splits its time into the use cases and
//! the template, other answers (the 404 page, redirects, the stylesheet) carry the total, and
//! the API's routes carry none.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cloudkyc_domain::Role;

use super::console_support::{page, signed_in};
use super::support::{TestApp, TestResponse};

/// The `dur` of each metric of the answer's `Server-Timing` header, by metric name.
fn timings(answer: &TestResponse) -> Vec<(String, f64)> {
    let header = answer
        .header("server-timing")
        .unwrap_or_else(|| panic!("{} answered without Server-Timing", answer.status));
    header
        .split(',')
        .map(|metric| {
            let mut params = metric.trim().split(';');
            let name = params.next().unwrap().to_owned();
            let dur = params
                .find_map(|p| p.strip_prefix("dur="))
                .unwrap_or_else(|| panic!("{name} has no dur in {header}"))
                .parse::<f64>()
                .unwrap();
            (name, dur)
        })
        .collect()
}

fn dur(metrics: &[(String, f64)], name: &str) -> f64 {
    metrics
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, d)| *d)
        .unwrap_or_else(|| panic!("no {name} metric in {metrics:?}"))
}

#[tokio::test]
async fn a_rendered_page_reports_its_use_case_and_template_time() {
    let test = TestApp::new().await;
    let session = signed_in(&test, Role::Officer).await;
    for path in ["/console", "/console/customers", "/console/cases"] {
        let answer = page(&test, path, &session).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        let metrics = timings(&answer);
        let names: Vec<&str> = metrics.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["app", "render", "total"], "{path}");
        let (app, render, total) = (
            dur(&metrics, "app"),
            dur(&metrics, "render"),
            dur(&metrics, "total"),
        );
        assert!(render > 0.0 && total > 0.0, "{metrics:?}");
        // Rounded to microseconds each, so the parts add up to the total within a rounding.
        assert!((app + render - total).abs() < 0.002, "{metrics:?}");
    }
}

#[tokio::test]
async fn every_other_console_answer_reports_its_total_and_the_api_none() {
    let test = TestApp::new().await;
    let session = signed_in(&test, Role::Auditor).await;
    let missing = page(&test, "/console/no-such-page", &session).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(dur(&timings(&missing), "total") > 0.0);

    let signed_out = test
        .send(Request::get("/console").body(Body::empty()).unwrap())
        .await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
    assert_eq!(timings(&signed_out).len(), 1);
    assert!(dur(&timings(&signed_out), "total") >= 0.0);

    let api = test.get("/v1/tenants", Some(&test.admin)).await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(api.header("server-timing"), None);
}

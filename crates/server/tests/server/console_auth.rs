//! Console sign-in, lockout, sessions, sign-out and CSRF.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Duration;
use cloudkyc_domain::Role;

use super::console_support::{
    PASSWORD, create_user, form, page, sign_in_as, sign_in_form, signed_in, submit,
};
use super::support::TestApp;

const REFUSED: &str = "Email or password not accepted";

async fn audit_actions(test: &TestApp) -> Vec<String> {
    test.app
        .store()
        .audit_events(&test.operator, test.provider, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn a_good_password_opens_a_session_with_a_strict_http_only_cookie() {
    let test = TestApp::new().await;
    create_user(&test, "Ada@Example.org", Role::Officer, None).await;
    let answer = sign_in_form(&test, " ada@example.org ", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.header(header::LOCATION), Some("/console"));
    let cookie = answer.header(header::SET_COOKIE).unwrap();
    assert!(cookie.starts_with("cloudkyc_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    // The test router listens on loopback by default: no `Secure`, no `__Host-`.
    assert!(!cookie.contains("Secure"));
    let session = sign_in_as(&test, "ada@example.org").await;
    let dashboard = page(&test, "/console", &session).await;
    assert!(dashboard.html().contains("ada@example.org"));
    assert_eq!(dashboard.header(header::CACHE_CONTROL), Some("no-store"));
    assert!(
        dashboard
            .header(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert!(
        audit_actions(&test)
            .await
            .contains(&"console.sign_in".to_owned())
    );
}

#[tokio::test]
async fn secure_cookies_take_the_host_prefix() {
    let mut config = cloudkyc_server::ServerConfig::default();
    config.console.secure_cookies = Some(true);
    let test = TestApp::with_config(config).await;
    create_user(&test, "ada@example.org", Role::Officer, None).await;
    let answer = sign_in_form(&test, "ada@example.org", PASSWORD).await;
    let cookie = answer.header(header::SET_COOKIE).unwrap();
    assert!(cookie.starts_with("__Host-cloudkyc_session="), "{cookie}");
    assert!(cookie.ends_with("; Secure"), "{cookie}");
}

#[tokio::test]
async fn wrong_passwords_and_unknown_emails_are_refused_alike() {
    let test = TestApp::new().await;
    create_user(&test, "ada@example.org", Role::Officer, None).await;
    for (email, password) in [
        ("ada@example.org", "not the password"),
        ("nobody@example.org", PASSWORD),
        ("not an email", PASSWORD),
        ("", ""),
    ] {
        let answer = sign_in_form(&test, email, password).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{email}");
        assert!(answer.header(header::SET_COOKIE).is_none());
        assert!(answer.html().contains(REFUSED));
    }
    assert!(
        audit_actions(&test)
            .await
            .contains(&"console.sign_in_failed".to_owned())
    );
}

#[tokio::test]
async fn five_failures_lock_the_user_for_fifteen_minutes() {
    let test = TestApp::new().await;
    create_user(&test, "ada@example.org", Role::Officer, None).await;
    for _ in 0..5 {
        let answer = sign_in_form(&test, "ada@example.org", "a wrong password").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    assert!(
        audit_actions(&test)
            .await
            .contains(&"console.lockout".to_owned())
    );
    // Locked: even the right password is refused, with the same answer.
    let answer = sign_in_form(&test, "ada@example.org", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    test.clock.advance(Duration::minutes(14));
    let answer = sign_in_form(&test, "ada@example.org", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    test.clock.advance(Duration::minutes(2));
    let answer = sign_in_form(&test, "ada@example.org", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn without_a_live_session_pages_redirect_to_sign_in() {
    let test = TestApp::new().await;
    let answer = test.get("/console", None).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.header(header::LOCATION), Some("/console/sign-in"));
    let request = Request::get("/console/cases")
        .header(header::COOKIE, "cloudkyc_session=forged-token")
        .body(Body::empty())
        .unwrap();
    let answer = test.send(request).await;
    assert_eq!(answer.header(header::LOCATION), Some("/console/sign-in"));
    let sign_in = test.get("/console/sign-in", None).await;
    assert_eq!(sign_in.status, StatusCode::OK);
    assert!(sign_in.html().contains("<label for=\"password\">"));
}

#[tokio::test]
async fn sessions_end_when_idle_and_at_their_absolute_limit() {
    let test = TestApp::new().await;
    let session = signed_in(&test, Role::Officer).await;
    test.clock.advance(Duration::minutes(29));
    assert_eq!(
        page(&test, "/console", &session).await.status,
        StatusCode::OK
    );
    test.clock.advance(Duration::minutes(31));
    let answer = page(&test, "/console", &session).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "idle for 31 minutes");

    let session = signed_in(&test, Role::Officer).await;
    for _ in 0..((12 * 60) / 20 - 1) {
        test.clock.advance(Duration::minutes(20));
        assert_eq!(
            page(&test, "/console", &session).await.status,
            StatusCode::OK
        );
    }
    test.clock.advance(Duration::minutes(21));
    let answer = page(&test, "/console", &session).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "past 12 hours");
}

#[tokio::test]
async fn forms_without_the_session_csrf_token_are_refused() {
    let test = TestApp::new().await;
    let session = signed_in(&test, Role::Officer).await;
    let other = signed_in(&test, Role::Officer).await;
    for fields in [
        vec![],
        vec![("csrf", "forged")],
        vec![("csrf", other.csrf.as_str())],
    ] {
        let answer = form(&test, "/console/sign-out", &session, &fields).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
        assert!(answer.html().contains("Form expired"));
    }
    // Not signed out by any of them.
    assert_eq!(
        page(&test, "/console", &session).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let test = TestApp::new().await;
    let session = signed_in(&test, Role::Auditor).await;
    let answer = submit(&test, "/console/sign-out", &session, &[]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert!(
        answer
            .header(header::SET_COOKIE)
            .unwrap()
            .contains("Max-Age=0")
    );
    let answer = page(&test, "/console", &session).await;
    assert_eq!(answer.header(header::LOCATION), Some("/console/sign-in"));
    assert!(
        audit_actions(&test)
            .await
            .contains(&"console.sign_out".to_owned())
    );
}

#[tokio::test]
async fn a_cross_site_sign_in_and_unknown_pages_get_html_errors() {
    let test = TestApp::new().await;
    create_user(&test, "ada@example.org", Role::Officer, None).await;
    let body = serde_urlencoded::to_string([("email", "ada@example.org"), ("password", PASSWORD)])
        .unwrap();
    let request = Request::post("/console/sign-in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(body))
        .unwrap();
    let answer = test.send(request).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let session = signed_in(&test, Role::Officer).await;
    let answer = page(&test, "/console/no-such-page", &session).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(
        answer
            .header(header::CONTENT_TYPE)
            .unwrap()
            .starts_with("text/html")
    );
}

//! Helpers for the console tests: console users, signing in, pages with a session cookie, and
//! forms with the session's CSRF token.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use cloudkyc_app::console_users::{CreateConsoleUser, Password};
use cloudkyc_domain::{Role, TenantId};
use cloudkyc_store::Store;

use super::support::{TestApp, TestResponse};

pub const PASSWORD: &str = "a long test password";

/// A signed-in browser: its session cookie and the CSRF token of its pages.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl TestResponse {
    pub fn html(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
}

/// Creates a console user with [`PASSWORD`].
pub async fn create_user<S: Store + 'static>(
    test: &TestApp<S>,
    email: &str,
    role: Role,
    tenant: Option<TenantId>,
) {
    let request = CreateConsoleUser {
        email: email.to_owned(),
        role,
        tenant,
        password: Some(Password::new(PASSWORD)),
    };
    test.app
        .create_console_user(&test.operator, request)
        .await
        .unwrap();
}

/// Posts the sign-in form.
pub async fn sign_in_form<S: Store + 'static>(
    test: &TestApp<S>,
    email: &str,
    password: &str,
) -> TestResponse {
    let body = serde_urlencoded::to_string([("email", email), ("password", password)]).unwrap();
    let request = Request::post("/console/sign-in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    test.send(request).await
}

/// Signs in as a new user of `role` (on the provider) and reads the CSRF token of the dashboard.
pub async fn signed_in<S: Store + 'static>(test: &TestApp<S>, role: Role) -> Session {
    let email = format!("{role}-{}@example.org", uuid::Uuid::new_v4().simple());
    let tenant = (role == Role::Reseller).then_some(test.reseller);
    create_user(test, &email, role, tenant).await;
    sign_in_as(test, &email).await
}

pub async fn sign_in_as<S: Store + 'static>(test: &TestApp<S>, email: &str) -> Session {
    let answer = sign_in_form(test, email, PASSWORD).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.html());
    let set_cookie = answer.header(header::SET_COOKIE).unwrap();
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let mut session = Session {
        cookie,
        csrf: String::new(),
    };
    let dashboard = page(test, "/console", &session).await;
    assert_eq!(dashboard.status, StatusCode::OK, "{}", dashboard.html());
    session.csrf = csrf_of(&dashboard.html());
    session
}

/// The `csrf` hidden field of a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a form with a CSRF token") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

pub async fn page<S: Store + 'static>(
    test: &TestApp<S>,
    path: &str,
    session: &Session,
) -> TestResponse {
    let request = Request::get(path)
        .header(header::COOKIE, &session.cookie)
        .body(Body::empty())
        .unwrap();
    test.send(request).await
}

/// Posts a form with the session's cookie; `fields` should include the `csrf` field when the
/// test wants it sent.
pub async fn form<S: Store + 'static>(
    test: &TestApp<S>,
    path: &str,
    session: &Session,
    fields: &[(&str, &str)],
) -> TestResponse {
    let body = serde_urlencoded::to_string(fields).unwrap();
    let request = Request::post(path)
        .header(header::COOKIE, &session.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    test.send(request).await
}

/// Posts a form with the session's own CSRF token added.
pub async fn submit<S: Store + 'static>(
    test: &TestApp<S>,
    path: &str,
    session: &Session,
    fields: &[(&str, &str)],
) -> TestResponse {
    let mut all = vec![("csrf", session.csrf.as_str())];
    all.extend_from_slice(fields);
    form(test, path, session, &all).await
}

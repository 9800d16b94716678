//! Signing in and out.
//!
//! The sign-in form has no session yet, so it cannot carry a session CSRF token; a browser's
//! `Sec-Fetch-Site: cross-site` on it is refused instead (a page elsewhere cannot sign a person
//! in to an account of its choosing), and the session cookie is `SameSite=Strict`.

use std::sync::Arc;

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use cloudkyc_app::console_users::Password;
use serde::Deserialize;

use super::layout::{PageError, PageResult, render_status};
use super::session::{ConsoleForm, ConsoleSettings, NoFields};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/sign-in", get(sign_in_page).post(sign_in))
        .route("/console/sign-out", post(sign_out))
}

#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignInPage {
    email: String,
    error: Option<&'static str>,
}

async fn sign_in_page() -> Response {
    render_status(
        StatusCode::OK,
        &SignInPage {
            email: String::new(),
            error: None,
        },
    )
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn sign_in(
    State(state): State<AppState>,
    Extension(settings): Extension<Arc<ConsoleSettings>>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site");
    if cross_site {
        return Err(PageError::Csrf);
    }
    let form: SignInForm = serde_urlencoded::from_bytes(&body)
        .map_err(|_| PageError::Invalid("the sign-in form could not be read".to_owned()))?;
    let opened = state
        .app
        .console_sign_in(&settings.policy, &form.email, Password::new(form.password))
        .await?;
    let Some(opened) = opened else {
        let page = SignInPage {
            email: form.email,
            error: Some(
                "Email or password not accepted. After repeated failures the account is locked for a while.",
            ),
        };
        return Ok(render_status(StatusCode::UNAUTHORIZED, &page));
    };
    let max_age = (opened.expires_at - state.app.now()).num_seconds();
    let mut response = Redirect::to("/console").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        settings.session_cookie(&opened.token, max_age),
    );
    Ok(response)
}

async fn sign_out(
    State(state): State<AppState>,
    Extension(settings): Extension<Arc<ConsoleSettings>>,
    headers: HeaderMap,
    _form: ConsoleForm<NoFields>,
) -> PageResult {
    if let Some(token) = settings.token(&headers) {
        state.app.console_sign_out(&token).await?;
    }
    let mut response = Redirect::to("/console/sign-in").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, settings.cleared_cookie());
    Ok(response)
}

//! The compliance console (issue 8): server-rendered HTML pages for the people who work the
//! program, under `/console`, signed in with a console user (not an API key).
//!
//! Each page area is one file with a `routes()` function merged below; its templates are under
//! `templates/console/`. Handlers follow the API's rule: take [`session::Console`] (or
//! [`session::ConsoleForm`] for a POST) first, call app use cases with its scope, and render a
//! template with [`layout::render`]; errors are [`layout::PageError`] pages, never a 500 for bad
//! input. The console is not part of the OpenAPI document.

mod auth;
mod cases;
mod compute;
mod compute_chart;
mod config;
mod customer_timeline;
mod customer_view;
mod customers;
mod dashboard;
mod layout;
mod lists;
mod measures;
mod reports;
mod reports_view;
mod resellers;
mod session;
mod timing;
mod users;
mod words;

use std::sync::Arc;

use axum::Extension;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware::{from_fn, map_response};
use axum::response::Response;
use axum::routing::{any, get};

pub use config::ConsoleConfig;

use crate::config::ServerConfig;
use crate::state::AppState;
use session::ConsoleSettings;

/// Every console route, with the console's settings, security headers and `Server-Timing`.
pub(crate) fn router(config: &ServerConfig) -> Router<AppState> {
    let settings = Arc::new(ConsoleSettings {
        policy: config.console.policy(),
        secure_cookies: config.console.secure_cookies_for(config.listen),
    });
    Router::new()
        .route("/console/assets/console.css", get(layout::stylesheet))
        .merge(auth::routes())
        .merge(dashboard::routes())
        .merge(customers::routes())
        .merge(cases::routes())
        .merge(compute::routes())
        .merge(resellers::routes())
        .merge(measures::routes())
        .merge(lists::routes())
        .merge(reports::routes())
        .merge(users::routes())
        .route("/console/{*rest}", any(layout::no_page))
        .layer(map_response(security_headers))
        .layer(Extension(settings))
        .layer(from_fn(timing::server_timing))
}

/// No framing, no inline script or style, no referrer, and no caching of pages that show
/// personal data.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

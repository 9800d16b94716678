//! What every console page shares: the chrome around it (navigation, the signed-in user, the
//! sign-out form), rendering a template into a response, the error pages, and the stylesheet.
//!
//! Templates are askama's, compiled into the binary and HTML-escaped by default: a value is
//! written with `{{ value }}` and is escaped; nothing here marks text as safe.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use cloudkyc_app::AppError;
use cloudkyc_app::console_users::SignedIn;
use cloudkyc_domain::{Permission, Role};

/// The sections of the navigation, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Dashboard,
    Customers,
    Cases,
    Compute,
    Resellers,
    Measures,
    Lists,
    Reports,
    /// Console users: admins only.
    Users,
}

impl Nav {
    const ALL: [Nav; 9] = [
        Nav::Dashboard,
        Nav::Customers,
        Nav::Cases,
        Nav::Compute,
        Nav::Resellers,
        Nav::Measures,
        Nav::Lists,
        Nav::Reports,
        Nav::Users,
    ];

    pub(crate) fn href(self) -> &'static str {
        match self {
            Nav::Dashboard => "/console",
            Nav::Customers => "/console/customers",
            Nav::Cases => "/console/cases",
            Nav::Compute => "/console/compute",
            Nav::Resellers => "/console/resellers",
            Nav::Measures => "/console/measures",
            Nav::Lists => "/console/lists",
            Nav::Reports => "/console/reports",
            Nav::Users => "/console/users",
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Nav::Dashboard => "Dashboard",
            Nav::Customers => "Customers",
            Nav::Cases => "Cases",
            Nav::Compute => "Compute",
            Nav::Resellers => "Resellers",
            Nav::Measures => "Special measures",
            Nav::Lists => "Lists",
            Nav::Reports => "Reports",
            Nav::Users => "Users",
        }
    }

    /// Whether the section is for `role` at all (its pages check again).
    fn shown_to(self, role: Role) -> bool {
        match self {
            Nav::Users => role.allows(Permission::ManageKeys),
            _ => true,
        }
    }
}

/// One link of the navigation as the layout draws it.
#[derive(Debug)]
pub(crate) struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The frame of a signed-in page: every page template has a `chrome` field and extends
/// `console/base.html`, which reads it.
#[derive(Debug, Clone)]
pub(crate) struct Chrome {
    pub title: String,
    pub email: String,
    pub role: Role,
    /// The session's CSRF token: every form puts it in a hidden `csrf` field.
    pub csrf: String,
    pub current: Nav,
}

impl Chrome {
    pub(crate) fn new(signed_in: &SignedIn, current: Nav, title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            email: signed_in.user.email.clone(),
            role: signed_in.user.role,
            csrf: signed_in.csrf().to_owned(),
            current,
        }
    }

    pub(crate) fn nav_items(&self) -> Vec<NavItem> {
        Nav::ALL
            .into_iter()
            .filter(|nav| nav.shown_to(self.role))
            .map(|nav| NavItem {
                href: nav.href(),
                label: nav.label(),
                current: nav == self.current,
            })
            .collect()
    }

    /// Whether the signed-in role carries `permission`: pages show only the actions it allows
    /// (the use case checks again).
    pub(crate) fn may(&self, permission: Permission) -> bool {
        self.role.allows(permission)
    }
}

/// A rendered page with status 200.
pub(crate) fn render(page: &impl Template) -> Response {
    render_status(StatusCode::OK, page)
}

/// A rendered page with `status`. A template that fails to render (a bug) is logged and
/// answered with the plain 500 page.
pub(crate) fn render_status(status: StatusCode, page: &impl Template) -> Response {
    let started = std::time::Instant::now();
    match page.render() {
        Ok(html) => {
            let mut response = html_response(status, html);
            response
                .extensions_mut()
                .insert(super::timing::RenderTime(started.elapsed()));
            response
        }
        Err(error) => {
            tracing::error!(%error, "console template failed to render");
            html_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "<!doctype html><title>Error</title><p>Something went wrong.</p>".to_owned(),
            )
        }
    }
}

fn html_response(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// Why a console request did not produce its page.
#[derive(Debug)]
pub(crate) enum PageError {
    /// No live session: back to the sign-in page.
    SignIn,
    /// A form without this session's CSRF token.
    Csrf,
    NotFound(String),
    Forbidden(String),
    /// Input the use case refused, in words for the person.
    Invalid(String),
    Conflict(String),
    Unavailable,
    Internal,
}

pub(crate) type PageResult = Result<Response, PageError>;

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::NotFound(what) => PageError::NotFound(what),
            AppError::Forbidden(why) => PageError::Forbidden(why),
            AppError::Invalid(fields) => PageError::Invalid(
                fields
                    .iter()
                    .map(|f| format!("{}: {}", f.path.trim_start_matches('/'), f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            AppError::Conflict(why) => PageError::Conflict(why),
            AppError::Unavailable(why) => {
                tracing::warn!(%why, "console page: store unavailable");
                PageError::Unavailable
            }
            AppError::Internal(why) => {
                tracing::error!(%why, "console page failed");
                PageError::Internal
            }
        }
    }
}

#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    detail: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, detail) = match &self {
            PageError::SignIn => return Redirect::to("/console/sign-in").into_response(),
            PageError::Csrf => (
                StatusCode::FORBIDDEN,
                "Form expired",
                "This form was not sent from your current session. Go back, reload the page and try again.",
            ),
            PageError::NotFound(what) => (StatusCode::NOT_FOUND, "Not found", what.as_str()),
            PageError::Forbidden(why) => (StatusCode::FORBIDDEN, "Not allowed", why.as_str()),
            PageError::Invalid(why) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "Please check the form",
                why.as_str(),
            ),
            PageError::Conflict(why) => (StatusCode::CONFLICT, "Not possible now", why.as_str()),
            PageError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Unavailable",
                "The database does not answer. Try again in a moment.",
            ),
            PageError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The error was logged.",
            ),
        };
        let detail = match &self {
            PageError::NotFound(what) => format!("No such {what} here."),
            _ => detail.to_owned(),
        };
        render_status(
            status,
            &ErrorPage {
                status: status.as_u16(),
                title,
                detail: &detail,
            },
        )
    }
}

/// `GET /console/assets/console.css`: the one stylesheet, compiled into the binary.
pub(crate) async fn stylesheet() -> Response {
    let mut response = include_str!("../../templates/console/console.css").into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// Any other path under `/console`: the 404 page.
pub(crate) async fn no_page() -> PageError {
    PageError::NotFound("page".to_owned())
}

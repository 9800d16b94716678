//! The signed-in console user of a request, from the session cookie; and forms, whose CSRF
//! token is checked before their fields are read.
//!
//! The cookie is `HttpOnly`, `SameSite=Strict` and `Path=/`; when cookies are `Secure` (the
//! default unless the server listens on loopback) it is also named with the `__Host-` prefix,
//! which browsers accept only from a secure origin without a `Domain`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use cloudkyc_app::console_users::{SessionPolicy, SessionToken, SignedIn};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::layout::PageError;
use crate::state::AppState;

/// What the console's handlers need besides the app, put into each request by the router.
#[derive(Debug, Clone)]
pub(crate) struct ConsoleSettings {
    pub policy: SessionPolicy,
    pub secure_cookies: bool,
}

impl ConsoleSettings {
    pub(crate) fn cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-cloudkyc_session"
        } else {
            "cloudkyc_session"
        }
    }

    /// The `Set-Cookie` value that stores `token` for `max_age_secs`.
    pub(crate) fn session_cookie(&self, token: &SessionToken, max_age_secs: i64) -> HeaderValue {
        self.cookie(token.expose(), max_age_secs.max(0))
    }

    /// The `Set-Cookie` value that removes the session cookie.
    pub(crate) fn cleared_cookie(&self) -> HeaderValue {
        self.cookie("", 0)
    }

    fn cookie(&self, value: &str, max_age_secs: i64) -> HeaderValue {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        let text = format!(
            "{}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Strict{secure}",
            self.cookie_name()
        );
        // The token is base64url, so the header is always valid.
        HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// The session token the request carries, if any.
    pub(crate) fn token(&self, headers: &HeaderMap) -> Option<SessionToken> {
        let name = self.cookie_name();
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(key, value)| *key == name && !value.is_empty())
            .map(|(_, value)| SessionToken::new(value))
    }
}

pub(crate) fn settings(parts: &Parts) -> Result<Arc<ConsoleSettings>, PageError> {
    parts
        .extensions
        .get::<Arc<ConsoleSettings>>()
        .cloned()
        .ok_or_else(|| {
            tracing::error!("console route without its settings");
            PageError::Internal
        })
}

/// The signed-in user of the request; without a live session the request is sent to the
/// sign-in page. Put it first among a page handler's arguments.
#[derive(Debug, Clone)]
pub(crate) struct Console(pub SignedIn);

impl FromRequestParts<AppState> for Console {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let settings = settings(parts)?;
        let token = settings.token(&parts.headers).ok_or(PageError::SignIn)?;
        let signed_in = state
            .app
            .console_session(&settings.policy, &token)
            .await?
            .ok_or(PageError::SignIn)?;
        let span = tracing::Span::current();
        span.record("tenant", tracing::field::display(signed_in.scope.tenant()));
        span.record("role", signed_in.scope.role().as_str());
        Ok(Console(signed_in))
    }
}

/// A submitted form of a signed-in user: the session is checked, then the form's `csrf` field
/// against the session's token (403 page when missing or wrong), and only then are the fields
/// parsed into `T` (422 page when they do not fit). `T` need not declare `csrf`.
#[derive(Debug)]
pub(crate) struct ConsoleForm<T> {
    pub console: SignedIn,
    pub form: T,
}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned> FromRequest<AppState> for ConsoleForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let Console(console) = Console::from_request_parts(&mut parts, state).await?;
        let request = Request::from_parts(parts, body);
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| PageError::Invalid("the form could not be read".to_owned()))?;
        let presented: CsrfField =
            serde_urlencoded::from_bytes(&bytes).map_err(|_| PageError::Csrf)?;
        if !console.csrf_matches(&presented.csrf) {
            tracing::warn!("console form refused: CSRF token missing or wrong");
            return Err(PageError::Csrf);
        }
        let form = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| PageError::Invalid(format!("the form is incomplete: {e}")))?;
        Ok(ConsoleForm { console, form })
    }
}

/// A form with no fields but its CSRF token (sign-out, reveal).
#[derive(Debug, Deserialize)]
pub(crate) struct NoFields {}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(secure: bool) -> ConsoleSettings {
        ConsoleSettings {
            policy: SessionPolicy::default(),
            secure_cookies: secure,
        }
    }

    #[test]
    fn the_cookie_is_http_only_strict_and_secure_when_asked() {
        let token = SessionToken::new("abc");
        let plain = settings(false).session_cookie(&token, 60);
        assert_eq!(
            plain.to_str().unwrap(),
            "cloudkyc_session=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Strict"
        );
        let secure = settings(true).session_cookie(&token, 60);
        assert_eq!(
            secure.to_str().unwrap(),
            "__Host-cloudkyc_session=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure"
        );
    }

    #[test]
    fn the_token_is_read_from_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; cloudkyc_session=tok; b=2"),
        );
        assert_eq!(
            settings(false).token(&headers),
            Some(SessionToken::new("tok"))
        );
        assert_eq!(settings(true).token(&headers), None);
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("cloudkyc_session="),
        );
        assert_eq!(settings(false).token(&headers), None);
    }
}

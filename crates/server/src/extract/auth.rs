//! Authentication: `Authorization: Bearer <API key>` → the caller's [`TenantScope`].
//!
//! Every refusal (no header, another scheme, a malformed, unknown, revoked or expired key) is the
//! same 401 with a `WWW-Authenticate: Bearer` challenge, so a caller learns nothing about which
//! keys exist; the application logs the reason. What the scope may do is decided by the use case
//! (`Role::allows`), not here.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use cloudkyc_store::TenantScope;

use crate::problem::ApiError;
use crate::state::AppState;

/// The authenticated caller. Put it first among a handler's arguments, so that a request without
/// credentials is refused before its parameters or body are looked at.
#[derive(Debug, Clone)]
pub struct Auth(pub TenantScope);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let presented = bearer_token(&parts.headers)?;
        match state.app.authenticate(presented).await? {
            Some(scope) => {
                let span = tracing::Span::current();
                span.record("tenant", tracing::field::display(scope.tenant()));
                span.record("role", scope.role().as_str());
                Ok(Auth(scope))
            }
            None => Err(ApiError::unauthorized("the API key was not accepted", true)),
        }
    }
}

fn bearer_token(headers: &HeaderMap) -> Result<&str, ApiError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(ApiError::unauthorized(
            "send an API key as `Authorization: Bearer <key>`",
            false,
        ));
    };
    let malformed =
        || ApiError::unauthorized("the Authorization header must be `Bearer <key>`", true);
    if values.next().is_some() {
        return Err(malformed());
    }
    let text = value.to_str().map_err(|_| malformed())?;
    let (scheme, token) = text.trim().split_once(' ').ok_or_else(malformed)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(malformed());
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;
    use crate::problem::ProblemKind;

    fn with(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(header::AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_token(&with(&["Bearer ck_x"])).unwrap(), "ck_x");
        assert_eq!(bearer_token(&with(&["bearer   ck_x "])).unwrap(), "ck_x");
    }

    #[test]
    fn anything_else_is_unauthorized() {
        for headers in [
            with(&[]),
            with(&["Basic dXNlcjpwYXNz"]),
            with(&["Bearer"]),
            with(&["Bearer "]),
            with(&["ck_x"]),
            with(&["Bearer a", "Bearer b"]),
        ] {
            let error = bearer_token(&headers).unwrap_err();
            assert_eq!(error.kind(), ProblemKind::Unauthorized);
        }
    }
}

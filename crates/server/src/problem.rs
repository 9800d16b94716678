//! Problem details (RFC 9457): the one shape of every error the API answers.
//!
//! Handlers and extractors return [`ApiError`]. Its response carries the [`Problem`] both as the
//! body and as a response extension; the outermost middleware fills in the request id (which a
//! handler does not know) and turns any bare error response from axum or a layer (405, a panic)
//! into a problem too, so no error leaves the server in another shape.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cloudkyc_app::{AppError, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The error body of every 4xx and 5xx answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:cloudkyc:problem:validation",
    "title": "Invalid request",
    "status": 422,
    "detail": "1 field is invalid",
    "request_id": "0b9e6b0e-3c1f-4a53-9d55-5f0f6f1c1a2e",
    "errors": [{"path": "/name", "message": "must be 1 to 100 characters"}]
}))]
pub struct Problem {
    /// A stable identifier of the kind of problem (`urn:cloudkyc:problem:<kind>`, or
    /// `about:blank` for a bare HTTP status).
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem; the same for every occurrence.
    pub title: String,
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// The request's id, also in the `x-request-id` response header; quote it when reporting a
    /// problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Every invalid field of the request (422 only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<InvalidField>,
}

/// One invalid field: a JSON pointer into the request (the body, or the query string for query
/// parameters) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InvalidField {
    pub path: String,
    pub message: String,
}

impl From<FieldError> for InvalidField {
    fn from(e: FieldError) -> Self {
        Self {
            path: e.path,
            message: e.message,
        }
    }
}

impl Problem {
    /// A problem for a status that no [`ApiError`] described (a bare response from a layer).
    pub fn for_status(status: StatusCode) -> Self {
        let reason = status.canonical_reason().unwrap_or("Error");
        if let Some(kind) = ProblemKind::for_status(status) {
            return kind.problem(kind.default_detail().to_owned());
        }
        Self {
            kind: "about:blank".into(),
            title: reason.into(),
            status: status.as_u16(),
            detail: reason.into(),
            request_id: None,
            errors: Vec::new(),
        }
    }

    pub fn into_response_with(self, mut response: Response) -> Response {
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        headers.remove(header::CONTENT_LENGTH);
        let (parts, _) = response.into_parts();
        let mut response = Response::from_parts(parts, axum::body::Body::from(body));
        response.extensions_mut().insert(self);
        response
    }
}

/// The kinds of problem the API distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    Validation,
    TooManyRequests,
    Internal,
    Unavailable,
    Timeout,
}

impl ProblemKind {
    pub const ALL: [ProblemKind; 13] = [
        ProblemKind::BadRequest,
        ProblemKind::Unauthorized,
        ProblemKind::Forbidden,
        ProblemKind::NotFound,
        ProblemKind::MethodNotAllowed,
        ProblemKind::Conflict,
        ProblemKind::PayloadTooLarge,
        ProblemKind::UnsupportedMediaType,
        ProblemKind::Validation,
        ProblemKind::TooManyRequests,
        ProblemKind::Internal,
        ProblemKind::Unavailable,
        ProblemKind::Timeout,
    ];

    pub fn status(self) -> StatusCode {
        match self {
            ProblemKind::BadRequest => StatusCode::BAD_REQUEST,
            ProblemKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ProblemKind::Forbidden => StatusCode::FORBIDDEN,
            ProblemKind::NotFound => StatusCode::NOT_FOUND,
            ProblemKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ProblemKind::Conflict => StatusCode::CONFLICT,
            ProblemKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ProblemKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ProblemKind::Validation => StatusCode::UNPROCESSABLE_ENTITY,
            ProblemKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ProblemKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ProblemKind::Unavailable | ProblemKind::Timeout => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The last segment of the `type` URI.
    pub fn slug(self) -> &'static str {
        match self {
            ProblemKind::BadRequest => "bad-request",
            ProblemKind::Unauthorized => "unauthorized",
            ProblemKind::Forbidden => "forbidden",
            ProblemKind::NotFound => "not-found",
            ProblemKind::MethodNotAllowed => "method-not-allowed",
            ProblemKind::Conflict => "conflict",
            ProblemKind::PayloadTooLarge => "payload-too-large",
            ProblemKind::UnsupportedMediaType => "unsupported-media-type",
            ProblemKind::Validation => "validation",
            ProblemKind::TooManyRequests => "too-many-requests",
            ProblemKind::Internal => "internal",
            ProblemKind::Unavailable => "unavailable",
            ProblemKind::Timeout => "timeout",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ProblemKind::BadRequest => "Bad request",
            ProblemKind::Unauthorized => "Missing or invalid credentials",
            ProblemKind::Forbidden => "Not allowed",
            ProblemKind::NotFound => "Not found",
            ProblemKind::MethodNotAllowed => "Method not allowed",
            ProblemKind::Conflict => "Conflict",
            ProblemKind::PayloadTooLarge => "Request body too large",
            ProblemKind::UnsupportedMediaType => "Unsupported media type",
            ProblemKind::Validation => "Invalid request",
            ProblemKind::TooManyRequests => "Too many requests",
            ProblemKind::Internal => "Internal error",
            ProblemKind::Unavailable => "Service unavailable",
            ProblemKind::Timeout => "Request timed out",
        }
    }

    fn default_detail(self) -> &'static str {
        match self {
            ProblemKind::MethodNotAllowed => {
                "this path does not accept this method; the Allow header lists those it does"
            }
            ProblemKind::PayloadTooLarge => "the request body is larger than this endpoint accepts",
            ProblemKind::Internal => {
                "the server failed to answer this request; quote the request id when reporting it"
            }
            ProblemKind::Timeout => {
                "the request took too long and was abandoned; it may be retried"
            }
            _ => self.title(),
        }
    }

    fn for_status(status: StatusCode) -> Option<Self> {
        // Timeout shares 503 with Unavailable; a bare 503 is the latter.
        Self::ALL
            .into_iter()
            .filter(|k| *k != ProblemKind::Timeout)
            .find(|k| k.status() == status)
    }

    pub fn type_uri(self) -> String {
        format!("urn:cloudkyc:problem:{}", self.slug())
    }

    fn problem(self, detail: String) -> Problem {
        Problem {
            kind: self.type_uri(),
            title: self.title().into(),
            status: self.status().as_u16(),
            detail,
            request_id: None,
            errors: Vec::new(),
        }
    }
}

/// Why a request failed, as the API tells it.
#[derive(Debug)]
pub struct ApiError {
    kind: ProblemKind,
    detail: String,
    errors: Vec<InvalidField>,
    /// RFC 6750 says which kind of bearer failure this was; only set on 401.
    bearer_error: Option<&'static str>,
    /// Logged, never answered.
    hidden_cause: Option<String>,
}

impl ApiError {
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            errors: Vec::new(),
            bearer_error: None,
            hidden_cause: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(ProblemKind::BadRequest, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(ProblemKind::NotFound, detail)
    }

    /// A 422 listing every invalid field.
    pub fn invalid(errors: Vec<InvalidField>) -> Self {
        let detail = match errors.len() {
            1 => "1 field is invalid".to_owned(),
            n => format!("{n} fields are invalid"),
        };
        Self {
            errors,
            ..Self::new(ProblemKind::Validation, detail)
        }
    }

    /// No credentials were sent (`invalid_token` false) or they were refused (true).
    pub fn unauthorized(detail: impl Into<String>, invalid_token: bool) -> Self {
        Self {
            bearer_error: invalid_token.then_some("invalid_token"),
            ..Self::new(ProblemKind::Unauthorized, detail)
        }
    }

    /// A failure whose cause must be logged but not shown (it may name tables, files, keys).
    pub fn internal(cause: impl Into<String>) -> Self {
        Self {
            hidden_cause: Some(cause.into()),
            ..Self::new(
                ProblemKind::Internal,
                ProblemKind::Internal.default_detail(),
            )
        }
    }

    pub fn unavailable(cause: impl Into<String>) -> Self {
        Self {
            hidden_cause: Some(cause.into()),
            ..Self::new(
                ProblemKind::Unavailable,
                "a backing service (the database) is unavailable; try again shortly",
            )
        }
    }

    pub fn timeout() -> Self {
        Self::new(ProblemKind::Timeout, ProblemKind::Timeout.default_detail())
    }

    pub fn kind(&self) -> ProblemKind {
        self.kind
    }

    pub fn status(&self) -> StatusCode {
        self.kind.status()
    }

    pub fn detail(&self) -> &str {
        &self.detail
    }

    pub fn errors(&self) -> &[InvalidField] {
        &self.errors
    }

    fn problem(&self) -> Problem {
        Problem {
            errors: self.errors.clone(),
            ..self.kind.problem(self.detail.clone())
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound(what) => ApiError::not_found(format!("{what} not found")),
            AppError::Forbidden(why) => ApiError::new(ProblemKind::Forbidden, why),
            AppError::Invalid(errors) => {
                ApiError::invalid(errors.into_iter().map(InvalidField::from).collect())
            }
            AppError::Conflict(why) => ApiError::new(ProblemKind::Conflict, why),
            AppError::Unavailable(cause) => ApiError::unavailable(cause),
            AppError::Internal(cause) => ApiError::internal(cause),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // Inside the request's span, so these lines carry its request id.
        match (&self.kind, &self.hidden_cause) {
            (ProblemKind::Internal, Some(cause)) => {
                tracing::error!(error = %cause, "internal error")
            }
            (_, Some(cause)) => {
                tracing::warn!(error = %cause, kind = self.kind.slug(), "request failed")
            }
            _ => {}
        }
        let mut response = self.status().into_response();
        if self.kind == ProblemKind::Unauthorized {
            let challenge = match self.bearer_error {
                Some(error) => format!(r#"Bearer realm="cloudkyc", error="{error}""#),
                None => r#"Bearer realm="cloudkyc""#.to_owned(),
            };
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, value);
            }
        }
        if self.kind == ProblemKind::Unavailable || self.kind == ProblemKind::Timeout {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        self.problem().into_response_with(response)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn body(response: Response) -> Problem {
        response.extensions().get::<Problem>().cloned().unwrap()
    }

    #[test]
    fn every_app_error_maps_to_its_status() {
        let cases = [
            (AppError::NotFound("api key".into()), 404),
            (AppError::Forbidden("no".into()), 403),
            (AppError::invalid("/name", "empty"), 422),
            (AppError::Conflict("twice".into()), 409),
            (AppError::Unavailable("db down".into()), 503),
            (AppError::Internal("secret table name".into()), 500),
        ];
        for (error, status) in cases {
            let response = ApiError::from(error).into_response();
            assert_eq!(response.status().as_u16(), status);
            assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
            assert_eq!(body(response).status, status);
        }
    }

    #[test]
    fn internal_causes_are_never_shown() {
        let problem =
            body(ApiError::from(AppError::Internal("secret table name".into())).into_response());
        assert!(!problem.detail.contains("secret"));
        let problem = body(
            ApiError::from(AppError::Unavailable("pg at 10.0.0.5 refused".into())).into_response(),
        );
        assert!(!problem.detail.contains("10.0.0.5"));
    }

    #[test]
    fn a_validation_problem_lists_every_field() {
        let error = AppError::Invalid(vec![FieldError::new("/a", "x"), FieldError::new("/b", "y")]);
        let problem = body(ApiError::from(error).into_response());
        assert_eq!(problem.kind, "urn:cloudkyc:problem:validation");
        assert_eq!(problem.errors.len(), 2);
        assert_eq!(problem.detail, "2 fields are invalid");
    }

    #[test]
    fn unauthorized_answers_carry_a_bearer_challenge() {
        let response = ApiError::unauthorized("missing", false).into_response();
        assert_eq!(
            response.headers()[header::WWW_AUTHENTICATE],
            r#"Bearer realm="cloudkyc""#
        );
        let response = ApiError::unauthorized("refused", true).into_response();
        assert!(
            response.headers()[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .contains("invalid_token")
        );
    }

    #[test]
    fn bare_statuses_get_a_problem_of_their_kind_or_about_blank() {
        assert_eq!(
            Problem::for_status(StatusCode::METHOD_NOT_ALLOWED).kind,
            "urn:cloudkyc:problem:method-not-allowed"
        );
        assert_eq!(
            Problem::for_status(StatusCode::SERVICE_UNAVAILABLE).kind,
            "urn:cloudkyc:problem:unavailable"
        );
        let teapot = Problem::for_status(StatusCode::IM_A_TEAPOT);
        assert_eq!((teapot.kind.as_str(), teapot.status), ("about:blank", 418));
    }

    #[test]
    fn kinds_have_distinct_types() {
        let mut slugs: Vec<_> = ProblemKind::ALL.iter().map(|k| k.slug()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), ProblemKind::ALL.len());
    }
}

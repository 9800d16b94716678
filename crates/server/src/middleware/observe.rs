//! The outermost middleware: request id, tracing span, timeout, metrics, and the last word on
//! error bodies.
//!
//! It runs after routing (it is added with `Router::layer`), so it knows the route *template*
//! (`/v1/keys/{id}`). Only the template, the method, the status, the latency, the request id and
//! (once authenticated) the tenant and role are logged: never the raw path or query, which may
//! carry personal data, never a body, never a header.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;
use tracing::field::Empty;

use super::request_id::{RequestId, X_REQUEST_ID};
use crate::metrics::Metrics;
use crate::problem::{ApiError, Problem};

/// The route label of requests that matched no route.
pub const UNMATCHED: &str = "unmatched";

#[derive(Debug, Clone)]
pub struct Observe {
    pub metrics: Arc<Metrics>,
    pub request_timeout: Duration,
}

pub async fn observe(State(observe): State<Observe>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = RequestId::from_headers(request.headers());
    request.extensions_mut().insert(request_id.clone());
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!(
        "request",
        method = %method,
        route = %route,
        request_id = %request_id,
        tenant = Empty,
        role = Empty,
    );

    let answered = tokio::time::timeout(observe.request_timeout, next.run(request))
        .instrument(span.clone())
        .await;
    let response = span.in_scope(|| match answered {
        Ok(response) => response,
        Err(_elapsed) => ApiError::timeout().into_response(),
    });
    let mut response = finish_error_body(response, &request_id);
    response
        .headers_mut()
        .insert(&X_REQUEST_ID, request_id.header_value());

    let elapsed = started.elapsed();
    let status = response.status();
    observe
        .metrics
        .observe_request(&method, &route, status.as_u16(), elapsed);
    span.in_scope(|| {
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        if status.is_server_error() {
            tracing::warn!(status = status.as_u16(), latency_ms, "request answered");
        } else {
            tracing::info!(status = status.as_u16(), latency_ms, "request answered");
        }
    });
    response
}

/// Puts the request id into a problem body, and turns a bare error response (axum's 405, a
/// layer's answer) into a problem of its status. JSON error bodies are left alone: `/readyz`
/// answers its 503 with its own report.
fn finish_error_body(mut response: Response, request_id: &RequestId) -> Response {
    if let Some(problem) = response.extensions_mut().remove::<Problem>() {
        let problem = Problem {
            request_id: Some(request_id.to_string()),
            ..problem
        };
        return problem.into_response_with(response);
    }
    let status = response.status();
    if (status.is_client_error() || status.is_server_error()) && !has_json_body(&response) {
        let problem = Problem {
            request_id: Some(request_id.to_string()),
            ..Problem::for_status(status)
        };
        return problem.into_response_with(response);
    }
    response
}

fn has_json_body(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|essence| {
            // The console answers its errors with HTML pages of their own.
            essence == "application/json" || essence.ends_with("+json") || essence == "text/html"
        })
}

/// The answer to a panicking handler (caught by `CatchPanicLayer`). The payload is not logged:
/// it may quote the data the handler was working on.
pub fn panic_response(_payload: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("a request handler panicked").into_response()
}

//! The middleware every route runs through, outermost first: [`observe::observe`] (request id,
//! span, timeout, metrics, problem bodies), the panic catcher, the default body limit.

pub(crate) mod observe;
pub(crate) mod rate_limit;
pub(crate) mod request_id;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::catch_panic::CatchPanicLayer;

use crate::config::ServerConfig;
use crate::metrics::Metrics;

pub use request_id::RequestId;

/// Wraps every route of `router` (and its fallback) in the standard stack. Generic over the
/// state so that unit tests can run the same stack around handlers of their own.
pub(crate) fn apply<S>(router: Router<S>, metrics: Arc<Metrics>, config: &ServerConfig) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let observe = observe::Observe {
        metrics,
        request_timeout: config.request_timeout,
    };
    router
        .layer(DefaultBodyLimit::max(config.body_limit_bytes))
        .layer(CatchPanicLayer::custom(observe::panic_response))
        .layer(axum::middleware::from_fn_with_state(
            observe,
            observe::observe,
        ))
}

#[cfg(test)]
mod tests;

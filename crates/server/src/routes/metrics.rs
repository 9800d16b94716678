//! `GET /metrics`: Prometheus (OpenMetrics) text.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::metrics::OPENMETRICS_TEXT;
use crate::state::AppState;

/// Prometheus metrics.
///
/// Counters and histograms of the HTTP API, job queue depth by state, open, overdue and due-soon
/// cases, overdue and due-soon deadlines by kind (case kinds, special measures' effective dates,
/// reseller termination deadlines), and build information,
/// in the OpenMetrics text format.
#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "OpenMetrics text exposition", content_type = "application/openmetrics-text", body = String))
)]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    // Queue depth is read at scrape time: the queue is shared by every instance, so a counter
    // kept in this process would only see its own share.
    match state.app.job_counts().await {
        Ok(counts) => state.metrics.set_job_counts(counts),
        Err(error) => tracing::warn!(%error, "metrics: job counts unavailable"),
    }
    match state.app.deadline_counts().await {
        Ok(counts) => state.metrics.set_deadline_counts(&counts),
        Err(error) => tracing::warn!(%error, "metrics: deadline counts unavailable"),
    }
    match state.app.lists_metrics().await {
        Ok(lists) => state.metrics.set_lists(&lists),
        Err(error) => tracing::warn!(%error, "metrics: list status unavailable"),
    }
    (
        [(header::CONTENT_TYPE, OPENMETRICS_TEXT)],
        state.metrics.render(),
    )
}

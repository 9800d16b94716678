//! The `Server-Timing` header of every console response, so that a page's server time shows in
//! a browser's developer tools (issue 8: every page under 100 ms on the demo data;
//! `examples/console_pages.rs` measures them all).
//!
//! `total` is the time from the request reaching the console's routes to the response being
//! ready (session lookup, use cases, template); a rendered page also says how much of it was the
//! template (`render`) and the rest (`app`). The bodies are whole strings, so nothing is left to
//! compute after the header is written. Only durations are sent: no names, no queries.

use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub(crate) const SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// How long rendering the page's template took: put into the response by
/// [`super::layout::render_status`], taken out (and reported) by [`server_timing`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct RenderTime(pub Duration);

/// The middleware: times the request and writes the header.
pub(crate) async fn server_timing(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let mut response = next.run(request).await;
    let total = started.elapsed();
    let render = response
        .extensions_mut()
        .remove::<RenderTime>()
        .map(|RenderTime(d)| d);
    // Digits, letters and punctuation only: always a valid header value.
    if let Ok(value) = HeaderValue::from_str(&header_value(render, total)) {
        response.headers_mut().insert(SERVER_TIMING, value);
    }
    response
}

fn ms(duration: Duration) -> String {
    format!("{:.3}", duration.as_secs_f64() * 1e3)
}

/// `app;dur=1.200;desc="session and use cases", render;dur=0.300;desc="template",
/// total;dur=1.500` (durations in milliseconds), or only `total` when nothing was rendered
/// (a redirect, the stylesheet).
pub(crate) fn header_value(render: Option<Duration>, total: Duration) -> String {
    match render {
        Some(render) => format!(
            "app;dur={};desc=\"session and use cases\", render;dur={};desc=\"template\", total;dur={}",
            ms(total.saturating_sub(render)),
            ms(render),
            ms(total)
        ),
        None => format!("total;dur={}", ms(total)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_splits_the_total_into_app_and_render() {
        let value = header_value(
            Some(Duration::from_micros(300)),
            Duration::from_micros(1_500),
        );
        assert_eq!(
            value,
            "app;dur=1.200;desc=\"session and use cases\", render;dur=0.300;desc=\"template\", \
             total;dur=1.500"
        );
        assert!(HeaderValue::from_str(&value).is_ok());
        assert_eq!(
            header_value(None, Duration::from_millis(42)),
            "total;dur=42.000"
        );
    }

    #[test]
    fn a_render_longer_than_the_total_does_not_underflow() {
        let value = header_value(Some(Duration::from_millis(2)), Duration::from_millis(1));
        assert!(value.starts_with("app;dur=0.000;"), "{value}");
    }
}

//! Rate limits: a token bucket per API key, and per client IP for the routes that take no key
//! (health, metrics, the OpenAPI document, the signed vendor webhook) and for requests that send
//! none. A request that finds its bucket empty is answered 429 with `Retry-After`, before any
//! handler runs.
//!
//! The buckets live in this process. With several instances behind a load balancer each one
//! enforces its own buckets, so a key's effective limit is the configured one times the number
//! of instances it is spread over.
//!
//! A key's bucket is found by the SHA-256 of the presented token, so the limiter never holds a
//! key. An unknown token gets a bucket like any other (its request then fails with 401); the
//! map is bounded by forgetting buckets that have refilled, which a one-off token's does quickly.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::config::{BucketLimit, RateLimitConfig};
use crate::problem::{ApiError, ProblemKind};
use crate::routes::{Access, RouteSpec};

/// Past this many tracked buckets, full (idle) ones are forgotten before a new one is added.
const MAX_TRACKED: usize = 100_000;

/// The state of the rate-limit middleware: both sets of buckets and which routes take no key.
#[derive(Debug)]
pub struct RateLimiter {
    per_key: Buckets<[u8; 32]>,
    per_ip: Buckets<IpAddr>,
    /// `(method, route template)` of the routes limited per client IP whatever they carry.
    keyless_routes: HashSet<(Method, &'static str)>,
}

impl RateLimiter {
    pub fn new(config: &RateLimitConfig, keyless_routes: HashSet<(Method, &'static str)>) -> Self {
        Self {
            per_key: Buckets::new(config.per_key),
            per_ip: Buckets::new(config.per_ip),
            keyless_routes,
        }
    }

    /// Takes a token for this request; `Err` holds how long until one is available.
    fn admit(&self, request: &Request, now: Instant) -> Result<(), Duration> {
        let route = request.extensions().get::<MatchedPath>();
        let keyless = route.is_none_or(|route| {
            self.keyless_routes
                .contains(&(request.method().clone(), route.as_str()))
        });
        match bearer_token(request) {
            Some(token) if !keyless => {
                let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
                self.per_key.take(digest, now)
            }
            _ => match client_ip(request) {
                Some(ip) => self.per_ip.take(ip, now),
                // A router called in-process (not through `serve`) knows no peer; one shared
                // bucket would let any caller starve the others, so there is none.
                None => Ok(()),
            },
        }
    }
}

/// Wraps `router` in the rate limiter `config` describes (nothing when it is off). `routes` is
/// the route table: its public and signed routes are limited per client IP.
pub(crate) fn apply<S>(
    router: Router<S>,
    config: &RateLimitConfig,
    routes: &[RouteSpec],
) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    if !config.enabled {
        return router;
    }
    let keyless = routes
        .iter()
        .filter(|spec| matches!(spec.access, Access::Public | Access::Signed))
        .map(|spec| (spec.verb.method(), spec.path))
        .collect();
    let limiter = Arc::new(RateLimiter::new(config, keyless));
    router.layer(axum::middleware::from_fn_with_state(limiter, rate_limit))
}

/// The middleware: answers 429 when the request's bucket is empty.
pub async fn rate_limit(
    State(limiter): State<Arc<RateLimiter>>,
    request: Request,
    next: Next,
) -> Response {
    match limiter.admit(&request, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => too_many_requests(wait),
    }
}

fn too_many_requests(wait: Duration) -> Response {
    // Whole seconds, rounded up, and at least one: a client that waits that long gets through.
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let detail = format!("rate limit reached; retry in {seconds} s");
    let mut response = ApiError::new(ProblemKind::TooManyRequests, detail).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

fn bearer_token(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The peer address of the connection, which `serve` records for every connection.
fn client_ip(request: &Request) -> Option<IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

#[derive(Debug)]
struct Buckets<K> {
    limit: BucketLimit,
    buckets: Mutex<HashMap<K, Bucket>>,
}

impl<K: Eq + Hash> Buckets<K> {
    fn new(limit: BucketLimit) -> Self {
        Self {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn refilled(&self, bucket: Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        let burst = f64::from(self.limit.burst);
        (bucket.tokens + elapsed * self.limit.per_second).min(burst)
    }

    fn take(&self, key: K, now: Instant) -> Result<(), Duration> {
        let burst = f64::from(self.limit.burst);
        // A poisoned lock only means another request panicked mid-update of plain numbers.
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(&key) {
            buckets.retain(|_, bucket| self.refilled(*bucket, now) < burst);
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        let tokens = self.refilled(*bucket, now);
        if tokens >= 1.0 {
            *bucket = Bucket {
                tokens: tokens - 1.0,
                updated: now,
            };
            return Ok(());
        }
        let missing = 1.0 - tokens;
        Err(Duration::from_secs_f64(missing / self.limit.per_second))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buckets(per_second: f64, burst: u32) -> Buckets<u8> {
        Buckets::new(BucketLimit { per_second, burst })
    }

    #[test]
    fn a_full_bucket_admits_its_burst_then_refuses() {
        let limit = buckets(1.0, 3);
        let now = Instant::now();
        for _ in 0..3 {
            assert_eq!(limit.take(1, now), Ok(()));
        }
        let wait = limit.take(1, now).unwrap_err();
        assert_eq!(wait, Duration::from_secs(1));
        // Another key has a bucket of its own.
        assert_eq!(limit.take(2, now), Ok(()));
    }

    #[test]
    fn tokens_come_back_at_the_configured_rate() {
        let limit = buckets(10.0, 1);
        let now = Instant::now();
        assert_eq!(limit.take(1, now), Ok(()));
        assert!(limit.take(1, now + Duration::from_millis(50)).is_err());
        assert_eq!(limit.take(1, now + Duration::from_millis(100)), Ok(()));
    }

    #[test]
    fn refilled_buckets_are_forgotten_when_the_map_is_full() {
        let limit = Buckets::new(BucketLimit {
            per_second: 1000.0,
            burst: 1,
        });
        let now = Instant::now();
        for key in 0..MAX_TRACKED as u32 {
            limit.take(key, now).unwrap();
        }
        limit.take(u32::MAX, now + Duration::from_secs(1)).unwrap();
        assert_eq!(limit.buckets.lock().unwrap().len(), 1);
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        let response = too_many_requests(Duration::from_millis(1200));
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        let response = too_many_requests(Duration::from_millis(10));
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }
}

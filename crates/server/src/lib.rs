#![doc = include_str!("../README.md")]

mod config;
mod console;
mod dto;
pub mod extract;
pub mod ingest;
mod metrics;
mod middleware;
pub mod problem;
mod routes;
mod serve;
mod state;

pub use config::{BucketLimit, RateLimitConfig, ServerConfig, WebhookSecret, WebhooksConfig};
pub use middleware::RequestId;
pub use problem::{ApiError, InvalidField, Problem, ProblemKind};
pub use routes::openapi::ApiDoc;
pub use routes::{Access, BodyLimit, RouteSpec, Verb, router, routes};
pub use serve::{ServeError, Server, serve, shutdown_signal};
pub use state::AppState;

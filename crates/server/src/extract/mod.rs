//! Extractors whose every rejection is a problem+json answer.

mod auth;
pub(crate) mod json;
mod path;
pub(crate) mod query;

pub use auth::Auth;
pub use json::ApiJson;
pub use path::ApiPath;
pub use query::ApiQuery;

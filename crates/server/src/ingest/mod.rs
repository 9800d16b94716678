//! Telemetry consumers that feed the same use cases as the bulk HTTP endpoints.

pub mod jetstream;

pub use jetstream::{JetStreamConfig, JetStreamConsumer, JetStreamError};

//! JSON for 128-bit integers: written as numbers (f64), because JSON consumers and
//! `serde_json::Value` cannot hold integers above 2^64 and ops/s sums of large clusters exceed
//! that. The integers stay exact inside the engine; only their JSON view is rounded.

use serde::Serializer;

// serde's `serialize_with` passes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
pub fn as_f64<S: Serializer>(value: &u128, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(*value as f64)
}

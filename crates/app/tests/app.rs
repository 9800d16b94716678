//! The use cases against a real backend: a fresh SQLite database in a temporary directory per
//! test, the bundled rule pack and a `ManualClock`.

// Test helpers outside #[test] functions fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod app {
    mod compute;
    mod compute_groups;
    mod compute_measures;
    mod compute_purge;
    mod compute_support;
    mod demo;
    mod demo_oversight;
    mod instances;
    mod reports;
}

//! Integration tests of cloudkyc-compute: scenarios on real GPU-cluster traces, the public-run
//! regression fixtures, and property tests.

// Test helpers outside #[test] functions panic on broken fixtures by design.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod compute {
    pub mod fixtures;
    pub mod properties;
    pub mod scenarios;
}

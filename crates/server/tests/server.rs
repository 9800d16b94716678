//! The HTTP API, in-process (`tower::ServiceExt::oneshot`) against a fresh SQLite database per
//! test, plus one test over real TCP.

// Test helpers outside #[test] functions fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod server {
    mod access_events;
    mod audit;
    mod auth;
    mod authorisation;
    mod authz_rotation;
    mod bad_input;
    mod cases;
    mod compute_cases;
    mod console_auth;
    mod console_oversight;
    mod console_pages;
    mod console_support;
    mod console_timeline;
    mod console_timing;
    mod console_users;
    mod customers;
    mod documents;
    mod jetstream;
    mod keys;
    mod lists;
    mod logs;
    mod openapi;
    mod operations;
    mod owners;
    mod ownership;
    mod rate_limits;
    mod redetermination;
    mod reports;
    mod reseller_migration;
    mod resellers;
    mod resellers_isolation;
    mod retention;
    mod reverification;
    mod screening_dispositions;
    mod screenings;
    mod special_measures;
    mod support;
    mod tcp;
    mod usage;
    mod vendor_webhook;
    mod verifications;
    mod webhooks;
}

//! The compliance console in a real browser: headless Chromium driven over WebDriver through the
//! demo, against the real server on a socket. Screenshots of the main pages are written to
//! `target/console-screenshots/` (or to `CLOUDKYC_CONSOLE_SCREENSHOTS`, relative to the
//! workspace root: `docs/console` regenerates the README's).
//!
//! Runs when chromedriver is installed (`/usr/bin/chromedriver`, Debian's `chromium-driver`) or
//! named by `CLOUDKYC_TEST_CHROMEDRIVER`; with that variable set it must run, so CI never skips
//! it. Otherwise it prints that it skipped.

// Test helpers outside #[test] functions fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser {
    mod console_flow;
    mod demo_server;
    mod driver;
    mod screenshots;
    mod webdriver;
}

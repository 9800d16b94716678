//! `cloudkyc retention`, run as an operator would: the status and both kinds of purge answer
//! in text and JSON on a fresh database. Which customers expire is tested with a manual clock
//! in `cloudkyc-app` (`retention::tests`), on the same app calls these commands make.

// Test helpers outside #[test] functions fail loudly on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

const MASTER_KEY: &str = "6f0c1e2d3b4a59687766554433221100ffeeddccbbaa99887766554433221100";

fn cloudkyc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cloudkyc"))
        .args(args)
        .current_dir(dir)
        .env_remove("CLOUDKYC_DATABASE_URL")
        .env_remove("CLOUDKYC_POLICY")
        .env("CLOUDKYC_MASTER_KEY", MASTER_KEY)
        .output()
        .expect("the binary runs")
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = cloudkyc(dir, &all);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn status_and_purge_answer_on_a_fresh_database() {
    let dir = tempfile::tempdir().unwrap();
    let status = json(dir.path(), &["retention", "status"]);
    assert_eq!(status["retention_years"], 2);
    assert_eq!(status["retention_from"], "later");
    assert_eq!(
        (status["due"].as_u64(), status["held"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(status["due_customers"], serde_json::json!([]));
    assert_eq!(status["holds"], serde_json::json!([]));

    let dry = json(dir.path(), &["retention", "purge", "--dry-run"]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["customers"], serde_json::json!([]));
    let run = json(dir.path(), &["retention", "purge"]);
    assert_eq!(run["dry_run"], false);
    assert_eq!(run["skipped"], 0);

    let human = cloudkyc(dir.path(), &["retention", "status"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("due for purge: 0"), "{text}");
    let refused = cloudkyc(dir.path(), &["retention", "status", "--limit", "0"]);
    assert_eq!(refused.status.code(), Some(1));
}

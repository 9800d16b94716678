//! `cloudkyc report`, run as an operator would: the files it writes, the text of the PDFs, and
//! clear errors for what cannot be produced.

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

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The PDF's text, whitespace squashed (extraction breaks lines between text objects).
fn pdf_text(path: &Path) -> String {
    let doc = lopdf::Document::load(path).expect("the PDF parses");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    assert!(!pages.is_empty());
    let text = doc.extract_text(&pages).expect("text extracts");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn report_writes_json_and_pdf_for_each_kind_from_the_records() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out_arg = out.to_str().unwrap();
    let cases: [(&str, &[&str], &str); 4] = [
        (
            "written-cip",
            &[],
            "Customer Identification Program of Cloud Provider",
        ),
        (
            "certification-initial",
            &[
                "--officer",
                "Ngozi Adeyemi",
                "--title",
                "Chief Compliance Officer",
            ],
            "Initial certification of the Customer Identification Program",
        ),
        (
            "certification-annual",
            &["--year", "2025"],
            "Annual certification of the Customer Identification Program",
        ),
        ("adp", &[], "exemption package"),
    ];
    for (kind, extra, title) in cases {
        let mut args = vec!["--json", "report", kind, "--out", out_arg];
        args.extend_from_slice(extra);
        let run = cloudkyc(dir.path(), &args);
        assert!(run.status.success(), "{kind}: {}", stderr(&run));
        let printed: serde_json::Value = serde_json::from_str(&stdout(&run)).unwrap();
        let json_path = out.join(format!("{kind}.json"));
        let pdf_path = out.join(format!("{kind}.pdf"));
        let json = std::fs::read(&json_path).unwrap();
        let report: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(report["kind"], kind);
        let sha = printed["sha256"].as_str().unwrap();
        assert_eq!(sha, hex::encode(sha2_digest(&json)));
        let text = pdf_text(&pdf_path);
        assert!(text.contains(title), "{kind}: {title:?} not in {text}");
        // The footer of every page prints the digest the audit chain records.
        assert!(text.contains(sha), "{kind}: digest not printed");
    }
    let cert = pdf_text(&out.join("certification-initial.pdf"));
    assert!(cert.contains("Ngozi Adeyemi"), "{cert}");

    // One generation and one logged export per file written: three audit entries.
    let before = audit_entries(dir.path());
    let human = cloudkyc(dir.path(), &["report", "written-cip", "--out", out_arg]);
    assert!(human.status.success(), "{}", stderr(&human));
    assert!(stdout(&human).contains("recorded in the audit chain"));
    assert_eq!(audit_entries(dir.path()), before + 3);
    let verify = cloudkyc(dir.path(), &["audit", "verify"]);
    assert!(verify.status.success(), "{}", stderr(&verify));
}

#[test]
fn reports_that_cannot_be_made_fail_with_a_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out_arg = out.to_str().unwrap();
    let unknown = cloudkyc(dir.path(), &["report", "quarterly", "--out", out_arg]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("unknown report kind \"quarterly\""));

    let nobody = cloudkyc(
        dir.path(),
        &[
            "report",
            "production",
            "--out",
            out_arg,
            "--customer",
            "0190a5b2-0000-7000-8000-000000000000",
        ],
    );
    assert_eq!(nobody.status.code(), Some(1));
    assert!(stderr(&nobody).contains("not found"), "{}", stderr(&nobody));

    let none = cloudkyc(dir.path(), &["report", "production", "--out", out_arg]);
    assert_eq!(none.status.code(), Some(1));
    assert!(
        stderr(&none).contains("at least one customer"),
        "{}",
        stderr(&none)
    );
    assert!(!out.join("production.json").exists());
}

#[test]
fn an_out_of_cycle_certification_needs_a_reason_and_prints_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out_arg = out.to_str().unwrap();
    let kind = "certification-out-of-cycle";
    let missing = cloudkyc(dir.path(), &["report", kind, "--out", out_arg]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("say what changed"),
        "{}",
        stderr(&missing)
    );
    let bad = [
        "report",
        kind,
        "--out",
        out_arg,
        "--reason",
        "x",
        "--trigger",
        "mood",
    ];
    let bad = cloudkyc(dir.path(), &bad);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("unknown --trigger"),
        "{}",
        stderr(&bad)
    );
    assert!(!out.join(format!("{kind}.json")).exists());

    let reason = "Nimbus Holdings acquired the provider";
    let args = [
        "--json",
        "report",
        kind,
        "--out",
        out_arg,
        "--reason",
        reason,
        "--trigger",
        "corporate_structure_change",
    ];
    let run = cloudkyc(dir.path(), &args);
    assert!(run.status.success(), "{}", stderr(&run));
    let json = std::fs::read(out.join(format!("{kind}.json"))).unwrap();
    let report: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(report["out_of_cycle_reason"], reason);
    assert_eq!(report["out_of_cycle_trigger"], "corporate_structure_change");
    let text = pdf_text(&out.join(format!("{kind}.pdf")));
    for expected in [
        "Out-of-cycle update of the Customer Identification Program certification",
        reason,
        "a significant change in corporate structure (corporate_structure_change)",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
}

/// The number of audit entries over every chain, as `audit verify --json` counts them.
fn audit_entries(dir: &Path) -> u64 {
    let out = cloudkyc(dir, &["--json", "audit", "verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    report["chains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["entries"].as_u64().unwrap())
        .sum()
}

fn sha2_digest(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

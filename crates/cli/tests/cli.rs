//! The `cloudkyc` binary, run as an operator would run it: each test in a fresh directory.

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

#[test]
fn keys_create_prints_the_secret_alone_on_the_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = cloudkyc(
        dir.path(),
        &[
            "keys",
            "create",
            "--role",
            "integration",
            "--name",
            "platform",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let last = text.lines().last().unwrap();
    assert!(last.starts_with("ck_") && !last.contains(' '), "{text}");
    assert!(dir.path().join("cloudkyc-data/cloudkyc.db").exists());

    let listed = cloudkyc(dir.path(), &["--json", "keys", "list"]);
    let keys: serde_json::Value = serde_json::from_str(&stdout(&listed)).unwrap();
    assert_eq!(keys[0]["role"], "integration");
    assert_eq!(keys[0]["name"], "platform");
    assert!(
        !stdout(&listed).contains(last),
        "a listing never shows a secret"
    );
}

#[test]
fn an_unknown_role_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = cloudkyc(dir.path(), &["keys", "create", "--role", "root"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("unknown role \"root\""),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn audit_verify_passes_then_names_the_entry_an_attacker_altered() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a", "b", "c"] {
        assert!(
            cloudkyc(
                dir.path(),
                &["keys", "create", "--role", "officer", "--name", name]
            )
            .status
            .success()
        );
    }
    let ok = cloudkyc(dir.path(), &["audit", "verify"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("4 entries, intact"), "{}", stdout(&ok));

    // An attacker with write access to the file drops the guard trigger and rewrites history.
    let url = format!(
        "sqlite://{}",
        dir.path().join("cloudkyc-data/cloudkyc.db").display()
    );
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let triggers: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(
        !triggers.is_empty(),
        "the events table is guarded by triggers"
    );
    for t in triggers {
        sqlx::query(&format!("DROP TRIGGER {t}"))
            .execute(&pool)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 3")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let broken = cloudkyc(dir.path(), &["audit", "verify"]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(
        stderr(&broken).contains("broken at entry 3"),
        "{}",
        stderr(&broken)
    );
}

#[test]
fn the_wrong_master_key_fails_in_one_line_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        cloudkyc(dir.path(), &["keys", "create", "--role", "admin"])
            .status
            .success()
    );
    let before = stdout(&cloudkyc(dir.path(), &["--json", "keys", "list"]));
    let out = Command::new(env!("CARGO_BIN_EXE_cloudkyc"))
        .args(["keys", "list"])
        .current_dir(dir.path())
        .env("CLOUDKYC_MASTER_KEY", "00".repeat(32))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("master key"), "{err}");
    assert_eq!(err.lines().filter(|l| l.starts_with("error:")).count(), 1);
    let after = stdout(&cloudkyc(dir.path(), &["--json", "keys", "list"]));
    assert!(after == before, "the refused run changed the data");
}

#[test]
fn a_malformed_master_key_is_refused_before_anything_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cloudkyc"))
        .args(["keys", "list"])
        .current_dir(dir.path())
        .env("CLOUDKYC_MASTER_KEY", "not-hex")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("64 hexadecimal"), "{}", stderr(&out));
    assert!(!dir.path().join("cloudkyc-data").exists());
}

#[test]
fn without_a_master_key_one_is_generated_loudly_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cloudkyc"))
            .args(args)
            .current_dir(dir.path())
            .env_remove("CLOUDKYC_MASTER_KEY")
            .env_remove("CLOUDKYC_MASTER_KEY_FILE")
            .output()
            .unwrap()
    };
    let first = run(&["keys", "create", "--role", "admin"]);
    assert!(first.status.success());
    assert!(stderr(&first).contains("NO MASTER KEY CONFIGURED"));
    assert!(dir.path().join("cloudkyc-data/master.key").exists());
    let second = run(&["keys", "list"]);
    assert!(second.status.success(), "{}", stderr(&second));
}

#[test]
fn a_bad_rule_pack_is_refused_with_its_problems() {
    let dir = tempfile::tempdir().unwrap();
    let pack = cloudkyc(dir.path(), &["policy", "print"]);
    let text = stdout(&pack).replacen("version = \"1.0.0\"", "version = \"one\"", 1);
    std::fs::write(dir.path().join("mine.toml"), text).unwrap();
    let out = cloudkyc(dir.path(), &["policy", "check", "mine.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("pack.version"), "{}", stderr(&out));

    let serve = cloudkyc(dir.path(), &["--policy", "mine.toml", "keys", "list"]);
    assert_eq!(serve.status.code(), Some(1));
    assert!(
        !dir.path().join("cloudkyc-data").exists(),
        "nothing is created under a bad pack"
    );
}

#[test]
fn default_config_prints_a_file_the_binary_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let out = cloudkyc(dir.path(), &["default-config"]);
    assert!(out.status.success());
    std::fs::write(dir.path().join("cloudkyc.toml"), stdout(&out)).unwrap();
    let shown = cloudkyc(dir.path(), &["--json", "policy", "show"]);
    assert!(shown.status.success(), "{}", stderr(&shown));
    assert!(stdout(&shown).contains("bis-2024-nprm"));

    std::fs::write(dir.path().join("cloudkyc.toml"), "databse_url = \"x\"\n").unwrap();
    let typo = cloudkyc(dir.path(), &["policy", "show"]);
    assert_eq!(typo.status.code(), Some(1));
    assert!(stderr(&typo).contains("databse_url"), "{}", stderr(&typo));
}

#[test]
fn compute_estimate_prints_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    let out = cloudkyc(
        dir.path(),
        &[
            "--json",
            "compute",
            "estimate",
            "--accelerator",
            "NVIDIA H100 SXM5 80GB",
            "--count",
            "4096",
            "--hours",
            "720",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let e: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    for field in [
        "accelerator",
        "chip_seconds",
        "ops_p05",
        "ops_p50",
        "ops_p95",
        "ops_ceiling",
        "peak_ops_per_s_16bit",
        "peak_ops_per_s_max",
    ] {
        assert!(!e[field].is_null(), "missing {field}");
    }
    assert_eq!(e["chip_seconds"], 4096u64 * 720 * 3600);
    let (p05, p50, p95, max) = (
        e["ops_p05"].as_f64().unwrap(),
        e["ops_p50"].as_f64().unwrap(),
        e["ops_p95"].as_f64().unwrap(),
        e["ops_ceiling"].as_f64().unwrap(),
    );
    assert!(p05 <= p50 && p50 <= p95 && p95 <= max);
    // Forgiving names resolve to the same chip.
    let short = cloudkyc(
        dir.path(),
        &[
            "--json",
            "compute",
            "estimate",
            "--accelerator",
            "h100-sxm",
            "--count",
            "4096",
            "--hours",
            "720",
        ],
    );
    let s: serde_json::Value = serde_json::from_str(&stdout(&short)).unwrap();
    assert_eq!(s["ops_p50"], e["ops_p50"]);

    let unknown = cloudkyc(
        dir.path(),
        &[
            "compute",
            "estimate",
            "--accelerator",
            "Z999",
            "--count",
            "1",
            "--hours",
            "1",
        ],
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("unknown accelerator"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn match_adds_score_and_match_columns_to_every_row() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pairs.csv"),
        "id,name1,name2,schema\n1,BELLETECH CORP,11420 CORP.,organization\n2,Vladimir Putin,Владимир Путин,person\n3,Kim Jong Un,Kim Jong Un,\n",
    )
    .unwrap();
    let out = cloudkyc(dir.path(), &["match", "--pairs", "pairs.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "id,name1,name2,schema,score,match");
    assert!(
        rows[1].ends_with(",false"),
        "digits must count: {}",
        rows[1]
    );
    assert!(rows[2].ends_with(",true"), "cross-script: {}", rows[2]);
    assert!(rows[3].ends_with(",1.0000,true"), "{}", rows[3]);

    std::fs::write(dir.path().join("bad.csv"), "a,b\nx,y\n").unwrap();
    let bad = cloudkyc(dir.path(), &["match", "--pairs", "bad.csv"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("name1 and name2"));
}

#[test]
fn screen_finds_a_listed_person_with_its_explanation() {
    let dir = tempfile::tempdir().unwrap();
    let out = cloudkyc(
        dir.path(),
        &["--json", "screen", "Kim Jong Un", "--schema", "person"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(r["hits"][0]["score"], 1.0);
    assert!(
        r["hits"][0]["explanation"]["name"]["pairs"]
            .as_array()
            .unwrap()
            .len()
            >= 3
    );
    assert!(!r["list_versions"].as_array().unwrap().is_empty());
    assert!(
        r["algorithm_version"]
            .as_str()
            .unwrap()
            .starts_with("cloudkyc-screening/")
    );
}

#[test]
fn usage_import_takes_ndjson_and_json_and_counts_like_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let ndjson = dir.path().join("usage.ndjson");
    std::fs::write(
        &ndjson,
        concat!(
            r#"{"id": "u-1", "account": "acct-2001", "accelerator": "H100", "count": 4096, "start": "2026-10-01T00:00:00Z", "end": "2026-10-31T00:00:00Z", "cluster": "dc7-pg-12", "datacenter": "dc7", "fabric_gbps": 3200}"#,
            "\n",
            r#"{"id": "u-2", "account": "acct-2001", "accelerator": "Quantum Abacus 9000", "count": 8, "start": "2026-10-01T00:00:00Z", "end": "2026-10-02T00:00:00Z"}"#,
            "\n"
        ),
    )
    .unwrap();
    let first = cloudkyc(
        dir.path(),
        &["--json", "usage", "import", ndjson.to_str().unwrap()],
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let counts: serde_json::Value = serde_json::from_str(&stdout(&first)).unwrap();
    assert_eq!(counts["accepted"], 1);
    assert_eq!(counts["duplicate"], 0);
    assert_eq!(counts["rejected"][0]["id"], "u-2");
    assert_eq!(counts["rejected"][0]["index"], 1);

    let again = cloudkyc(dir.path(), &["usage", "import", ndjson.to_str().unwrap()]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("accepted 0, duplicate 1, rejected 1"),
        "{}",
        stdout(&again)
    );

    let reservations = dir.path().join("reservations.json");
    std::fs::write(
        &reservations,
        r#"[{"id": "r-1", "account": "acct-2001", "accelerator": "H100", "count": 24576, "start": "2026-11-01T00:00:00Z", "end": "2027-05-01T00:00:00Z", "cluster": "dc7-pg-12", "datacenter": "dc7", "fabric_gbps": 3200}]"#,
    )
    .unwrap();
    let out = cloudkyc(
        dir.path(),
        &[
            "--json",
            "usage",
            "import",
            "--reservations",
            reservations.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let counts: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(counts["accepted"], 1);

    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "[]").unwrap();
    let refused = cloudkyc(dir.path(), &["usage", "import", empty.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
    assert!(
        stderr(&refused).contains("no records"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn lists_import_puts_files_in_force_and_status_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let lists = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/lists");
    let sdn = lists.join("ofac_sdn_2021-07");
    let files: Vec<String> = ["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"]
        .iter()
        .map(|f| sdn.join(f).display().to_string())
        .chain([lists
            .join("un/UN_consolidated_2026-02-27.xml")
            .display()
            .to_string()])
        .collect();
    let mut args = vec!["--json", "lists", "import"];
    args.extend(files.iter().map(String::as_str));
    let out = cloudkyc(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let imported: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(imported[0]["list"], "ofac_sdn");
    assert_eq!(imported[0]["entity_count"], 8976);
    assert_eq!(imported[1]["list"], "un_sc");
    assert_eq!(imported[1]["published"], "2026-02-27");
    assert_eq!(imported[1]["unchanged"], false);

    // The same file again keeps the one snapshot.
    let again = cloudkyc(dir.path(), &["--json", "lists", "import", &files[4]]);
    assert!(again.status.success(), "{}", stderr(&again));
    let again: serde_json::Value = serde_json::from_str(&stdout(&again)).unwrap();
    assert_eq!(again[0]["unchanged"], true);

    // A file that does not parse is refused and nothing is stored.
    let broken = dir.path().join("broken.xml");
    std::fs::write(&broken, "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>").unwrap();
    let refused = cloudkyc(
        dir.path(),
        &[
            "lists",
            "import",
            broken.to_str().unwrap(),
            "--list",
            "un_extra",
        ],
    );
    assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
    assert!(
        stderr(&refused).contains("does not parse"),
        "{}",
        stderr(&refused)
    );

    let status = cloudkyc(dir.path(), &["--json", "lists", "status"]);
    assert!(status.status.success(), "{}", stderr(&status));
    let status: serde_json::Value = serde_json::from_str(&stdout(&status)).unwrap();
    let find = |id: &str| {
        status
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["list"] == id)
            .unwrap_or_else(|| panic!("no {id}: {status}"))
            .clone()
    };
    assert_eq!(find("ofac_sdn")["source"], "store");
    assert_eq!(find("un_sc")["source"], "store");
    assert_eq!(find("un_sc")["entity_count"], imported[1]["entity_count"]);
    assert_eq!(find("bis_dpl")["source"], "bundled");
    assert!(
        find("ofac_sdn")["url"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert!(
        status
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["list"] != "un_extra")
    );

    let table = cloudkyc(dir.path(), &["lists", "status"]);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = stdout(&table);
    assert!(text.starts_with("LIST"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("un_sc") && l.contains("store")),
        "{text}"
    );
}

#[test]
fn screen_uses_the_lists_in_force_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let screen = |dir: &Path| {
        let out = cloudkyc(
            dir,
            &[
                "--json",
                "screen",
                "Zebulon Quartermaine",
                "--schema",
                "person",
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let r: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        r["hits"].as_array().unwrap().len()
    };
    assert_eq!(screen(dir.path()), 0, "the bundled lists do not name him");

    let dpl = dir.path().join("dpl.txt");
    std::fs::write(
        &dpl,
        "\"Name\"\t\"Street_Address\"\t\"City\"\t\"State\"\t\"Country\"\t\"Postal_Code\"\t\"Effective_Date\"\t\"Expiration_Date\"\t\"Standard_Order\"\t\"Last_Update\"\t\"Action\"\t\"FR_Citation\"\n\
         \"ZEBULON QUARTERMAINE\"\t\"1 HARBOUR ROAD\"\t\"PORTSMOUTH\"\t\"\"\t\"GB\"\t\"\"\t\"01/02/2026\"\t\"\"\t\"Y\"\t\"2026-01-02\"\t\"F.R. NOTICE ADDED\"\t\"91 F.R. 1 1/2/2026\"\n",
    )
    .unwrap();
    let out = cloudkyc(
        dir.path(),
        &[
            "lists",
            "import",
            dpl.to_str().unwrap(),
            "--list",
            "bis_dpl",
            "--format",
            "dpl_tsv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        screen(dir.path()),
        1,
        "the imported list is screened against"
    );
}

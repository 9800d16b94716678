//! PostgreSQL backup and restore as `docs/operations.md` documents it (issue 9): `pg_dump
//! --format=custom` taken while a real `cloudkyc serve` keeps writing customers, cases and
//! usage, `pg_restore --no-owner` into a new database, then `cloudkyc audit verify` against the
//! restore. Every write acknowledged before the dump started is in the restore, and the chains
//! verify. Runs when `CLOUDKYC_TEST_POSTGRES_URL` is set (and then needs the `postgresql-client`
//! tools of the server's major version on the PATH; `.ci/run` installs them).

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use sqlx::Connection;
use support::{Api, Db, PgDatabase, counts, customer, usage};

const WRITERS: usize = 2;
const USAGE_PER_BATCH: usize = 10;
/// Writes acknowledged of each kind before the dump starts, so the dump has data to miss.
const WRITES_BEFORE_DUMP: usize = 8;

/// What the server acknowledged: customer numbers with their ids, case ids, usage batches.
#[derive(Debug, Default, Clone)]
struct Acknowledged {
    customers: Vec<(usize, String)>,
    cases: Vec<String>,
    usage_batches: Vec<usize>,
}

impl Acknowledged {
    fn fewest(&self) -> usize {
        self.customers
            .len()
            .min(self.cases.len())
            .min(self.usage_batches.len())
    }
}

/// One writer: a customer, a case and a usage batch per round, each recorded once answered.
async fn write_until(
    api: Api,
    next: Arc<AtomicUsize>,
    acked: Arc<Mutex<Acknowledged>>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::Relaxed) {
        let n = next.fetch_add(1, Ordering::Relaxed);
        let (status, body) = api
            .post("/v1/customers", &customer(n), &[])
            .await
            .expect("answer");
        assert_eq!(status, 201, "{body}");
        let id = body["id"].as_str().expect("customer id").to_owned();
        acked.lock().expect("ledger").customers.push((n, id));

        let case = json!({"kind": "verification", "subject": format!("backup-{n}"),
                          "summary": "written while pg_dump runs", "risk": "low"});
        let (status, body) = api.post("/v1/cases", &case, &[]).await.expect("answer");
        assert_eq!(status, 201, "{body}");
        let id = body["id"].as_str().expect("case id").to_owned();
        acked.lock().expect("ledger").cases.push(id);

        let records = usage(&format!("backup-{n}"), n, USAGE_PER_BATCH);
        let (status, body) = api.post("/v1/usage", &records, &[]).await.expect("answer");
        assert_eq!(status, 200, "{body}");
        assert_eq!(counts(&body), (USAGE_PER_BATCH as u64, 0, 0), "{body}");
        acked.lock().expect("ledger").usage_batches.push(n);
    }
}

/// `tool ARGS`, which must exist and succeed.
async fn run_tool(tool: &str, args: &[&str]) {
    let out = tokio::process::Command::new(tool)
        .args(args)
        .output()
        .await
        .unwrap_or_else(|e| {
            panic!("{tool} cannot run ({e}): install postgresql-client of the server's version")
        });
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// pg_dump refuses a server of a newer major version than its own: say so plainly.
async fn assert_client_matches_server(pg: &PgDatabase) {
    let out = tokio::process::Command::new("pg_dump")
        .arg("--version")
        .output()
        .await
        .unwrap_or_else(|e| {
            panic!("pg_dump cannot run ({e}): install postgresql-client of the server's version")
        });
    // "pg_dump (PostgreSQL) 15.20 (Debian ...)"
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let client_major: u32 = text
        .split_whitespace()
        .nth(2)
        .and_then(|v| v.split('.').next())
        .and_then(|major| major.parse().ok())
        .unwrap_or_else(|| panic!("unexpected pg_dump --version: {text}"));
    let mut conn = sqlx::PgConnection::connect(&pg.url())
        .await
        .expect("connect");
    let server: String = sqlx::query_scalar("SHOW server_version_num")
        .fetch_one(&mut conn)
        .await
        .expect("server version");
    let _ = conn.close().await;
    let server_major = server.parse::<u32>().expect("a number") / 10_000;
    assert!(
        client_major >= server_major,
        "pg_dump {client_major} cannot dump a PostgreSQL {server_major} server"
    );
}

fn audit_entries(db: &Db) -> u64 {
    let out = db.cli(&["--json", "audit", "verify"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "audit verify of the restore: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let chains = report["chains"].as_array().expect("chains");
    chains.iter().filter_map(|c| c["entries"].as_u64()).sum()
}

/// Every write in `before` is in the database `api` serves, exactly once for usage.
async fn assert_present(api: &Api, before: &Acknowledged) {
    for (n, id) in &before.customers {
        let stored = api.get_ok(&format!("/v1/customers/{id}")).await;
        assert_eq!(
            stored["name"]["full"],
            format!("Test Person {n}"),
            "{stored}"
        );
    }
    for id in &before.cases {
        let case = api.get_ok(&format!("/v1/cases/{id}")).await;
        assert_eq!(case["summary"], "written while pg_dump runs", "{case}");
    }
    for n in &before.usage_batches {
        // Sent again: every record of the batch is already stored.
        let records = usage(&format!("backup-{n}"), *n, USAGE_PER_BATCH);
        let (status, body) = api.post("/v1/usage", &records, &[]).await.expect("answer");
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            counts(&body),
            (0, USAGE_PER_BATCH as u64, 0),
            "batch {n}: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pg_dump_taken_while_writing_restores_every_acknowledged_write() {
    let Some(source) = PgDatabase::create("the pg_dump backup test").await else {
        return;
    };
    assert_client_matches_server(&source).await;
    let dir = tempfile::tempdir().expect("dir");
    let db = source.db(dir.path());
    let key = db.admin_key();
    let server = db.serve("source", &[]).await;
    let api = Api::new(&server.base, &key);

    let (next, acked, stop) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(Mutex::new(Acknowledged::default())),
        Arc::new(AtomicBool::new(false)),
    );
    let writers: Vec<_> = (0..WRITERS)
        .map(|_| {
            let (api, next, acked, stop) = (api.clone(), next.clone(), acked.clone(), stop.clone());
            tokio::spawn(write_until(api, next, acked, stop))
        })
        .collect();
    while acked.lock().expect("ledger").fewest() < WRITES_BEFORE_DUMP {
        if writers.iter().any(tokio::task::JoinHandle::is_finished) {
            // A writer stops early only by failing: show its panic rather than wait forever.
            for writer in writers {
                writer.await.expect("writer");
            }
            panic!("a writer stopped before the dump");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Whatever was acknowledged before pg_dump starts must be in its snapshot.
    let before = acked.lock().expect("ledger").clone();
    let dump = dir.path().join("cloudkyc.dump");
    let dump_path = dump.to_str().expect("path");
    let source_url = source.url();
    run_tool(
        "pg_dump",
        &[
            "--format=custom",
            &format!("--file={dump_path}"),
            &format!("--dbname={source_url}"),
        ],
    )
    .await;
    let during = acked.lock().expect("ledger").customers.len() - before.customers.len();
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.expect("writer");
    }
    drop(server);
    eprintln!(
        "pg_dump started after {} customers; {during} more were acknowledged while it ran",
        before.customers.len()
    );

    let target = PgDatabase::create("the pg_dump backup test")
        .await
        .expect("a second database on the same server");
    let target_url = target.url();
    run_tool(
        "pg_restore",
        &[
            "--no-owner",
            "--exit-on-error",
            &format!("--dbname={target_url}"),
            dump_path,
        ],
    )
    .await;
    let restored = target.db(dir.path());
    assert!(
        audit_entries(&restored) >= before.customers.len() as u64,
        "every acknowledged onboarding left its audit event in the restore"
    );
    let server = restored.serve("restored", &[]).await;
    assert_present(&Api::new(&server.base, &key), &before).await;
    drop(server);
    // Served and written to (the duplicate usage above), the restore's chains still verify.
    restored.assert_audit_intact();
}

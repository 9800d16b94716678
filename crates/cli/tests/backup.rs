//! `cloudkyc backup` (issue 9, item 7): an online copy of the SQLite database taken while the
//! server writes is consistent (its audit chains verify), and a copy taken at rest restores to
//! the same data (the same chains, to the head hash).

mod support;

use serde_json::Value;
use support::{Api, Db, customer};

fn audit(db: &Db) -> Value {
    let out = db.cli(&["--json", "audit", "verify"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// The database in `backup`, restored the documented way: copied in place of the file.
fn restore(backup: &std::path::Path) -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::copy(backup, dir.path().join("cloudkyc.db")).expect("copy");
    let db = Db::sqlite(dir.path());
    (dir, db)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_writing_restores_and_verifies() {
    let dir = tempfile::tempdir().expect("dir");
    let db = Db::sqlite(dir.path());
    let key = db.admin_key();
    let server = db.serve("backup", &[]).await;
    let api = Api::new(&server.base, &key);
    let writer = tokio::spawn(async move {
        for n in 0..40 {
            let (status, body) = api
                .post("/v1/customers", &customer(n), &[])
                .await
                .expect("answer");
            assert_eq!(status, 201, "{body}");
        }
    });
    let during = dir.path().join("during.db");
    let out = db.cli(&["backup", "--out", during.to_str().expect("path")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    writer.await.expect("writer");
    let (_kept, restored) = restore(&during);
    let chains = audit(&restored)["chains"].clone();
    assert!(chains[0]["entries"].as_u64() > Some(1), "{chains}");

    let after = dir.path().join("after.db");
    let out = db.cli(&["backup", "--out", after.to_str().expect("path")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A backup never overwrites a file.
    let again = db.cli(&["backup", "--out", after.to_str().expect("path")]);
    assert_eq!(again.status.code(), Some(1));
    drop(server);
    let (_kept, restored) = restore(&after);
    assert_eq!(
        audit(&restored),
        audit(&db),
        "the restored chains equal the live ones"
    );
}

//! Two instances on one PostgreSQL database (issue 9): usage and reservations ingested through
//! one reach the other's compute engine without a restart, before a read and after a
//! notification (`catch_up_engines`, what `follow_changes` runs on each), and every record
//! counts once on both, however often it is read back. Skipped (with a message) without
//! `CLOUDKYC_TEST_POSTGRES_URL`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use cloudkyc_app::usage::Assessment;
use cloudkyc_app::{App, ManualClock};
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_store::TenantScope;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store_postgres::PgStore;
use cloudkyc_test_pg::TestDatabase;

/// 8 H100 for one hour: the chip-seconds of every record below.
const RECORD_CHIP_SECONDS: u128 = 8 * 3600;

struct Instance {
    app: App,
    store: Arc<PgStore>,
    scope: TenantScope,
}

async fn instance(url: &str, key: &MasterKey) -> Instance {
    let store = Arc::new(PgStore::connect(url, key).await.unwrap());
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).single().unwrap(),
    ));
    let policy = Arc::new(RulePack::bundled(DEFAULT_PACK_ID).unwrap());
    let app = App::new(store.clone(), clock, policy);
    let scope = app.operator_scope("Test Cloud").await.unwrap();
    Instance { app, store, scope }
}

/// One hour of 8 H100 on `account`, the `hour`-th hour of October 2026.
fn record(id: &str, account: &str, hour: i64) -> String {
    let start = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).single().unwrap()
        + chrono::Duration::hours(hour);
    let end = start + chrono::Duration::hours(1);
    format!(
        r#"{{"id": "{id}", "account": "{account}", "accelerator": "H100", "count": 8, "start": "{}", "end": "{}", "cluster": "c1", "datacenter": "dc1"}}"#,
        start.to_rfc3339(),
        end.to_rfc3339()
    )
}

async fn ingest(i: &Instance, records: &[String]) -> (usize, usize) {
    let report = i
        .app
        .ingest_usage(&i.scope, records.join("\n").as_bytes())
        .await
        .unwrap();
    assert!(report.rejected.is_empty(), "{report:?}");
    (report.accepted, report.duplicate)
}

async fn assess(i: &Instance, account: &str) -> Assessment {
    i.app
        .assess_account(&i.scope, account, i.app.now())
        .await
        .unwrap()
}

fn chip_seconds(a: &Assessment) -> u128 {
    a.view.episodes.iter().map(|e| e.chip_seconds()).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_ingested_through_one_instance_reaches_the_other_once() {
    let Some(db) = TestDatabase::create("the two-instance compute test").await else {
        return;
    };
    let key = MasterKey::generate();
    let a = instance(&db.url(), &key).await;
    let b = instance(&db.url(), &key).await;
    assert_eq!(a.scope.tenant(), b.scope.tenant(), "one provider tenant");

    // Both engines are loaded before the records they must follow are written.
    assert_eq!(ingest(&b, &[record("u-b1", "acct-1", 0)]).await, (1, 0));
    assert_eq!(ingest(&a, &[record("u-a1", "acct-1", 1)]).await, (1, 0));
    // B's read catches up first: A's record is there, B's own is not counted twice.
    let seen_by_b = assess(&b, "acct-1").await;
    assert_eq!(chip_seconds(&seen_by_b), 2 * RECORD_CHIP_SECONDS);
    let seen_by_a = assess(&a, "acct-1").await;
    assert_eq!(chip_seconds(&seen_by_a), 2 * RECORD_CHIP_SECONDS);

    // A reservation through B reaches A's projection.
    let reservation = r#"{"id": "r-1", "account": "acct-1", "accelerator": "H100", "count": 64, "start": "2026-11-10T00:00:00Z", "end": "2026-11-20T00:00:00Z", "purpose": "training"}"#;
    let reserved = b
        .app
        .ingest_reservations(&b.scope, reservation.as_bytes())
        .await
        .unwrap();
    assert_eq!(reserved.accepted, 1, "{reserved:?}");
    let requests: Vec<String> = assess(&a, "acct-1")
        .await
        .requests
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(requests, ["r-1"]);

    // The notification path: B hears A's batch and catches up without any read; A, catching
    // up too, finds nothing new (its own batch is applied already).
    let mut heard = b.store.watch_changes().await.unwrap();
    assert_eq!(
        ingest(
            &a,
            &[record("u-a2", "acct-1", 2), record("u-a3", "acct-2", 3)]
        )
        .await,
        (2, 0)
    );
    tokio::time::timeout(Duration::from_secs(10), heard.changed())
        .await
        .expect("B hears of A's batch")
        .unwrap();
    assert_eq!(b.app.catch_up_engines().await.unwrap(), 2);
    assert_eq!(b.app.catch_up_engines().await.unwrap(), 0, "applied once");
    assert_eq!(a.app.catch_up_engines().await.unwrap(), 0, "its own batch");
    // A new account from another instance is known to B's engine, not only its records.
    assert_eq!(
        chip_seconds(&assess(&b, "acct-2").await),
        RECORD_CHIP_SECONDS
    );

    // Concurrent writers on both instances, with resends of each other's batches: whatever
    // order the transactions commit in, both engines end with every record exactly once.
    let (a, b) = (Arc::new(a), Arc::new(b));
    let mut writers = Vec::new();
    for w in 0..6_i64 {
        let (mine, theirs) = if w % 2 == 0 {
            (a.clone(), b.clone())
        } else {
            (b.clone(), a.clone())
        };
        writers.push(tokio::spawn(async move {
            for batch in 0..5_i64 {
                let records: Vec<String> = (0..20)
                    .map(|k| {
                        let hour = 100 + (w * 5 + batch) * 20 + k;
                        record(&format!("c-{w}-{batch}-{k}"), "acct-c", hour)
                    })
                    .collect();
                assert_eq!(ingest(&mine, &records).await, (20, 0));
                // The same batch through the other instance: all duplicates.
                assert_eq!(ingest(&theirs, &records).await, (0, 20));
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let expected = 6 * 5 * 20 * RECORD_CHIP_SECONDS;
    assert_eq!(chip_seconds(&assess(&a, "acct-c").await), expected);
    assert_eq!(chip_seconds(&assess(&b, "acct-c").await), expected);
    // And the first account still holds its three records, once each.
    assert_eq!(
        chip_seconds(&assess(&b, "acct-1").await),
        3 * RECORD_CHIP_SECONDS
    );
}

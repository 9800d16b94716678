//! The JetStream telemetry consumer killed mid-batch (issue 9, item 3): `cloudkyc serve` with
//! the consumer on is killed with SIGKILL at random moments while records are published, and
//! restarted. A batch is acknowledged only after its transaction commits, so what a killed
//! process had taken but not acknowledged is delivered again, and ingestion is idempotent on
//! the record id: in the end every published record is stored exactly once. Skipped without
//! `CLOUDKYC_TEST_NATS_URL`.

mod support;

use std::time::{Duration, Instant};

use async_nats::jetstream;
use rand::Rng;
use sqlx::Connection;
use support::Db;

const MESSAGES: usize = 200;
const RECORDS_PER_MESSAGE: usize = 50;
const KILLS: usize = 3;

fn nats_url() -> Option<String> {
    match std::env::var("CLOUDKYC_TEST_NATS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "skipped: the JetStream crash test did not run because CLOUDKYC_TEST_NATS_URL is not set"
            );
            None
        }
    }
}

/// Message `m`: NDJSON of its records, ids `j-{m}-{k}`, spread over 20 accounts.
fn message(m: usize) -> String {
    (0..RECORDS_PER_MESSAGE)
        .map(|k| {
            let start = 1_790_000_000 + i64::try_from(m * RECORDS_PER_MESSAGE + k).unwrap_or(0) * 60;
            let at = |s: i64| {
                chrono::DateTime::from_timestamp(s, 0)
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .unwrap_or_default()
            };
            format!(
                r#"{{"id":"j-{m}-{k}","account":"acct-{}","accelerator":"H100","count":8,"start":"{}","end":"{}","cluster":"c1","datacenter":"dc1","fabric_gbps":400}}"#,
                m % 20,
                at(start),
                at(start + 3600)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn stored_records(db: &Db) -> i64 {
    let mut conn = sqlx::SqliteConnection::connect(&db.url)
        .await
        .expect("open");
    let count = sqlx::query_scalar("SELECT count(*) FROM usage_records")
        .fetch_one(&mut conn)
        .await
        .expect("count");
    let _ = conn.close().await;
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_published_record_is_stored_once_across_sigkills() {
    let Some(url) = nats_url() else { return };
    let run = uuid::Uuid::new_v4().simple().to_string();
    let (stream, subject, durable) = (
        format!("CLOUDKYC_CRASH_{run}"),
        format!("crash.{run}.usage"),
        format!("crash-{run}"),
    );
    let env = [
        ("CLOUDKYC_JETSTREAM__ENABLED", "true".to_owned()),
        ("CLOUDKYC_JETSTREAM__URL", url.clone()),
        ("CLOUDKYC_JETSTREAM__STREAM", stream.clone()),
        ("CLOUDKYC_JETSTREAM__USAGE_SUBJECT", subject.clone()),
        (
            "CLOUDKYC_JETSTREAM__RESERVATIONS_SUBJECT",
            format!("crash.{run}.reservations"),
        ),
        ("CLOUDKYC_JETSTREAM__DURABLE", durable.clone()),
        ("CLOUDKYC_JETSTREAM__MAX_BATCH", "20".to_owned()),
        // What a killed process took without acknowledging comes back after this.
        ("CLOUDKYC_JETSTREAM__ACK_WAIT_SECS", "2".to_owned()),
    ];
    let dir = tempfile::tempdir().expect("dir");
    let db = Db::sqlite(dir.path());
    db.admin_key();
    // The first start creates the stream and the durable consumer.
    let mut server = db.serve("consumer-0", &env).await;

    let context = jetstream::new(async_nats::connect(&url).await.expect("NATS"));
    let publisher = {
        let (context, subject) = (context.clone(), subject.clone());
        tokio::spawn(async move {
            for m in 0..MESSAGES {
                // The second await is the stream's acknowledgement: stored before the next.
                let ack = context
                    .publish(subject.clone(), message(m).into())
                    .await
                    .expect("publish");
                ack.await.expect("stored");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let mut rng = rand::thread_rng();
    for round in 1..=KILLS {
        tokio::time::sleep(Duration::from_millis(rng.gen_range(200..900))).await;
        server.kill();
        eprintln!(
            "kill {round}: {} records stored so far",
            stored_records(&db).await
        );
        server = db.serve(&format!("consumer-{round}"), &env).await;
    }
    publisher.await.expect("publisher");

    let consumer_stream = context.get_stream(&stream).await.expect("stream");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let info = consumer_stream
            .consumer_info(&durable)
            .await
            .expect("consumer");
        if info.num_pending == 0 && info.num_ack_pending == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "still pending: {info:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(server);
    assert_eq!(
        stored_records(&db).await,
        i64::try_from(MESSAGES * RECORDS_PER_MESSAGE).unwrap_or(0),
        "every published record stored exactly once"
    );
    db.assert_audit_intact();
    let _ = context.delete_stream(&stream).await;
}

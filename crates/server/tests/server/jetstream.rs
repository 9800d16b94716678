//! The JetStream consumer against a real NATS server (`CLOUDKYC_TEST_NATS_URL`, which `.ci/run`
//! sets). Without the variable the test says so on the real stderr and passes; with it, an
//! unreachable server fails the test.

use async_nats::jetstream;
use cloudkyc_server::ingest::{JetStreamConfig, JetStreamConsumer};

use super::support::TestApp;

const URL_VARIABLE: &str = "CLOUDKYC_TEST_NATS_URL";

fn nats_url() -> Option<String> {
    match std::env::var(URL_VARIABLE) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "skipped: the NATS JetStream test did not run because {URL_VARIABLE} is not set"
            );
            None
        }
    }
}

/// A stream, subjects and durable of this test run alone, so runs never see each other's data.
fn config(url: String) -> JetStreamConfig {
    let run = uuid::Uuid::new_v4().simple().to_string();
    JetStreamConfig {
        enabled: true,
        url,
        stream: format!("CLOUDKYC_TEST_{run}"),
        usage_subject: format!("test.{run}.usage"),
        reservations_subject: format!("test.{run}.reservations"),
        durable: format!("test-{run}"),
        tenant: None,
        max_batch: 2,
        ack_wait_secs: 30,
    }
}

const USAGE: &str = r#"[{"id": "u-1", "account": "acct-2001", "accelerator": "H100", "count": 4096, "start": "2026-10-01T00:00:00Z", "end": "2026-10-31T00:00:00Z", "cluster": "dc7-pg-12", "datacenter": "dc7", "fabric_gbps": 3200},
 {"id": "u-2", "account": "acct-2001", "accelerator": "no-such-chip", "count": 8, "start": "2026-10-01T00:00:00Z", "end": "2026-10-02T00:00:00Z"}]"#;
const RESERVATION: &str = r#"{"id": "r-1", "account": "acct-2001", "accelerator": "H100", "count": 24576, "start": "2026-11-01T00:00:00Z", "end": "2027-05-01T00:00:00Z", "cluster": "dc7-pg-12", "datacenter": "dc7", "fabric_gbps": 3200}"#;

async fn publish(context: &jetstream::Context, subject: &str, body: &str) {
    // The second await is the stream's acknowledgement: the message is stored before we go on.
    context
        .publish(subject.to_owned(), body.to_owned().into())
        .await
        .unwrap()
        .await
        .unwrap();
}

#[tokio::test]
async fn records_are_ingested_once_and_acknowledged_after_the_commit() {
    let Some(url) = nats_url() else { return };
    let t = TestApp::new().await;
    let config = config(url.clone());
    let consumer = JetStreamConsumer::connect(config.clone())
        .await
        .expect("NATS with JetStream must be reachable at CLOUDKYC_TEST_NATS_URL");
    let context = jetstream::new(async_nats::connect(&url).await.unwrap());

    publish(&context, &config.usage_subject, USAGE).await;
    publish(&context, &config.reservations_subject, RESERVATION).await;
    publish(&context, &config.usage_subject, "[{\"id\": ").await;
    // A redelivery, as after a crash between commit and acknowledgement.
    publish(&context, &config.usage_subject, USAGE).await;

    let outcome = consumer.drain(&t.app).await.unwrap();
    assert_eq!(outcome.messages, 4);
    assert_eq!(outcome.terminated, 1, "the broken array is terminated");
    assert_eq!(outcome.accepted, 2, "u-1 and r-1");
    assert_eq!(outcome.duplicate, 1, "the repeated u-1");
    assert_eq!(outcome.rejected, 2, "the unknown accelerator, twice");

    // Everything was acknowledged: a second consumer process with the same durable name gets
    // nothing more.
    let config_stream = config.stream.clone();
    let again = JetStreamConsumer::connect(config).await.unwrap();
    let outcome = again.drain(&t.app).await.unwrap();
    assert_eq!(outcome.messages, 0);

    use cloudkyc_store::UsageStore;
    use cloudkyc_store::usage::ComputeRecordKind;
    for (kind, id) in [
        (ComputeRecordKind::Usage, "u-1"),
        (ComputeRecordKind::Reservation, "r-1"),
    ] {
        let stored = t.store.compute_records(&t.operator, kind).await.unwrap();
        let ids: Vec<&str> = stored.iter().map(|r| r.record.id.as_str()).collect();
        assert_eq!(ids, [id], "{kind:?} records stored once");
    }
    context.delete_stream(&config_stream).await.unwrap();
}

//! JetStream consumption into SQLite: publishes RECORDS hourly 8-chip usage records to a fresh
//! stream, PER_MESSAGE records per message (1 = one record per message, the worst case), then
//! times the durable consumer draining them (pull, ingest, commit, acknowledge). Prints
//! records and messages per second.
//!
//! `cargo run --release -p cloudkyc-server --example jetstream_ingest -- [RECORDS] [PER_MESSAGE]`
//! with NATS (JetStream enabled) at `CLOUDKYC_TEST_NATS_URL` or nats://127.0.0.1:4222.

use std::sync::Arc;
use std::time::Instant;

use cloudkyc_app::{App, SystemClock};
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_server::ingest::{JetStreamConfig, JetStreamConsumer};
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store_sqlite::SqliteStore;

fn record(i: usize) -> String {
    let account = i % 1000;
    let start = 1_790_000_000 + (i / 1000) as i64 * 3600;
    let at = |s: i64| {
        chrono::DateTime::from_timestamp(s, 0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    format!(
        r#"{{"id":"u-{i}","account":"acct-{account}","accelerator":"H100","count":8,"start":"{}","end":"{}","cluster":"c{}","datacenter":"dc1","fabric_gbps":400}}"#,
        at(start),
        at(start + 3600),
        account % 20
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let records: usize = args.next().map_or(Ok(200_000), |a| a.parse())?;
    let per_message: usize = args.next().map_or(Ok(1), |a| a.parse())?;
    let url = std::env::var("CLOUDKYC_TEST_NATS_URL")
        .unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned());

    let dir = tempfile::tempdir()?;
    let db = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Arc::new(SqliteStore::open(&db, &MasterKey::generate()).await?);
    let policy = Arc::new(RulePack::bundled(DEFAULT_PACK_ID).ok_or("no bundled pack")?);
    let app = App::new(store, Arc::new(SystemClock), policy);
    app.operator_scope("Bench Cloud").await?;

    let run = uuid::Uuid::new_v4().simple().to_string();
    let config = JetStreamConfig {
        enabled: true,
        url: url.clone(),
        stream: format!("CLOUDKYC_BENCH_{run}"),
        usage_subject: format!("bench.{run}.usage"),
        reservations_subject: format!("bench.{run}.reservations"),
        durable: format!("bench-{run}"),
        ..JetStreamConfig::default()
    };
    let consumer = JetStreamConsumer::connect(config.clone()).await?;
    let context = async_nats::jetstream::new(async_nats::connect(&url).await?);

    let published = Instant::now();
    let mut acks = Vec::new();
    let mut messages = 0;
    for chunk in (0..records).collect::<Vec<_>>().chunks(per_message.max(1)) {
        let body: String = chunk.iter().map(|&i| record(i) + "\n").collect();
        acks.push(
            context
                .publish(config.usage_subject.clone(), body.into())
                .await?,
        );
        messages += 1;
        // The client bounds the acknowledgements in flight; holding more futures than that
        // without awaiting them would wait forever.
        if acks.len() >= 256 {
            for ack in acks.drain(..) {
                ack.await?;
            }
        }
    }
    for ack in acks {
        ack.await?;
    }
    println!(
        "published {records} records in {messages} messages in {:.2} s",
        published.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let outcome = consumer.drain(&app).await?;
    let seconds = started.elapsed().as_secs_f64();
    context.delete_stream(&config.stream).await?;
    if outcome.accepted != records {
        return Err(format!("expected {records} accepted, got {outcome:?}").into());
    }
    println!(
        "consumed {records} records ({messages} messages, {per_message} per message) in {seconds:.2} s: {:.0} records/s, {:.0} messages/s",
        records as f64 / seconds,
        messages as f64 / seconds
    );
    Ok(())
}

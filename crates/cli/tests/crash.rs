//! Crash consistency (issue 9, item 3): the real `cloudkyc serve` is killed with SIGKILL at
//! random moments while clients write concurrently (onboarding, access events, usage, case
//! comments), then restarted. Afterwards every acknowledged request is present, the requests
//! that never got an answer converge when retried (idempotency keys, record ids, case
//! versions), nothing is half-written (one audit event per customer, one comment per command),
//! and `cloudkyc audit verify` passes. On SQLite always; on PostgreSQL when
//! `CLOUDKYC_TEST_POSTGRES_URL` is set.

mod support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use serde_json::{Value, json};
use support::{Api, Db, PgDatabase, access_events, counts, customer, usage};

const WORKERS: usize = 4;
const KILLS: usize = 4;
const USAGE_PER_BATCH: usize = 25;
const EVENTS_PER_BATCH: usize = 10;

/// One write a client makes; running it again is how a client retries.
#[derive(Debug, Clone)]
enum Op {
    Onboard { n: usize },
    Usage { batch: usize },
    Access { batch: usize, account: usize },
    Comment { case: String, text: String },
}

/// What the clients sent and what was acknowledged.
#[derive(Debug, Default)]
struct Ledger {
    /// Onboarding number -> the customer id the server acknowledged.
    customers: Mutex<BTreeMap<usize, String>>,
    /// Every op sent, acknowledged or not (the final checks go over all of them).
    sent: Mutex<Vec<Op>>,
    /// Ops that got no answer: the server died with them in flight.
    lost: Mutex<Vec<Op>>,
}

impl Ledger {
    fn some_customer(&self) -> Option<usize> {
        self.customers
            .lock()
            .expect("ledger")
            .keys()
            .next_back()
            .copied()
    }
}

/// Runs `op` once; `false` when no answer came. A wrong answer fails the test.
async fn run(api: &Api, ledger: &Ledger, op: &Op) -> bool {
    match op {
        Op::Onboard { n } => {
            let key = format!("onboard-{n}");
            let Ok((status, body)) = api
                .post("/v1/customers", &customer(*n), &[("idempotency-key", &key)])
                .await
            else {
                return false;
            };
            // 201 the first time, 200 for a replay of a write that committed before a crash.
            assert!(
                status == 201 || status == 200,
                "onboarding {n}: {status} {body}"
            );
            let id = body["id"].as_str().expect("customer id").to_owned();
            let previous = ledger
                .customers
                .lock()
                .expect("ledger")
                .insert(*n, id.clone());
            assert!(
                previous.is_none_or(|p| p == id),
                "a replay made a second customer"
            );
            true
        }
        Op::Usage { batch } => {
            let body = usage(&batch.to_string(), *batch, USAGE_PER_BATCH);
            ingested(api.post("/v1/usage", &body, &[]).await, USAGE_PER_BATCH)
        }
        Op::Access { batch, account } => {
            let body = access_events(&batch.to_string(), *account, EVENTS_PER_BATCH);
            ingested(
                api.post("/v1/access-events", &body, &[]).await,
                EVENTS_PER_BATCH,
            )
        }
        Op::Comment { case, text } => {
            // A comment carries the version it was written against: resent after a crash it is
            // refused if the first one committed, so it can never be recorded twice.
            let Ok((200, current)) = api.get(&format!("/v1/cases/{case}")).await else {
                return false;
            };
            if timeline_count(&current, text) > 0 {
                return true;
            }
            let command = json!({"action": "comment", "text": text,
                                 "expected_version": current["version"]});
            let Ok((status, body)) = api
                .post(&format!("/v1/cases/{case}/actions"), &command, &[])
                .await
            else {
                return false;
            };
            assert_eq!(status, 200, "comment {text}: {body}");
            true
        }
    }
}

fn ingested(answer: Result<support::Answer, reqwest::Error>, records: usize) -> bool {
    let Ok((status, body)) = answer else {
        return false;
    };
    assert_eq!(status, 200, "{body}");
    let (accepted, duplicate, rejected) = counts(&body);
    assert_eq!(rejected, 0, "{body}");
    assert_eq!(accepted + duplicate, records as u64, "{body}");
    true
}

fn timeline_count(case: &Value, text: &str) -> usize {
    case["timeline"].as_array().map_or(0, |t| {
        t.iter()
            .filter(|e| e["type"] == "comment" && e["text"] == text)
            .count()
    })
}

/// The next op of a client that owns `case`.
fn next_op(op: usize, case: &str, ledger: &Ledger) -> Op {
    match op % 4 {
        1 => Op::Usage { batch: op },
        2 => match ledger.some_customer() {
            Some(account) => Op::Access { batch: op, account },
            None => Op::Onboard { n: op },
        },
        3 => Op::Comment {
            case: case.to_owned(),
            text: format!("note {op}"),
        },
        _ => Op::Onboard { n: op },
    }
}

/// Clients writing until `stop`; the ops without an answer go to the ledger's `lost`.
async fn write_until(api: &Api, ledger: &Arc<Ledger>, cases: &[String], stop: &Arc<AtomicBool>) {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let workers = cases.iter().map(|case| {
        let (api, ledger, stop, case) = (api.clone(), ledger.clone(), stop.clone(), case.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let op = next_op(NEXT.fetch_add(1, Ordering::Relaxed), &case, &ledger);
                ledger.sent.lock().expect("ledger").push(op.clone());
                if !run(&api, &ledger, &op).await {
                    ledger.lost.lock().expect("ledger").push(op);
                    return;
                }
            }
        })
    });
    for worker in workers.collect::<Vec<_>>() {
        worker.await.expect("worker");
    }
}

async fn open_cases(api: &Api) -> Vec<String> {
    let mut cases = Vec::new();
    for w in 0..WORKERS {
        let body = json!({"kind": "verification", "subject": format!("worker-{w}"),
                          "summary": "crash test notes", "risk": "low"});
        let (status, case) = api.post("/v1/cases", &body, &[]).await.expect("answer");
        assert_eq!(status, 201, "{case}");
        cases.push(case["id"].as_str().expect("case id").to_owned());
    }
    cases
}

async fn crash_repeatedly(db: &Db) {
    let key = db.admin_key();
    let ledger = Arc::new(Ledger::default());
    let mut rng = rand::thread_rng();
    let server = db.serve("setup", &[]).await;
    let cases = open_cases(&Api::new(&server.base, &key)).await;
    server.kill();
    for round in 0..=KILLS {
        let server = db.serve(&format!("round-{round}"), &[]).await;
        let api = Api::new(&server.base, &key);
        // First the retries of what the previous process never answered.
        let lost = std::mem::take(&mut *ledger.lost.lock().expect("ledger"));
        let sent = ledger.sent.lock().expect("ledger").len();
        eprintln!(
            "round {round}: {sent} writes sent so far; retrying {} unanswered",
            lost.len()
        );
        for op in &lost {
            assert!(
                run(&api, &ledger, op).await,
                "retry of {op:?} got no answer"
            );
        }
        if round == KILLS {
            verify(&api, &ledger, &cases).await;
            break;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let writers = {
            let (api, ledger, cases, stop) =
                (api.clone(), ledger.clone(), cases.clone(), stop.clone());
            tokio::spawn(async move { write_until(&api, &ledger, &cases, &stop).await })
        };
        let after = Duration::from_millis(rng.gen_range(300..1500));
        tokio::time::sleep(after).await;
        eprintln!("round {round}: SIGKILL after {after:?}");
        server.kill();
        stop.store(true, Ordering::Relaxed);
        writers.await.expect("writers");
    }
    db.assert_audit_intact();
}

/// Everything sent is now present exactly once.
async fn verify(api: &Api, ledger: &Ledger, cases: &[String]) {
    let sent = ledger.sent.lock().expect("ledger").clone();
    let customers = ledger.customers.lock().expect("ledger").clone();
    let onboarded = sent
        .iter()
        .filter(|op| matches!(op, Op::Onboard { .. }))
        .count();
    assert!(
        onboarded > 0 && customers.len() == onboarded,
        "every onboarding converged"
    );
    for (n, id) in &customers {
        // Each one whole, and a replay of its key answers the same customer.
        let stored = api.get_ok(&format!("/v1/customers/{id}")).await;
        assert!(stored["cip_status"].is_string(), "{stored}");
        assert!(run(api, ledger, &Op::Onboard { n: *n }).await);
    }
    let listed = api.get_ok("/v1/customers?limit=500").await;
    assert_eq!(
        listed["customers"].as_array().map(Vec::len),
        Some(customers.len())
    );
    assert_eq!(audit_actions(api, "customer.create").await, customers.len());
    for op in &sent {
        match op {
            // Sent again: every record is already there, exactly once.
            Op::Usage { batch } => {
                let body = usage(&batch.to_string(), *batch, USAGE_PER_BATCH);
                let (_, answer) = api.post("/v1/usage", &body, &[]).await.expect("answer");
                assert_eq!(counts(&answer), (0, USAGE_PER_BATCH as u64, 0), "{answer}");
            }
            Op::Access { batch, account } => {
                let body = access_events(&batch.to_string(), *account, EVENTS_PER_BATCH);
                let (_, answer) = api
                    .post("/v1/access-events", &body, &[])
                    .await
                    .expect("answer");
                assert_eq!(counts(&answer), (0, EVENTS_PER_BATCH as u64, 0), "{answer}");
            }
            Op::Comment { case, text } => {
                let current = api.get_ok(&format!("/v1/cases/{case}")).await;
                assert_eq!(timeline_count(&current, text), 1, "{text} in {current}");
            }
            Op::Onboard { .. } => {}
        }
    }
    for case in cases {
        api.get_ok(&format!("/v1/cases/{case}")).await;
    }
}

/// How many events of the provider's chain have `action`.
async fn audit_actions(api: &Api, action: &str) -> usize {
    let (mut found, mut after) = (0, 0);
    loop {
        let page = api
            .get_ok(&format!("/v1/audit?limit=1000&after={after}"))
            .await;
        let entries = page["entries"].as_array().cloned().unwrap_or_default();
        found += entries.iter().filter(|e| e["action"] == action).count();
        match page["next_after"].as_i64() {
            Some(next) if !entries.is_empty() => after = next,
            _ => return found,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_survives_repeated_sigkill_during_concurrent_writes() {
    let dir = tempfile::tempdir().expect("dir");
    crash_repeatedly(&Db::sqlite(dir.path())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_survives_repeated_sigkill_during_concurrent_writes() {
    let Some(pg) = PgDatabase::create("the PostgreSQL crash test").await else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    crash_repeatedly(&pg.db(dir.path())).await;
}

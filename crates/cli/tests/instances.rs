//! Stateless instances (issue 9, item 1): three `cloudkyc serve` processes on one PostgreSQL
//! database behave as one system. Requests are spread across them: onboarding (with replays of
//! an idempotency key on another instance), usage (every instance's assessment counts every
//! batch once, whichever instance took it), screening, a special measure registered on one and
//! enforced by another, and a list imported by a fourth process (`cloudkyc lists import`) that
//! every instance screens against within seconds, through `LISTEN/NOTIFY` (the polling fallback
//! is 30 s). The outcome equals the same script run against one instance, every job ran exactly
//! once, and `cloudkyc audit verify` passes. Skipped without `CLOUDKYC_TEST_POSTGRES_URL`.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::Connection;
use support::{Api, Db, PgDatabase, Server, counts, customer, usage};

const CUSTOMERS: usize = 12;
/// A name on no bundled list: a customer carries it before the list that names it arrives.
const LISTED_NAME: &str = "ZORBANEX QUILLFEATHER";
/// Notifications arrive in milliseconds; the fallback would take 30 s.
const PROPAGATION_LIMIT: Duration = Duration::from_secs(10);

/// The bundled DPL fixture plus a row naming `LISTED_NAME`.
fn new_list(dir: &Path) -> String {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/lists/bis_dpl/dpl_2022-09.txt");
    let mut bytes = std::fs::read(fixture).expect("DPL fixture");
    if !bytes.ends_with(b"\n") {
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(
        format!(
            "\"{LISTED_NAME}\"\t\"1 HARBOUR ROAD\"\t\"VALLETTA\"\t\"\"\t\"MT\"\t\"VLT 1000\"\t\
             \"01/02/2026\"\t\"01/02/2036\"\t\"Y\"\t\"2026-01-05\"\t\"F.R. NOTICE ADDED\"\t\
             \"91 F.R. 100 1/5/2026\"\r\n"
        )
        .as_bytes(),
    );
    let path = dir.join("dpl.txt");
    std::fs::write(&path, bytes).expect("list file");
    path.display().to_string()
}

fn applicant(n: usize) -> Value {
    let mut body = customer(n);
    if n == 7 {
        body["name"] = json!({"full": "Zorbanex Quillfeather"});
    }
    body
}

async fn screen(api: &Api, name: &str) -> Vec<String> {
    let (status, body) = api
        .post("/v1/screenings", &json!({"name": name}), &[])
        .await
        .expect("answer");
    assert_eq!(status, 200, "{body}");
    let mut hits: Vec<String> = body["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| format!("{}:{}", h["list"], h["entity_id"]))
        .collect();
    hits.sort();
    hits
}

/// What an assessment says of the usage, free of the engine's own numbering: each lineage's
/// span, chip-seconds and median estimate.
fn compute_summary(assessment: &Value) -> Value {
    let lineages = assessment["view"]["lineages"].as_array().expect("lineages");
    Value::Array(
        lineages
            .iter()
            .map(|l| {
                json!([
                    l["start"],
                    l["end"],
                    l["estimate"]["chip_seconds"],
                    l["estimate"]["ops_p50"]
                ])
            })
            .collect(),
    )
}

/// The script, with request `i` sent to instance `i % apis.len()`; returns what it observed,
/// free of ids and times, to compare one instance with three.
async fn scenario(db: &Db, apis: &[Api]) -> BTreeMap<String, Value> {
    let at = |i: usize| &apis[i % apis.len()];
    let mut seen = BTreeMap::new();
    let onboarding = (0..CUSTOMERS).map(|n| {
        let api = at(n).clone();
        tokio::spawn(async move {
            let key = format!("onboard-{n}");
            let (status, body) = api
                .post("/v1/customers", &applicant(n), &[("idempotency-key", &key)])
                .await
                .expect("answer");
            assert_eq!(status, 201, "{body}");
            body
        })
    });
    let mut customers = BTreeMap::new();
    for (n, task) in onboarding.collect::<Vec<_>>().into_iter().enumerate() {
        customers.insert(n, task.await.expect("task"));
    }
    // A retry that lands on another instance answers the same customer.
    for n in 0..6 {
        let key = format!("onboard-{n}");
        let (status, body) = at(n + 1)
            .post("/v1/customers", &applicant(n), &[("idempotency-key", &key)])
            .await
            .expect("answer");
        assert_eq!((status, &body["id"]), (200, &customers[&n]["id"]));
    }
    for batch in 0..6 {
        let body = usage(&format!("b{}", batch % 4), batch, 40);
        let (status, answer) = at(batch)
            .post("/v1/usage", &body, &[])
            .await
            .expect("answer");
        assert_eq!(status, 200, "{answer}");
        seen.insert(format!("usage {batch}"), json!(counts(&answer)));
    }
    // Every instance's compute engine holds every batch, whichever instance took it, once.
    for account in 0..4 {
        let path = format!("/v1/compute/accounts/acct-{account}");
        let first = compute_summary(&at(0).get_ok(&path).await);
        for api in &apis[1..] {
            assert_eq!(
                compute_summary(&api.get_ok(&path).await),
                first,
                "{}",
                api.base
            );
        }
        seen.insert(format!("compute acct-{account}"), first);
    }
    let kim = screen(at(0), "Kim Jong Un").await;
    for api in apis {
        assert_eq!(screen(api, "Kim Jong Un").await, kim, "{}", api.base);
    }
    seen.insert("screen kim".into(), json!(kim));
    let today = chrono::Utc::now().date_naive().to_string();
    let measure = json!({"target": {"kind": "jurisdiction", "country": "KP"},
                         "measure": "prohibit", "determined": today, "effective": today,
                         "reference": "example determination"});
    let (status, body) = at(1)
        .post("/v1/special-measures", &measure, &[])
        .await
        .expect("answer");
    assert_eq!(status, 201, "{body}");
    let mut refused = customer(100);
    refused["nationalities"] = json!(["KP"]);
    refused["addresses"][0]["country"] = json!("KP");
    let (status, body) = at(2)
        .post("/v1/customers", &refused, &[])
        .await
        .expect("answer");
    seen.insert(
        "onboarding under the measure".into(),
        json!([status, body["account_access"]]),
    );

    let imported = db.cli(&["lists", "import", &new_list(&db.dir), "--list", "bis_dpl"]);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let started = Instant::now();
    for api in apis {
        while screen(api, LISTED_NAME).await.is_empty() {
            assert!(
                started.elapsed() < PROPAGATION_LIMIT,
                "{} never saw the list",
                api.base
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    eprintln!(
        "the imported list reached {} instance(s) in {:?}",
        apis.len(),
        started.elapsed()
    );
    drain_jobs(&db.url).await;

    for (n, sent) in &customers {
        let id = sent["id"].as_str().expect("id");
        let now = at(n + 2).get_ok(&format!("/v1/customers/{id}")).await;
        seen.insert(
            format!("customer {n}"),
            json!([
                now["cip_status"],
                now["account_access"],
                now["screening"]["status"]
            ]),
        );
    }
    let cases = at(0).get_ok("/v1/cases?limit=500").await;
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for case in cases["cases"].as_array().expect("cases") {
        *kinds
            .entry(case["kind"].as_str().unwrap_or("").to_owned())
            .or_default() += 1;
    }
    seen.insert("cases by kind".into(), json!(kinds));
    seen
}

/// Waits until no due job is waiting or running, then checks that every job ran exactly once.
async fn drain_jobs(url: &str) {
    let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let busy: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE state = 'running' \
             OR (state = 'queued' AND run_at <= now())",
        )
        .fetch_one(&mut conn)
        .await
        .expect("jobs");
        if busy == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{busy} jobs still due");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (done, repeated): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE state = 'done'), \
         count(*) FILTER (WHERE state = 'dead' OR attempts <> 1 AND state = 'done') FROM jobs",
    )
    .fetch_one(&mut conn)
    .await
    .expect("jobs");
    assert!(done > 0, "the scenario ran background jobs");
    assert_eq!(repeated, 0, "a job ran twice or died");
}

async fn run_on(pg: &PgDatabase, instances: usize) -> BTreeMap<String, Value> {
    let dir = tempfile::tempdir().expect("dir");
    let db = pg.db(dir.path());
    let key = db.admin_key();
    let mut servers: Vec<Server> = Vec::new();
    for i in 0..instances {
        servers.push(db.serve(&format!("instance-{i}"), &[]).await);
    }
    let apis: Vec<Api> = servers.iter().map(|s| Api::new(&s.base, &key)).collect();
    let seen = scenario(&db, &apis).await;
    db.assert_audit_intact();
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_on_one_postgres_behave_as_one() {
    let Some(shared) = PgDatabase::create("the three-instance test").await else {
        return;
    };
    let Some(single) = PgDatabase::create("the three-instance test").await else {
        return;
    };
    let three = run_on(&shared, 3).await;
    let one = run_on(&single, 1).await;
    assert_eq!(three, one);
    assert!(
        three["cases by kind"]["screening_hit"].as_u64() >= Some(1),
        "the re-screening after the import raised the listed customer once: {three:?}"
    );
}

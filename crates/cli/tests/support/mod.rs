//! Real `cloudkyc serve` processes for the fault and scale tests: start one on a database, talk
//! to it over loopback HTTP, kill it with SIGKILL.

#![allow(
    dead_code,
    reason = "each test binary uses the part of the support it needs"
)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const MASTER_KEY: &str = "6f0c1e2d3b4a59687766554433221100ffeeddccbbaa99887766554433221100";

/// How long a starting server may take to answer `/healthz` (a debug build migrates, opens the
/// key ring and binds).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A database the processes of one test share.
#[derive(Debug, Clone)]
pub struct Db {
    pub url: String,
    /// Where the processes run (the data directory of SQLite, logs).
    pub dir: PathBuf,
}

impl Db {
    pub fn sqlite(dir: &Path) -> Self {
        Self {
            url: format!("sqlite://{}", dir.join("cloudkyc.db").display()),
            dir: dir.to_owned(),
        }
    }

    /// `cloudkyc ARGS` on this database.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("the binary runs")
    }

    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_cloudkyc"));
        command
            .current_dir(&self.dir)
            .env_remove("CLOUDKYC_POLICY")
            .env("CLOUDKYC_DATABASE_URL", &self.url)
            .env("CLOUDKYC_MASTER_KEY", MASTER_KEY)
            .env("CLOUDKYC_SERVER__JOB_POLL_INTERVAL", "200ms");
        command
    }

    /// A new admin key (creating the provider tenant on an empty database).
    pub fn admin_key(&self) -> String {
        let out = self.cli(&["keys", "create", "--role", "admin", "--name", "test"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.lines().last().expect("the secret").trim().to_owned()
    }

    /// `cloudkyc audit verify` passes.
    pub fn assert_audit_intact(&self) {
        let out = self.cli(&["audit", "verify"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "audit verify: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts `cloudkyc serve` on a free loopback port, with `env` added, and waits until it
    /// answers.
    pub async fn serve(&self, name: &str, env: &[(&str, String)]) -> Server {
        let port = free_port();
        let log = std::fs::File::create(self.dir.join(format!("{name}.log"))).expect("log file");
        let mut command = self.command();
        command
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.spawn().expect("serve starts");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        server.wait_healthy().await;
        server
    }
}

/// A port nobody listens on now (the kernel's pick for port 0, released at once).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// One `cloudkyc serve` process; killed with SIGKILL when dropped.
#[derive(Debug)]
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    async fn wait_healthy(&self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let answer = client.get(format!("{}/healthz", self.base)).send().await;
            if answer.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} never became healthy",
                self.base
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no shutdown, no flush; whatever was not committed is lost.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An API client of one server with one key.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    pub base: String,
    key: String,
}

/// An answer: the status and the JSON body (`Null` when there was none).
pub type Answer = (u16, Value);

impl Api {
    pub fn new(base: &str, key: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        Self {
            http,
            base: base.to_owned(),
            key: key.to_owned(),
        }
    }

    /// `POST path` with a JSON body and optional headers; `Err` when no answer came (the server
    /// died with the request in flight).
    pub async fn post(
        &self,
        path: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Result<Answer, reqwest::Error> {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body).expect("json"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        answer(request.send().await?).await
    }

    pub async fn get(&self, path: &str) -> Result<Answer, reqwest::Error> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .send()
            .await?;
        answer(response).await
    }

    /// A GET that must succeed.
    pub async fn get_ok(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await.expect("answer");
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }
}

async fn answer(response: reqwest::Response) -> Result<Answer, reqwest::Error> {
    let status = response.status().as_u16();
    let bytes = response.bytes().await?;
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

/// A foreign individual the rule pack verifies offline (no pending vendor step), holding the
/// account `acct-{n}`.
pub fn customer(n: usize) -> Value {
    json!({
      "kind": "individual",
      "name": {"full": format!("Test Person {n}")},
      "date_of_birth": "1980-01-01",
      "nationalities": ["DE"],
      "addresses": [{"line1": format!("{n} Hauptstrasse"), "city": "Berlin", "country": "DE"}],
      "emails": [format!("person{n}@example.com")],
      "phones": ["+49 30 901820"],
      "accounts": [{"external_id": format!("acct-{n}"),
                    "payment_methods": [{"type": "card", "brand": "visa", "last4": "4242",
                                         "bin_country": "DE", "source": "customer"}]}],
      "beneficial_owners": []
    })
}

/// `count` hourly usage records of `acct-{account}`, ids `u-{batch}-{k}`.
pub fn usage(batch: &str, account: usize, count: usize) -> Value {
    let records: Vec<Value> = (0..count)
        .map(|k| {
            let start = 1_790_000_000 + i64::try_from(k).unwrap_or(0) * 3600;
            json!({"id": format!("u-{batch}-{k}"), "account": format!("acct-{account}"),
                   "accelerator": "H100", "count": 8, "start": rfc3339(start),
                   "end": rfc3339(start + 3600), "cluster": "c1", "datacenter": "dc1",
                   "fabric_gbps": 400})
        })
        .collect();
    Value::Array(records)
}

/// `count` logins to `acct-{account}` from a German address, ids `ev-{batch}-{k}`.
pub fn access_events(batch: &str, account: usize, count: usize) -> Value {
    let events: Vec<Value> = (0..count)
        .map(|k| {
            let at = 1_790_000_000 + i64::try_from(k).unwrap_or(0) * 60;
            json!({"id": format!("ev-{batch}-{k}"), "account": format!("acct-{account}"),
                   "ip": "85.214.132.117", "at": rfc3339(at), "action": "login"})
        })
        .collect();
    Value::Array(events)
}

fn rfc3339(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// The ingestion answer's `(accepted, duplicate, rejected)`.
pub fn counts(body: &Value) -> (u64, u64, usize) {
    (
        body["accepted"].as_u64().unwrap_or(0),
        body["duplicate"].as_u64().unwrap_or(0),
        body["rejected"].as_array().map_or(0, Vec::len),
    )
}

/// A PostgreSQL database created for one test (see `cloudkyc-test-pg`) and dropped when it ends.
#[derive(Debug)]
pub struct PgDatabase(cloudkyc_test_pg::TestDatabase);

impl PgDatabase {
    /// A fresh database on the server `CLOUDKYC_TEST_POSTGRES_URL` names, or `None` (saying
    /// "skipped" on the real stderr) without it. A configured but unreachable server panics: CI
    /// never skips PostgreSQL silently.
    pub async fn create(test: &str) -> Option<Self> {
        cloudkyc_test_pg::TestDatabase::create(test).await.map(Self)
    }

    /// The server URL with this database in place of the one it names.
    pub fn url(&self) -> String {
        self.0.url()
    }

    /// The processes of a test on this database, running in `dir`.
    pub fn db(&self, dir: &Path) -> Db {
        Db {
            url: self.url(),
            dir: dir.to_owned(),
        }
    }
}

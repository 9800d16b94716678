//! Test support only (a dev-dependency of the crates whose tests run on PostgreSQL): a database
//! of its own for one test, created on the server `CLOUDKYC_TEST_POSTGRES_URL` names and dropped
//! when the test ends.
//!
//! Without the variable, [`TestDatabase::create`] says on stderr that the test was skipped and
//! returns `None`, so the test passes without running; with it, an unreachable server panics:
//! CI must never skip PostgreSQL silently.

use std::collections::BTreeSet;
use std::sync::Mutex;

use sqlx::{Connection, PgConnection};

/// The variable naming the server (any database on it; trust or password auth in the URL).
pub const URL_VARIABLE: &str = "CLOUDKYC_TEST_POSTGRES_URL";

/// A database created for one test and dropped (best effort, connections forced off) when this
/// value is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    server_url: String,
    name: String,
}

impl TestDatabase {
    /// A fresh, empty database, or `None` (after saying on stderr that `what` was skipped) when
    /// `CLOUDKYC_TEST_POSTGRES_URL` is not set. Panics when the server is configured but cannot
    /// be reached or refuses the database.
    pub async fn create(what: &str) -> Option<Self> {
        let Ok(server_url) = std::env::var(URL_VARIABLE) else {
            announce_skip(what);
            return None;
        };
        let name = format!("cloudkyc_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&server_url)
            .await
            .unwrap_or_else(|e| {
                panic!("{URL_VARIABLE} is set but the server cannot be reached: {e}")
            });
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        let _ = admin.close().await;
        Some(Self { server_url, name })
    }

    /// The server URL with its database replaced by this one (query parameters kept).
    pub fn url(&self) -> String {
        with_database(&self.server_url, &self.name)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (server_url, name) = (self.server_url.clone(), self.name.clone());
        // Drop cannot await, and the test's runtime may be ending: a thread and runtime of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&server_url).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .ok()
            })
        });
        let _ = dropped.join();
    }
}

/// `url` with its database replaced by `database`, query parameters kept.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    format!("{}/{database}{query}", &base[..authority_end])
}

/// Says once per process and `what`, on the real stderr (the test harness captures `eprintln!`
/// of passing tests), that PostgreSQL tests passed without running, so a laptop run is never
/// mistaken for a PostgreSQL run.
fn announce_skip(what: &str) {
    use std::io::Write;
    static ANNOUNCED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let first = ANNOUNCED
        .lock()
        .map(|mut announced| announced.insert(what.to_owned()))
        .unwrap_or(true);
    if first {
        let _ = writeln!(
            std::io::stderr(),
            "skipped: {what} did not run on PostgreSQL because {URL_VARIABLE} is not set"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_replaces_the_one_in_the_url() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "t1"),
            "postgres://u@h:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u@h:5432", "t1"),
            "postgres://u@h:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "t1"),
            "postgres://u:p@h/t1?sslmode=disable"
        );
    }
}

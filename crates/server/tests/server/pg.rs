//! A PostgreSQL database of its own for one test, on the server `CLOUDKYC_TEST_POSTGRES_URL`
//! names, dropped when the test ends. Without the variable the test says once that it skipped
//! and passes; with it, an unreachable server fails the test (CI must never skip silently).

use sqlx::{Connection, PgConnection};

const URL_VARIABLE: &str = "CLOUDKYC_TEST_POSTGRES_URL";

#[derive(Debug)]
pub struct PgDatabase {
    server_url: String,
    name: String,
}

/// Says once per test run, on the real stderr (the harness captures `eprintln!` of passing
/// tests), that the PostgreSQL runs were skipped.
fn announce_skip() {
    use std::io::Write;
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "skipped: the server's PostgreSQL tests did not run because {URL_VARIABLE} is not set"
        );
    });
}

impl PgDatabase {
    pub async fn create() -> Option<Self> {
        let Ok(server_url) = std::env::var(URL_VARIABLE) else {
            announce_skip();
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
        let (base, query) = match self.server_url.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (self.server_url.as_str(), String::new()),
        };
        let authority = base.find("://").map_or(0, |i| i + 3);
        let end = base[authority..]
            .find('/')
            .map_or(base.len(), |i| authority + i);
        format!("{}/{}{query}", &base[..end], self.name)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (server_url, name) = (self.server_url.clone(), self.name.clone());
        // Drop cannot await, and the test's runtime is ending: use a thread of our own.
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

//! Connecting: the URL, a clear error naming the server, the migrations.

use std::str::FromStr;
use std::time::Duration;

use cloudkyc_store::{StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECTIONS: u32 = 16;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Where the server is, for error messages: `host:port/database`, never the password.
pub(crate) fn describe(options: &PgConnectOptions) -> String {
    format!(
        "{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("(default database)")
    )
}

pub(crate) fn parse(url: &str) -> StoreResult<PgConnectOptions> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(StoreError::Database(
            "unsupported PostgreSQL URL: expected postgres://user@host:port/database".into(),
        ));
    }
    // The URL may hold a password, so it is never repeated in the message.
    PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::Database(format!("invalid PostgreSQL URL: {e}")))
}

/// Connects a pool (one connection is made at once, so an unreachable server fails here) and
/// applies pending migrations. sqlx's migrator holds an advisory lock while it works, so several
/// processes starting together migrate once.
pub(crate) async fn connect(options: PgConnectOptions) -> StoreResult<PgPool> {
    let server = describe(&options);
    let unreachable = |e: sqlx::Error| {
        StoreError::Database(format!(
            "cannot connect to PostgreSQL at {server}: {}",
            one_line(&e)
        ))
    };
    // One direct attempt first: the pool would retry a refused connection until its timeout,
    // while an operator with a wrong host or port deserves the answer at once.
    let probe = tokio::time::timeout(CONNECT_TIMEOUT, options.connect())
        .await
        .map_err(|_| {
            StoreError::Database(format!(
                "cannot connect to PostgreSQL at {server}: timed out"
            ))
        })?
        .map_err(unreachable)?;
    probe.close().await.map_err(unreachable)?;
    let pool = PgPoolOptions::new()
        .max_connections(CONNECTIONS)
        .acquire_timeout(CONNECT_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(unreachable)?;
    if let Err(e) = MIGRATOR.run(&pool).await {
        pool.close().await;
        return Err(StoreError::Database(format!(
            "migrating PostgreSQL database {server} failed: {}",
            one_line(&e)
        )));
    }
    Ok(pool)
}

fn one_line(e: &impl std::fmt::Display) -> String {
    e.to_string().replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_description_names_the_server_but_not_the_password() {
        let options = parse("postgres://cloudkyc:hunter2@db.internal:6543/kyc")
            .unwrap_or_else(|e| panic!("{e}"));
        let text = describe(&options);
        assert_eq!(text, "db.internal:6543/kyc");
    }

    #[test]
    fn other_urls_are_refused_without_echoing_them() {
        for bad in ["sqlite://x.db", "mysql://u:hunter2@h/d", "hunter2"] {
            let err = parse(bad).expect_err("refused").to_string();
            assert!(!err.contains("hunter2"), "{err}");
        }
    }
}

//! Someone with database access attacks the audit chain. The triggers refuse UPDATE, DELETE and
//! TRUNCATE; an attacker who disables them still cannot hide the change from `verify_audit`.

use chrono::Utc;
use cloudkyc_domain::{Role, TenantId};
use cloudkyc_store::api_key::NewKey;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store::{AuditStore, KeyStore, TenantScope, TenantStore};
use cloudkyc_store_postgres::PgStore;
use sqlx::PgConnection;

use crate::{PgDatabase, fresh_database};

/// A database whose provider chain has five events (seq 1 to 5).
async fn chain_of_five() -> Option<(PgDatabase, PgStore, TenantId)> {
    let db = fresh_database().await?;
    let store = db.connect(&MasterKey::generate()).await.expect("connect");
    let provider = store
        .ensure_provider("Tamper Cloud", Utc::now())
        .await
        .expect("provider");
    let scope = TenantScope::operator(provider.id, vec![]);
    for i in 0..4 {
        let new = NewKey {
            tenant: provider.id,
            role: Role::Analyst,
            name: format!("k{i}"),
            expires_at: None,
        };
        store
            .create_key(&scope, new, Utc::now())
            .await
            .expect("key");
    }
    assert!(store.verify_audit().await.expect("verify").intact());
    Some((db, store, provider.id))
}

async fn exec(conn: &mut PgConnection, sql: &str) -> Result<(), String> {
    sqlx::raw_sql(sql)
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

async fn first_break(store: &PgStore, tenant: TenantId) -> i64 {
    let report = store.verify_audit().await.expect("verify");
    assert!(!report.intact());
    let (broken, at) = report.first_break().expect("a break");
    assert_eq!(*broken, tenant);
    at.seq
}

const DISABLE_TRIGGERS: &str = "ALTER TABLE audit_events DISABLE TRIGGER USER";

#[tokio::test]
async fn the_database_refuses_update_delete_and_truncate_of_events() {
    let Some((db, store, _)) = chain_of_five().await else {
        return;
    };
    let mut raw = db.raw().await;
    for attack in [
        "UPDATE audit_events SET action = 'nothing' WHERE seq = 2",
        "DELETE FROM audit_events WHERE seq = 5",
        "TRUNCATE audit_events CASCADE",
    ] {
        let refused = exec(&mut raw, attack).await.expect_err(attack);
        assert!(refused.contains("append-only"), "{attack}: {refused}");
    }
    assert!(
        store.verify_audit().await.expect("verify").intact(),
        "nothing changed"
    );
    store.close().await;
}

#[tokio::test]
async fn an_altered_event_is_named() {
    let Some((db, store, tenant)) = chain_of_five().await else {
        return;
    };
    let mut raw = db.raw().await;
    exec(&mut raw, DISABLE_TRIGGERS)
        .await
        .expect("attacker disables the triggers");
    exec(
        &mut raw,
        "UPDATE audit_events SET actor = 'someone else' WHERE seq = 3",
    )
    .await
    .expect("altered");
    assert_eq!(first_break(&store, tenant).await, 3);
    store.close().await;
}

#[tokio::test]
async fn a_removed_middle_event_is_named() {
    let Some((db, store, tenant)) = chain_of_five().await else {
        return;
    };
    let mut raw = db.raw().await;
    exec(&mut raw, DISABLE_TRIGGERS)
        .await
        .expect("attacker disables the triggers");
    exec(&mut raw, "DELETE FROM audit_events WHERE seq = 3")
        .await
        .expect("deleted");
    assert_eq!(
        first_break(&store, tenant).await,
        4,
        "the entry after the gap is the first that fails"
    );
    store.close().await;
}

#[tokio::test]
async fn a_removed_tail_is_named() {
    let Some((db, store, tenant)) = chain_of_five().await else {
        return;
    };
    let mut raw = db.raw().await;
    exec(
        &mut raw,
        "DROP TRIGGER audit_events_refuse_update_delete ON audit_events",
    )
    .await
    .expect("dropped");
    exec(&mut raw, "DELETE FROM audit_events WHERE seq = 5")
        .await
        .expect("deleted");
    assert_eq!(
        first_break(&store, tenant).await,
        5,
        "the recorded head is no longer reached"
    );
    store.close().await;
}

#[tokio::test]
async fn swapped_events_are_named() {
    let Some((db, store, tenant)) = chain_of_five().await else {
        return;
    };
    let mut raw = db.raw().await;
    exec(&mut raw, DISABLE_TRIGGERS)
        .await
        .expect("attacker disables the triggers");
    exec(
        &mut raw,
        "UPDATE audit_events SET seq = -2 WHERE seq = 2; \
         UPDATE audit_events SET seq = 2 WHERE seq = 3; \
         UPDATE audit_events SET seq = 3 WHERE seq = -2;",
    )
    .await
    .expect("swapped");
    assert_eq!(first_break(&store, tenant).await, 2);
    store.close().await;
}

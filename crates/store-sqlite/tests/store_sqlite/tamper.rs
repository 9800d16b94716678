//! Someone with the database file attacks the audit chain. The triggers refuse ordinary UPDATE
//! and DELETE; an attacker who drops them still cannot hide the change from `verify_audit`.

use chrono::Utc;
use cloudkyc_domain::{Role, TenantId};
use cloudkyc_store::api_key::NewKey;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store::{AuditStore, KeyStore, TenantScope, TenantStore};
use cloudkyc_store_sqlite::SqliteStore;

use crate::SqliteDatabase;

/// A database whose provider chain has five events (seq 1 to 5).
async fn chain_of_five() -> (SqliteDatabase, SqliteStore, TenantId) {
    let db = SqliteDatabase::create();
    let store = db.open_store(&MasterKey::generate()).await.expect("open");
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
    (db, store, provider.id)
}

async fn exec(conn: &mut sqlx::SqliteConnection, sql: &str) -> Result<(), String> {
    sqlx::query(sql)
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

async fn first_break(store: &SqliteStore, tenant: TenantId) -> i64 {
    let report = store.verify_audit().await.expect("verify");
    assert!(!report.intact());
    let (broken, at) = report.first_break().expect("a break");
    assert_eq!(*broken, tenant);
    at.seq
}

const DROP_TRIGGERS: &str =
    "DROP TRIGGER audit_events_refuse_update; DROP TRIGGER audit_events_refuse_delete;";

#[tokio::test]
async fn the_database_refuses_update_and_delete_of_events() {
    let (db, store, _) = chain_of_five().await;
    let mut raw = db.raw().await;
    let update = exec(
        &mut raw,
        "UPDATE audit_events SET action = 'nothing' WHERE seq = 2",
    )
    .await;
    assert!(update.expect_err("refused").contains("append-only"));
    let delete = exec(&mut raw, "DELETE FROM audit_events WHERE seq = 5").await;
    assert!(delete.expect_err("refused").contains("append-only"));
    assert!(
        store.verify_audit().await.expect("verify").intact(),
        "nothing changed"
    );
}

#[tokio::test]
async fn an_altered_event_is_named() {
    let (db, store, tenant) = chain_of_five().await;
    let mut raw = db.raw().await;
    exec(&mut raw, DROP_TRIGGERS)
        .await
        .expect("attacker drops the triggers");
    exec(
        &mut raw,
        "UPDATE audit_events SET actor = 'someone else' WHERE seq = 3",
    )
    .await
    .expect("altered");
    assert_eq!(first_break(&store, tenant).await, 3);
}

#[tokio::test]
async fn a_removed_middle_event_is_named() {
    let (db, store, tenant) = chain_of_five().await;
    let mut raw = db.raw().await;
    exec(&mut raw, DROP_TRIGGERS)
        .await
        .expect("attacker drops the triggers");
    exec(&mut raw, "DELETE FROM audit_events WHERE seq = 3")
        .await
        .expect("deleted");
    assert_eq!(
        first_break(&store, tenant).await,
        4,
        "the entry after the gap is the first that fails"
    );
}

#[tokio::test]
async fn a_removed_tail_is_named() {
    let (db, store, tenant) = chain_of_five().await;
    let mut raw = db.raw().await;
    exec(&mut raw, DROP_TRIGGERS)
        .await
        .expect("attacker drops the triggers");
    exec(&mut raw, "DELETE FROM audit_events WHERE seq = 5")
        .await
        .expect("deleted");
    assert_eq!(
        first_break(&store, tenant).await,
        5,
        "the recorded head is no longer reached"
    );
}

#[tokio::test]
async fn swapped_events_are_named() {
    let (db, store, tenant) = chain_of_five().await;
    let mut raw = db.raw().await;
    exec(&mut raw, DROP_TRIGGERS)
        .await
        .expect("attacker drops the triggers");
    exec(
        &mut raw,
        "UPDATE audit_events SET seq = -2 WHERE seq = 2; \
         UPDATE audit_events SET seq = 2 WHERE seq = 3; \
         UPDATE audit_events SET seq = 3 WHERE seq = -2;",
    )
    .await
    .expect("swapped");
    assert_eq!(first_break(&store, tenant).await, 2);
}

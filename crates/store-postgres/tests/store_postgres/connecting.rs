//! Connecting: errors that name the server and not the password, and several processes
//! starting at once on an empty database.

use cloudkyc_domain::TenantId;
use cloudkyc_store::crypto::{Aad, MasterKey};
use cloudkyc_store::{KeyRingStore, StoreError};
use cloudkyc_store_postgres::PgStore;

use crate::fresh_database;

#[tokio::test]
async fn an_unreachable_server_is_named_without_the_password() {
    // Port 1 on the loopback interface: nothing listens there, so the refusal is immediate.
    let err = PgStore::connect(
        "postgres://cloudkyc:hunter2@127.0.0.1:1/cloudkyc",
        &MasterKey::generate(),
    )
    .await
    .expect_err("unreachable");
    let text = err.to_string();
    assert!(matches!(err, StoreError::Database(_)), "{text}");
    assert!(text.contains("127.0.0.1:1"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!text.contains('\n'), "{text}");
}

#[tokio::test]
async fn a_url_of_another_database_is_refused() {
    let err = PgStore::connect("sqlite://x.db", &MasterKey::generate())
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("postgres://"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_starting_together_migrate_once_and_share_one_key_ring() {
    let Some(db) = fresh_database().await else {
        return;
    };
    let master = MasterKey::generate();
    let starts = (0..4).map(|_| {
        let url = db.url();
        let master = master.clone();
        tokio::spawn(async move { PgStore::connect(&url, &master).await })
    });
    let mut stores = Vec::new();
    for start in starts {
        stores.push(start.await.expect("task").expect("connected"));
    }
    let aad = Aad {
        tenant: TenantId::new(),
        table: "t",
        row: "r",
        column: "c",
    };
    let sealed = stores[0]
        .key_ring()
        .encrypt_str("shared", aad)
        .expect("encrypt");
    for store in &stores {
        assert_eq!(
            store
                .key_ring()
                .decrypt_str(&sealed, aad)
                .expect("same ring"),
            "shared"
        );
    }
    let mut raw = db.raw().await;
    let keys: i64 = sqlx::query_scalar("SELECT count(*) FROM data_keys")
        .fetch_one(&mut raw)
        .await
        .expect("count");
    assert_eq!(keys, 2, "one bootstrap");
    for store in &stores {
        store.close().await;
    }
}

//! Opening files: created on first use, refused when they are not ours, in memory for tests.

use chrono::Utc;
use cloudkyc_store::StoreError;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store::{AuditStore, Store, TenantStore};
use cloudkyc_store_sqlite::SqliteStore;

use crate::SqliteDatabase;

fn assert_refused_as_not_ours(err: StoreError) {
    let text = err.to_string();
    assert!(matches!(err, StoreError::Database(_)), "{text}");
    assert!(text.contains("is not a cloudkyc SQLite database"), "{text}");
    assert!(!text.contains('\n'), "one line: {text}");
}

#[tokio::test]
async fn the_file_and_its_directory_are_created_on_first_use_in_wal_mode() {
    let db = SqliteDatabase::create();
    assert!(!db.path().parent().expect("parent").exists());
    let store = db.open_store(&MasterKey::generate()).await.expect("opened");
    assert!(db.path().exists());
    store.ping().await.expect("ping");
    use sqlx::Row;
    let mut raw = db.raw().await;
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(&mut raw)
        .await
        .expect("pragma")
        .get(0);
    assert_eq!(mode, "wal");
    let keys: i64 = sqlx::query("SELECT count(*) FROM data_keys")
        .fetch_one(&mut raw)
        .await
        .expect("keys")
        .get(0);
    assert_eq!(
        keys, 2,
        "a blind-index key and a data key were bootstrapped"
    );
}

#[tokio::test]
async fn a_garbage_file_is_refused_and_left_untouched() {
    let db = SqliteDatabase::create();
    std::fs::create_dir_all(db.path().parent().expect("parent")).expect("dir");
    let garbage: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(db.path(), &garbage).expect("write");
    let err = db
        .open_store(&MasterKey::generate())
        .await
        .expect_err("refused");
    assert_refused_as_not_ours(err);
    assert_eq!(
        std::fs::read(db.path()).expect("read"),
        garbage,
        "byte for byte unchanged"
    );
}

#[tokio::test]
async fn a_file_with_a_sqlite_header_but_garbage_pages_is_refused_and_left_untouched() {
    let db = SqliteDatabase::create();
    std::fs::create_dir_all(db.path().parent().expect("parent")).expect("dir");
    let mut corrupt = b"SQLite format 3\0".to_vec();
    corrupt.extend((0..4080u32).map(|i| (i % 251) as u8));
    std::fs::write(db.path(), &corrupt).expect("write");
    let err = db
        .open_store(&MasterKey::generate())
        .await
        .expect_err("refused");
    assert_refused_as_not_ours(err);
    assert_eq!(std::fs::read(db.path()).expect("read"), corrupt);
}

#[tokio::test]
async fn another_applications_database_is_refused_and_left_untouched() {
    let db = SqliteDatabase::create();
    std::fs::create_dir_all(db.path().parent().expect("parent")).expect("dir");
    {
        use sqlx::{ConnectOptions, Connection};
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(db.path())
            .create_if_missing(true)
            .connect()
            .await
            .expect("connect");
        sqlx::query("CREATE TABLE recipes (name TEXT)")
            .execute(&mut conn)
            .await
            .expect("create");
        conn.close().await.expect("close");
    }
    let before = std::fs::read(db.path()).expect("read");
    let err = db
        .open_store(&MasterKey::generate())
        .await
        .expect_err("refused");
    assert_refused_as_not_ours(err);
    assert_eq!(std::fs::read(db.path()).expect("read"), before);
}

#[tokio::test]
async fn a_bad_url_is_refused_clearly() {
    let err = SqliteStore::open("mysql://x", &MasterKey::generate())
        .await
        .expect_err("refused");
    assert!(
        err.to_string().contains("sqlite://path/to/file.db"),
        "{err}"
    );
}

#[tokio::test]
async fn an_in_memory_database_works_for_tests() {
    let store = SqliteStore::open("sqlite::memory:", &MasterKey::generate())
        .await
        .expect("opened");
    let provider = store
        .ensure_provider("Memory Cloud", Utc::now())
        .await
        .expect("provider");
    assert_eq!(store.provider().await.expect("provider"), Some(provider));
    assert!(store.verify_audit().await.expect("verify").intact());
    assert_eq!(store.backend(), "sqlite");
}

#[tokio::test]
async fn migrations_are_applied_once_and_reopening_is_idempotent() {
    let db = SqliteDatabase::create();
    let master = MasterKey::generate();
    let first = db.open_store(&master).await.expect("first");
    first.close().await;
    let _second = db.open_store(&master).await.expect("second");
    use sqlx::Row;
    let mut raw = db.raw().await;
    let applied: i64 = sqlx::query("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&mut raw)
        .await
        .expect("q")
        .get(0);
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .expect("dir")
        .count();
    assert_eq!(applied, i64::try_from(files).expect("count"));
}

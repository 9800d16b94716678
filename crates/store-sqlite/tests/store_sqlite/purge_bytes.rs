//! After a retention purge the shredded ciphertext is not in the database file or its
//! write-ahead log: SQLite zeroes the deleted cells (`secure_delete` during the purge) and the
//! log is folded back into the file, so free pages hold no copy of the purged values.

use chrono::{Duration, TimeZone, Utc};
use cloudkyc_domain::cip::{CustomerKind, PersonStatus};
use cloudkyc_domain::rule_pack::RiskTier;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store::customers::{
    AccountAccess, CipStatus, CustomerDecision, CustomerId, NewCustomer,
};
use cloudkyc_store::documents::{EvidenceKind, MediaType, NewDocument};
use cloudkyc_store::retention::RetentionQuery;
use cloudkyc_store::{CustomerStore, DocumentStore, RetentionStore, TenantScope, TenantStore};
use sqlx::Row;

use crate::SqliteDatabase;

/// The database file and its write-ahead log, as someone copying the files would get them.
fn file_bytes(db: &SqliteDatabase) -> Vec<u8> {
    let mut bytes = std::fs::read(db.path()).expect("database file");
    let mut wal = db.path().into_os_string();
    wal.push("-wal");
    bytes.extend(std::fs::read(wal).unwrap_or_default());
    bytes
}

fn holds(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// 32 bytes from the middle of a ciphertext: random-looking, so found only where it was copied.
fn sample(ciphertext: &[u8]) -> Vec<u8> {
    assert!(ciphertext.len() > 64, "a real ciphertext");
    let mid = ciphertext.len() / 2;
    ciphertext[mid - 16..mid + 16].to_vec()
}

async fn column(db: &SqliteDatabase, sql: &str, id: CustomerId) -> Vec<u8> {
    let mut raw = db.raw().await;
    let row = sqlx::query(sql)
        .bind(id.to_string())
        .fetch_one(&mut raw)
        .await
        .expect("row");
    row.try_get(0).expect("blob")
}

#[tokio::test]
async fn purged_ciphertext_is_not_left_in_the_database_files() {
    let db = SqliteDatabase::create();
    let store = db
        .open_store(&MasterKey::generate())
        .await
        .expect("store opens");
    let t0 = Utc
        .with_ymd_and_hms(2024, 1, 10, 9, 0, 0)
        .single()
        .expect("t0");
    let provider = store
        .ensure_provider("Test Cloud", t0)
        .await
        .expect("provider");
    let scope = TenantScope::operator(provider.id, vec![provider.id]);
    let personal = serde_json::json!({
        "name": {"full": "Zebulon Quuxworth"},
        "notes": "x".repeat(3000),
    });
    let new = NewCustomer {
        tenant: provider.id,
        idempotency_key: None,
        kind: CustomerKind::Individual,
        decision: CustomerDecision {
            person_status: PersonStatus::Foreign,
            cip_status: CipStatus::Failed,
            account_access: AccountAccess::Closed,
            risk_tier: RiskTier::High,
            policy_id: "bis-cip".into(),
            policy_version: "2024.1".into(),
            reasons: vec!["failed verification".into()],
        },
        personal,
        lookups: vec![],
        accounts: vec!["acct-purged".into()],
    };
    let id = store
        .create_customer(&scope, new, t0)
        .await
        .expect("customer")
        .customer
        .id;
    let document = NewDocument {
        customer: id,
        kind: EvidenceKind::Passport,
        media_type: MediaType::Png,
        content: [b"\x89PNG\r\n\x1a\n".as_slice(), &[7u8; 4096]].concat(),
    };
    store
        .add_document(&scope, document, t0)
        .await
        .expect("document");
    let personal_ct = column(&db, "SELECT personal_ct FROM customers WHERE id = ?", id).await;
    let document_ct = column(
        &db,
        "SELECT content_ct FROM documents WHERE customer_id = ?",
        id,
    )
    .await;
    let (personal_ct, document_ct) = (sample(&personal_ct), sample(&document_ct));
    let before = file_bytes(&db);
    assert!(holds(&before, &personal_ct) && holds(&before, &document_ct));

    let cutoff = t0 + Duration::days(800);
    let query = RetentionQuery {
        closed_before: Some(cutoff),
        last_access_before: Some(cutoff),
    };
    store
        .purge_customer(&scope, id, query, cutoff)
        .await
        .expect("purged");
    store.reclaim_purged_space().await.expect("reclaimed");

    let after = file_bytes(&db);
    assert!(
        !holds(&after, &personal_ct),
        "the customer's ciphertext remains"
    );
    assert!(
        !holds(&after, &document_ct),
        "the document's ciphertext remains"
    );
}

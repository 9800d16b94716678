//! The pattern for personal fields, on a scratch table: ciphertext in BYTEA, lookups by blind
//! index, plaintext nowhere.

use chrono::Utc;
use cloudkyc_domain::TenantId;
use cloudkyc_store::backend::Sealed;
use cloudkyc_store::crypto::{Aad, KeyRing, MasterKey};
use cloudkyc_store_postgres::sealed::open_column;

use crate::fresh_database;

#[tokio::test]
async fn a_sealed_column_is_stored_as_ciphertext_found_by_its_blind_index_and_opened() {
    let Some(db) = fresh_database().await else {
        return;
    };
    let (ring, _) = KeyRing::bootstrap(&MasterKey::generate(), Utc::now()).expect("ring");
    let mut conn = db.raw().await;
    sqlx::query("CREATE TABLE people (id TEXT PRIMARY KEY, tenant_id UUID NOT NULL, email_ct BYTEA NOT NULL, email_bidx TEXT NOT NULL)")
        .execute(&mut conn)
        .await
        .expect("table");
    let tenant = TenantId::new();
    let aad = Aad {
        tenant,
        table: "people",
        row: "p1",
        column: "email",
    };
    let sealed = Sealed::indexed_text(&ring, aad, "Ada@Example.org", "email", "ada@example.org")
        .expect("sealed");
    sqlx::query("INSERT INTO people VALUES ('p1', $1, $2, $3)")
        .bind(tenant.as_uuid())
        .bind(&sealed.ciphertext)
        .bind(&sealed.blind_index)
        .execute(&mut conn)
        .await
        .expect("insert");
    let row = sqlx::query("SELECT email_ct FROM people WHERE tenant_id = $1 AND email_bidx = $2")
        .bind(tenant.as_uuid())
        .bind(ring.blind_index("email", "ada@example.org"))
        .fetch_one(&mut conn)
        .await
        .expect("found by blind index");
    assert_eq!(
        open_column(&ring, &row, aad).expect("opens"),
        "Ada@Example.org"
    );
    use cloudkyc_store::contract::ContractDatabase;
    assert!(!db.raw_contains("Ada@Example").await);
    assert!(
        db.raw_contains(&ring.blind_index("email", "ada@example.org"))
            .await
    );
}

//! Personal fields in SQLite tables (the pattern customer tables follow).
//!
//! A personal field `email` becomes two columns: `email_ct BLOB NOT NULL` holding the
//! AES-256-GCM ciphertext ([`cloudkyc_store::backend::Sealed`]) and, when the field is looked up
//! by equality, `email_bidx TEXT NOT NULL` holding its blind index, with
//! `CREATE INDEX … ON customers (tenant_id, email_bidx)`. The associated data names tenant,
//! table, row and column, so a ciphertext copied elsewhere no longer opens.

use cloudkyc_store::StoreResult;
use cloudkyc_store::backend::Sealed;
use cloudkyc_store::crypto::{Aad, KeyRing};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::error::db;

/// Reads and opens the `<column>_ct` column of a row sealed for `aad`.
pub fn open_column(ring: &KeyRing, row: &SqliteRow, aad: Aad<'_>) -> StoreResult<String> {
    let ciphertext: Vec<u8> = row
        .try_get(format!("{}_ct", aad.column).as_str())
        .map_err(db)?;
    Sealed::open_text(ring, aad, &ciphertext)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use cloudkyc_domain::TenantId;
    use cloudkyc_store::crypto::MasterKey;
    use sqlx::{Connection, SqliteConnection};

    #[tokio::test]
    async fn a_sealed_column_is_stored_as_ciphertext_found_by_its_blind_index_and_opened() {
        let (ring, _) = KeyRing::bootstrap(&MasterKey::generate(), Utc::now())
            .unwrap_or_else(|e| panic!("{e}"));
        let mut conn = SqliteConnection::connect("sqlite::memory:")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        sqlx::query("CREATE TABLE people (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, email_ct BLOB NOT NULL, email_bidx TEXT NOT NULL) STRICT")
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let tenant = TenantId::new();
        let aad = Aad {
            tenant,
            table: "people",
            row: "p1",
            column: "email",
        };
        let sealed =
            Sealed::indexed_text(&ring, aad, "Ada@Example.org", "email", "ada@example.org")
                .unwrap_or_else(|e| panic!("{e}"));
        sqlx::query("INSERT INTO people VALUES ('p1', ?, ?, ?)")
            .bind(tenant.to_string())
            .bind(&sealed.ciphertext)
            .bind(&sealed.blind_index)
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let row = sqlx::query("SELECT email_ct FROM people WHERE tenant_id = ? AND email_bidx = ?")
            .bind(tenant.to_string())
            .bind(ring.blind_index("email", "ada@example.org"))
            .fetch_one(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            open_column(&ring, &row, aad).ok().as_deref(),
            Some("Ada@Example.org")
        );
        let stored: Vec<u8> = row.try_get("email_ct").unwrap_or_else(|e| panic!("{e}"));
        assert!(!stored.windows(3).any(|w| w == b"Ada"));
    }
}

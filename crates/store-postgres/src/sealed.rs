//! Personal fields in PostgreSQL tables (the pattern customer tables follow).
//!
//! A personal field `email` becomes two columns: `email_ct BYTEA NOT NULL` holding the
//! AES-256-GCM ciphertext ([`cloudkyc_store::backend::Sealed`]) and, when the field is looked up
//! by equality, `email_bidx TEXT NOT NULL` holding its blind index, with
//! `CREATE INDEX … ON customers (tenant_id, email_bidx)`. The associated data names tenant,
//! table, row and column, so a ciphertext copied elsewhere no longer opens.

use cloudkyc_store::StoreResult;
use cloudkyc_store::backend::Sealed;
use cloudkyc_store::crypto::{Aad, KeyRing};
use sqlx::Row;
use sqlx::postgres::PgRow;

use crate::error::db;

/// Reads and opens the `<column>_ct` column of a row sealed for `aad`.
pub fn open_column(ring: &KeyRing, row: &PgRow, aad: Aad<'_>) -> StoreResult<String> {
    let ciphertext: Vec<u8> = row
        .try_get(format!("{}_ct", aad.column).as_str())
        .map_err(db)?;
    Sealed::open_text(ring, aad, &ciphertext)
}

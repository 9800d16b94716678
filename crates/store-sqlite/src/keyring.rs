//! The wrapped data keys (`data_keys`): bootstrap on an empty database, master-key rotation,
//! new data keys.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_store::audit::NewAuditEvent;
use cloudkyc_store::backend::{actions, from_micros, subjects, to_u32};
use cloudkyc_store::crypto::{KeyPurpose, KeyRing, MasterKey, WrappedKey};
use cloudkyc_store::{Actor, KeyRingStore, StoreResult};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnection, SqlitePool};

use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::rows;

async fn wrapped_keys(conn: &mut SqliteConnection) -> StoreResult<Vec<WrappedKey>> {
    let rows = sqlx::query("SELECT id, purpose, wrapped, created_at FROM data_keys ORDER BY id")
        .fetch_all(conn)
        .await
        .map_err(db)?;
    rows.iter()
        .map(|row| {
            Ok(WrappedKey {
                id: to_u32("id", row.try_get("id").map_err(db)?)?,
                purpose: KeyPurpose::parse(&rows::text(row, "purpose")?)?,
                wrapped: row.try_get("wrapped").map_err(db)?,
                created_at: from_micros("created_at", row.try_get("created_at").map_err(db)?)?,
            })
        })
        .collect()
}

async fn insert(conn: &mut SqliteConnection, key: &WrappedKey) -> StoreResult<()> {
    sqlx::query("INSERT INTO data_keys (id, purpose, wrapped, created_at) VALUES (?, ?, ?, ?)")
        .bind(i64::from(key.id))
        .bind(key.purpose.as_str())
        .bind(&key.wrapped)
        .bind(key.created_at.timestamp_micros())
        .execute(conn)
        .await
        .map_err(db)?;
    Ok(())
}

/// Opens the stored key ring, or creates one on an empty database. Runs in a write transaction
/// so that two processes opening a new database at once end up with the same keys.
pub(crate) async fn load_or_bootstrap(
    writer: &SqlitePool,
    master: &MasterKey,
    now: DateTime<Utc>,
) -> StoreResult<KeyRing> {
    let mut tx = writer.begin().await.map_err(db)?;
    let stored = wrapped_keys(&mut tx).await?;
    if !stored.is_empty() {
        tx.commit().await.map_err(db)?;
        return KeyRing::open(master, &stored);
    }
    let (ring, wrapped) = KeyRing::bootstrap(master, now)?;
    for key in &wrapped {
        insert(&mut tx, key).await?;
    }
    tx.commit().await.map_err(db)?;
    Ok(ring)
}

/// What an audit event says about the key ring: ids, purposes and digests of the wrapped bytes
/// (which are ciphertexts; nothing secret).
fn ring_state(keys: &[WrappedKey]) -> Vec<(u32, &'static str, String)> {
    keys.iter()
        .map(|k| {
            (
                k.id,
                k.purpose.as_str(),
                cloudkyc_store::audit::state_digest(&k.wrapped),
            )
        })
        .collect()
}

/// Key-ring changes are the operator's; they are recorded in the provider's chain when there
/// is a provider (on a brand-new database there is no chain to record them in yet).
async fn audit_in_provider_chain(
    conn: &mut SqliteConnection,
    now: DateTime<Utc>,
    event: NewAuditEvent,
) -> StoreResult<()> {
    let provider: Option<String> =
        sqlx::query_scalar("SELECT id FROM tenants WHERE parent_id IS NULL")
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
    if let Some(provider) = provider {
        let provider = cloudkyc_store::backend::parse_id("id", &provider)?;
        append(conn, provider, &Actor::Operator, now, event).await?;
    }
    Ok(())
}

#[async_trait]
impl KeyRingStore for SqliteStore {
    fn key_ring(&self) -> &KeyRing {
        &self.ring
    }

    async fn rotate_master_key(&self, new: &MasterKey, now: DateTime<Utc>) -> StoreResult<()> {
        let mut master = self.master.lock().await;
        let mut tx = self.begin_write().await?;
        let before = wrapped_keys(&mut tx).await?;
        let after = KeyRing::rewrap(&master, new, &before)?;
        for key in &after {
            sqlx::query("UPDATE data_keys SET wrapped = ? WHERE id = ?")
                .bind(&key.wrapped)
                .bind(i64::from(key.id))
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        let event = NewAuditEvent::new(
            actions::MASTER_KEY_ROTATE,
            subjects::DATA_KEY,
            "all",
            Some(&ring_state(&before)),
            Some(&ring_state(&after)),
        );
        audit_in_provider_chain(&mut tx, now, event).await?;
        tx.commit().await.map_err(db)?;
        *master = new.clone();
        Ok(())
    }

    async fn add_data_key(&self, now: DateTime<Utc>) -> StoreResult<u32> {
        let master = self.master.lock().await;
        let mut tx = self.begin_write().await?;
        // The next id comes from what is stored, not from this process's ring: another process
        // may have added a key since this one opened.
        let stored = wrapped_keys(&mut tx).await?;
        let key = KeyRing::open(&master, &stored)?.new_data_key(&master, now)?;
        insert(&mut tx, &key).await?;
        let event = NewAuditEvent::new(
            actions::DATA_KEY_ADD,
            subjects::DATA_KEY,
            key.id,
            None::<&()>,
            Some(&ring_state(std::slice::from_ref(&key))),
        );
        audit_in_provider_chain(&mut tx, now, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(key.id)
    }
}

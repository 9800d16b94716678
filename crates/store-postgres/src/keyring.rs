//! The wrapped data keys (`data_keys`): bootstrap on an empty database, master-key rotation,
//! new data keys.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::{NewAuditEvent, state_digest};
use cloudkyc_store::backend::{actions, subjects, to_u32};
use cloudkyc_store::crypto::{KeyPurpose, KeyRing, MasterKey, WrappedKey};
use cloudkyc_store::{Actor, KeyRingStore, StoreResult};
use sqlx::postgres::{PgConnection, PgPool};
use uuid::Uuid;

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::rows;

/// Taken (for the transaction) by every key-ring change, so that processes starting together on
/// an empty database bootstrap one ring, and data-key ids are handed out once.
const KEY_RING_LOCK: i64 = 0x636b_7963_6b65_7973; // "ckyckeys"

async fn lock_key_ring(conn: &mut PgConnection) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(KEY_RING_LOCK)
        .execute(conn)
        .await
        .map_err(db)?;
    Ok(())
}

async fn wrapped_keys(conn: &mut PgConnection) -> StoreResult<Vec<WrappedKey>> {
    let rows = sqlx::query("SELECT id, purpose, wrapped, created_at FROM data_keys ORDER BY id")
        .fetch_all(conn)
        .await
        .map_err(db)?;
    rows.iter()
        .map(|row| {
            Ok(WrappedKey {
                id: to_u32("id", i64::from(rows::get::<i32>(row, "id")?))?,
                purpose: KeyPurpose::parse(&rows::get::<String>(row, "purpose")?)?,
                wrapped: rows::get(row, "wrapped")?,
                created_at: rows::time(row, "created_at")?,
            })
        })
        .collect()
}

async fn insert(conn: &mut PgConnection, key: &WrappedKey) -> StoreResult<()> {
    let id = i32::try_from(key.id)
        .map_err(|_| cloudkyc_store::StoreError::KeyRing("data key id out of range".into()))?;
    sqlx::query("INSERT INTO data_keys (id, purpose, wrapped, created_at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(key.purpose.as_str())
        .bind(&key.wrapped)
        .bind(key.created_at)
        .execute(conn)
        .await
        .map_err(db)?;
    Ok(())
}

/// Opens the stored key ring, or creates one on an empty database.
pub(crate) async fn load_or_bootstrap(
    pool: &PgPool,
    master: &MasterKey,
    now: DateTime<Utc>,
) -> StoreResult<KeyRing> {
    let mut tx = pool.begin().await.map_err(db)?;
    lock_key_ring(&mut tx).await?;
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
        .map(|k| (k.id, k.purpose.as_str(), state_digest(&k.wrapped)))
        .collect()
}

/// Key-ring changes are the operator's; they are recorded in the provider's chain when there
/// is a provider (on a brand-new database there is no chain to record them in yet).
async fn audit_in_provider_chain(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    event: NewAuditEvent,
) -> StoreResult<()> {
    let provider: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM tenants WHERE parent_id IS NULL")
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
    if let Some(provider) = provider {
        append(
            conn,
            TenantId::from_uuid(provider),
            &Actor::Operator,
            now,
            event,
        )
        .await?;
    }
    Ok(())
}

#[async_trait]
impl KeyRingStore for PgStore {
    fn key_ring(&self) -> &KeyRing {
        &self.ring
    }

    async fn rotate_master_key(&self, new: &MasterKey, now: DateTime<Utc>) -> StoreResult<()> {
        let mut master = self.master.lock().await;
        let mut tx = self.pool.begin().await.map_err(db)?;
        lock_key_ring(&mut tx).await?;
        let before = wrapped_keys(&mut tx).await?;
        let after = KeyRing::rewrap(&master, new, &before)?;
        for key in &after {
            sqlx::query("UPDATE data_keys SET wrapped = $1 WHERE id = $2")
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
        let mut tx = self.pool.begin().await.map_err(db)?;
        lock_key_ring(&mut tx).await?;
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

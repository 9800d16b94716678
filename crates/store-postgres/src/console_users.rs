//! Console users and sessions; the rules (lockout, audit events) live in
//! `cloudkyc_store::console_users`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::audit::truncate_to_micros;
use cloudkyc_store::backend::{ConsoleUserColumns, attempts_column};
use cloudkyc_store::console_users::{
    self, AccessChange, ConsoleSession, ConsoleSessionId, ConsoleUser, ConsoleUserId,
    ConsoleUserStore, Lockout, NewConsoleUser, StoredConsoleUser, user_actor,
};
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::postgres::{PgConnection, PgRow};

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{self, uuids};

const USER_COLUMNS: &str = "id, tenant_id, email, role, password_hash, created_at, \
     failed_attempts, locked_until, disabled_at";
const SESSION_COLUMNS: &str = "s.id AS s_id, s.user_id AS s_user_id, s.tenant_id AS s_tenant_id, \
     s.created_at AS s_created_at, s.expires_at AS s_expires_at, \
     s.last_seen_at AS s_last_seen_at, s.revoked_at AS s_revoked_at";

fn user(row: &PgRow) -> StoreResult<StoredConsoleUser> {
    ConsoleUserColumns {
        id: ConsoleUserId::from_uuid(rows::get(row, "id")?),
        tenant: TenantId::from_uuid(rows::get(row, "tenant_id")?),
        email: rows::get(row, "email")?,
        role: rows::get(row, "role")?,
        created_at: rows::time(row, "created_at")?,
        failed_attempts: i64::from(rows::get::<i32>(row, "failed_attempts")?),
        locked_until: rows::get(row, "locked_until")?,
        disabled_at: rows::get(row, "disabled_at")?,
        password_hash: rows::get(row, "password_hash")?,
    }
    .into_stored()
}

fn session(row: &PgRow) -> StoreResult<ConsoleSession> {
    Ok(ConsoleSession {
        id: ConsoleSessionId::from_uuid(rows::get(row, "s_id")?),
        user: ConsoleUserId::from_uuid(rows::get(row, "s_user_id")?),
        tenant: TenantId::from_uuid(rows::get(row, "s_tenant_id")?),
        created_at: rows::time(row, "s_created_at")?,
        expires_at: rows::time(row, "s_expires_at")?,
        last_seen_at: rows::time(row, "s_last_seen_at")?,
        revoked_at: rows::get(row, "s_revoked_at")?,
    })
}

/// The user, its row locked so a failure count reads the state it replaces.
async fn find_user(conn: &mut PgConnection, id: ConsoleUserId) -> StoreResult<StoredConsoleUser> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM console_users WHERE id = $1 FOR UPDATE"
    ))
    .bind(id.as_uuid())
    .fetch_optional(conn)
    .await
    .map_err(db)?
    .ok_or_else(|| StoreError::not_found("console user"))?;
    user(&row)
}

async fn find_session(
    conn: &mut PgConnection,
    id: ConsoleSessionId,
) -> StoreResult<ConsoleSession> {
    let row = sqlx::query(&format!(
        "SELECT {SESSION_COLUMNS} FROM console_sessions s WHERE s.id = $1 FOR UPDATE"
    ))
    .bind(id.as_uuid())
    .fetch_optional(conn)
    .await
    .map_err(db)?
    .ok_or_else(|| StoreError::not_found("console session"))?;
    session(&row)
}

#[async_trait]
impl ConsoleUserStore for PgStore {
    async fn create_console_user(
        &self,
        scope: &TenantScope,
        new: NewConsoleUser,
        now: DateTime<Utc>,
    ) -> StoreResult<ConsoleUser> {
        if !scope.can_see(new.tenant) {
            return Err(StoreError::not_found("tenant"));
        }
        let created = ConsoleUser {
            id: ConsoleUserId::new(),
            tenant: new.tenant,
            email: new.email,
            role: new.role,
            created_at: truncate_to_micros(now),
            failed_attempts: 0,
            locked_until: None,
            disabled_at: None,
        };
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query(
            "INSERT INTO console_users (id, tenant_id, email, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(created.id.as_uuid())
        .bind(created.tenant.as_uuid())
        .bind(&created.email)
        .bind(created.role.as_str())
        .bind(&new.password_hash)
        .bind(created.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| match db(e) {
            StoreError::Conflict(_) => {
                StoreError::Conflict("a console user with this email exists".to_owned())
            }
            other => other,
        })?;
        let event = console_users::created_event(&created);
        append(&mut tx, created.tenant, scope.actor(), now, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(created)
    }

    async fn console_users(&self, scope: &TenantScope) -> StoreResult<Vec<ConsoleUser>> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM console_users WHERE tenant_id = ANY($1) ORDER BY email"
        ))
        .bind(uuids(scope.visible()))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|row| user(row).map(|stored| stored.user))
        .collect()
    }

    async fn console_user_for_sign_in(
        &self,
        email: &str,
    ) -> StoreResult<Option<StoredConsoleUser>> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM console_users WHERE email = $1"
        ))
        .bind(email)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .map(|row| user(&row))
        .transpose()
    }

    async fn record_console_sign_in_failure(
        &self,
        id: ConsoleUserId,
        lockout: Lockout,
        now: DateTime<Utc>,
    ) -> StoreResult<ConsoleUser> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let before = find_user(&mut tx, id).await?.user;
        let after = console_users::after_failure(&before, lockout);
        sqlx::query(
            "UPDATE console_users SET failed_attempts = $1, locked_until = $2 WHERE id = $3",
        )
        .bind(attempts_column(after.failed_attempts))
        .bind(after.locked_until)
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let event = console_users::failure_event(&before, &after);
        append(&mut tx, after.tenant, &user_actor(id), now, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    async fn open_console_session(
        &self,
        id: ConsoleUserId,
        token_sha256: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<ConsoleSession> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let owner = find_user(&mut tx, id).await?.user;
        let opened = ConsoleSession {
            id: ConsoleSessionId::new(),
            user: id,
            tenant: owner.tenant,
            created_at: truncate_to_micros(now),
            expires_at: truncate_to_micros(expires_at),
            last_seen_at: truncate_to_micros(now),
            revoked_at: None,
        };
        sqlx::query(
            "INSERT INTO console_sessions (id, user_id, tenant_id, token_sha256, created_at, \
             expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(opened.id.as_uuid())
        .bind(id.as_uuid())
        .bind(opened.tenant.as_uuid())
        .bind(token_sha256)
        .bind(opened.created_at)
        .bind(opened.expires_at)
        .bind(opened.last_seen_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query("UPDATE console_users SET failed_attempts = 0 WHERE id = $1")
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let event = console_users::sign_in_event(&opened);
        append(&mut tx, opened.tenant, &user_actor(id), now, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(opened)
    }

    async fn console_session(
        &self,
        token_sha256: &str,
    ) -> StoreResult<Option<(ConsoleSession, ConsoleUser)>> {
        let row = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS}, u.id, u.tenant_id, u.email, u.role, u.password_hash, \
             u.created_at, u.failed_attempts, u.locked_until, u.disabled_at \
             FROM console_sessions s JOIN console_users u ON u.id = s.user_id \
             WHERE s.token_sha256 = $1"
        ))
        .bind(token_sha256)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|row| Ok((session(&row)?, user(&row)?.user)))
            .transpose()
    }

    async fn touch_console_session(
        &self,
        id: ConsoleSessionId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE console_sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(truncate_to_micros(now))
            .bind(id.as_uuid())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn record_identity_reveal(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let row =
            sqlx::query("SELECT tenant_id FROM customers WHERE id = $1 AND tenant_id = ANY($2)")
                .bind(customer.as_uuid())
                .bind(uuids(scope.visible()))
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .ok_or_else(|| StoreError::not_found("customer"))?;
        let tenant = TenantId::from_uuid(rows::get(&row, "tenant_id")?);
        let event = console_users::reveal_event(customer);
        append(&mut tx, tenant, scope.actor(), now, event).await?;
        tx.commit().await.map_err(db)
    }

    async fn change_console_user_access(
        &self,
        scope: &TenantScope,
        id: ConsoleUserId,
        change: AccessChange,
        now: DateTime<Utc>,
    ) -> StoreResult<ConsoleUser> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let before = find_user(&mut tx, id).await?.user;
        if !scope.can_see(before.tenant) {
            return Err(StoreError::not_found("console user"));
        }
        let after = console_users::after_access_change(&before, change, now)?;
        sqlx::query(
            "UPDATE console_users SET failed_attempts = $1, locked_until = $2, disabled_at = $3 \
             WHERE id = $4",
        )
        .bind(attempts_column(after.failed_attempts))
        .bind(after.locked_until)
        .bind(after.disabled_at)
        .bind(id.as_uuid())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if change == AccessChange::Disable {
            sqlx::query(
                "UPDATE console_sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            )
            .bind(truncate_to_micros(now))
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        let event = console_users::access_change_event(change, &before, &after);
        append(&mut tx, after.tenant, scope.actor(), now, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(after)
    }

    async fn close_console_session(
        &self,
        id: ConsoleSessionId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let before = find_session(&mut tx, id).await?;
        if before.revoked_at.is_some() {
            return Ok(());
        }
        let after = ConsoleSession {
            revoked_at: Some(truncate_to_micros(now)),
            ..before.clone()
        };
        sqlx::query("UPDATE console_sessions SET revoked_at = $1 WHERE id = $2")
            .bind(after.revoked_at)
            .bind(id.as_uuid())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let event = console_users::sign_out_event(&before, &after);
        append(&mut tx, after.tenant, &user_actor(after.user), now, event).await?;
        tx.commit().await.map_err(db)
    }
}

//! Console users and sessions; the rules (lockout, audit events) live in
//! `cloudkyc_store::console_users`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_store::audit::truncate_to_micros;
use cloudkyc_store::backend::{ConsoleUserColumns, attempts_column, to_micros};
use cloudkyc_store::console_users::{
    self, AccessChange, ConsoleSession, ConsoleSessionId, ConsoleUser, ConsoleUserId,
    ConsoleUserStore, Lockout, NewConsoleUser, StoredConsoleUser, user_actor,
};
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnection, SqliteRow};

use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{self, id_list};

const USER_COLUMNS: &str = "id, tenant_id, email, role, password_hash, created_at, \
     failed_attempts, locked_until, disabled_at";
const SESSION_COLUMNS: &str = "s.id AS s_id, s.user_id AS s_user_id, s.tenant_id AS s_tenant_id, \
     s.created_at AS s_created_at, s.expires_at AS s_expires_at, \
     s.last_seen_at AS s_last_seen_at, s.revoked_at AS s_revoked_at";

fn user(row: &SqliteRow) -> StoreResult<StoredConsoleUser> {
    ConsoleUserColumns {
        id: rows::id(row, "id")?,
        tenant: rows::id(row, "tenant_id")?,
        email: rows::text(row, "email")?,
        role: rows::text(row, "role")?,
        created_at: rows::time(row, "created_at")?,
        failed_attempts: row.try_get("failed_attempts").map_err(db)?,
        locked_until: rows::optional_time(row, "locked_until")?,
        disabled_at: rows::optional_time(row, "disabled_at")?,
        password_hash: rows::text(row, "password_hash")?,
    }
    .into_stored()
}

fn session(row: &SqliteRow) -> StoreResult<ConsoleSession> {
    Ok(ConsoleSession {
        id: rows::id(row, "s_id")?,
        user: rows::id(row, "s_user_id")?,
        tenant: rows::id(row, "s_tenant_id")?,
        created_at: rows::time(row, "s_created_at")?,
        expires_at: rows::time(row, "s_expires_at")?,
        last_seen_at: rows::time(row, "s_last_seen_at")?,
        revoked_at: rows::optional_time(row, "s_revoked_at")?,
    })
}

async fn find_user(
    conn: &mut SqliteConnection,
    id: ConsoleUserId,
) -> StoreResult<StoredConsoleUser> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM console_users WHERE id = ?"
    ))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await
    .map_err(db)?
    .ok_or_else(|| StoreError::not_found("console user"))?;
    user(&row)
}

async fn find_session(
    conn: &mut SqliteConnection,
    id: ConsoleSessionId,
) -> StoreResult<ConsoleSession> {
    let row = sqlx::query(&format!(
        "SELECT {SESSION_COLUMNS} FROM console_sessions s WHERE s.id = ?"
    ))
    .bind(id.to_string())
    .fetch_optional(conn)
    .await
    .map_err(db)?
    .ok_or_else(|| StoreError::not_found("console session"))?;
    session(&row)
}

#[async_trait]
impl ConsoleUserStore for SqliteStore {
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
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO console_users (id, tenant_id, email, role, password_hash, created_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(created.id.to_string())
        .bind(created.tenant.to_string())
        .bind(&created.email)
        .bind(created.role.as_str())
        .bind(&new.password_hash)
        .bind(to_micros(created.created_at))
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
            "SELECT {USER_COLUMNS} FROM console_users \
             WHERE tenant_id IN (SELECT value FROM json_each(?)) ORDER BY email"
        ))
        .bind(id_list(scope.visible()))
        .fetch_all(&self.reader)
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
            "SELECT {USER_COLUMNS} FROM console_users WHERE email = ?"
        ))
        .bind(email)
        .fetch_optional(&self.reader)
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
        let mut tx = self.begin_write().await?;
        let before = find_user(&mut tx, id).await?.user;
        let after = console_users::after_failure(&before, lockout);
        sqlx::query("UPDATE console_users SET failed_attempts = ?, locked_until = ? WHERE id = ?")
            .bind(attempts_column(after.failed_attempts))
            .bind(after.locked_until.map(to_micros))
            .bind(id.to_string())
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
        let mut tx = self.begin_write().await?;
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
             expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(opened.id.to_string())
        .bind(id.to_string())
        .bind(opened.tenant.to_string())
        .bind(token_sha256)
        .bind(to_micros(opened.created_at))
        .bind(to_micros(opened.expires_at))
        .bind(to_micros(opened.last_seen_at))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query("UPDATE console_users SET failed_attempts = 0 WHERE id = ?")
            .bind(id.to_string())
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
             WHERE s.token_sha256 = ?"
        ))
        .bind(token_sha256)
        .fetch_optional(&self.reader)
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
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE console_sessions SET last_seen_at = ? WHERE id = ?")
            .bind(to_micros(now))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn record_identity_reveal(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT tenant_id FROM customers WHERE id = ? \
             AND tenant_id IN (SELECT value FROM json_each(?))",
        )
        .bind(customer.to_string())
        .bind(id_list(scope.visible()))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("customer"))?;
        let tenant = rows::id(&row, "tenant_id")?;
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
        let mut tx = self.begin_write().await?;
        let before = find_user(&mut tx, id).await?.user;
        if !scope.can_see(before.tenant) {
            return Err(StoreError::not_found("console user"));
        }
        let after = console_users::after_access_change(&before, change, now)?;
        sqlx::query(
            "UPDATE console_users SET failed_attempts = ?, locked_until = ?, disabled_at = ? \
             WHERE id = ?",
        )
        .bind(attempts_column(after.failed_attempts))
        .bind(after.locked_until.map(to_micros))
        .bind(after.disabled_at.map(to_micros))
        .bind(id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if change == AccessChange::Disable {
            sqlx::query(
                "UPDATE console_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
            )
            .bind(to_micros(now))
            .bind(id.to_string())
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
        let mut tx = self.begin_write().await?;
        let before = find_session(&mut tx, id).await?;
        if before.revoked_at.is_some() {
            return Ok(());
        }
        let after = ConsoleSession {
            revoked_at: Some(truncate_to_micros(now)),
            ..before.clone()
        };
        sqlx::query("UPDATE console_sessions SET revoked_at = ? WHERE id = ?")
            .bind(after.revoked_at.map(to_micros))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let event = console_users::sign_out_event(&before, &after);
        append(&mut tx, after.tenant, &user_actor(after.user), now, event).await?;
        tx.commit().await.map_err(db)
    }
}

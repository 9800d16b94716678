//! Console users and their sessions (issue 8): the people who sign in to the web console.
//!
//! A user has an email (unique, compared lower-case), a role and a tenant, like an API key, and
//! an Argon2id password hash made by the application (the store never sees a password). Failed
//! sign-ins are counted in the row and lock the user once they reach the caller's threshold, in
//! the same transaction, so parallel guesses cannot slip past the count. A session is found by
//! the SHA-256 of its random token; the token itself is only ever in the browser's cookie.
//!
//! Every state change appends its audit event: `console_user.create`, `console.sign_in`,
//! `console.sign_in_failed`, `console.lockout`, `console.sign_out`, and an admin's
//! `console_user.disable`, `console_user.enable` and `console_user.unlock`.

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::{Role, TenantId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::NewAuditEvent;
use crate::{Actor, StoreError, StoreResult, TenantScope};

pub const USER_CREATE: &str = "console_user.create";
pub const SIGN_IN: &str = "console.sign_in";
pub const SIGN_IN_FAILED: &str = "console.sign_in_failed";
pub const LOCKOUT: &str = "console.lockout";
pub const SIGN_OUT: &str = "console.sign_out";
pub const USER_DISABLE: &str = "console_user.disable";
pub const USER_ENABLE: &str = "console_user.enable";
pub const USER_UNLOCK: &str = "console_user.unlock";
/// A console user revealed a customer's identity data (subject: the customer).
pub const IDENTITY_REVEAL: &str = "customer.identity_revealed";
pub const USER_SUBJECT: &str = "console_user";
pub const SESSION_SUBJECT: &str = "console_session";

macro_rules! uuid_id {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(ConsoleUserId, "A console user (UUID v7).");
uuid_id!(
    ConsoleSessionId,
    "A console session (UUID v7); its token is separate and secret."
);

/// A console user as listed: everything but the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleUser {
    pub id: ConsoleUserId,
    pub tenant: TenantId,
    /// Lower-case; unique across the database.
    pub email: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    /// Failed sign-ins since the last success or lockout.
    pub failed_attempts: u32,
    pub locked_until: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
}

impl ConsoleUser {
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }
}

/// A user with its password hash (PHC string), for the sign-in check only.
#[derive(Clone)]
pub struct StoredConsoleUser {
    pub user: ConsoleUser,
    pub password_hash: String,
}

impl fmt::Debug for StoredConsoleUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredConsoleUser")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// A user to create; `email` already normalised and `password_hash` already made.
#[derive(Clone)]
pub struct NewConsoleUser {
    pub tenant: TenantId,
    pub email: String,
    pub role: Role,
    pub password_hash: String,
}

impl fmt::Debug for NewConsoleUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewConsoleUser")
            .field("tenant", &self.tenant)
            .field("email", &self.email)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A session. `expires_at` is the absolute end; the idle limit is checked against
/// `last_seen_at` by the application, which knows the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleSession {
    pub id: ConsoleSessionId,
    pub user: ConsoleUserId,
    pub tenant: TenantId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What an admin changes about whether a user may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessChange {
    /// No more sign-ins, and the user's open sessions end.
    Disable,
    /// A disabled user may sign in again.
    Enable,
    /// Ends a lockout early and clears the failure count.
    Unlock,
}

impl AccessChange {
    pub const ALL: [AccessChange; 3] = [
        AccessChange::Disable,
        AccessChange::Enable,
        AccessChange::Unlock,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccessChange::Disable => "disable",
            AccessChange::Enable => "enable",
            AccessChange::Unlock => "unlock",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// The audit action the change is recorded under.
    pub fn action(self) -> &'static str {
        match self {
            AccessChange::Disable => USER_DISABLE,
            AccessChange::Enable => USER_ENABLE,
            AccessChange::Unlock => USER_UNLOCK,
        }
    }
}

/// What the lockout rule is for one failed sign-in: lock once `lock_after` failures are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    pub lock_after: u32,
    pub lock_until: DateTime<Utc>,
}

#[async_trait]
pub trait ConsoleUserStore: Send + Sync {
    /// Creates a user of `new.tenant`, which must be visible to the scope; a taken email is a
    /// `Conflict`.
    async fn create_console_user(
        &self,
        scope: &TenantScope,
        new: NewConsoleUser,
        now: DateTime<Utc>,
    ) -> StoreResult<ConsoleUser>;
    /// Users of every tenant visible to the scope, by email.
    async fn console_users(&self, scope: &TenantScope) -> StoreResult<Vec<ConsoleUser>>;
    /// The user signing in with `email` (lower-case), with its hash. Not scoped: nobody is
    /// signed in yet, as with `KeyStore::authenticate`.
    async fn console_user_for_sign_in(&self, email: &str)
    -> StoreResult<Option<StoredConsoleUser>>;
    /// Counts one failed sign-in of the user; when the count reaches `lockout.lock_after`, locks
    /// the user until `lockout.lock_until` and starts the count again. Audited as
    /// `console.sign_in_failed` or `console.lockout`. Returns the user after the change.
    async fn record_console_sign_in_failure(
        &self,
        user: ConsoleUserId,
        lockout: Lockout,
        now: DateTime<Utc>,
    ) -> StoreResult<ConsoleUser>;
    /// Opens a session for the user (found by the SHA-256 of its token), resets the failure
    /// count, and audits `console.sign_in`.
    async fn open_console_session(
        &self,
        user: ConsoleUserId,
        token_sha256: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<ConsoleSession>;
    /// The session with this token hash and its user, revoked or not (the caller checks).
    async fn console_session(
        &self,
        token_sha256: &str,
    ) -> StoreResult<Option<(ConsoleSession, ConsoleUser)>>;
    /// Moves the session's `last_seen_at` (not audited: it is not a decision).
    async fn touch_console_session(
        &self,
        id: ConsoleSessionId,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Audits `customer.identity_revealed` in the customer's tenant: the scope's user was shown
    /// the customer's identity data. `NotFound` when the customer is not visible to the scope.
    async fn record_identity_reveal(
        &self,
        scope: &TenantScope,
        customer: crate::customers::CustomerId,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Disables, enables or unlocks a user of a tenant visible to the scope (`NotFound`
    /// otherwise), with its audit event (`console_user.disable`, `.enable`, `.unlock`) in the
    /// same transaction; disabling also revokes the user's open sessions. A change that would
    /// change nothing (see [`after_access_change`]) is a `Conflict` and writes nothing.
    async fn change_console_user_access(
        &self,
        scope: &TenantScope,
        user: ConsoleUserId,
        change: AccessChange,
        now: DateTime<Utc>,
    ) -> StoreResult<ConsoleUser>;
    /// Revokes the session; audits `console.sign_out`. Revoking twice changes nothing.
    async fn close_console_session(
        &self,
        id: ConsoleSessionId,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
}

/// The audit actor of a console user acting on its own behalf (signing in or out).
pub fn user_actor(id: ConsoleUserId) -> Actor {
    Actor::User(id.to_string())
}

/// The audit event of a reveal: no state changes, so no digests.
pub fn reveal_event(customer: crate::customers::CustomerId) -> NewAuditEvent {
    NewAuditEvent::new(
        IDENTITY_REVEAL,
        crate::customers::CUSTOMER_SUBJECT,
        customer,
        None::<&()>,
        None::<&()>,
    )
}

/// The audit event of a created user.
pub fn created_event(user: &ConsoleUser) -> NewAuditEvent {
    NewAuditEvent::new(
        USER_CREATE,
        USER_SUBJECT,
        user.id,
        None::<&ConsoleUser>,
        Some(user),
    )
}

/// The audit event of a failed sign-in (`console.lockout` when it locked the user).
pub fn failure_event(before: &ConsoleUser, after: &ConsoleUser) -> NewAuditEvent {
    let action = if after.locked_until != before.locked_until {
        LOCKOUT
    } else {
        SIGN_IN_FAILED
    };
    NewAuditEvent::new(action, USER_SUBJECT, after.id, Some(before), Some(after))
}

/// The audit event of an opened session.
pub fn sign_in_event(session: &ConsoleSession) -> NewAuditEvent {
    NewAuditEvent::new(
        SIGN_IN,
        SESSION_SUBJECT,
        session.id,
        None::<&ConsoleSession>,
        Some(session),
    )
}

/// The audit event of a closed session.
pub fn sign_out_event(before: &ConsoleSession, after: &ConsoleSession) -> NewAuditEvent {
    NewAuditEvent::new(
        SIGN_OUT,
        SESSION_SUBJECT,
        after.id,
        Some(before),
        Some(after),
    )
}

/// The user after one more failure under `lockout`.
pub fn after_failure(before: &ConsoleUser, lockout: Lockout) -> ConsoleUser {
    let attempts = before.failed_attempts.saturating_add(1);
    let mut after = before.clone();
    if attempts >= lockout.lock_after.max(1) {
        after.failed_attempts = 0;
        after.locked_until = Some(crate::audit::truncate_to_micros(lockout.lock_until));
    } else {
        after.failed_attempts = attempts;
    }
    after
}

/// The user after an admin's `change` at `now`. Refused with `Conflict` when it would change
/// nothing (disabling a disabled user, enabling an enabled one, unlocking a user who is neither
/// locked nor has failures counted), so every audit event records a real change.
pub fn after_access_change(
    before: &ConsoleUser,
    change: AccessChange,
    now: DateTime<Utc>,
) -> StoreResult<ConsoleUser> {
    let mut after = before.clone();
    match change {
        AccessChange::Disable if before.disabled_at.is_some() => {
            return Err(StoreError::Conflict(
                "the user is already disabled".to_owned(),
            ));
        }
        AccessChange::Disable => {
            after.disabled_at = Some(crate::audit::truncate_to_micros(now));
        }
        AccessChange::Enable if before.disabled_at.is_none() => {
            return Err(StoreError::Conflict("the user is not disabled".to_owned()));
        }
        AccessChange::Enable => after.disabled_at = None,
        AccessChange::Unlock if !before.is_locked(now) && before.failed_attempts == 0 => {
            return Err(StoreError::Conflict(
                "the user is not locked out".to_owned(),
            ));
        }
        AccessChange::Unlock => {
            after.locked_until = None;
            after.failed_attempts = 0;
        }
    }
    Ok(after)
}

/// The audit event of an admin's change to a user's access.
pub fn access_change_event(
    change: AccessChange,
    before: &ConsoleUser,
    after: &ConsoleUser,
) -> NewAuditEvent {
    NewAuditEvent::new(
        change.action(),
        USER_SUBJECT,
        after.id,
        Some(before),
        Some(after),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn user() -> ConsoleUser {
        ConsoleUser {
            id: ConsoleUserId::new(),
            tenant: TenantId::new(),
            email: "ada@example.org".to_owned(),
            role: Role::Officer,
            created_at: crate::audit::truncate_to_micros(Utc::now()),
            failed_attempts: 0,
            locked_until: None,
            disabled_at: None,
        }
    }

    #[test]
    fn access_changes_refuse_to_change_nothing() {
        let now = Utc::now();
        let active = user();
        let disabled = after_access_change(&active, AccessChange::Disable, now).unwrap();
        assert!(disabled.disabled_at.is_some());
        assert!(after_access_change(&disabled, AccessChange::Disable, now).is_err());
        assert!(after_access_change(&active, AccessChange::Enable, now).is_err());
        let enabled = after_access_change(&disabled, AccessChange::Enable, now).unwrap();
        assert_eq!(enabled, active);
        assert!(after_access_change(&active, AccessChange::Unlock, now).is_err());
        let locked = ConsoleUser {
            locked_until: Some(now + Duration::minutes(15)),
            ..active.clone()
        };
        let unlocked = after_access_change(&locked, AccessChange::Unlock, now).unwrap();
        assert!(!unlocked.is_locked(now) && unlocked.failed_attempts == 0);
        let counting = ConsoleUser {
            failed_attempts: 3,
            ..active.clone()
        };
        assert_eq!(
            after_access_change(&counting, AccessChange::Unlock, now)
                .unwrap()
                .failed_attempts,
            0
        );
    }

    #[test]
    fn changes_round_trip_through_their_names() {
        for change in AccessChange::ALL {
            assert_eq!(AccessChange::parse(change.as_str()), Some(change));
        }
        assert_eq!(AccessChange::parse("delete"), None);
    }
}

//! Console users (issue 8): creating them, signing in with lockout, and the sessions the web
//! console runs on.
//!
//! A session is a random 256-bit token in an HttpOnly cookie; the store keeps only its SHA-256.
//! The session's CSRF token is derived from the session token (a keyed digest), so it needs no
//! storage, differs per session, and cannot be computed by a page that does not hold the cookie.
//! Every refusal to sign in looks the same to the person signing in; the reason is logged and,
//! for a known user, audited (`console.sign_in_failed`, `console.lockout`).

pub mod dashboard;
pub mod demo;
mod manage;
pub mod password;

use chrono::{DateTime, Duration, Utc};
use cloudkyc_domain::{Permission, Role, TenantId, TenantKind};
use cloudkyc_store::TenantScope;
use cloudkyc_store::console_users::{ConsoleSession, ConsoleUser, Lockout, NewConsoleUser};
use rand::RngCore;
use sha2::{Digest, Sha256};

pub use password::Password;

use crate::{App, AppError, AppResult};

/// The sign-in and session rules. The server reads them from its configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Failed sign-ins in a row that lock the user.
    pub lock_after: u32,
    /// How long a lockout lasts.
    pub lock_for: Duration,
    /// A session unused this long is over.
    pub idle: Duration,
    /// A session is over this long after sign-in, used or not.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            lock_after: 5,
            lock_for: Duration::minutes(15),
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        }
    }
}

/// What `cloudkyc users create` and the demo ask for; `tenant` defaults to the caller's own.
#[derive(Debug, Clone)]
pub struct CreateConsoleUser {
    pub email: String,
    pub role: Role,
    pub tenant: Option<TenantId>,
    /// `None` generates one, returned once in [`CreatedConsoleUser::password`].
    pub password: Option<Password>,
}

#[derive(Debug, Clone)]
pub struct CreatedConsoleUser {
    pub user: ConsoleUser,
    /// The generated password, when none was given; never available again.
    pub password: Option<Password>,
}

/// A session token as the browser holds it. Its `Debug` hides the value.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    fn sha256(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
    fn csrf(&self) -> String {
        let mut digest = Sha256::new();
        digest.update(b"cloudkyc console csrf\0");
        digest.update(self.0.as_bytes());
        hex::encode(digest.finalize())
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(..)")
    }
}

/// A session just opened: the token for the cookie and when it ends at the latest.
#[derive(Debug, Clone)]
pub struct OpenedSession {
    pub token: SessionToken,
    pub user: ConsoleUser,
    pub expires_at: DateTime<Utc>,
}

/// A request's signed-in user: the scope every use case takes, and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub scope: TenantScope,
    pub user: ConsoleUser,
    pub session: ConsoleSession,
    csrf: String,
}

impl SignedIn {
    /// The token every form of this session carries.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// Whether a submitted form's token is this session's (compared in constant time).
    pub fn csrf_matches(&self, presented: &str) -> bool {
        let (a, b) = (self.csrf.as_bytes(), presented.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// How often `last_seen_at` is written: idle expiry does not need every request recorded.
const TOUCH_EVERY: Duration = Duration::seconds(60);

impl App {
    /// Creates a console user (admin only, like API keys). Audited `console_user.create`.
    pub async fn create_console_user(
        &self,
        scope: &TenantScope,
        req: CreateConsoleUser,
    ) -> AppResult<CreatedConsoleUser> {
        Self::require(scope, Permission::ManageKeys)?;
        let email = normalise_email(&req.email)?;
        let tenant = self
            .store()
            .tenant(scope, req.tenant.unwrap_or(scope.tenant()))
            .await?;
        if (req.role == Role::Reseller) != (tenant.kind == TenantKind::Reseller) {
            return Err(AppError::invalid(
                "/role",
                "the reseller role is for users of a reseller tenant, and a reseller tenant's users take the reseller role",
            ));
        }
        let (password, generated) = match req.password {
            Some(given) => (given, false),
            None => (Password::generate(), true),
        };
        password.check()?;
        let password_hash = password::hash(password.clone()).await?;
        let new = NewConsoleUser {
            tenant: tenant.id,
            email,
            role: req.role,
            password_hash,
        };
        let user = self
            .store()
            .create_console_user(scope, new, self.now())
            .await?;
        Ok(CreatedConsoleUser {
            user,
            password: generated.then_some(password),
        })
    }

    /// The console users of the scope's tenants.
    pub async fn console_users(&self, scope: &TenantScope) -> AppResult<Vec<ConsoleUser>> {
        Self::require(scope, Permission::ManageKeys)?;
        Ok(self.store().console_users(scope).await?)
    }

    /// Checks an email and password; opens a session when they match a user who is neither
    /// disabled nor locked. `None` for every refusal alike.
    pub async fn console_sign_in(
        &self,
        policy: &SessionPolicy,
        email: &str,
        presented: Password,
    ) -> AppResult<Option<OpenedSession>> {
        let now = self.now();
        let stored = match normalise_email(email) {
            Ok(email) => self.store().console_user_for_sign_in(&email).await?,
            Err(_) => None,
        };
        let hash = stored.as_ref().map(|s| s.password_hash.clone());
        let matches = password::verify(presented, hash).await?;
        let Some(stored) = stored else {
            tracing::info!("console sign-in refused: unknown email");
            return Ok(None);
        };
        let user = stored.user;
        if user.disabled_at.is_some() {
            tracing::info!(user = %user.id, "console sign-in refused: user disabled");
            return Ok(None);
        }
        if user.is_locked(now) {
            tracing::info!(user = %user.id, "console sign-in refused: user locked");
            return Ok(None);
        }
        if !matches {
            let lockout = Lockout {
                lock_after: policy.lock_after,
                lock_until: now + policy.lock_for,
            };
            let after = self
                .store()
                .record_console_sign_in_failure(user.id, lockout, now)
                .await?;
            tracing::info!(user = %user.id, locked = after.is_locked(now), "console sign-in refused: wrong password");
            return Ok(None);
        }
        let token = new_token();
        let expires_at = now + policy.absolute;
        self.store()
            .open_console_session(user.id, &token.sha256(), expires_at, now)
            .await?;
        Ok(Some(OpenedSession {
            token,
            user,
            expires_at,
        }))
    }

    /// The signed-in user of a session token, or `None` when the session is unknown, signed
    /// out, past its idle or absolute limit, or its user is disabled.
    pub async fn console_session(
        &self,
        policy: &SessionPolicy,
        token: &SessionToken,
    ) -> AppResult<Option<SignedIn>> {
        let now = self.now();
        let Some((session, user)) = self.store().console_session(&token.sha256()).await? else {
            return Ok(None);
        };
        let live = session.revoked_at.is_none()
            && session.expires_at > now
            && session.last_seen_at + policy.idle > now
            && user.disabled_at.is_none();
        if !live {
            return Ok(None);
        }
        if now - session.last_seen_at >= TOUCH_EVERY {
            self.store().touch_console_session(session.id, now).await?;
        }
        let subtree = self.store().subtree(user.tenant).await?;
        let scope = TenantScope::console_user(user.id.to_string(), user.tenant, user.role, subtree);
        Ok(Some(SignedIn {
            scope,
            user,
            session,
            csrf: token.csrf(),
        }))
    }

    /// A customer with its identity data, for a role that may see personal data (the roles that
    /// may read identity documents); each reveal is audited `customer.identity_revealed`.
    pub async fn reveal_customer_identity(
        &self,
        scope: &TenantScope,
        id: cloudkyc_store::customers::CustomerId,
    ) -> AppResult<crate::customers::CustomerRecord> {
        Self::require(scope, Permission::ReadDocumentImages)?;
        self.store()
            .record_identity_reveal(scope, id, self.now())
            .await?;
        self.customer(scope, id).await
    }

    /// Ends the session of `token`, if it is one. Audited `console.sign_out`.
    pub async fn console_sign_out(&self, token: &SessionToken) -> AppResult<()> {
        if let Some((session, _)) = self.store().console_session(&token.sha256()).await? {
            self.store()
                .close_console_session(session.id, self.now())
                .await?;
        }
        Ok(())
    }
}

fn new_token() -> SessionToken {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    SessionToken(password::base64url(&bytes))
}

/// Trimmed and lower-cased; one `@` with text on both sides, no spaces, at most 254 characters.
pub fn normalise_email(email: &str) -> AppResult<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        });
    if valid {
        Ok(email)
    } else {
        Err(AppError::invalid("/email", "must be an email address"))
    }
}

#[cfg(test)]
mod tests;

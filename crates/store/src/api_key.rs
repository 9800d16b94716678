//! API keys: `ck_<key id>_<secret>`.
//!
//! The key id (a UUID in simple form) lets the store find the row with one primary-key lookup;
//! the secret is 32 random bytes, shown once and stored only as its SHA-256. A slow password hash
//! is not needed here: the secret has 256 bits of entropy, so a fast hash cannot be brute-forced,
//! and every request can be authenticated in microseconds.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use cloudkyc_domain::{ApiKeyId, Role, TenantId};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::AuthError;

const PREFIX: &str = "ck_";

/// An API key as listed: everything but the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub tenant: TenantId,
    pub role: Role,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What a backend keeps for a key: the public record and the hash of its secret.
#[derive(Debug, Clone)]
pub struct StoredKey {
    pub key: ApiKey,
    pub secret_sha256: String,
}

/// A request to create a key.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub tenant: TenantId,
    pub role: Role,
    pub name: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The secret of a new key, in the form the caller presents it. Its `Debug` hides the value so
/// that it cannot end up in a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// A freshly created key: its record and its secret, which is never available again.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    pub key: ApiKey,
    pub secret: Secret,
}

/// Proof that a presented secret matched a live stored key. Only [`verify`] makes one, and only a
/// `VerifiedKey` turns into a request's [`crate::TenantScope`].
#[derive(Debug, Clone)]
pub struct VerifiedKey {
    id: ApiKeyId,
    tenant: TenantId,
    role: Role,
}

impl VerifiedKey {
    pub fn id(&self) -> ApiKeyId {
        self.id
    }
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }
    pub fn role(&self) -> Role {
        self.role
    }
}

/// Makes the id, the presented secret and the hash to store for a new key.
pub fn generate() -> (ApiKeyId, Secret, String) {
    let id = ApiKeyId::new();
    let mut random = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let secret = format!(
        "{PREFIX}{}_{}",
        id.as_uuid().simple(),
        URL_SAFE_NO_PAD.encode(random)
    );
    let hash = sha256_hex(&secret);
    (id, Secret(secret), hash)
}

/// Reads the key id out of a presented secret, so the backend can fetch the stored key.
pub fn parse_id(presented: &str) -> Result<ApiKeyId, AuthError> {
    let rest = presented.strip_prefix(PREFIX).ok_or(AuthError::Malformed)?;
    let (id, secret) = rest.split_once('_').ok_or(AuthError::Malformed)?;
    if id.len() != 32 || secret.len() != 43 {
        return Err(AuthError::Malformed);
    }
    id.parse().map_err(|_| AuthError::Malformed)
}

/// Checks a presented secret against its stored key at `now`.
pub fn verify(
    presented: &str,
    stored: &StoredKey,
    now: DateTime<Utc>,
) -> Result<VerifiedKey, AuthError> {
    let hash = sha256_hex(presented);
    if !bool::from(hash.as_bytes().ct_eq(stored.secret_sha256.as_bytes())) {
        return Err(AuthError::Unknown);
    }
    if stored.key.revoked_at.is_some() {
        return Err(AuthError::Revoked);
    }
    if stored.key.expires_at.is_some_and(|at| at <= now) {
        return Err(AuthError::Expired);
    }
    Ok(VerifiedKey {
        id: stored.key.id,
        tenant: stored.key.tenant,
        role: stored.key.role,
    })
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn stored(hash: String, id: ApiKeyId) -> StoredKey {
        StoredKey {
            key: ApiKey {
                id,
                tenant: TenantId::new(),
                role: Role::Officer,
                name: "t".into(),
                created_at: Utc::now(),
                expires_at: None,
                revoked_at: None,
            },
            secret_sha256: hash,
        }
    }

    #[test]
    fn a_generated_key_parses_and_verifies() {
        let (id, secret, hash) = generate();
        assert_eq!(parse_id(secret.expose()), Ok(id));
        let key = verify(secret.expose(), &stored(hash, id), Utc::now()).unwrap();
        assert_eq!(key.id(), id);
        assert_eq!(key.role(), Role::Officer);
        assert_eq!(format!("{secret:?}"), "Secret(..)");
    }

    #[test]
    fn a_tampered_secret_is_unknown() {
        let (id, secret, hash) = generate();
        let mut tampered = secret.expose().to_owned();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        assert_eq!(
            verify(&tampered, &stored(hash, id), Utc::now()).unwrap_err(),
            AuthError::Unknown
        );
    }

    #[test]
    fn revoked_and_expired_keys_are_refused() {
        let (id, secret, hash) = generate();
        let now = Utc::now();
        let mut s = stored(hash, id);
        s.key.expires_at = Some(now - Duration::seconds(1));
        assert_eq!(
            verify(secret.expose(), &s, now).unwrap_err(),
            AuthError::Expired
        );
        s.key.revoked_at = Some(now);
        assert_eq!(
            verify(secret.expose(), &s, now).unwrap_err(),
            AuthError::Revoked
        );
    }

    #[test]
    fn malformed_keys_are_rejected_before_any_lookup() {
        for bad in [
            "",
            "ck_",
            "Bearer x",
            "ck_zz_yy",
            "xx_0123456789abcdef0123456789abcdef_",
        ] {
            assert_eq!(parse_id(bad), Err(AuthError::Malformed), "{bad}");
        }
    }
}

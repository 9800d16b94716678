//! Console passwords: Argon2id (the crate's defaults, the OWASP minimum of 19 MiB, 2 passes, one
//! lane), each with its own random salt, stored as a PHC string. Hashing is slow on purpose, so it
//! runs on the blocking pool, never on the async workers.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;

use crate::{AppError, AppResult};

/// The shortest password accepted; long passphrases are encouraged over complexity rules.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest, so that hashing cost stays bounded.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// A password in the clear. Its `Debug` hides the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// A new random password: 20 characters of base64url (120 bits).
    pub fn generate() -> Self {
        let mut bytes = [0u8; 15];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(base64url(&bytes))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Refuses a password too short or too long to accept (field `/password`).
    pub fn check(&self) -> AppResult<()> {
        let chars = self.0.chars().count();
        if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
            return Err(AppError::invalid(
                "/password",
                format!("must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"),
            ));
        }
        Ok(())
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

/// The PHC string of `password` with a fresh salt.
pub async fn hash(password: Password) -> AppResult<String> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|e| AppError::Internal(format!("password hashing stopped: {e}")))?
}

/// Whether `password` matches the PHC string `phc`. With `phc` `None` (no such user) it checks
/// against a fixed hash all the same, so that the answer takes as long either way.
pub async fn verify(password: Password, phc: Option<String>) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || {
        let (phc, real) = match phc {
            Some(phc) => (phc, true),
            None => (decoy_hash()?.to_owned(), false),
        };
        let parsed = PasswordHash::new(&phc)
            .map_err(|e| AppError::Internal(format!("stored password hash unreadable: {e}")))?;
        let matches = Argon2::default()
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_ok();
        Ok(real && matches)
    })
    .await
    .map_err(|e| AppError::Internal(format!("password check stopped: {e}")))?
}

fn hash_now(password: &Password) -> AppResult<String> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| AppError::Internal(format!("password salt: {e}")))?;
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing: {e}")))
}

fn decoy_hash() -> AppResult<&'static str> {
    static DECOY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DECOY.get() {
        return Ok(hash);
    }
    let made = hash_now(&Password::generate())?;
    Ok(DECOY.get_or_init(|| made))
}

/// Unpadded base64url, enough for tokens and generated passwords without another dependency.
pub(crate) fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let index = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(ALPHABET[index as usize]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let phc = hash(Password::new("correct horse battery")).await.unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(
            verify(Password::new("correct horse battery"), Some(phc.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify(Password::new("correct horse battery!"), Some(phc))
                .await
                .unwrap()
        );
        assert!(!verify(Password::new("anything"), None).await.unwrap());
    }

    #[test]
    fn generated_passwords_are_long_enough_and_differ() {
        let (a, b) = (Password::generate(), Password::generate());
        assert_eq!(a.expose().len(), 20);
        assert_ne!(a, b);
        assert!(a.check().is_ok());
        assert!(Password::new("short").check().is_err());
        assert_eq!(format!("{a:?}"), "Password(..)");
    }

    #[test]
    fn base64url_matches_the_alphabet() {
        assert_eq!(base64url(b"\xff\xff\xff"), "____");
        assert_eq!(base64url(b"Ma"), "TWE");
        assert_eq!(base64url(b"Man"), "TWFu");
    }
}

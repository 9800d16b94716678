//! What the SQL backends share that is not SQL: turning column values into domain types, the
//! names of audit actions, and sealing personal fields for their columns. Keeping it here means
//! the SQLite and PostgreSQL crates differ only where their SQL does.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use cloudkyc_domain::{Role, TenantId, TenantKind};

use crate::console_users::{ConsoleUser, ConsoleUserId, StoredConsoleUser};
use crate::crypto::{Aad, KeyRing};
use crate::jobs::JobState;
use crate::{StoreError, StoreResult};

/// The `action` of every audit event a backend writes. One place, so that both backends and the
/// documentation name them alike.
pub mod actions {
    pub const TENANT_CREATE: &str = "tenant.create";
    pub const KEY_CREATE: &str = "key.create";
    pub const KEY_REVOKE: &str = "key.revoke";
    pub const MASTER_KEY_ROTATE: &str = "key_ring.rotate_master";
    pub const DATA_KEY_ADD: &str = "key_ring.add_data_key";
}

/// The `subject_kind` of audit events.
pub mod subjects {
    pub const TENANT: &str = "tenant";
    pub const API_KEY: &str = "api_key";
    pub const DATA_KEY: &str = "data_key";
}

fn corrupt(column: &str, why: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("column {column}: {why}"))
}

/// An identifier stored as text (SQLite keeps UUIDs as hyphenated text).
pub fn parse_id<T: FromStr>(column: &str, text: &str) -> StoreResult<T> {
    text.parse()
        .map_err(|_| corrupt(column, format!("{text:?} is not a UUID")))
}

pub fn parse_role(text: &str) -> StoreResult<Role> {
    text.parse().map_err(|e| corrupt("role", e))
}

pub fn parse_tenant_kind(text: &str) -> StoreResult<TenantKind> {
    TenantKind::parse(text).ok_or_else(|| corrupt("kind", format!("unknown tenant kind {text:?}")))
}

pub fn parse_job_state(text: &str) -> StoreResult<JobState> {
    [
        JobState::Queued,
        JobState::Running,
        JobState::Done,
        JobState::Dead,
    ]
    .into_iter()
    .find(|s| s.as_str() == text)
    .ok_or_else(|| corrupt("state", format!("unknown job state {text:?}")))
}

/// A time as whole microseconds since the Unix epoch: how SQLite stores instants, and the
/// precision PostgreSQL keeps, so a value reads back exactly as it was written.
pub fn to_micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

pub fn from_micros(column: &str, micros: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| corrupt(column, format!("{micros} is out of range")))
}

/// A non-negative counter stored in a signed column.
pub fn to_u32(column: &str, value: i64) -> StoreResult<u32> {
    u32::try_from(value).map_err(|_| corrupt(column, format!("{value} is out of range")))
}

/// A `console_users` row's values as a backend reads them (each in its own column types);
/// [`ConsoleUserColumns::into_stored`] checks them and builds the user, the same for both.
#[derive(Clone)]
pub struct ConsoleUserColumns {
    pub id: ConsoleUserId,
    pub tenant: TenantId,
    pub email: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub failed_attempts: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub password_hash: String,
}

impl std::fmt::Debug for ConsoleUserColumns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleUserColumns")
            .field("id", &self.id)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

impl ConsoleUserColumns {
    pub fn into_stored(self) -> StoreResult<StoredConsoleUser> {
        Ok(StoredConsoleUser {
            user: ConsoleUser {
                id: self.id,
                tenant: self.tenant,
                email: self.email,
                role: parse_role(&self.role)?,
                created_at: self.created_at,
                failed_attempts: to_u32("failed_attempts", self.failed_attempts)?,
                locked_until: self.locked_until,
                disabled_at: self.disabled_at,
            },
            password_hash: self.password_hash,
        })
    }
}

/// The value a `failed_attempts` column is written with (the count never nears the limit: a
/// lockout starts it again).
pub fn attempts_column(attempts: u32) -> i32 {
    i32::try_from(attempts).unwrap_or(i32::MAX)
}

/// A personal field prepared for its columns. The convention every table with personal data
/// follows: the ciphertext goes to `<field>_ct` (BLOB / BYTEA) and, for a field looked up by
/// equality, the blind index goes to `<field>_bidx` (TEXT, indexed together with `tenant_id`).
/// The plaintext never reaches the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub blind_index: Option<String>,
}

impl Sealed {
    /// A field that is only ever read back, never searched.
    pub fn text(ring: &KeyRing, aad: Aad<'_>, value: &str) -> StoreResult<Self> {
        Ok(Self {
            ciphertext: ring.encrypt_str(value, aad)?,
            blind_index: None,
        })
    }

    /// A field that is also looked up by equality. `normalised` is the form lookups use (a
    /// lower-cased email, an E.164 phone number); `index_kind` keeps the index spaces apart.
    pub fn indexed_text(
        ring: &KeyRing,
        aad: Aad<'_>,
        value: &str,
        index_kind: &str,
        normalised: &str,
    ) -> StoreResult<Self> {
        Ok(Self {
            ciphertext: ring.encrypt_str(value, aad)?,
            blind_index: Some(ring.blind_index(index_kind, normalised)),
        })
    }

    /// The plaintext of a `<field>_ct` column read back from the row it was sealed for.
    pub fn open_text(ring: &KeyRing, aad: Aad<'_>, ciphertext: &[u8]) -> StoreResult<String> {
        ring.decrypt_str(ciphertext, aad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::MasterKey;
    use cloudkyc_domain::TenantId;

    #[test]
    fn column_values_parse_or_say_which_column_is_corrupt() {
        assert_eq!(parse_role("officer").ok(), Some(Role::Officer));
        assert_eq!(
            parse_tenant_kind("reseller").ok(),
            Some(TenantKind::Reseller)
        );
        assert_eq!(parse_job_state("dead").ok(), Some(JobState::Dead));
        let err = parse_id::<TenantId>("tenant_id", "nope").unwrap_err();
        assert!(err.to_string().contains("tenant_id"), "{err}");
        assert!(parse_role("root").is_err());
        assert!(from_micros("at", i64::MAX).is_err());
        assert!(to_u32("attempts", -1).is_err());
    }

    #[test]
    fn a_console_user_row_is_checked_as_it_is_built() {
        let columns = ConsoleUserColumns {
            id: ConsoleUserId::new(),
            tenant: TenantId::new(),
            email: "ada@example.org".to_owned(),
            role: "officer".to_owned(),
            created_at: crate::audit::truncate_to_micros(Utc::now()),
            failed_attempts: 2,
            locked_until: None,
            disabled_at: None,
            password_hash: "$argon2id$...".to_owned(),
        };
        let stored = columns.clone().into_stored().unwrap();
        assert_eq!(
            (stored.user.role, stored.user.failed_attempts),
            (Role::Officer, 2)
        );
        assert_eq!(stored.password_hash, "$argon2id$...");
        let bad_role = ConsoleUserColumns {
            role: "root".to_owned(),
            ..columns.clone()
        };
        assert!(bad_role.into_stored().is_err());
        let negative = ConsoleUserColumns {
            failed_attempts: -1,
            ..columns
        };
        assert!(negative.into_stored().is_err());
    }

    #[test]
    fn micros_round_trip() {
        let at = crate::audit::truncate_to_micros(Utc::now());
        assert_eq!(from_micros("at", to_micros(at)).ok(), Some(at));
    }

    #[test]
    fn a_sealed_field_hides_its_value_and_opens_only_for_its_row() {
        let (ring, _) = KeyRing::bootstrap(&MasterKey::generate(), Utc::now())
            .unwrap_or_else(|e| panic!("{e}"));
        let tenant = TenantId::new();
        let aad = Aad {
            tenant,
            table: "customers",
            row: "r1",
            column: "email",
        };
        let sealed =
            Sealed::indexed_text(&ring, aad, "Ada@Example.org", "email", "ada@example.org")
                .unwrap_or_else(|e| panic!("{e}"));
        assert!(!sealed.ciphertext.windows(3).any(|w| w == b"Ada"));
        assert_eq!(
            sealed.blind_index,
            Some(ring.blind_index("email", "ada@example.org"))
        );
        assert_eq!(
            Sealed::open_text(&ring, aad, &sealed.ciphertext)
                .ok()
                .as_deref(),
            Some("Ada@Example.org")
        );
        let other_row = Aad { row: "r2", ..aad };
        assert!(Sealed::open_text(&ring, other_row, &sealed.ciphertext).is_err());
    }
}

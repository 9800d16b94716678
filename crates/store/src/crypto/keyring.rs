use std::collections::BTreeMap;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use super::field::{Aad, CIPHERTEXT_VERSION};
use super::master::MasterKey;
use crate::StoreError;

const NONCE_LEN: usize = 12;
const HEADER_LEN: usize = 1 + 4 + NONCE_LEN;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPurpose {
    /// Encrypts personal fields (AES-256-GCM).
    Data,
    /// Keys the HMAC-SHA-256 of blind indexes. Never rotated by `rotate-data-key`: every stored
    /// index would have to be recomputed.
    BlindIndex,
}

impl KeyPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyPurpose::Data => "data",
            KeyPurpose::BlindIndex => "blind_index",
        }
    }

    pub fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "data" => Ok(KeyPurpose::Data),
            "blind_index" => Ok(KeyPurpose::BlindIndex),
            other => Err(StoreError::Corrupt(format!(
                "unknown key purpose {other:?}"
            ))),
        }
    }
}

/// A data key as stored: encrypted under the master key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    pub id: u32,
    pub purpose: KeyPurpose,
    /// `nonce ‖ AES-256-GCM(master, key bytes)`, with id and purpose as associated data.
    pub wrapped: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

/// The unwrapped keys a process works with. The data key with the highest id encrypts; every
/// data key decrypts.
pub struct KeyRing {
    data: BTreeMap<u32, Aes256Gcm>,
    /// The HMAC already keyed: each index clones it instead of hashing the key pads again,
    /// which was a third of the cost of indexing a short value.
    blind_index: Hmac<Sha256>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("data_key_ids", &self.data.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    /// A new ring for an empty database: one data key and one blind-index key, wrapped for storage.
    pub fn bootstrap(
        master: &MasterKey,
        now: DateTime<Utc>,
    ) -> Result<(Self, Vec<WrappedKey>), StoreError> {
        let wrapped = vec![
            wrap(master, 1, KeyPurpose::BlindIndex, &random_key(), now)?,
            wrap(master, 2, KeyPurpose::Data, &random_key(), now)?,
        ];
        Ok((Self::open(master, &wrapped)?, wrapped))
    }

    /// Unwraps the stored keys. A wrong master key fails here, before any data is touched.
    pub fn open(master: &MasterKey, wrapped: &[WrappedKey]) -> Result<Self, StoreError> {
        let mut data = BTreeMap::new();
        let mut blind_index = None;
        for key in wrapped {
            let bytes = unwrap(master, key)?;
            match key.purpose {
                KeyPurpose::Data => {
                    let cipher = Aes256Gcm::new_from_slice(&bytes)
                        .map_err(|_| StoreError::KeyRing("data key has the wrong length".into()))?;
                    data.insert(key.id, cipher);
                }
                KeyPurpose::BlindIndex => {
                    blind_index = Some(
                        <Hmac<Sha256> as Mac>::new_from_slice(&bytes)
                            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length")),
                    );
                }
            }
        }
        let blind_index = blind_index
            .ok_or_else(|| StoreError::KeyRing("the database has no blind-index key".into()))?;
        if data.is_empty() {
            return Err(StoreError::KeyRing("the database has no data key".into()));
        }
        Ok(Self { data, blind_index })
    }

    /// A new data key that becomes the active one; existing ciphertexts stay readable.
    pub fn new_data_key(
        &self,
        master: &MasterKey,
        now: DateTime<Utc>,
    ) -> Result<WrappedKey, StoreError> {
        let next = self.data.keys().next_back().copied().unwrap_or(1) + 1;
        wrap(master, next, KeyPurpose::Data, &random_key(), now)
    }

    /// The same keys, wrapped under a new master key.
    pub fn rewrap(
        old: &MasterKey,
        new: &MasterKey,
        wrapped: &[WrappedKey],
    ) -> Result<Vec<WrappedKey>, StoreError> {
        wrapped
            .iter()
            .map(|key| {
                let bytes = unwrap(old, key)?;
                wrap(new, key.id, key.purpose, &bytes, key.created_at)
            })
            .collect()
    }

    pub fn active_key_id(&self) -> u32 {
        self.data.keys().next_back().copied().unwrap_or(0)
    }

    pub fn encrypt(&self, plaintext: &[u8], aad: Aad<'_>) -> Result<Vec<u8>, StoreError> {
        let (id, cipher) = self
            .data
            .iter()
            .next_back()
            .ok_or_else(|| StoreError::KeyRing("no active data key".into()))?;
        let mut nonce = [0u8; NONCE_LEN];
        // The thread's CSPRNG (ChaCha, seeded and periodically reseeded from the OS): random
        // 96-bit nonces as safe as the OS's, without a system call per field sealed.
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad.bytes(),
                },
            )
            .map_err(|_| StoreError::KeyRing("encryption failed".into()))?;
        let mut out = Vec::with_capacity(HEADER_LEN + sealed.len());
        out.push(CIPHERTEXT_VERSION);
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub fn decrypt(&self, ciphertext: &[u8], aad: Aad<'_>) -> Result<Vec<u8>, StoreError> {
        let corrupt = |why: &str| {
            StoreError::Corrupt(format!("ciphertext of {}.{}: {why}", aad.table, aad.column))
        };
        if ciphertext.len() < HEADER_LEN || ciphertext.first() != Some(&CIPHERTEXT_VERSION) {
            return Err(corrupt("unknown format"));
        }
        let (header, sealed) = ciphertext.split_at(HEADER_LEN);
        let id = u32::from_be_bytes([header[1], header[2], header[3], header[4]]);
        let cipher = self
            .data
            .get(&id)
            .ok_or_else(|| corrupt("its data key is not in the key ring"))?;
        cipher
            .decrypt(
                Nonce::from_slice(&header[5..]),
                Payload {
                    msg: sealed,
                    aad: &aad.bytes(),
                },
            )
            .map_err(|_| corrupt("authentication failed (altered, or moved from another row)"))
    }

    pub fn encrypt_str(&self, plaintext: &str, aad: Aad<'_>) -> Result<Vec<u8>, StoreError> {
        self.encrypt(plaintext.as_bytes(), aad)
    }

    pub fn decrypt_str(&self, ciphertext: &[u8], aad: Aad<'_>) -> Result<String, StoreError> {
        String::from_utf8(self.decrypt(ciphertext, aad)?)
            .map_err(|_| StoreError::Corrupt(format!("{}.{} is not UTF-8", aad.table, aad.column)))
    }

    /// The keyed hash used for equality lookups (email, phone, document number). `kind` separates
    /// the index spaces, so equal strings of different kinds do not collide. The caller normalises
    /// the value first (lower-cased email, E.164 phone, upper-cased document number).
    pub fn blind_index(&self, kind: &str, value: &str) -> String {
        hex::encode(self.blind_index_bytes(kind, value))
    }

    /// The same keyed hash as its 32 bytes, for a backend that stores it in binary.
    pub fn blind_index_bytes(&self, kind: &str, value: &str) -> [u8; 32] {
        let mut mac = self.blind_index.clone();
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

fn random_key() -> Vec<u8> {
    let mut key = vec![0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    key
}

fn wrap_aad(id: u32, purpose: KeyPurpose) -> Vec<u8> {
    format!("cloudkyc-key-wrap-v1:{id}:{}", purpose.as_str()).into_bytes()
}

fn wrap(
    master: &MasterKey,
    id: u32,
    purpose: KeyPurpose,
    key: &[u8],
    now: DateTime<Utc>,
) -> Result<WrappedKey, StoreError> {
    let cipher = Aes256Gcm::new(master.bytes().into());
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: key,
                aad: &wrap_aad(id, purpose),
            },
        )
        .map_err(|_| StoreError::KeyRing("wrapping a data key failed".into()))?;
    let mut wrapped = nonce.to_vec();
    wrapped.extend_from_slice(&sealed);
    Ok(WrappedKey {
        id,
        purpose,
        wrapped,
        created_at: now,
    })
}

fn unwrap(master: &MasterKey, key: &WrappedKey) -> Result<Vec<u8>, StoreError> {
    if key.wrapped.len() <= NONCE_LEN {
        return Err(StoreError::KeyRing(format!(
            "stored key {} is truncated",
            key.id
        )));
    }
    let (nonce, sealed) = key.wrapped.split_at(NONCE_LEN);
    Aes256Gcm::new(master.bytes().into())
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: &wrap_aad(key.id, key.purpose),
            },
        )
        .map_err(|_| {
            StoreError::KeyRing(
                "the master key does not open this database's keys (wrong CLOUDKYC_MASTER_KEY?)"
                    .into(),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudkyc_domain::TenantId;

    fn aad(tenant: TenantId, row: &str) -> Aad<'_> {
        Aad {
            tenant,
            table: "customers",
            row,
            column: "name",
        }
    }

    #[test]
    fn encrypts_and_decrypts_a_field() {
        let master = MasterKey::generate();
        let (ring, _) = KeyRing::bootstrap(&master, Utc::now()).unwrap();
        let t = TenantId::new();
        let ct = ring.encrypt_str("Amara Okafor", aad(t, "r1")).unwrap();
        assert!(!ct.windows(6).any(|w| w == b"Okafor"));
        assert_eq!(ring.decrypt_str(&ct, aad(t, "r1")).unwrap(), "Amara Okafor");
    }

    #[test]
    fn a_ciphertext_moved_to_another_row_or_tenant_does_not_decrypt() {
        let master = MasterKey::generate();
        let (ring, _) = KeyRing::bootstrap(&master, Utc::now()).unwrap();
        let t = TenantId::new();
        let ct = ring.encrypt_str("x", aad(t, "r1")).unwrap();
        assert!(ring.decrypt(&ct, aad(t, "r2")).is_err());
        assert!(ring.decrypt(&ct, aad(TenantId::new(), "r1")).is_err());
        let mut flipped = ct.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(ring.decrypt(&flipped, aad(t, "r1")).is_err());
        assert!(ring.decrypt(&[], aad(t, "r1")).is_err());
    }

    #[test]
    fn the_wrong_master_key_is_refused_clearly() {
        let (_, wrapped) = KeyRing::bootstrap(&MasterKey::generate(), Utc::now()).unwrap();
        let err = KeyRing::open(&MasterKey::generate(), &wrapped).unwrap_err();
        assert!(err.to_string().contains("master key"), "{err}");
    }

    #[test]
    fn rotating_the_data_key_keeps_old_ciphertexts_readable() {
        let master = MasterKey::generate();
        let (ring, mut wrapped) = KeyRing::bootstrap(&master, Utc::now()).unwrap();
        let t = TenantId::new();
        let old = ring.encrypt_str("old", aad(t, "r")).unwrap();
        wrapped.push(ring.new_data_key(&master, Utc::now()).unwrap());
        let ring = KeyRing::open(&master, &wrapped).unwrap();
        assert_eq!(ring.active_key_id(), 3);
        let new = ring.encrypt_str("new", aad(t, "r")).unwrap();
        assert_eq!(u32::from_be_bytes(new[1..5].try_into().unwrap()), 3);
        assert_eq!(ring.decrypt_str(&old, aad(t, "r")).unwrap(), "old");
    }

    #[test]
    fn rewrapping_under_a_new_master_keeps_keys_and_indexes() {
        let old = MasterKey::generate();
        let (ring, wrapped) = KeyRing::bootstrap(&old, Utc::now()).unwrap();
        let t = TenantId::new();
        let ct = ring.encrypt_str("kept", aad(t, "r")).unwrap();
        let new = MasterKey::generate();
        let rewrapped = KeyRing::rewrap(&old, &new, &wrapped).unwrap();
        assert!(KeyRing::open(&old, &rewrapped).is_err());
        let ring2 = KeyRing::open(&new, &rewrapped).unwrap();
        assert_eq!(ring2.decrypt_str(&ct, aad(t, "r")).unwrap(), "kept");
        assert_eq!(
            ring.blind_index("email", "a@b.c"),
            ring2.blind_index("email", "a@b.c")
        );
    }

    #[test]
    fn blind_indexes_are_keyed_and_separated_by_kind() {
        let (a, _) = KeyRing::bootstrap(&MasterKey::generate(), Utc::now()).unwrap();
        let (b, _) = KeyRing::bootstrap(&MasterKey::generate(), Utc::now()).unwrap();
        assert_eq!(a.blind_index("email", "x"), a.blind_index("email", "x"));
        assert_ne!(a.blind_index("email", "x"), a.blind_index("phone", "x"));
        assert_ne!(a.blind_index("email", "x"), b.blind_index("email", "x"));
    }
}

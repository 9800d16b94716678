use rand::RngCore;

use crate::StoreError;

/// The key that wraps the data keys. Its `Debug` hides the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey([u8; 32]);

impl MasterKey {
    /// Reads 64 hexadecimal characters; surrounding white space is ignored.
    pub fn from_hex(text: &str) -> Result<Self, StoreError> {
        let text = text.trim();
        let bytes = hex::decode(text).map_err(|_| {
            StoreError::KeyRing("master key must be 64 hexadecimal characters".into())
        })?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| {
            StoreError::KeyRing("master key must be 32 bytes (64 hexadecimal characters)".into())
        })?;
        Ok(Self(bytes))
    }

    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_ignores_surrounding_space() {
        let key = MasterKey::generate();
        let read = MasterKey::from_hex(&format!("  {}\n", key.to_hex())).unwrap();
        assert_eq!(read, key);
        assert_eq!(format!("{key:?}"), "MasterKey(..)");
    }

    #[test]
    fn wrong_lengths_and_characters_are_refused() {
        assert!(MasterKey::from_hex("abcd").is_err());
        assert!(MasterKey::from_hex(&"zz".repeat(32)).is_err());
        assert!(MasterKey::from_hex(&"00".repeat(33)).is_err());
    }
}

//! Tron and Solana, both plain base58 (the Bitcoin alphabet).

use super::WalletError;

/// Tron: base58check of 21 bytes whose first is 0x41.
pub(super) fn check_tron(address: &str) -> Result<String, WalletError> {
    let payload =
        bs58::decode(address)
            .with_check(None)
            .into_vec()
            .map_err(|error| match error {
                bs58::decode::Error::InvalidChecksum { .. } => WalletError::Checksum,
                _ => WalletError::Format("tron"),
            })?;
    match payload.as_slice() {
        [0x41, rest @ ..] if rest.len() == 20 => Ok(address.to_owned()),
        _ => Err(WalletError::Format("tron")),
    }
}

/// Solana: the base58 text of a 32-byte ed25519 public key. There is no checksum to verify, so
/// only the alphabet and the decoded length can be checked.
pub(super) fn check_solana(address: &str) -> Result<String, WalletError> {
    let key = bs58::decode(address)
        .into_vec()
        .map_err(|_| WalletError::Format("solana"))?;
    if key.len() == 32 {
        Ok(address.to_owned())
    } else {
        Err(WalletError::Format("solana"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tron_addresses_need_their_checksum_and_prefix() {
        // The USDT-TRC20 contract address, published by Tether.
        assert!(check_tron("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t").is_ok());
        assert!(check_tron("TA4Y62o6YC2Zsck9rZVGTvqW1AQ7X9zTnj").is_ok());
        assert_eq!(
            check_tron("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u"),
            Err(WalletError::Checksum)
        );
        // A valid bitcoin P2PKH address has a good checksum but the wrong version byte.
        assert_eq!(
            check_tron("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
            Err(WalletError::Format("tron"))
        );
        assert_eq!(check_tron("T0000"), Err(WalletError::Format("tron")));
    }

    #[test]
    fn solana_addresses_are_32_byte_keys() {
        // The system program and the SPL token program ids.
        assert!(check_solana("11111111111111111111111111111111").is_ok());
        assert!(check_solana("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA").is_ok());
        assert_eq!(
            check_solana("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5D"),
            Err(WalletError::Format("solana"))
        );
        assert_eq!(check_solana("0OIl"), Err(WalletError::Format("solana")));
    }
}

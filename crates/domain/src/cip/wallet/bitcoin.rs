//! Bitcoin and Litecoin: base58check legacy addresses and bech32/bech32m segwit addresses.

use super::WalletError;

/// What distinguishes one Bitcoin-family network's addresses.
pub(super) struct Network {
    name: &'static str,
    /// Base58check version bytes of mainnet P2PKH and P2SH addresses.
    versions: &'static [u8],
    testnet_versions: &'static [u8],
    hrp: &'static str,
    testnet_hrps: &'static [&'static str],
}

pub(super) const BITCOIN: Network = Network {
    name: "bitcoin",
    versions: &[0x00, 0x05],
    testnet_versions: &[0x6f, 0xc4],
    hrp: "bc",
    testnet_hrps: &["tb", "bcrt"],
};

/// Litecoin's P2SH moved from `3…` (0x05, shared with Bitcoin) to `M…` (0x32); both are in use.
pub(super) const LITECOIN: Network = Network {
    name: "litecoin",
    versions: &[0x30, 0x32, 0x05],
    testnet_versions: &[0x6f, 0x3a, 0xc4],
    hrp: "ltc",
    testnet_hrps: &["tltc", "rltc"],
};

/// Validates `address` for `network` and returns its canonical form (segwit in lower case).
pub(super) fn normalise(address: &str, network: &Network) -> Result<String, WalletError> {
    let lower = address.to_ascii_lowercase();
    if lower.starts_with(&format!("{}1", network.hrp)) {
        return segwit(address, network).map(|()| lower);
    }
    if network
        .testnet_hrps
        .iter()
        .any(|hrp| lower.starts_with(&format!("{hrp}1")))
    {
        return Err(WalletError::Testnet(network.name));
    }
    let payload =
        bs58::decode(address)
            .with_check(None)
            .into_vec()
            .map_err(|error| match error {
                bs58::decode::Error::InvalidChecksum { .. } => WalletError::Checksum,
                _ => WalletError::Format(network.name),
            })?;
    match payload.as_slice() {
        [version, hash @ ..] if hash.len() == 20 => {
            if network.versions.contains(version) {
                Ok(address.to_owned())
            } else if network.testnet_versions.contains(version) {
                Err(WalletError::Testnet(network.name))
            } else {
                Err(WalletError::Format(network.name))
            }
        }
        _ => Err(WalletError::Format(network.name)),
    }
}

/// BIP-173/BIP-350: the decoder checks the checksum variant against the witness version
/// (bech32 for v0, bech32m for v1+), the program length and mixed case.
fn segwit(address: &str, network: &Network) -> Result<(), WalletError> {
    let (hrp, _version, _program) = bech32::segwit::decode(address).map_err(|error| {
        if is_checksum_error(&error) {
            WalletError::Checksum
        } else {
            WalletError::Format(network.name)
        }
    })?;
    if hrp.as_str().eq_ignore_ascii_case(network.hrp) {
        Ok(())
    } else {
        Err(WalletError::Format(network.name))
    }
}

fn is_checksum_error(error: &bech32::segwit::DecodeError) -> bool {
    matches!(
        error.0,
        bech32::primitives::decode::SegwitHrpstringError::Checksum(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitcoin_legacy_addresses() {
        // The genesis-block coinbase address and a BIP-13 P2SH example.
        assert!(normalise("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", &BITCOIN).is_ok());
        assert!(normalise("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", &BITCOIN).is_ok());
        assert_eq!(
            normalise("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", &BITCOIN),
            Err(WalletError::Checksum)
        );
        assert_eq!(
            normalise("mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", &BITCOIN),
            Err(WalletError::Testnet("bitcoin"))
        );
        assert_eq!(
            normalise("1A1zP1eP5QGefi2DMPTfTL5SLmv7Divf0a", &BITCOIN),
            Err(WalletError::Format("bitcoin"))
        );
    }

    #[test]
    fn bitcoin_segwit_addresses() {
        // BIP-173 and BIP-350 test vectors.
        let v0 = "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4";
        assert_eq!(normalise(v0, &BITCOIN), Ok(v0.to_ascii_lowercase()));
        let taproot = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0";
        assert!(normalise(taproot, &BITCOIN).is_ok());
        // One character changed: the checksum catches it.
        assert_eq!(
            normalise("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", &BITCOIN),
            Err(WalletError::Checksum)
        );
        // A v1 program with a bech32 (not bech32m) checksum is invalid under BIP-350.
        assert!(
            normalise(
                "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
                &BITCOIN
            )
            .is_err()
        );
        assert_eq!(
            normalise("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", &BITCOIN),
            Err(WalletError::Testnet("bitcoin"))
        );
    }

    #[test]
    fn litecoin_addresses() {
        // Built independently (version byte + hash 01..14 hex, checksummed) for these tests.
        assert!(normalise("LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9", &LITECOIN).is_ok());
        assert!(normalise("LKKHMBjCU89fyFNgSRprDoD8Jb25N8uWvd", &LITECOIN).is_ok());
        assert!(normalise("M7zVKQKmtV5Rc7erVGVVC3khZbXxsS5HEX", &LITECOIN).is_ok());
        assert!(normalise("ltc1qqypqxpq9qcrsszg2pvxq6rs0zqg3yyc5dyg36p", &LITECOIN).is_ok());
        let taproot = "ltc1pqqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0sts9tf8";
        assert!(normalise(taproot, &LITECOIN).is_ok());
        assert_eq!(
            normalise("ltc1qqypqxpq9qcrsszg2pvxq6rs0zqg3yyc5dyg36q", &LITECOIN),
            Err(WalletError::Checksum)
        );
        assert_eq!(
            normalise("M7zVKQKmtV5Rc7erVGVVC3khZbXxsS5HEx", &LITECOIN),
            Err(WalletError::Checksum)
        );
        // A bitcoin segwit address is not a litecoin one.
        assert!(normalise("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", &LITECOIN).is_err());
        assert_eq!(
            normalise("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", &LITECOIN),
            Err(WalletError::Format("litecoin"))
        );
    }
}

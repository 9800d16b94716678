//! Ethereum (and EVM) addresses: `0x` and 40 hexadecimal digits, with the EIP-55 mixed-case
//! checksum verified whenever the address is written in mixed case.

use sha3::{Digest, Keccak256};

use super::{ChecksumStatus, WalletError};

/// Returns the address in its EIP-55 form. A single-case address carries no checksum (EIP-55
/// itself says so), so it is accepted as [`ChecksumStatus::NotPresent`].
pub(super) fn check(address: &str) -> Result<(String, ChecksumStatus), WalletError> {
    let hex = address
        .strip_prefix("0x")
        .or_else(|| address.strip_prefix("0X"))
        .ok_or(WalletError::Format("ethereum"))?;
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(WalletError::Format("ethereum"));
    }
    let checksummed = eip55(hex);
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && has_upper {
        if checksummed.get(2..) != Some(hex) {
            return Err(WalletError::Checksum);
        }
        return Ok((checksummed, ChecksumStatus::Verified));
    }
    Ok((checksummed, ChecksumStatus::NotPresent))
}

/// A letter is upper case exactly when the matching nibble of keccak256(lower-case hex) is 8 or
/// more.
fn eip55(hex: &str) -> String {
    let lower = hex.to_ascii_lowercase();
    let hash = Keccak256::digest(lower.as_bytes());
    let mut out = String::with_capacity(42);
    out.push_str("0x");
    for (index, c) in lower.chars().enumerate() {
        let byte = hash.get(index / 2).copied().unwrap_or(0);
        let nibble = if index % 2 == 0 {
            byte >> 4
        } else {
            byte & 0x0f
        };
        out.push(if nibble >= 8 {
            c.to_ascii_uppercase()
        } else {
            c
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // The test vectors of EIP-55 itself.
    const EIP55_VECTORS: [&str; 4] = [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ];

    #[test]
    fn accepts_the_eip55_vectors_and_single_case_forms() {
        for vector in EIP55_VECTORS {
            assert_eq!(
                check(vector),
                Ok((vector.to_owned(), ChecksumStatus::Verified)),
                "{vector}"
            );
            let lower = vector.to_ascii_lowercase();
            assert_eq!(
                check(&lower),
                Ok((vector.to_owned(), ChecksumStatus::NotPresent))
            );
        }
    }

    #[test]
    fn refuses_a_wrong_case_letter_and_bad_shapes() {
        assert_eq!(
            check("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"),
            Err(WalletError::Checksum)
        );
        assert_eq!(
            check("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
            Err(WalletError::Format("ethereum"))
        );
        assert_eq!(
            check("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe"),
            Err(WalletError::Format("ethereum"))
        );
        assert_eq!(
            check("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg"),
            Err(WalletError::Format("ethereum"))
        );
    }
}

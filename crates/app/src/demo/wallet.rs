//! Wallet addresses for demo payment methods: random keys hashes, encoded with each chain's
//! checksum so the domain's validation accepts them (and would refuse a typo in them).

use cloudkyc_domain::cip::{Chain, WalletAddress};

use super::rng::SplitMix64;

/// The chains the demo pays with; each has a checksummed address form.
pub const CHAINS: [&str; 3] = ["bitcoin", "ethereum", "tron"];

/// A mainnet address on `chain` (one of [`CHAINS`]), derived from `rng`.
pub fn address(chain: &str, rng: &mut SplitMix64) -> String {
    let hash: [u8; 20] = rng.bytes();
    match chain {
        // P2PKH: version byte 0x00, then base58check.
        "bitcoin" => base58check(0x00, &hash),
        // Tron: version byte 0x41, then base58check.
        "tron" => base58check(0x41, &hash),
        // Ethereum: the domain turns the single-case form into its EIP-55 mixed-case checksum.
        _ => {
            let lower: String = hash.iter().map(|b| format!("{b:02x}")).collect();
            let lower = format!("0x{lower}");
            WalletAddress::parse(Chain::Ethereum, &lower)
                .map(|w| w.address().to_owned())
                .unwrap_or(lower)
        }
    }
}

fn base58check(version: u8, hash: &[u8; 20]) -> String {
    let mut payload = Vec::with_capacity(21);
    payload.push(version);
    payload.extend_from_slice(hash);
    bs58::encode(payload).with_check().into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudkyc_domain::cip::ChecksumStatus;

    #[test]
    fn every_generated_address_carries_a_verified_checksum() {
        let mut rng = SplitMix64::new(42);
        for _ in 0..50 {
            for chain in CHAINS {
                let text = address(chain, &mut rng);
                let wallet = WalletAddress::parse(Chain::parse(chain).unwrap(), &text)
                    .unwrap_or_else(|e| panic!("{chain} {text}: {e}"));
                assert_eq!(
                    wallet.checksum(),
                    ChecksumStatus::Verified,
                    "{chain} {text}"
                );
                assert_eq!(wallet.address(), text);
            }
        }
    }
}

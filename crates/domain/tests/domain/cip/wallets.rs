//! Wallet addresses through the public API: known-valid addresses pass, one corrupted character
//! is refused with a checksum or format error.

use cloudkyc_domain::cip::{Chain, ChecksumStatus, WalletAddress, WalletError};

fn corrupt(address: &str, position: usize) -> String {
    let mut chars: Vec<char> = address.chars().collect();
    chars[position] = match chars[position] {
        'a' => 'b',
        'A' => 'B',
        '1' => '2',
        'q' => 'p',
        c if c.is_ascii_digit() => {
            if c == '9' {
                '8'
            } else {
                '9'
            }
        }
        c if c.is_ascii_uppercase() => {
            if c == 'Z' {
                'Y'
            } else {
                'Z'
            }
        }
        'x' => 'y',
        _ => 'x',
    };
    chars.into_iter().collect()
}

#[test]
fn valid_addresses_of_each_chain() {
    let cases = [
        (
            Chain::Bitcoin,
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            ChecksumStatus::Verified,
        ),
        (
            Chain::Bitcoin,
            "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
            ChecksumStatus::Verified,
        ),
        (
            Chain::Bitcoin,
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            ChecksumStatus::Verified,
        ),
        (
            Chain::Bitcoin,
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            ChecksumStatus::Verified,
        ),
        (
            Chain::Litecoin,
            "LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9",
            ChecksumStatus::Verified,
        ),
        (
            Chain::Litecoin,
            "ltc1qqypqxpq9qcrsszg2pvxq6rs0zqg3yyc5dyg36p",
            ChecksumStatus::Verified,
        ),
        (
            Chain::Ethereum,
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            ChecksumStatus::Verified,
        ),
        (
            Chain::Ethereum,
            "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359",
            ChecksumStatus::NotPresent,
        ),
        (
            Chain::Tron,
            "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
            ChecksumStatus::Verified,
        ),
        (
            Chain::Solana,
            "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
            ChecksumStatus::NotPresent,
        ),
    ];
    for (chain, address, status) in cases {
        let wallet = WalletAddress::parse(chain.clone(), address)
            .unwrap_or_else(|e| panic!("{chain} {address}: {e}"));
        assert_eq!(wallet.checksum(), status, "{address}");
    }
}

#[test]
fn one_corrupted_character_is_refused_for_every_checksummed_chain() {
    let cases = [
        (Chain::Bitcoin, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
        (Chain::Bitcoin, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"),
        (Chain::Bitcoin, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"),
        (
            Chain::Litecoin,
            "ltc1qqypqxpq9qcrsszg2pvxq6rs0zqg3yyc5dyg36p",
        ),
        (Chain::Tron, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
    ];
    for (chain, address) in cases {
        // Every position after the fixed prefix.
        for position in 4..address.len() {
            let corrupted = corrupt(address, position);
            let result = WalletAddress::parse(chain.clone(), &corrupted);
            assert!(
                matches!(result, Err(WalletError::Checksum | WalletError::Format(_))),
                "{chain}: {corrupted} (position {position}) accepted: {result:?}"
            );
        }
    }
    // EIP-55: flipping the case of any letter breaks the checksum.
    let eth = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    for (position, c) in eth
        .char_indices()
        .skip(2)
        .filter(|(_, c)| c.is_ascii_alphabetic())
    {
        let mut flipped: Vec<char> = eth.chars().collect();
        flipped[position] = if c.is_ascii_uppercase() {
            c.to_ascii_lowercase()
        } else {
            c.to_ascii_uppercase()
        };
        let flipped: String = flipped.into_iter().collect();
        assert_eq!(
            WalletAddress::parse(Chain::Ethereum, &flipped),
            Err(WalletError::Checksum),
            "{flipped}"
        );
    }
}

//! Virtual-currency wallet addresses, checked with each chain's own encoding and checksum so a
//! mistyped or invented address is refused at the edge.
//!
//! | chain    | accepted forms                                           | checksum            |
//! |----------|----------------------------------------------------------|---------------------|
//! | bitcoin  | P2PKH `1…`, P2SH `3…` (base58check); `bc1…` segwit v0-16  | double SHA-256; bech32 (v0) / bech32m (v1+) |
//! | litecoin | `L…`, `M…`, legacy `3…` (base58check); `ltc1…` segwit     | as bitcoin          |
//! | ethereum | `0x` + 40 hex digits                                     | EIP-55 when mixed case; none in single case |
//! | tron     | `T…` (base58check, version byte 0x41)                    | double SHA-256      |
//! | solana   | base58 of a 32-byte public key                            | none exists         |
//!
//! Testnet forms are refused: a customer pays with real money. Other chains are accepted by
//! name with their address kept as given and marked [`ChecksumStatus::NotChecked`].

mod base58;
mod bitcoin;
mod ethereum;

use std::fmt;

use serde::{Deserialize, Serialize};

use super::field_error::{ErrorCode, FieldProblem};

const MAX_ADDRESS_CHARS: usize = 128;
const MAX_CHAIN_NAME_CHARS: usize = 32;

/// A blockchain, by the name integrators send.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Chain {
    Bitcoin,
    Ethereum,
    Tron,
    Solana,
    Litecoin,
    /// Any other chain, by its lower-case name; its addresses are not checksum-verified.
    Other(String),
}

impl Chain {
    /// Case-insensitive; ticker symbols are accepted as aliases because both are common.
    pub fn parse(input: &str) -> Result<Self, WalletError> {
        let name = input.trim().to_ascii_lowercase();
        Ok(match name.as_str() {
            "bitcoin" | "btc" => Self::Bitcoin,
            "ethereum" | "eth" => Self::Ethereum,
            "tron" | "trx" => Self::Tron,
            "solana" | "sol" => Self::Solana,
            "litecoin" | "ltc" => Self::Litecoin,
            _ if is_chain_name(&name) => Self::Other(name),
            _ => return Err(WalletError::ChainName),
        })
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Bitcoin => "bitcoin",
            Self::Ethereum => "ethereum",
            Self::Tron => "tron",
            Self::Solana => "solana",
            Self::Litecoin => "litecoin",
            Self::Other(name) => name,
        }
    }
}

fn is_chain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_CHAIN_NAME_CHARS
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl fmt::Display for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Chain {
    type Error = WalletError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Chain> for String {
    fn from(chain: Chain) -> Self {
        chain.as_str().to_owned()
    }
}

/// What the address's own integrity check told us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecksumStatus {
    /// The encoding carries a checksum and it matched.
    Verified,
    /// The form has no checksum (single-case Ethereum, Solana keys): only the syntax was checked.
    NotPresent,
    /// The chain is not one we know how to check.
    NotChecked,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalletError {
    #[error("chain must be a name such as bitcoin, ethereum, tron, solana or litecoin")]
    ChainName,
    #[error("must not be empty")]
    Empty,
    #[error("is longer than {MAX_ADDRESS_CHARS} characters")]
    TooLong,
    #[error("is not a {0} address")]
    Format(&'static str),
    #[error("is a {0} testnet address; only mainnet addresses are accepted")]
    Testnet(&'static str),
    #[error("checksum does not match: the address is mistyped or invented")]
    Checksum,
}

impl FieldProblem for WalletError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::ChainName => ErrorCode::UnknownValue,
            Self::Empty => ErrorCode::Required,
            Self::TooLong => ErrorCode::TooLong,
            Self::Format(_) | Self::Testnet(_) => ErrorCode::InvalidFormat,
            Self::Checksum => ErrorCode::ChecksumMismatch,
        }
    }
}

/// A wallet address valid for its chain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WalletAddress {
    chain: Chain,
    address: String,
    checksum: ChecksumStatus,
}

impl WalletAddress {
    pub fn parse(chain: Chain, input: &str) -> Result<Self, WalletError> {
        let address = input.trim();
        if address.is_empty() {
            return Err(WalletError::Empty);
        }
        if address.chars().count() > MAX_ADDRESS_CHARS {
            return Err(WalletError::TooLong);
        }
        let (address, checksum) = match &chain {
            Chain::Bitcoin => (
                bitcoin::normalise(address, &bitcoin::BITCOIN)?,
                ChecksumStatus::Verified,
            ),
            Chain::Litecoin => (
                bitcoin::normalise(address, &bitcoin::LITECOIN)?,
                ChecksumStatus::Verified,
            ),
            Chain::Ethereum => ethereum::check(address)?,
            Chain::Tron => (base58::check_tron(address)?, ChecksumStatus::Verified),
            Chain::Solana => (base58::check_solana(address)?, ChecksumStatus::NotPresent),
            Chain::Other(_) => {
                if !address.chars().all(|c| c.is_ascii_graphic()) {
                    return Err(WalletError::Format("printable"));
                }
                (address.to_owned(), ChecksumStatus::NotChecked)
            }
        };
        Ok(Self {
            chain,
            address,
            checksum,
        })
    }

    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// As given, except that segwit addresses are lower-cased (their canonical form).
    pub fn address(&self) -> &str {
        &self.address
    }

    pub fn checksum(&self) -> ChecksumStatus {
        self.checksum
    }
}

impl fmt::Display for WalletAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.chain, self.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_parse_by_name_or_ticker() {
        assert_eq!(Chain::parse("BTC"), Ok(Chain::Bitcoin));
        assert_eq!(Chain::parse("Ethereum"), Ok(Chain::Ethereum));
        assert_eq!(Chain::parse("polygon"), Ok(Chain::Other("polygon".into())));
        assert_eq!(Chain::parse("no spaces"), Err(WalletError::ChainName));
        assert_eq!(Chain::parse(""), Err(WalletError::ChainName));
    }

    #[test]
    fn other_chains_keep_printable_addresses_unchecked() {
        let wallet = WalletAddress::parse(
            Chain::Other("xrp".into()),
            "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh",
        )
        .unwrap();
        assert_eq!(wallet.checksum(), ChecksumStatus::NotChecked);
        assert!(WalletAddress::parse(Chain::Other("xrp".into()), "r b").is_err());
        assert_eq!(
            WalletAddress::parse(Chain::Bitcoin, "  "),
            Err(WalletError::Empty)
        );
    }
}

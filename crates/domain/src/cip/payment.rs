//! Means and source of payment for an account (rule-pack section 2): cards, bank accounts,
//! wallets, customer ids and transaction ids, and who pays.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::country::CountryCode;
use super::field_error::{ErrorCode, FieldProblem};
use super::name::PersonName;
use super::text::ShortText;
use super::wallet::WalletAddress;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardBrand {
    Visa,
    Mastercard,
    Amex,
    Discover,
    Jcb,
    Unionpay,
    Diners,
    Maestro,
    Mir,
    Rupay,
    Other,
}

impl CardBrand {
    pub const NAMES: [&'static str; 11] = [
        "visa",
        "mastercard",
        "amex",
        "discover",
        "jcb",
        "unionpay",
        "diners",
        "maestro",
        "mir",
        "rupay",
        "other",
    ];

    /// Case-insensitive, with the spellings processors commonly emit.
    pub fn parse(input: &str) -> Result<Self, CardError> {
        Ok(match input.trim().to_ascii_lowercase().as_str() {
            "visa" => Self::Visa,
            "mastercard" | "master_card" | "mc" => Self::Mastercard,
            "amex" | "american_express" | "americanexpress" => Self::Amex,
            "discover" => Self::Discover,
            "jcb" => Self::Jcb,
            "unionpay" | "union_pay" | "cup" => Self::Unionpay,
            "diners" | "diners_club" | "dinersclub" => Self::Diners,
            "maestro" => Self::Maestro,
            "mir" => Self::Mir,
            "rupay" => Self::Rupay,
            "other" => Self::Other,
            _ => return Err(CardError::Brand),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    #[error(
        "card brand must be one of visa, mastercard, amex, discover, jcb, unionpay, diners, maestro, mir, rupay, other"
    )]
    Brand,
    #[error("must be exactly 4 digits")]
    Last4,
    #[error("a BIN (issuer identification number) is 6 to 8 digits")]
    Bin,
}

impl FieldProblem for CardError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::Brand => ErrorCode::UnknownValue,
            Self::Last4 | Self::Bin => ErrorCode::InvalidFormat,
        }
    }
}

/// The last four digits of a card number: all a provider may keep outside a PCI scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CardLast4([u8; 4]);

impl CardLast4 {
    pub fn parse(input: &str) -> Result<Self, CardError> {
        match input.as_bytes() {
            [a, b, c, d] if [a, b, c, d].iter().all(|x| x.is_ascii_digit()) => {
                Ok(Self([*a, *b, *c, *d]))
            }
            _ => Err(CardError::Last4),
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("????")
    }
}

impl TryFrom<String> for CardLast4 {
    type Error = CardError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CardLast4> for String {
    fn from(last4: CardLast4) -> Self {
        last4.as_str().to_owned()
    }
}

impl fmt::Display for CardLast4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The first 6 to 8 digits of a card number, identifying the issuer (ISO/IEC 7812).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CardBin(String);

impl CardBin {
    pub fn parse(input: &str) -> Result<Self, CardError> {
        if (6..=8).contains(&input.len()) && input.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(input.to_owned()))
        } else {
            Err(CardError::Bin)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CardBin {
    type Error = CardError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CardBin> for String {
    fn from(bin: CardBin) -> Self {
        bin.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Card {
    pub brand: CardBrand,
    pub last4: CardLast4,
    pub bin: Option<CardBin>,
    /// Country of the issuing bank, as the processor's BIN table reports it.
    pub bin_country: Option<CountryCode>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BankAccount {
    pub country: CountryCode,
    /// The bank's name or BIC, as the provider knows it.
    pub bank: Option<ShortText>,
}

/// Someone other than the customer who pays for the account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Payer {
    pub name: PersonName,
    pub country: Option<CountryCode>,
    /// How the payer relates to the customer ("parent company", "employer", ...).
    pub relationship: Option<ShortText>,
}

/// Who pays: the rule asks for the *source* of payment as well as the means.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum PaymentSource {
    Customer,
    ThirdParty { payer: Payer },
}

/// The means of payment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PaymentInstrument {
    Card(Card),
    BankAccount(BankAccount),
    Wallet {
        wallet: WalletAddress,
    },
    /// The customer's id at a payment processor.
    CustomerId {
        customer_id: ShortText,
    },
    TransactionIds {
        transaction_ids: Vec<ShortText>,
    },
}

impl PaymentInstrument {
    /// The country the instrument ties the payer to, when it has one (card issuer or bank).
    pub fn country(&self) -> Option<CountryCode> {
        match self {
            Self::Card(card) => card.bin_country,
            Self::BankAccount(account) => Some(account.country),
            Self::Wallet { .. } | Self::CustomerId { .. } | Self::TransactionIds { .. } => None,
        }
    }

    /// A short description for explanations, never the full instrument.
    pub fn describe(&self) -> String {
        match self {
            Self::Card(card) => format!("card ending {}", card.last4),
            Self::BankAccount(account) => format!("bank account in {}", account.country),
            Self::Wallet { wallet } => format!("{} wallet", wallet.chain()),
            Self::CustomerId { .. } => "processor customer id".to_owned(),
            Self::TransactionIds { .. } => "transaction ids".to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PaymentMethod {
    pub instrument: PaymentInstrument,
    pub source: PaymentSource,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_fields_have_exact_shapes() {
        assert_eq!(CardLast4::parse("4242").unwrap().as_str(), "4242");
        for bad in ["424", "42424", "42a2", "", "４２４２"] {
            assert_eq!(CardLast4::parse(bad), Err(CardError::Last4), "{bad}");
        }
        assert!(CardBin::parse("424242").is_ok());
        assert!(CardBin::parse("42424242").is_ok());
        assert_eq!(CardBin::parse("42424"), Err(CardError::Bin));
        assert_eq!(CardBin::parse("424242424"), Err(CardError::Bin));
        assert_eq!(CardBrand::parse("VISA"), Ok(CardBrand::Visa));
        assert_eq!(CardBrand::parse("american_express"), Ok(CardBrand::Amex));
        assert_eq!(CardBrand::parse("bogus"), Err(CardError::Brand));
    }

    #[test]
    fn instruments_report_their_country() {
        let card = PaymentInstrument::Card(Card {
            brand: CardBrand::Visa,
            last4: CardLast4::parse("4242").unwrap(),
            bin: None,
            bin_country: CountryCode::parse("NG").ok(),
        });
        assert_eq!(card.country(), CountryCode::parse("NG").ok());
        assert_eq!(card.describe(), "card ending 4242");
        let ids = PaymentInstrument::TransactionIds {
            transaction_ids: vec![],
        };
        assert_eq!(ids.country(), None);
    }
}

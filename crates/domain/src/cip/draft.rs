//! The body of `POST /v1/customers` exactly as integrators send it (see the interface page).
//!
//! Values are kept as strings here so that [`super::validate()`] can report every bad value at
//! once with its path; only the shape (field names, JSON types, the enumerations below) is
//! enforced by deserialisation, and unknown fields are refused so that a misspelt optional field
//! is an error instead of silently missing data.

use serde::{Deserialize, Serialize};

use super::document::DocumentKind;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    Individual,
    Entity,
}

impl CustomerKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Individual => "individual",
            Self::Entity => "entity",
        }
    }
}

/// A prospective customer. Fields marked "individuals only" or "entities only" are refused for
/// the other kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "kind": "individual",
    "name": {"full": "Amara Okafor"},
    "date_of_birth": "1988-04-12",
    "nationalities": ["NG"],
    "addresses": [{"line1": "12 Marina Road", "city": "Lagos", "country": "NG"}],
    "emails": ["amara.okafor@example.ng"],
    "phones": ["+234 803 555 0142"],
    "documents": [{"type": "passport", "number": "A07314252", "issuing_country": "NG",
                   "expires": "2031-09-15",
                   "mrz": ["P<NGAOKAFOR<<AMARA<<<<<<<<<<<<<<<<<<<<<<<<<<",
                           "A073142526NGA8804123F3109155<<<<<<<<<<<<<<02"]}],
    "accounts": [{"external_id": "acct-1001",
                  "payment_methods": [{"type": "card", "brand": "visa", "last4": "4242",
                                       "bin_country": "NG", "source": "customer"}]}],
    "beneficial_owners": []
})))]
#[serde(deny_unknown_fields)]
pub struct CustomerDraft {
    pub kind: CustomerKind,
    pub name: NameDraft,
    /// `YYYY-MM-DD`; individuals only.
    pub date_of_birth: Option<String>,
    /// ISO 3166-1 alpha-2 codes; individuals only.
    #[serde(default)]
    pub nationalities: Vec<String>,
    /// Holds a U.S. permanent resident card; individuals only.
    pub us_permanent_resident: Option<bool>,
    /// Entities only.
    pub incorporation: Option<IncorporationDraft>,
    #[serde(default)]
    pub addresses: Vec<AddressDraft>,
    #[serde(default)]
    pub emails: Vec<String>,
    /// International format, e.g. `+234 803 555 0142`.
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub documents: Vec<DocumentDraft>,
    #[serde(default)]
    pub accounts: Vec<AccountDraft>,
    #[serde(default)]
    pub beneficial_owners: Vec<BeneficialOwnerDraft>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NameDraft {
    /// The full legal name.
    pub full: String,
    /// Individuals only.
    pub given: Option<String>,
    /// Individuals only.
    pub family: Option<String>,
    /// Aliases, former names, the name in another script.
    #[serde(default)]
    pub other_names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AddressDraft {
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IncorporationDraft {
    /// Country (jurisdiction) of organisation, ISO 3166-1 alpha-2.
    pub country: String,
    /// Date of incorporation, `YYYY-MM-DD`.
    pub date: Option<String>,
    pub registration_number: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DocumentDraft {
    #[serde(rename = "type")]
    pub kind: DocumentKind,
    pub number: String,
    pub issuing_country: String,
    /// `YYYY-MM-DD`; required except for national identity cards.
    pub expires: Option<String>,
    /// The machine-readable zone, one string per line.
    pub mrz: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AccountDraft {
    /// The provider's own account id; access events and usage records refer to it.
    pub external_id: String,
    #[serde(default)]
    pub payment_methods: Vec<PaymentMethodDraft>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethodType {
    Card,
    BankAccount,
    Wallet,
    CustomerId,
    TransactionIds,
}

impl PaymentMethodType {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Card => "card",
            Self::BankAccount => "bank_account",
            Self::Wallet => "wallet",
            Self::CustomerId => "customer_id",
            Self::TransactionIds => "transaction_ids",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentSourceKind {
    Customer,
    ThirdParty,
}

/// One means of payment. Which fields apply depends on `type`:
/// card: `brand`, `last4`, optional `bin`, `bin_country`; bank_account: `country`, optional
/// `bank`; wallet: `chain`, `address`; customer_id: `customer_id`; transaction_ids:
/// `transaction_ids`. Every method has a `source`; a `third_party` source needs a `payer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PaymentMethodDraft {
    #[serde(rename = "type")]
    pub kind: PaymentMethodType,
    pub brand: Option<String>,
    pub last4: Option<String>,
    pub bin: Option<String>,
    pub bin_country: Option<String>,
    pub country: Option<String>,
    pub bank: Option<String>,
    pub chain: Option<String>,
    pub address: Option<String>,
    pub customer_id: Option<String>,
    pub transaction_ids: Option<Vec<String>>,
    pub source: Option<PaymentSourceKind>,
    pub payer: Option<PayerDraft>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PayerDraft {
    pub name: NameDraft,
    pub country: Option<String>,
    pub relationship: Option<String>,
}

/// An individual who owns or controls the customer: `ownership_percent`, `control` or both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BeneficialOwnerDraft {
    pub name: NameDraft,
    pub date_of_birth: Option<String>,
    #[serde(default)]
    pub nationalities: Vec<String>,
    pub us_permanent_resident: Option<bool>,
    #[serde(default)]
    pub addresses: Vec<AddressDraft>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub documents: Vec<DocumentDraft>,
    /// Share of the ownership interests, direct or indirect, in percent (0 < p <= 100).
    pub ownership_percent: Option<f64>,
    /// How the owner exercises substantial control, e.g. `management`, `board`, `voting_rights`.
    pub control: Option<String>,
}

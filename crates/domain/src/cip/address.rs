//! Postal addresses.

use serde::{Deserialize, Serialize};

use super::country::CountryCode;
use super::text::ShortText;

/// A postal address. Only the first line, the city and the country are required: region and
/// postal code do not exist everywhere (Dubai has no postal codes, Lagos addresses rarely use
/// one). The country is what the determination and the consistency checks use.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    pub line1: ShortText,
    pub line2: Option<ShortText>,
    pub city: ShortText,
    pub region: Option<ShortText>,
    pub postal_code: Option<ShortText>,
    pub country: CountryCode,
}

//! Non-documentary verification: consistency checks a provider can run offline over the facts
//! it already holds. Each returns one [`CheckResult`](crate::cip::CheckResult); none decides anything by itself (the rule
//! pack says which results a risk tier needs).
//!
//! | check name                         | compares                                                    |
//! |------------------------------------|-------------------------------------------------------------|
//! | `phone_country_matches_address`    | each phone number's country with the address countries      |
//! | `payment_country_matches_address`  | card BIN country / bank country with the payer's countries  |
//! | `access_country_matches_claimed`   | geolocated access-IP countries with the claimed countries   |
//! | `email_domain_not_disposable`      | email domains against a short list of throwaway services    |
//! | `email_cctld_matches_country`      | country-code top-level domains with the claimed countries   |
//! | `document_number_plausible`        | document numbers against known-bad patterns                 |

mod access;
mod documents;
mod email;
mod instruments;

pub use access::access_country_matches_claimed;
pub use documents::{DocumentNumberFlaw, document_number_flaw, document_number_plausible};
pub use email::{
    DISPOSABLE_EMAIL_DOMAINS, GENERIC_USE_CCTLDS, email_cctld_matches_country,
    email_domain_not_disposable,
};
pub use instruments::{payment_country_matches_address, phone_country_matches_address};

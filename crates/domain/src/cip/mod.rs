//! Customer Identification Program: validated value types, the customer draft and its
//! validation, machine-readable zones, the U.S./foreign determination and the non-documentary
//! consistency checks. Pure: the caller passes `today` and every outside fact.

mod address;
mod check;
pub mod consistency;
mod country;
mod country_table;
mod customer;
mod dates;
mod determination;
mod document;
mod draft;
mod email;
mod field_error;
mod ip;
pub mod mrz;
mod name;
mod payment;
mod phone;
mod text;
mod validate;
pub mod wallet;

pub use address::Address;
pub use check::{CheckOutcome, CheckResult};
pub use country::{CountryCode, CountryCodeError};
pub use customer::{
    Account, BeneficialOwner, ContactDetails, EntityFacts, Incorporation, OwnershipPercent,
    OwnershipPercentError, OwnershipStake, Party, PersonFacts, ValidatedCustomer,
};
pub use dates::{
    DateError, DateOfBirth, MAX_PLAUSIBLE_AGE_YEARS, PastDate, age_in_years, parse_calendar_date,
};
pub use determination::{
    CustomerDetermination, Determination, DeterminationRule, PersonStatus, determine_customer,
    determine_entity, determine_individual,
};
pub use document::{
    DocumentKind, DocumentNumber, DocumentNumberError, ExpiryDate, IdentityDocument,
};
pub use draft::{
    AccountDraft, AddressDraft, BeneficialOwnerDraft, CustomerDraft, CustomerKind, DocumentDraft,
    IncorporationDraft, NameDraft, PayerDraft, PaymentMethodDraft, PaymentMethodType,
    PaymentSourceKind,
};
pub use email::{Email, EmailError};
pub use field_error::{ErrorCode, FieldError, FieldProblem};
pub use ip::{AccessObservation, IpAddress, IpAddressError};
pub use name::{NameError, NameText, PersonName};
pub use payment::{
    BankAccount, Card, CardBin, CardBrand, CardError, CardLast4, Payer, PaymentInstrument,
    PaymentMethod, PaymentSource,
};
pub use phone::{PhoneNumber, PhoneNumberError};
pub use text::{ShortText, TextError};
pub use validate::{limits, validate, validate_beneficial_owners};
pub use wallet::{Chain, ChecksumStatus, WalletAddress, WalletError};

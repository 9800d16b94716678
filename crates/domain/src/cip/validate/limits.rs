//! How many entries each list of a customer body may hold. Generous for real customers, and
//! bounding the work one request can cause.

pub const MAX_ADDRESSES: usize = 20;
/// Emails and phones, each.
pub const MAX_CONTACTS: usize = 20;
pub const MAX_DOCUMENTS: usize = 20;
pub const MAX_NATIONALITIES: usize = 10;
pub const MAX_ACCOUNTS: usize = 100;
pub const MAX_PAYMENT_METHODS: usize = 50;
pub const MAX_TRANSACTION_IDS: usize = 100;
pub const MAX_BENEFICIAL_OWNERS: usize = 100;

//! Field encryption and blind indexes for personal data.
//!
//! Two levels of keys. The **master key** (32 bytes from `CLOUDKYC_MASTER_KEY`) never touches the
//! database; it only wraps the **data keys** kept in the database. Rotating the master key therefore
//! re-wraps a handful of rows, not every ciphertext; rotating a data key adds a new active key while
//! the old one keeps decrypting what it encrypted.

mod field;
mod keyring;
mod master;

pub use field::{Aad, CIPHERTEXT_VERSION};
pub use keyring::{KeyPurpose, KeyRing, WrappedKey};
pub use master::MasterKey;

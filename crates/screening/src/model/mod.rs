//! The one entity model every list parser produces.

mod country;
mod date;
mod entity;
mod identifier;
mod schema;
mod snapshot;

pub use country::{CountryCode, InvalidCountryCode};
pub use date::{DateAgreement, InvalidDate, PartialDate};
pub use entity::{Entity, EntityName, NameKind};
pub use identifier::{IdKind, Identifier, InvalidIdentifier};
pub use schema::Schema;
pub use snapshot::{ContentHash, InvalidListId, ListId, ListSnapshot, ListVersion, SnapshotMeta};

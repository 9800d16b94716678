#![doc = include_str!("../README.md")]

mod audit;
mod customers;
mod error;
mod jobs;
mod keyring;
mod keys;
mod open;
mod rows;
pub mod sealed;
mod store;
mod tenants;
mod usage;

pub use store::PgStore;

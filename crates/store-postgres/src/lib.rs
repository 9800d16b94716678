#![doc = include_str!("../README.md")]

mod access;
mod audit;
mod customer_batch;
mod customer_schedule;
mod customer_updates;
mod customers;
mod documents;
mod error;
mod jobs;
mod keyring;
mod keys;
mod lists;
mod open;
mod rows;
pub mod sealed;
mod store;
mod tenants;
mod usage;
mod verifications;
mod webhooks;

pub use store::PgStore;

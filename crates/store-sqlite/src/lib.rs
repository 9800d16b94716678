#![doc = include_str!("../README.md")]

mod access;
mod audit;
mod backup;
mod case_attachments;
mod cases;
mod checkpoint;
mod console_users;
mod customer_batch;
mod customer_migration;
mod customer_schedule;
mod customer_updates;
mod customers;
mod documents;
mod error;
mod jobs;
mod keyring;
mod keys;
mod lists;
mod measures;
mod open;
mod ownership;
mod report_figures;
mod resellers;
mod retention;
mod rows;
mod screening_dispositions;
pub mod sealed;
mod store;
mod tenant_keys;
mod tenants;
mod usage;
mod verifications;
mod webhooks;

pub use store::SqliteStore;

#![doc = include_str!("../README.md")]

pub mod access;
pub mod api_key;
pub mod audit;
pub mod backend;
#[cfg(feature = "contract")]
pub mod contract;
pub mod crypto;
pub mod customer_batch;
pub mod customer_schedule;
pub mod customer_updates;
pub mod customers;
pub mod documents;
mod error;
pub mod jobs;
pub mod lists;
mod repos;
mod scope;
pub mod usage;
pub mod verifications;
pub mod webhooks;

pub use access::AccessEventStore;
pub use customer_schedule::CustomerScheduleStore;
pub use customers::CustomerStore;
pub use documents::DocumentStore;
pub use error::{AuthError, StoreError, StoreResult};
pub use lists::ListStore;
pub use repos::{AuditStore, JobStore, KeyRingStore, KeyStore, Store, TenantStore};
pub use scope::{Actor, TenantScope};
pub use usage::UsageStore;
pub use verifications::VerificationStore;
pub use webhooks::WebhookStore;

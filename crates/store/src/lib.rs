#![doc = include_str!("../README.md")]

pub mod api_key;
pub mod audit;
pub mod backend;
#[cfg(feature = "contract")]
pub mod contract;
pub mod crypto;
pub mod customers;
mod error;
pub mod jobs;
mod repos;
mod scope;
pub mod usage;

pub use customers::CustomerStore;
pub use error::{AuthError, StoreError, StoreResult};
pub use repos::{AuditStore, JobStore, KeyRingStore, KeyStore, Store, TenantStore};
pub use scope::{Actor, TenantScope};
pub use usage::UsageStore;

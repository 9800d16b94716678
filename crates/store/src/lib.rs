#![doc = include_str!("../README.md")]

pub mod access;
pub mod api_key;
pub mod audit;
pub mod backend;
mod case_columns;
pub mod cases;
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
pub mod measures;
pub mod ownership;
pub mod report_figures;
mod repos;
pub mod resellers;
pub mod retention;
mod scope;
pub mod screening_dispositions;
pub mod usage;
pub mod verifications;
pub mod webhooks;

pub use access::AccessEventStore;
pub use cases::CaseStore;
pub use customer_schedule::CustomerScheduleStore;
pub use customers::CustomerStore;
pub use documents::DocumentStore;
pub use error::{AuthError, StoreError, StoreResult};
pub use lists::ListStore;
pub use measures::MeasureStore;
pub use ownership::OwnershipStore;
pub use report_figures::ReportFigureStore;
pub use repos::{AuditStore, JobStore, KeyRingStore, KeyStore, Store, TenantStore};
pub use resellers::ResellerStore;
pub use retention::RetentionStore;
pub use scope::{Actor, TenantScope};
pub use screening_dispositions::ScreeningDispositionStore;
pub use usage::UsageStore;
pub use verifications::VerificationStore;
pub use webhooks::WebhookStore;

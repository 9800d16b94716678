#![doc = include_str!("../README.md")]

pub mod cases;
pub mod cip;
pub mod ids;
pub mod measures;
pub mod ownership;
pub mod reseller;
pub mod role;
pub mod rule_pack;
pub mod tenant;

pub use ids::{ApiKeyId, JobId, TenantId};
pub use role::{Permission, Role};
pub use tenant::{Tenant, TenantKind};

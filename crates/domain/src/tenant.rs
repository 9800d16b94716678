//! Tenants: one provider at the root, its resellers as children.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::TenantId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantKind {
    Provider,
    Reseller,
}

impl TenantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TenantKind::Provider => "provider",
            TenantKind::Reseller => "reseller",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "provider" => Some(TenantKind::Provider),
            "reseller" => Some(TenantKind::Reseller),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: TenantId,
    /// `None` only for the provider at the root.
    pub parent: Option<TenantId>,
    pub name: String,
    pub kind: TenantKind,
    pub created_at: DateTime<Utc>,
}

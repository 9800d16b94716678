//! Types shared by several resources' request and response bodies. The API has its own types,
//! apart from the domain's, so that the wire format is documented (OpenAPI) and cannot change
//! by accident when a domain type does.

use cloudkyc_domain as domain;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a key may do: `admin` manages keys, users and tenants; `officer` decides cases;
/// `analyst` works cases; `integration` is machine access for the provider's platform;
/// `reseller` is a reseller's own key; `auditor` reads everything, changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Officer,
    Analyst,
    Integration,
    Reseller,
    Auditor,
}

impl From<domain::Role> for Role {
    fn from(role: domain::Role) -> Self {
        match role {
            domain::Role::Admin => Role::Admin,
            domain::Role::Officer => Role::Officer,
            domain::Role::Analyst => Role::Analyst,
            domain::Role::Integration => Role::Integration,
            domain::Role::Reseller => Role::Reseller,
            domain::Role::Auditor => Role::Auditor,
        }
    }
}

impl From<Role> for domain::Role {
    fn from(role: Role) -> Self {
        match role {
            Role::Admin => domain::Role::Admin,
            Role::Officer => domain::Role::Officer,
            Role::Analyst => domain::Role::Analyst,
            Role::Integration => domain::Role::Integration,
            Role::Reseller => domain::Role::Reseller,
            Role::Auditor => domain::Role::Auditor,
        }
    }
}

/// `provider` is the root tenant; each `reseller` is a child of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TenantKind {
    Provider,
    Reseller,
}

impl From<domain::TenantKind> for TenantKind {
    fn from(kind: domain::TenantKind) -> Self {
        match kind {
            domain::TenantKind::Provider => TenantKind::Provider,
            domain::TenantKind::Reseller => TenantKind::Reseller,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_keep_their_wire_names() {
        for role in domain::Role::ALL {
            let dto = Role::from(role);
            assert_eq!(serde_json::to_value(dto).unwrap(), role.as_str());
            assert_eq!(domain::Role::from(dto), role);
        }
    }
}

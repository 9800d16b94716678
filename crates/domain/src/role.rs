//! Roles and what each may do. The table lives here, in one place, so that the server's
//! authorisation and the documentation cannot drift apart.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages keys, users, tenants and configuration; may do everything an officer may.
    Admin,
    /// Compliance officer: decides cases, overrides CIP decisions, signs reports.
    Officer,
    /// Works cases and reads customer data, but cannot sign off or override.
    Analyst,
    /// Machine access for the provider's platform: submits customers, access events and usage.
    Integration,
    /// A reseller's own key: submits and reads its own customers only.
    Reseller,
    /// Read-only access to everything in scope, including the audit trail.
    Auditor,
}

/// Coarse capabilities checked by the server before a use case runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ManageKeys,
    ManageTenants,
    ReadCustomers,
    WriteCustomers,
    IngestTelemetry,
    WorkCases,
    DecideCases,
    ReadAudit,
    ManagePolicy,
    /// Subscribe the provider's platform to signed webhooks (its integration configuration).
    ManageWebhooks,
    /// Read the bytes of uploaded identity documents and selfies: the people who verify them.
    /// Machine keys, resellers and auditors see the metadata and SHA-256 only (`ReadCustomers`).
    ReadDocumentImages,
    /// Register, extend and end special measures (issue 6): compliance staff and the provider's
    /// integration, which imports determinations as they are published.
    ManageSpecialMeasures,
    /// Register foreign resellers and oversee them (agreement, attestations, reviews, findings,
    /// termination), issue 6: compliance staff and the provider's integration, which registers
    /// them as contracts are signed. Never a reseller's own key.
    ManageResellers,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Officer,
        Role::Analyst,
        Role::Integration,
        Role::Reseller,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Officer => "officer",
            Role::Analyst => "analyst",
            Role::Integration => "integration",
            Role::Reseller => "reseller",
            Role::Auditor => "auditor",
        }
    }

    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Officer => !matches!(
                permission,
                ManageKeys | ManageTenants | ManagePolicy | ManageWebhooks
            ),
            Role::Analyst => matches!(
                permission,
                ReadCustomers | WriteCustomers | WorkCases | ReadAudit | ReadDocumentImages
            ),
            Role::Integration => matches!(
                permission,
                ReadCustomers
                    | WriteCustomers
                    | IngestTelemetry
                    | ManageWebhooks
                    | ManageSpecialMeasures
                    | ManageResellers
            ),
            Role::Reseller => {
                matches!(permission, ReadCustomers | WriteCustomers | IngestTelemetry)
            }
            Role::Auditor => matches!(permission, ReadCustomers | ReadAudit),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role {0:?}; expected one of admin, officer, analyst, integration, reseller, auditor"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn auditor_is_read_only() {
        assert!(Role::Auditor.allows(Permission::ReadAudit));
        assert!(!Role::Auditor.allows(Permission::WriteCustomers));
        assert!(!Role::Auditor.allows(Permission::DecideCases));
    }

    #[test]
    fn only_admin_manages_keys() {
        for role in Role::ALL {
            assert_eq!(role.allows(Permission::ManageKeys), role == Role::Admin);
        }
    }
}

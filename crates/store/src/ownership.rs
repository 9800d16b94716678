//! Ownership structures (issue 6): per customer, the parties above it (individuals with their
//! identifying data, entities with name and jurisdiction) and the dated edges between them
//! (ownership with its exact share, control with its kind, directorship).
//!
//! A structure is written whole: [`OwnershipStore::replace_ownership`] swaps the stored one for
//! a new one under optimistic concurrency (the caller names the version it read, 0 for none),
//! with one audit event, in one transaction. The whole structure is sealed as one document
//! (associated data tenant / `ownership_structures` / customer / `structure`): individuals'
//! names and birth dates are personal data, and the shape of a holding chain is confidential
//! commercial information too. The computed owners are not stored; they are derived on read
//! from the structure, the date and the pack.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_domain::cip::BeneficialOwnerDraft;
use cloudkyc_domain::ownership::{Edge, PartyKind, PartyRef};
use serde::{Deserialize, Serialize};

use crate::audit::NewAuditEvent;
use crate::crypto::{Aad, KeyRing};
use crate::customers::CustomerId;
use crate::{StoreError, StoreResult, TenantScope};

/// The audit action of a structure replacement.
pub const OWNERSHIP_REPLACE: &str = "customer.ownership_replace";
pub const OWNERSHIP_SUBJECT: &str = "ownership";
/// The table whose rows the sealed structure is bound to.
pub const OWNERSHIP_TABLE: &str = "ownership_structures";

/// A party of a structure as stored.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnershipParty {
    /// The submitter's name for the party, unique in the structure.
    pub reference: PartyRef,
    pub kind: PartyKind,
    /// An entity's registered name; an individual's full name.
    pub name: String,
    /// An entity's country of organisation (ISO 3166-1 alpha-2), when known.
    #[serde(default)]
    pub jurisdiction: Option<String>,
    /// An individual's identifying data, in the form onboarding takes for a beneficial owner
    /// (without `ownership_percent` and `control`, which are computed from the structure).
    #[serde(default)]
    pub person: Option<BeneficialOwnerDraft>,
}

impl std::fmt::Debug for OwnershipParty {
    /// Never an individual's name or data: debug output reaches logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnershipParty")
            .field("reference", &self.reference)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// Parties and edges above one customer. The customer itself is not a party: edges name it
/// with the reserved reference the application layer defines.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OwnershipStructure {
    pub parties: Vec<OwnershipParty>,
    pub edges: Vec<Edge>,
}

/// A customer's stored structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredOwnership {
    pub customer: CustomerId,
    pub tenant: TenantId,
    /// 1 for the first structure, one more for each replacement.
    pub version: u32,
    pub structure: OwnershipStructure,
    pub updated_at: DateTime<Utc>,
    /// The audit name of the actor who wrote this version.
    pub updated_by: String,
}

/// A structure to write with a customer change (`CustomerChange::ownership`): stored in the
/// change's transaction, so the structure, the beneficial owners derived from it and both
/// audit events are written together or not at all.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnershipReplacement {
    pub structure: OwnershipStructure,
    /// The version the writer based the structure on (0: none stored yet); another one stored
    /// is `Conflict`, and the customer change is not written either.
    pub expected_version: u32,
}

#[async_trait]
pub trait OwnershipStore: Send + Sync {
    /// Replaces the structure of a customer visible to the scope (`NotFound` otherwise) when
    /// the stored version is `expected_version` (0: none stored yet), `Conflict` otherwise;
    /// writes the sealed structure and one `customer.ownership_replace` audit event in the
    /// customer's tenant, in one transaction.
    async fn replace_ownership(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        structure: OwnershipStructure,
        expected_version: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredOwnership>;
    /// The structure of a customer visible to the scope (`NotFound` otherwise); `None` when
    /// none was submitted.
    async fn ownership(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
    ) -> StoreResult<Option<StoredOwnership>>;
    /// The stored structures of customers visible to the scope, ordered by customer id, the
    /// first `limit` after the customer `after` (a paged walk over the portfolio: continuous
    /// screening tests every party's name when the lists change).
    async fn ownership_structures(
        &self,
        scope: &TenantScope,
        after: Option<CustomerId>,
        limit: u32,
    ) -> StoreResult<Vec<StoredOwnership>>;
}

fn aad(tenant: TenantId, row: &str) -> Aad<'_> {
    Aad {
        tenant,
        table: OWNERSHIP_TABLE,
        row,
        column: "structure",
    }
}

/// The sealed `structure_ct` column of a customer's structure.
pub fn seal_structure(
    ring: &KeyRing,
    tenant: TenantId,
    customer: CustomerId,
    structure: &OwnershipStructure,
) -> StoreResult<Vec<u8>> {
    let text = serde_json::to_string(structure)
        .map_err(|e| StoreError::Corrupt(format!("ownership structure does not encode: {e}")))?;
    ring.encrypt_str(&text, aad(tenant, &customer.to_string()))
}

/// The opened `structure_ct` column.
pub fn open_structure(
    ring: &KeyRing,
    tenant: TenantId,
    customer: CustomerId,
    ciphertext: &[u8],
) -> StoreResult<OwnershipStructure> {
    let text = ring.decrypt_str(ciphertext, aad(tenant, &customer.to_string()))?;
    serde_json::from_str(&text)
        .map_err(|e| StoreError::Corrupt(format!("column structure_ct: {e}")))
}

/// The audit event of a replacement (digests of the states, never the states).
pub fn replaced_event(before: Option<&StoredOwnership>, after: &StoredOwnership) -> NewAuditEvent {
    NewAuditEvent::new(
        OWNERSHIP_REPLACE,
        OWNERSHIP_SUBJECT,
        after.customer,
        before,
        Some(after),
    )
}

/// The refusal of a write based on a version that is no longer the stored one.
pub fn stale_version(customer: CustomerId, expected: u32, stored: u32) -> StoreError {
    StoreError::Conflict(format!(
        "the ownership structure of customer {customer} is at version {stored}, not {expected}: \
         read it again and retry"
    ))
}

/// A version read back from its column.
pub fn parse_version(value: i64) -> StoreResult<u32> {
    crate::backend::to_u32("version", value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::MasterKey;

    #[test]
    fn a_structure_opens_only_for_its_own_row_and_debug_hides_names() {
        let (ring, _) = KeyRing::bootstrap(&MasterKey::generate(), Utc::now())
            .unwrap_or_else(|e| panic!("{e}"));
        let tenant = TenantId::new();
        let customer = CustomerId::new();
        let party = OwnershipParty {
            reference: PartyRef::new("p1").unwrap_or_else(|e| panic!("{e}")),
            kind: PartyKind::Individual,
            name: "Li Wei".into(),
            jurisdiction: None,
            person: None,
        };
        assert!(!format!("{party:?}").contains("Li Wei"));
        let structure = OwnershipStructure {
            parties: vec![party],
            edges: Vec::new(),
        };
        let sealed =
            seal_structure(&ring, tenant, customer, &structure).unwrap_or_else(|e| panic!("{e}"));
        assert!(!sealed.windows(6).any(|w| w == b"Li Wei"));
        let opened = open_structure(&ring, tenant, customer, &sealed).ok();
        assert_eq!(opened.as_ref(), Some(&structure));
        assert!(open_structure(&ring, tenant, CustomerId::new(), &sealed).is_err());
        assert!(matches!(
            stale_version(customer, 1, 2),
            StoreError::Conflict(_)
        ));
    }
}

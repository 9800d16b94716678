//! The `migrate` rule's move: a terminated reseller's customer (of its tenant or of a
//! sub-reseller's) goes into the reseller's parent tenant (`ResellerRecord::tenant`, the
//! provider or the reseller above it), whole, in one store transaction
//! (`CustomerMigrationStore::migrate_customer`: rows re-tenanted, sealed values re-sealed,
//! `customer.migrated_out` / `customer.migrated_in` on the two chains).
//!
//! A customer whose account id, idempotency key, telemetry ids or open case would collide with
//! the parent's is refused by the store with nothing written: it stays in the reseller's tenant,
//! the refusal is listed on the termination's outcome, and a `verification` case about it is
//! raised for the registering tenant's officers (once per customer and reseller), who resolve
//! the collision (change the account id, close the duplicate) and move it.
//!
//! The compute engines of both tenants are dropped after moves: their usage records changed
//! tenant, and each engine is rebuilt from the store on its next use.

use cloudkyc_domain::TenantId;
use cloudkyc_domain::cases::{CaseId, CaseKind, NewCase, Note, Subject, SubjectRef};
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::{Customer, CustomerId};
use cloudkyc_store::resellers::ResellerRecord;
use serde::Serialize;

use crate::{App, AppError, AppResult};

/// A customer the parent tenant could not take, as the termination's outcome lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationRefusal {
    pub customer: CustomerId,
    /// Where it stays: the reseller's (or sub-reseller's) tenant.
    pub tenant: TenantId,
    /// What collides in the parent tenant, as the store named it.
    pub reason: String,
    /// The review case raised about it (none if raising it failed; logged).
    pub case: Option<CaseId>,
}

/// What happened to one customer.
pub(super) enum Migration {
    /// Moved: the customer as it now is, in the parent tenant.
    Moved(Box<Customer>),
    Refused(MigrationRefusal),
}

impl App {
    /// Moves `customer` into the reseller's parent tenant; see the module documentation. The
    /// move is made with the caller's scope when it reaches both tenants, so the audit names who
    /// terminated; otherwise with the registering tenant's system scope.
    pub(super) async fn migrate_downstream_customer(
        &self,
        scope: &TenantScope,
        reseller: &ResellerRecord,
        customer: &Customer,
    ) -> AppResult<Migration> {
        let target = reseller.tenant;
        let system;
        let by = if scope.can_see(customer.tenant) && scope.can_see(target) {
            scope
        } else {
            system = self
                .system_scope(Some(target), "resellers.downstream")
                .await?;
            &system
        };
        match self
            .store()
            .migrate_customer(by, customer.id, target, self.now())
            .await
        {
            Ok(receipt) => {
                tracing::info!(customer = %customer.id, from = %receipt.from, to = %receipt.to,
                    moved = ?receipt.moved, "reseller termination: customer migrated");
                let moved = self.store().customer(by, customer.id).await?;
                Ok(Migration::Moved(Box::new(moved)))
            }
            Err(cloudkyc_store::StoreError::Conflict(reason)) => {
                tracing::warn!(customer = %customer.id, %reason,
                    "reseller termination: customer cannot migrate, left in place");
                let case = match self.raise_migration_case(reseller, customer, &reason).await {
                    Ok(case) => Some(case),
                    Err(error) => {
                        tracing::error!(customer = %customer.id, %error,
                            "reseller termination: the migration review case was not raised");
                        None
                    }
                };
                Ok(Migration::Refused(MigrationRefusal {
                    customer: customer.id,
                    tenant: customer.tenant,
                    reason,
                    case,
                }))
            }
            Err(other) => Err(other.into()),
        }
    }

    async fn raise_migration_case(
        &self,
        reseller: &ResellerRecord,
        customer: &Customer,
        reason: &str,
    ) -> AppResult<CaseId> {
        let system = self
            .system_scope(Some(reseller.tenant), "resellers.downstream")
            .await?;
        let summary = format!(
            "reseller {} was terminated and its customers migrate to a direct relationship, \
             but this customer could not move: {reason}. It stays in the reseller's tenant \
             until the collision is resolved and it is moved",
            reseller.name
        );
        let new = NewCase {
            kind: CaseKind::Verification,
            subject: Subject::Customer(
                SubjectRef::parse(&customer.id.to_string())
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            ),
            summary: Note::parse(&summary).map_err(|e| AppError::Internal(e.to_string()))?,
            risk: None,
            knowledge_date: self.now().date_naive(),
            due: None,
        };
        let dedupe = format!("migration:{}", reseller.id);
        Ok(self.raise_case(&system, new, &dedupe).await?.id)
    }

    /// Drops the compute engines of `tenants`: records moved between them, and each engine is
    /// rebuilt from the store on its next use.
    pub(super) async fn forget_compute_engines(&self, tenants: &[TenantId]) {
        let mut map = self.compute_engines().inner.lock().await;
        for tenant in tenants {
            map.by_tenant.remove(tenant);
        }
    }
}

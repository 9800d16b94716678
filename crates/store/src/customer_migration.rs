//! Moving a customer into an ancestor tenant (issue 6, item 8: a terminated reseller's
//! customers migrate to the provider, or to the parent reseller, under the pack's `migrate`
//! rule).
//!
//! `migrate_customer(scope, id, to, now)` moves, in ONE transaction, the customer row and
//! everything that belongs to it and carries a tenant: its lookups and accounts, verification
//! history, documents, ownership structure, screening dispositions, legal holds, special-measure
//! actions, the cases about it (with their timelines and attachments) and the access events,
//! usage records and reservations of its accounts in its tenant. Every sealed column is bound
//! to its tenant (associated data tenant / table / row / column), so each ciphertext is opened
//! under the old tenant and sealed again under the new one; a purged (empty) ciphertext stays
//! empty. Blind indexes are keyed without the tenant (lookups, idempotency key, IP index), so
//! they move unchanged.
//!
//! What does not move, on purpose: the audit events (each chain is append-only; the customer's
//! history stays verifiable where it was written), queued jobs and webhook deliveries (owned by
//! the tenant that enqueued them), and the customer's `updated_at` (the schedule and retention
//! triggers read it as "the decision changed"; a move is not a decision).
//!
//! The target must be a strict ancestor of the customer's tenant and visible to the scope
//! (`Forbidden` otherwise). Before anything is written, the target is checked for what would
//! collide there; any collision is `Conflict` naming it, and nothing is written:
//! - an account external id the customer holds that another customer of the target holds;
//! - the customer's idempotency key already used by a customer of the target;
//! - an access event, usage record or reservation id of the customer's accounts already used by
//!   a row of the target (ids are unique per tenant);
//! - an open case about the customer with a dedupe key the target has open already.
//!
//! Rows of the target on the customer's account ids that no customer holds there (the provider's
//! platform reporting the account's access itself) are not a collision: account ids are the
//! provider's, so they are the same account and now have their holder.
//!
//! One `customer.migrated_out` event on the old tenant's chain and one `customer.migrated_in`
//! on the new tenant's, in the same transaction; both digest the receipt, which names both
//! tenants and what moved.
//!
//! The SQL lives in the backends (`cloudkyc-store-sqlite`, `cloudkyc-store-postgres`), each in
//! its `customer_migration.rs` and its own parameter style: which tables hold the customer's
//! rows and sealed columns, the conditions that find them and the collision checks. This module
//! holds what needs no database: the trait, the receipt and its events, re-sealing one value and
//! the refusal naming what collides.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use serde::Serialize;

use crate::audit::NewAuditEvent;
use crate::crypto::{Aad, KeyRing};
use crate::customers::{CUSTOMER_SUBJECT, CustomerId};
use crate::{StoreResult, TenantScope};

pub const MIGRATED_OUT: &str = "customer.migrated_out";
pub const MIGRATED_IN: &str = "customer.migrated_in";

/// What one move did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationReceipt {
    pub customer: CustomerId,
    pub from: TenantId,
    pub to: TenantId,
    /// The account external ids that moved with the customer.
    pub accounts: Vec<String>,
    /// Rows moved per table (tables with none are left out).
    pub moved: BTreeMap<String, u64>,
    pub migrated_at: DateTime<Utc>,
}

impl MigrationReceipt {
    /// The two audit events: out of `from`, into `to`.
    pub fn events(&self) -> (NewAuditEvent, NewAuditEvent) {
        let out = NewAuditEvent::new(
            MIGRATED_OUT,
            CUSTOMER_SUBJECT,
            self.customer,
            Some(&(self.customer, self.from)),
            Some(self),
        );
        let into = NewAuditEvent::new(
            MIGRATED_IN,
            CUSTOMER_SUBJECT,
            self.customer,
            None::<&()>,
            Some(self),
        );
        (out, into)
    }

    pub fn count(&mut self, table: &str, rows: u64) {
        if rows > 0 {
            *self.moved.entry(table.to_owned()).or_default() += rows;
        }
    }
}

#[async_trait]
pub trait CustomerMigrationStore: Send + Sync {
    /// Moves the customer `id` (visible to the scope) and everything of it into `to`; see the
    /// module documentation for what moves, what collides and what is refused.
    async fn migrate_customer(
        &self,
        scope: &TenantScope,
        id: CustomerId,
        to: TenantId,
        now: DateTime<Utc>,
    ) -> StoreResult<MigrationReceipt>;
}

/// A ciphertext sealed for `from` re-sealed for `to` (same table, row and column). An empty
/// ciphertext (a purged customer's) stays empty.
pub fn reseal(
    ring: &KeyRing,
    ciphertext: &[u8],
    from: TenantId,
    to: TenantId,
    table: &str,
    row: &str,
    column: &str,
) -> StoreResult<Vec<u8>> {
    if ciphertext.is_empty() {
        return Ok(Vec::new());
    }
    let aad = Aad {
        tenant: from,
        table,
        row,
        column,
    };
    let plain = ring.decrypt(ciphertext, aad)?;
    ring.encrypt(&plain, Aad { tenant: to, ..aad })
}

/// Up to this many colliding ids are named in a refusal.
pub const NAMED_COLLISIONS: usize = 5;

/// The refusal for what collides in the target, or `None` when nothing does.
pub fn collision_refusal(
    id: CustomerId,
    to: TenantId,
    collisions: &[(String, Vec<String>)],
) -> Option<crate::StoreError> {
    let named: Vec<String> = collisions
        .iter()
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(what, ids)| {
            let shown: Vec<&str> = ids
                .iter()
                .take(NAMED_COLLISIONS)
                .map(String::as_str)
                .collect();
            format!("{what} {}", shown.join(", "))
        })
        .collect();
    (!named.is_empty()).then(|| {
        crate::StoreError::Conflict(format!(
            "customer {id} cannot move to tenant {to}: already used there: {}",
            named.join("; ")
        ))
    })
}

/// The receipt before anything moved.
pub fn receipt(
    customer: CustomerId,
    from: TenantId,
    to: TenantId,
    accounts: Vec<String>,
    now: DateTime<Utc>,
) -> MigrationReceipt {
    MigrationReceipt {
        customer,
        from,
        to,
        accounts,
        moved: BTreeMap::new(),
        migrated_at: crate::audit::truncate_to_micros(now),
    }
}

/// Why a move to `to` is refused before anything is looked at: the scope cannot see the target,
/// or it is not a strict ancestor of the customer's tenant (`ancestors`, nearest first).
pub fn check_target(
    scope: &TenantScope,
    from: TenantId,
    to: TenantId,
    ancestors: &[TenantId],
) -> StoreResult<()> {
    if !scope.can_see(to) {
        return Err(crate::StoreError::Forbidden(format!(
            "tenant {to} is outside the caller's scope"
        )));
    }
    if from == to || !ancestors.contains(&to) {
        return Err(crate::StoreError::Forbidden(format!(
            "a customer moves only up its tenant tree: {to} is not an ancestor of {from}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::MasterKey;

    #[test]
    fn a_resealed_value_opens_only_under_the_new_tenant() {
        let (ring, _) = KeyRing::bootstrap(&MasterKey::generate(), Utc::now()).unwrap();
        let (from, to) = (TenantId::new(), TenantId::new());
        let aad = |tenant| Aad {
            tenant,
            table: "documents",
            row: "r",
            column: "content",
        };
        let sealed = ring.encrypt(b"scan", aad(from)).unwrap();
        let moved = reseal(&ring, &sealed, from, to, "documents", "r", "content").unwrap();
        assert_eq!(ring.decrypt(&moved, aad(to)).unwrap(), b"scan");
        assert!(ring.decrypt(&moved, aad(from)).is_err());
        assert!(
            reseal(&ring, &[], from, to, "documents", "r", "content")
                .unwrap()
                .is_empty()
        );
        // A ciphertext that does not open under `from` is an error, never copied as it is.
        assert!(reseal(&ring, &moved, from, to, "documents", "r", "content").is_err());
    }

    #[test]
    fn a_collision_names_what_collides() {
        let (id, to) = (CustomerId::new(), TenantId::new());
        assert!(collision_refusal(id, to, &[("account".into(), vec![])]).is_none());
        let refusal =
            collision_refusal(id, to, &[("account".into(), vec!["acct-1".into()])]).unwrap();
        assert!(refusal.to_string().contains("account acct-1"), "{refusal}");
    }
}

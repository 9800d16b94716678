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

// The SQL below has placeholders each backend numbers in its own style ([`numbered`]):
// `{cid}` the customer id as its id column type, `{cref}` the customer id as text (a case's
// `subject_ref`), `{from}` the customer's current tenant and `{to}` the target.

/// A table with sealed columns whose rows of the customer are re-sealed.
#[derive(Debug, Clone, Copy)]
pub struct SealedTable {
    pub table: &'static str,
    /// Key columns with their PostgreSQL type; their text values joined with `/` are the row the
    /// associated data names.
    pub key: &'static [(&'static str, &'static str)],
    /// `(column, associated-data column)`; a NULL cell stays NULL.
    pub sealed: &'static [(&'static str, &'static str)],
    /// Which rows are the customer's (a condition with the placeholders).
    pub rows: &'static str,
}

const BY_CUSTOMER: &str = "customer_id = {cid}";

/// Every sealed table of a customer, in the order the re-sealing goes: the case's own tables
/// before `cases`, whose tenant condition the others depend on.
pub const SEALED_TABLES: [SealedTable; 10] = [
    SealedTable {
        table: "customers",
        key: &[("id", "uuid")],
        sealed: &[("reasons_ct", "reasons"), ("personal_ct", "personal")],
        rows: "id = {cid}",
    },
    SealedTable {
        table: "customer_verifications",
        key: &[("id", "uuid")],
        sealed: &[("evidence_ct", "evidence")],
        rows: BY_CUSTOMER,
    },
    SealedTable {
        table: "documents",
        key: &[("id", "uuid")],
        sealed: &[("content_ct", "content")],
        rows: BY_CUSTOMER,
    },
    SealedTable {
        table: "ownership_structures",
        key: &[("customer_id", "uuid")],
        sealed: &[("structure_ct", "structure")],
        rows: BY_CUSTOMER,
    },
    SealedTable {
        table: "screening_dispositions",
        key: &[
            ("customer_id", "uuid"),
            ("list", "text"),
            ("entity_id", "text"),
        ],
        sealed: &[("note_ct", "note")],
        rows: BY_CUSTOMER,
    },
    SealedTable {
        table: "legal_holds",
        key: &[("id", "uuid")],
        sealed: &[
            ("reason_ct", "reason"),
            ("release_reason_ct", "release_reason"),
        ],
        rows: BY_CUSTOMER,
    },
    SealedTable {
        table: "special_measure_actions",
        key: &[("id", "uuid")],
        sealed: &[("plan_ct", "plan")],
        rows: BY_CUSTOMER,
    },
    SealedTable {
        table: "case_events",
        key: &[("case_id", "uuid"), ("seq", "bigint")],
        sealed: &[("entry_ct", "entry")],
        rows: "case_id IN (SELECT id FROM cases WHERE tenant_id = {from} \
               AND subject_type = 'customer' AND subject_ref = {cref})",
    },
    SealedTable {
        table: "case_attachments",
        key: &[("id", "uuid")],
        sealed: &[("file_name_ct", "file_name"), ("content_ct", "content")],
        rows: "case_id IN (SELECT id FROM cases WHERE tenant_id = {from} \
               AND subject_type = 'customer' AND subject_ref = {cref})",
    },
    SealedTable {
        table: "cases",
        key: &[("id", "uuid")],
        sealed: &[("state_ct", "state")],
        rows: "tenant_id = {from} AND subject_type = 'customer' AND subject_ref = {cref}",
    },
];

/// Every table with a `tenant_id` column whose rows of the customer change tenant, with the
/// condition that finds them; `cases` last (the attachments' condition reads it).
pub const TENANT_TABLES: [(&str, &str); 11] = [
    ("customers", "id = {cid}"),
    ("customer_lookups", BY_CUSTOMER),
    ("customer_accounts", BY_CUSTOMER),
    ("customer_verifications", BY_CUSTOMER),
    ("documents", BY_CUSTOMER),
    ("ownership_structures", BY_CUSTOMER),
    ("screening_dispositions", BY_CUSTOMER),
    ("legal_holds", BY_CUSTOMER),
    ("special_measure_actions", BY_CUSTOMER),
    (
        "case_attachments",
        "case_id IN (SELECT id FROM cases WHERE tenant_id = {from} \
         AND subject_type = 'customer' AND subject_ref = {cref})",
    ),
    (
        "cases",
        "tenant_id = {from} AND subject_type = 'customer' AND subject_ref = {cref}",
    ),
];

/// The open cases about the customer whose dedupe key the target has open already
/// (placeholders as above, and `{to}` the target tenant).
pub const CASE_COLLISIONS: &str = "SELECT CAST(c.id AS TEXT) FROM cases c \
     WHERE c.tenant_id = {from} AND c.subject_type = 'customer' AND c.subject_ref = {cref} \
     AND c.status <> 'closed' AND c.dedupe_key IS NOT NULL AND EXISTS (SELECT 1 FROM cases d \
     WHERE d.tenant_id = {to} AND d.kind = c.kind AND d.subject_type = c.subject_type \
     AND d.subject_ref = c.subject_ref AND d.dedupe_key = c.dedupe_key AND d.status <> 'closed')";

/// The customer's account ids another customer of the target holds.
pub const ACCOUNT_COLLISIONS: &str = "SELECT a.external_id FROM customer_accounts a \
     WHERE a.customer_id = {cid} AND EXISTS (SELECT 1 FROM customer_accounts b \
     WHERE b.tenant_id = {to} AND b.external_id = a.external_id)";

/// A row when the customer's idempotency key is used in the target already.
pub const IDEMPOTENCY_COLLISION: &str = "SELECT 1 FROM customers c WHERE c.id = {cid} \
     AND c.idempotency_bidx IS NOT NULL AND EXISTS (SELECT 1 FROM customers d \
     WHERE d.tenant_id = {to} AND d.idempotency_bidx = c.idempotency_bidx)";

/// The bulk tables whose rows of the customer's accounts move (their tenant column differs by
/// backend), with the sealed column of each (`access_events.ip_ct`, row = event id).
pub const BULK_TABLES: [&str; 3] = ["access_events", "usage_records", "reservations"];

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

/// How a backend writes its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamStyle {
    /// `?1`, `?2`: every value is text, as SQLite stores ids.
    Sqlite,
    /// `$1::uuid`, `$2`: ids are cast from the text bound.
    Postgres,
}

/// The SQL with its placeholders (`{cid}`, `{cref}`, `{from}`, `{to}`) numbered in the
/// backend's style, and the text values to bind in that order (each placeholder bound once,
/// however often it appears; PostgreSQL refuses values a statement does not use).
pub fn numbered(
    sql: &str,
    style: ParamStyle,
    id: CustomerId,
    from: TenantId,
    to: TenantId,
) -> (String, Vec<String>) {
    let tokens = [
        ("{cid}", id.to_string(), true),
        ("{cref}", id.to_string(), false),
        ("{from}", from.to_string(), true),
        ("{to}", to.to_string(), true),
    ];
    let mut out = sql.to_owned();
    let mut values = Vec::new();
    for (token, value, is_uuid) in tokens {
        if !out.contains(token) {
            continue;
        }
        values.push(value);
        let n = values.len();
        let param = match style {
            ParamStyle::Sqlite => format!("?{n}"),
            ParamStyle::Postgres if is_uuid => format!("${n}::uuid"),
            ParamStyle::Postgres => format!("${n}"),
        };
        out = out.replace(token, &param);
    }
    (out, values)
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
    fn placeholders_are_numbered_once_each() {
        let (id, from, to) = (CustomerId::new(), TenantId::new(), TenantId::new());
        let sql = "a = {cid} AND b = {from} AND c = {cref} AND d = {cid}";
        let (pg, values) = numbered(sql, ParamStyle::Postgres, id, from, to);
        assert_eq!(
            pg,
            "a = $1::uuid AND b = $3::uuid AND c = $2 AND d = $1::uuid"
        );
        assert_eq!(values, [id.to_string(), id.to_string(), from.to_string()]);
        let (lite, _) = numbered("x = {to}", ParamStyle::Sqlite, id, from, to);
        assert_eq!(lite, "x = ?1");
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

//! Creating many customers in one transaction (group commit), backend-independent part.
//!
//! A backend opens its write transaction, reads which idempotency keys and account ids of the
//! batch the database already holds ([`CustomerBatch::key_indexes`], [`CustomerBatch::accounts`]),
//! and hands them to [`CustomerBatch::plan`], which decides each customer's fate exactly as
//! one `create_customer` call after another would: a known key replays the stored customer, a
//! key used by an earlier customer of the same batch replays that one, a taken account id (in
//! the database, earlier in the batch, or twice in the customer's own list) is a `Conflict`,
//! and a tenant outside the scope is `NotFound`. The backend then writes every planned row with
//! multi-row statements, chains one audit event per created customer after its tenant's head
//! ([`CustomerBatch::chain`]), updates each head once and commits; [`CustomerBatch::finish`]
//! answers each caller. A refused customer writes nothing and changes nothing for the others.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;

use crate::audit::{AuditEntry, NewAuditEvent, truncate_to_micros};
use crate::crypto::KeyRing;
use crate::customers::{
    CUSTOMER_CREATE, CUSTOMER_SUBJECT, CreatedCustomer, Customer, CustomerColumns, CustomerId,
    NewCustomer, idempotency_index,
};
use crate::{StoreError, StoreResult, TenantScope};

/// The most customers one batch may hold: bounds the statements' parameter counts (SQLite
/// allows 32,766 per statement; a customer row takes 14, an audit event 11) and the time one
/// transaction keeps the writer.
pub const MAX_BATCH: usize = 256;

/// A customer the batch will insert, with everything its rows need.
#[derive(Debug)]
pub struct PlannedRow {
    /// The customer as it will be stored and returned.
    pub customer: Customer,
    pub columns: CustomerColumns,
    /// The blind indexes of its lookups, without repeats.
    pub lookups: Vec<String>,
    event: Option<NewAuditEvent>,
}

#[derive(Debug)]
enum Outcome {
    Created(usize),
    Replay(Box<Customer>),
    ReplayOfRow(usize),
    Refused(StoreError),
}

/// One batch of creations, from the callers' drafts to their answers.
#[derive(Debug)]
pub struct CustomerBatch {
    news: Vec<NewCustomer>,
    key_indexes: Vec<Option<String>>,
    rows: Vec<PlannedRow>,
    outcomes: Vec<Outcome>,
}

impl CustomerBatch {
    /// Takes the batch; fails only when it holds more than [`MAX_BATCH`] customers.
    pub fn new(ring: &KeyRing, news: Vec<NewCustomer>) -> StoreResult<Self> {
        if news.len() > MAX_BATCH {
            return Err(StoreError::Conflict(format!(
                "a batch holds at most {MAX_BATCH} customers, not {}",
                news.len()
            )));
        }
        let key_indexes = news
            .iter()
            .map(|new| {
                new.idempotency_key
                    .as_deref()
                    .map(|key| idempotency_index(ring, key))
            })
            .collect();
        Ok(Self {
            news,
            key_indexes,
            rows: Vec::new(),
            outcomes: Vec::new(),
        })
    }

    /// The tenants the batch writes to, sorted (lock them in this order).
    pub fn tenants(&self) -> Vec<TenantId> {
        let set: BTreeSet<TenantId> = self.news.iter().map(|n| n.tenant).collect();
        set.into_iter().collect()
    }

    /// The idempotency-key blind indexes of `tenant`'s customers, sorted and without repeats.
    pub fn key_indexes(&self, tenant: TenantId) -> Vec<String> {
        let set: BTreeSet<&String> = self
            .news
            .iter()
            .zip(&self.key_indexes)
            .filter(|(new, _)| new.tenant == tenant)
            .filter_map(|(_, bidx)| bidx.as_ref())
            .collect();
        set.into_iter().cloned().collect()
    }

    /// The account ids `tenant`'s customers claim, sorted and without repeats.
    pub fn accounts(&self, tenant: TenantId) -> Vec<String> {
        let set: BTreeSet<&String> = self
            .news
            .iter()
            .filter(|new| new.tenant == tenant)
            .flat_map(|new| &new.accounts)
            .collect();
        set.into_iter().cloned().collect()
    }

    /// Decides every customer's fate from what the database holds: `earlier` maps (tenant,
    /// idempotency blind index) to the customer stored under it, `taken` holds the (tenant,
    /// account id) pairs already used. Seals the rows to insert.
    pub fn plan(
        &mut self,
        ring: &KeyRing,
        scope: &TenantScope,
        now: DateTime<Utc>,
        earlier: HashMap<(TenantId, String), Customer>,
        mut taken: HashSet<(TenantId, String)>,
    ) -> StoreResult<()> {
        let at = truncate_to_micros(now);
        let mut keys_in_batch: HashMap<(TenantId, String), usize> = HashMap::new();
        let news = std::mem::take(&mut self.news);
        for (new, bidx) in news.into_iter().zip(&self.key_indexes) {
            if !scope.can_see(new.tenant) {
                self.outcomes
                    .push(Outcome::Refused(StoreError::not_found("tenant")));
                continue;
            }
            let key = bidx.as_ref().map(|b| (new.tenant, b.clone()));
            if let Some(key) = &key {
                if let Some(stored) = earlier.get(key) {
                    self.outcomes
                        .push(Outcome::Replay(Box::new(stored.clone())));
                    continue;
                }
                if let Some(&row) = keys_in_batch.get(key) {
                    self.outcomes.push(Outcome::ReplayOfRow(row));
                    continue;
                }
            }
            if let Some(account) = first_taken_account(&new, &taken) {
                self.outcomes
                    .push(Outcome::Refused(StoreError::Conflict(format!(
                        "account {account:?} already belongs to a customer"
                    ))));
                continue;
            }
            taken.extend(new.accounts.iter().map(|a| (new.tenant, a.clone())));
            let row = self.rows.len();
            if let Some(key) = key {
                keys_in_batch.insert(key, row);
            }
            self.rows.push(planned_row(ring, new, at)?);
            self.outcomes.push(Outcome::Created(row));
        }
        Ok(())
    }

    /// The rows to insert, in batch order.
    pub fn rows(&self) -> &[PlannedRow] {
        &self.rows
    }

    /// The audit entries of `tenant`'s new customers, chained after `head` in batch order; the
    /// last one is the chain's new head. Each row's event is taken once.
    pub fn chain(
        &mut self,
        tenant: TenantId,
        head: Option<(i64, String)>,
        now: DateTime<Utc>,
        actor: &str,
    ) -> Vec<AuditEntry> {
        let mut head = head;
        let mut entries = Vec::new();
        for row in self.rows.iter_mut().filter(|r| r.customer.tenant == tenant) {
            if let Some(event) = row.event.take() {
                let entry = AuditEntry::next(tenant, head, now, actor.to_owned(), event);
                head = Some((entry.seq, entry.hash.clone()));
                entries.push(entry);
            }
        }
        entries
    }

    /// Each caller's answer, in batch order (after the commit). Created customers are moved
    /// out, not copied; only an in-batch replay gets a copy of the customer it repeats.
    pub fn finish(self) -> Vec<StoreResult<CreatedCustomer>> {
        let mut copies: HashMap<usize, Customer> = self
            .outcomes
            .iter()
            .enumerate()
            .filter_map(|(answer, outcome)| match outcome {
                Outcome::ReplayOfRow(row) => {
                    self.rows.get(*row).map(|r| (answer, r.customer.clone()))
                }
                _ => None,
            })
            .collect();
        let mut customers: Vec<Option<Customer>> =
            self.rows.into_iter().map(|r| Some(r.customer)).collect();
        self.outcomes
            .into_iter()
            .enumerate()
            .map(|(answer, outcome)| match outcome {
                Outcome::Created(row) => customers
                    .get_mut(row)
                    .and_then(Option::take)
                    .map(|customer| CreatedCustomer {
                        customer,
                        replayed: false,
                    })
                    .ok_or_else(missing_row),
                Outcome::ReplayOfRow(_) => copies
                    .remove(&answer)
                    .map(|customer| CreatedCustomer {
                        customer,
                        replayed: true,
                    })
                    .ok_or_else(missing_row),
                Outcome::Replay(customer) => Ok(CreatedCustomer {
                    customer: *customer,
                    replayed: true,
                }),
                Outcome::Refused(error) => Err(error),
            })
            .collect()
    }
}

fn missing_row() -> StoreError {
    StoreError::Corrupt("a planned customer row went missing".into())
}

/// An account id of `new` already taken, or listed twice by `new` itself.
fn first_taken_account(new: &NewCustomer, taken: &HashSet<(TenantId, String)>) -> Option<String> {
    let mut own = HashSet::new();
    new.accounts
        .iter()
        .find(|a| taken.contains(&(new.tenant, (*a).clone())) || !own.insert(a.as_str()))
        .cloned()
}

fn planned_row(ring: &KeyRing, new: NewCustomer, at: DateTime<Utc>) -> StoreResult<PlannedRow> {
    let id = CustomerId::new();
    let columns = CustomerColumns::seal(ring, id, &new)?;
    let mut seen = HashSet::new();
    let lookups = new
        .lookups
        .iter()
        .map(|l| l.blind_index(ring))
        .filter(|bidx| seen.insert(bidx.clone()))
        .collect();
    let customer = Customer {
        id,
        tenant: new.tenant,
        kind: new.kind,
        decision: new.decision,
        personal: new.personal,
        accounts: new.accounts,
        created_at: at,
        updated_at: at,
    };
    let event = NewAuditEvent::new(
        CUSTOMER_CREATE,
        CUSTOMER_SUBJECT,
        id,
        None::<&Customer>,
        Some(&customer),
    );
    Ok(PlannedRow {
        customer,
        columns,
        lookups,
        event: Some(event),
    })
}

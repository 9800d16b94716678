//! The compute engines follow the records other processes write (issue 9: several `cloudkyc
//! serve` instances on one PostgreSQL database, or `cloudkyc usage import` beside a server).
//!
//! Each loaded tenant engine keeps a [`ComputeCursor`]: how far it has read the tenant's usage
//! records and reservations in the store. Catching up asks the store for what lies past the
//! cursor ([`cloudkyc_store::usage::UsageStore::compute_changes`]), applies it and moves the
//! cursor. The store may return a record again (PostgreSQL re-reads a window behind the cursor,
//! because identity values are not committed in order; see `store-postgres/src/usage.rs`), and a
//! process's own batches are in the store as well as in its engine, so every record is applied
//! only when the engine does not know its id yet: a record counts once however often it is read.
//! A process's own batches are also left out of the reads where the store can name them
//! (`EngineMap::own_writes`), so a busy ingesting instance does not read back what it wrote.
//!
//! When an engine catches up:
//! - before every read of compute state (the assessment of an account, the owner groups, the
//!   `compute.assess` job): `App::load_engines` catches up the scope's engines while it holds
//!   them, so a read sees every record committed before it began, on whichever instance;
//! - whenever another process announces a batch (PostgreSQL `NOTIFY`, `follow.rs`) and every
//!   [`crate::follow::CHANGE_POLL_FALLBACK`] without one: [`App::catch_up_engines`], for every
//!   loaded engine, reading the store without holding the engines.
//!
//! Records applied here are linked to their holders like ingested ones, but queue no assessment:
//! the process that ingested them queued it after its commit, and any instance may run it.

use std::collections::{BTreeSet, HashMap};

use cloudkyc_compute::{Reservation, ReservationInput, UsageRecordInput};
use cloudkyc_domain::TenantId;
use cloudkyc_store::TenantScope;
use cloudkyc_store::usage::{ComputeChanges, ComputeCursor, StoredComputeRecord};

use crate::usage::{EngineMap, TenantEngine, input_of};
use crate::{App, AppResult};

/// The component reads for catching up are made as (never a caller's scope: the engines are
/// shared by every caller of the process).
const COMPONENT: &str = "compute.follow";

/// What one catch-up reads: the engines, from where, and which writes to leave out.
struct ReadPlan {
    tenants: Vec<TenantId>,
    scope: TenantScope,
    since: ComputeCursor,
    skip: Vec<i64>,
}

impl EngineMap {
    /// The read that brings the loaded engines of `tenants` up to the store: from the earliest
    /// of their cursors (a record another of them has read already is skipped by id).
    fn read_plan(&self, tenants: &[TenantId]) -> Option<ReadPlan> {
        let tenants: Vec<TenantId> = tenants
            .iter()
            .copied()
            .filter(|t| self.by_tenant.contains_key(t))
            .collect();
        let since = tenants
            .iter()
            .filter_map(|t| self.by_tenant.get(t))
            .map(|t| t.cursor)
            .reduce(ComputeCursor::earliest)?;
        let scope = TenantScope::system(*tenants.first()?, tenants.clone(), COMPONENT);
        Some(ReadPlan {
            tenants,
            scope,
            since,
            skip: self.own_writes.iter().copied().collect(),
        })
    }

    /// Forgets the own writes every engine's cursor is past: no read returns them again.
    fn prune_own_writes(&mut self) {
        let engines = &self.by_tenant;
        self.own_writes
            .retain(|w| !engines.values().all(|t| t.cursor.is_past(*w)));
    }
}

/// Adds the record's account to its tenant's set (cloned only when new: a tenant's first load
/// goes through here with every stored record).
fn note_account(accounts: &mut HashMap<TenantId, BTreeSet<String>>, stored: &StoredComputeRecord) {
    let named = accounts.entry(stored.tenant).or_default();
    if !named.contains(&stored.record.account) {
        named.insert(stored.record.account.clone());
    }
}

/// Applies stored records to the engines of their tenants (records of other tenants are
/// ignored), each only when its engine does not know its id. Returns, per tenant, every account
/// the records name (applied now or before), and the number of records applied.
pub(crate) fn apply_records(
    engines: &mut HashMap<TenantId, TenantEngine>,
    changes: &ComputeChanges,
) -> AppResult<(HashMap<TenantId, BTreeSet<String>>, usize)> {
    let mut accounts: HashMap<TenantId, BTreeSet<String>> = HashMap::new();
    let mut applied = 0;
    for stored in &changes.usage {
        let Some(t) = engines.get_mut(&stored.tenant) else {
            continue;
        };
        note_account(&mut accounts, stored);
        // Checked before decoding: most records read back are known (a window, or a reader's
        // own batch), and decoding is the costly part.
        if t.engine.knows_usage(&stored.record.id) {
            continue;
        }
        let input: UsageRecordInput = input_of(&stored.record)?;
        // A record stored under an older catalog or pack may no longer validate; it stays
        // stored and is reported in the log rather than failing the whole tenant.
        match t.engine.ingest_input(&input) {
            Ok(_) => {
                t.accounts.insert(input.account);
                applied += 1;
            }
            Err(e) => {
                tracing::warn!(record = %input.id, error = %e, "stored usage record skipped")
            }
        }
    }
    for stored in &changes.reservations {
        let Some(t) = engines.get_mut(&stored.tenant) else {
            continue;
        };
        note_account(&mut accounts, stored);
        if t.engine.knows_reservation(&stored.record.id) {
            continue;
        }
        let input: ReservationInput = input_of(&stored.record)?;
        match Reservation::validate(&input, t.engine.catalog(), &t.engine.params().limits) {
            Ok(r) => {
                t.engine.add_reservation(r);
                t.accounts.insert(input.account);
                applied += 1;
            }
            Err(e) => {
                tracing::warn!(record = %input.id, error = %e, "stored reservation skipped")
            }
        }
    }
    Ok((accounts, applied))
}

impl App {
    /// Loads the engines of the scope's tenants that are not loaded yet and brings the others
    /// up to the store: what every read of compute state calls first, with the engines held.
    pub(crate) async fn load_engines(
        &self,
        map: &mut EngineMap,
        scope: &TenantScope,
    ) -> AppResult<()> {
        let loaded_now = self.load_missing_engines(map, scope).await?;
        let behind: Vec<TenantId> = scope
            .visible()
            .iter()
            .copied()
            .filter(|t| !loaded_now.contains(t))
            .collect();
        let Some(plan) = map.read_plan(&behind) else {
            return Ok(());
        };
        let changes = self
            .store()
            .compute_changes(&plan.scope, Some(plan.since), &plan.skip)
            .await?;
        self.apply_changes(map, &plan.tenants, changes).await?;
        Ok(())
    }

    /// Brings every loaded engine up to the store; returns the number of records applied (the
    /// ones other processes wrote since the engines last read). The store is read without
    /// holding the engines, so ingestion and reads go on meanwhile.
    pub async fn catch_up_engines(&self) -> AppResult<usize> {
        let plan = {
            let map = self.compute_engines().inner.lock().await;
            let tenants: Vec<TenantId> = map.by_tenant.keys().copied().collect();
            map.read_plan(&tenants)
        };
        let Some(plan) = plan else {
            return Ok(0);
        };
        let changes = self
            .store()
            .compute_changes(&plan.scope, Some(plan.since), &plan.skip)
            .await?;
        let mut map = self.compute_engines().inner.lock().await;
        self.apply_changes(&mut map, &plan.tenants, changes).await
    }

    /// Applies `changes`, read for the engines of `tenants`, links the accounts they name that
    /// were never looked up, then moves those engines' cursors. The cursors move last: when a
    /// step fails, the next catch-up reads the same records again (known ones are skipped) and
    /// retries the links.
    async fn apply_changes(
        &self,
        map: &mut EngineMap,
        tenants: &[TenantId],
        changes: ComputeChanges,
    ) -> AppResult<usize> {
        let (accounts, applied) = apply_records(&mut map.by_tenant, &changes)?;
        for (tenant, named) in accounts {
            let Some(t) = map.by_tenant.get_mut(&tenant) else {
                continue;
            };
            let fresh = t.links.not_looked_up(named.iter().map(String::as_str));
            self.link_accounts(tenant, &mut t.links, &mut t.engine, fresh)
                .await?;
        }
        for tenant in tenants {
            if let Some(t) = map.by_tenant.get_mut(tenant) {
                // `latest`: a catch-up read outside the lock may end after a later one.
                t.cursor = t.cursor.latest(changes.cursor);
            }
        }
        map.prune_own_writes();
        if applied > 0 {
            tracing::debug!(
                records = applied,
                "compute engines caught up with records written by other processes"
            );
        }
        Ok(applied)
    }
}

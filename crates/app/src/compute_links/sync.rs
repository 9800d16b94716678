//! The `compute.customers` job: follows customer creations and changes (the tenant's audit
//! chain, whose customer events name the customer) and re-links the customers whose accounts
//! the compute engine has seen, then queues an assessment of the groups they touch (a status
//! that became foreign, a new shared owner). The audit chain is the one record every customer
//! change writes in its own transaction, so nothing is missed and the customers module needs
//! no hook (a records-retention purge is a customer event too: the purged customer's keys are
//! withdrawn). It runs while the tenant's engine is loaded, every [`SYNC_EVERY_MINUTES`] minutes,
//! and at once again when a page was full.

use std::collections::BTreeSet;
use std::str::FromStr;

use async_trait::async_trait;
use chrono::Duration;
use cloudkyc_domain::TenantId;
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::{CUSTOMER_SUBJECT, CustomerId};
use cloudkyc_store::jobs::{Job, NewJob};
use cloudkyc_store::ownership::OWNERSHIP_SUBJECT;

use super::link_scope;
use crate::jobs::JobHandler;
use crate::{App, AppResult};

pub const SYNC_JOB: &str = "compute.customers";
pub const SYNC_EVERY_MINUTES: i64 = 5;
/// Audit events read per run.
const PAGE: u32 = 1_000;

/// Runs [`SYNC_JOB`]s.
#[derive(Debug)]
pub struct SyncCustomers;

#[async_trait]
impl JobHandler for SyncCustomers {
    fn kind(&self) -> &'static str {
        SYNC_JOB
    }

    async fn run(&self, app: &App, job: &Job) -> Result<(), String> {
        let subtree = app
            .store()
            .subtree(job.tenant)
            .await
            .map_err(|e| e.to_string())?;
        let scope = TenantScope::system(job.tenant, subtree, SYNC_JOB);
        let chain = job
            .payload
            .get("chain")
            .and_then(|c| c.as_str())
            .unwrap_or("");
        app.sync_compute_customers(&scope, chain)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

impl App {
    /// Queues the next customer sync of the tenant's chain `chain` (one chain per loaded
    /// engine: a job of an earlier process's chain ends it), `in_` from now.
    pub(crate) async fn schedule_customer_sync(
        &self,
        tenant: TenantId,
        chain: &str,
        in_: Duration,
    ) -> AppResult<()> {
        let run_at = self.now() + in_;
        let job = NewJob {
            kind: SYNC_JOB.to_owned(),
            payload: serde_json::json!({ "chain": chain }),
            run_at,
            // The running job still holds its own key, so each run has its own.
            dedupe_key: Some(format!("{chain}@{}", run_at.timestamp())),
            queued_key: None,
        };
        self.store()
            .enqueue(&link_scope(tenant, SYNC_JOB), job, self.now())
            .await?;
        Ok(())
    }

    /// Reads the tenant's audit events since the last run and re-links the customers they name.
    /// Returns how many customers were re-indexed.
    pub async fn sync_compute_customers(
        &self,
        scope: &TenantScope,
        chain: &str,
    ) -> AppResult<usize> {
        let tenant = scope.tenant();
        let mut map = self.compute_engines().inner.lock().await;
        // Not loaded: a later load reads every customer as it is then (and starts its chain).
        let Some(t) = map.by_tenant.get_mut(&tenant) else {
            return Ok(0);
        };
        if t.links.chain != chain {
            return Ok(0);
        }
        let read = link_scope(tenant, SYNC_JOB);
        let events = self
            .store()
            .audit_events(&read, tenant, t.links.audit_seq, PAGE)
            .await?;
        let full = events.len() == PAGE as usize;
        let mut changed = BTreeSet::new();
        for e in &events {
            t.links.audit_seq = t.links.audit_seq.max(e.seq);
            // An ownership structure's events name its customer too.
            if (e.subject_kind == CUSTOMER_SUBJECT || e.subject_kind == OWNERSHIP_SUBJECT)
                && let Ok(id) = CustomerId::from_str(&e.subject_id)
            {
                changed.insert(id);
            }
        }
        let mut reindexed = 0;
        let mut touched = Vec::new();
        for id in changed {
            let Some(customer) = self.linkable_customer(&read, id).await? else {
                // Purged (`customer.purge`): the keys it gave go with its record, and both
                // sides of every merge they made are assessed again.
                if t.links.is_indexed(id) {
                    let (forgotten, accounts) =
                        self.forget_customer(&mut t.links, &mut t.engine, id);
                    reindexed += 1;
                    for w in forgotten.withdrawn {
                        touched.extend([w.merge.a, w.merge.b]);
                    }
                    touched.extend(accounts.into_iter().filter(|a| t.accounts.contains(a)));
                }
                continue;
            };
            // Only customers whose accounts the engine has seen matter now; the others are
            // linked when their first usage arrives.
            let seen = customer.accounts.iter().any(|a| t.accounts.contains(a));
            if !seen && !t.links.is_indexed(customer.id) {
                continue;
            }
            let indexed = self
                .index_customer(&mut t.links, &mut t.engine, &customer)
                .await?;
            reindexed += 1;
            // A split group's other side is assessed again too.
            for w in indexed.withdrawn {
                touched.extend([w.merge.a, w.merge.b]);
            }
            touched.extend(
                customer
                    .accounts
                    .iter()
                    .filter(|a| t.accounts.contains(*a))
                    .cloned(),
            );
        }
        self.queue_assessments(tenant, t, touched.iter().map(String::as_str))
            .await?;
        drop(map);
        let next = if full {
            Duration::seconds(1)
        } else {
            Duration::minutes(SYNC_EVERY_MINUTES)
        };
        self.schedule_customer_sync(tenant, chain, next).await?;
        Ok(reindexed)
    }
}

//! Group commit for onboarding: concurrent `onboard_customer` calls of one tenant and actor are
//! queued and written together by a committer task, one transaction (one chain-head update, one
//! WAL flush) per batch instead of one per customer.
//!
//! - No added wait when idle: the committer takes whatever is queued the moment it is free, so
//!   a lone call is written at once as a batch of one; batches form only while a commit is in
//!   flight and callers pile up behind it.
//! - Bounded: at most [`QUEUE`] calls wait per queue (callers beyond that wait to enqueue) and
//!   a batch holds at most [`MAX_BATCH`] customers, so one commit stays short.
//! - Each caller gets its own answer: the store answers each customer of a batch separately (a
//!   taken account id or a known idempotency key concerns that customer only); a batch fails as
//!   a whole only when the database does, and then each caller gets that error.
//! - Queues are per (tenant, actor) because every audit event names its actor; a committer whose
//!   queue stays empty for [`IDLE`] ends, and the next call starts a new one; one whose `App` is
//!   dropped ends as soon as its queue is empty.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::customers::{CreatedCustomer, NewCustomer};
use cloudkyc_store::{Store, StoreError, StoreResult, TenantScope};
use tokio::sync::{mpsc, oneshot};

/// Calls waiting per queue before callers wait to enqueue.
const QUEUE: usize = 1024;
/// Customers per transaction: enough to absorb a burst, small enough to keep a commit short.
pub(crate) const MAX_BATCH: usize = 128;
/// How long a committer with nothing to do stays around.
const IDLE: Duration = Duration::from_secs(30);

type Reply = oneshot::Sender<StoreResult<CreatedCustomer>>;

struct Queued {
    scope: TenantScope,
    new: NewCustomer,
    now: DateTime<Utc>,
    reply: Reply,
}

type QueueKey = (TenantId, String);

/// The committers of one `App` (shared by its clones).
pub(crate) struct GroupCommit {
    store: Arc<dyn Store>,
    queues: Arc<Mutex<HashMap<QueueKey, mpsc::Sender<Queued>>>>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

impl GroupCommit {
    pub(crate) fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            queues: Arc::default(),
        }
    }

    /// Creates `new` through the scope's committer: with whatever else is queued for the same
    /// tenant and actor, or alone at once when nothing is.
    pub(crate) async fn create(
        &self,
        scope: &TenantScope,
        new: NewCustomer,
        now: DateTime<Utc>,
    ) -> StoreResult<CreatedCustomer> {
        let key = (scope.tenant(), scope.actor().audit_name());
        let sender = self.sender(&key);
        let (reply, answer) = oneshot::channel();
        let queued = Queued {
            scope: scope.clone(),
            new,
            now,
            reply,
        };
        if let Err(mpsc::error::SendError(queued)) = sender.send(queued).await {
            // The committer ended (idle) between our lookup and the send: write directly.
            self.forget(&key, &sender);
            return (self.store)
                .create_customer(&queued.scope, queued.new, queued.now)
                .await;
        }
        answer.await.unwrap_or_else(|_| {
            Err(StoreError::Database(
                "the customer committer stopped before answering".into(),
            ))
        })
    }

    fn sender(&self, key: &QueueKey) -> mpsc::Sender<Queued> {
        let mut queues = self
            .queues
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(sender) = queues.get(key).filter(|s| !s.is_closed()) {
            return sender.clone();
        }
        let (sender, receiver) = mpsc::channel(QUEUE);
        queues.insert(key.clone(), sender.clone());
        // The committer holds neither the map nor a sender: when the `App` goes, the map and
        // its senders go, the channel closes and the committer ends.
        tokio::spawn(run(
            self.store.clone(),
            receiver,
            Arc::downgrade(&self.queues),
            key.clone(),
            sender.downgrade(),
        ));
        sender
    }

    fn forget(&self, key: &QueueKey, sender: &mpsc::Sender<Queued>) {
        let mut queues = self
            .queues
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if queues.get(key).is_some_and(|s| s.same_channel(sender)) {
            queues.remove(key);
        }
    }
}

/// One committer: waits for a call, takes every call queued behind it (up to `MAX_BATCH`),
/// writes them in one transaction, answers each, and starts over.
async fn run(
    store: Arc<dyn Store>,
    mut receiver: mpsc::Receiver<Queued>,
    queues: Weak<Mutex<HashMap<QueueKey, mpsc::Sender<Queued>>>>,
    key: QueueKey,
    own: mpsc::WeakSender<Queued>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        match tokio::time::timeout(IDLE, receiver.recv_many(&mut batch, MAX_BATCH)).await {
            Ok(0) => return,
            Ok(_) => commit(store.as_ref(), std::mem::take(&mut batch)).await,
            Err(_) => {
                // Idle: leave the map, then answer anything that slipped in meanwhile.
                if let (Some(queues), Some(own)) = (queues.upgrade(), own.upgrade()) {
                    let mut map = queues
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    if map.get(&key).is_some_and(|s| s.same_channel(&own)) {
                        map.remove(&key);
                    }
                }
                receiver.close();
                while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
                    commit(store.as_ref(), std::mem::take(&mut batch)).await;
                }
                return;
            }
        }
    }
}

/// Writes the batch, in runs of calls with the same scope (the store takes one scope per
/// batch), and answers every caller.
async fn commit(store: &dyn Store, batch: Vec<Queued>) {
    let mut runs: Vec<Vec<Queued>> = Vec::new();
    for queued in batch {
        match runs.last_mut() {
            Some(run)
                if run
                    .first()
                    .is_some_and(|q| same_scope(&q.scope, &queued.scope)) =>
            {
                run.push(queued)
            }
            _ => runs.push(vec![queued]),
        }
    }
    for run in runs {
        commit_run(store, run).await;
    }
}

/// Whether two callers may share a transaction: same tenant, role, actor and visible tenants.
fn same_scope(a: &TenantScope, b: &TenantScope) -> bool {
    a.tenant() == b.tenant()
        && a.role() == b.role()
        && a.actor() == b.actor()
        && a.visible() == b.visible()
}

async fn commit_run(store: &dyn Store, run: Vec<Queued>) {
    let Some(scope) = run.first().map(|q| q.scope.clone()) else {
        return;
    };
    // Every customer of the batch is stored at the latest of its callers' times, so none is
    // recorded before its caller decided it.
    let now = run.iter().map(|q| q.now).max().unwrap_or_else(Utc::now);
    if run.len() == 1 {
        for q in run {
            let _ = q
                .reply
                .send(store.create_customer(&q.scope, q.new, now).await);
        }
        return;
    }
    let (news, replies): (Vec<NewCustomer>, Vec<Reply>) =
        run.into_iter().map(|q| (q.new, q.reply)).unzip();
    match store.create_customers(&scope, news, now).await {
        Ok(results) if results.len() == replies.len() => {
            for (reply, result) in replies.into_iter().zip(results) {
                let _ = reply.send(result);
            }
        }
        // The store answers each customer's own refusal inside `Ok`; a batch fails as a whole
        // only when the database does (a lost connection, a full disk), and then every caller
        // gets that failure, each its own copy. Nothing of the batch was written.
        Ok(_) => {
            for reply in replies {
                let _ = reply.send(Err(StoreError::Database(
                    "the store answered a batch with the wrong number of results".into(),
                )));
            }
        }
        Err(error) => {
            for reply in replies {
                let _ = reply.send(Err(copy(&error)));
            }
        }
    }
}

/// The same error again, for another caller of the same failed batch.
fn copy(error: &StoreError) -> StoreError {
    match error {
        StoreError::NotFound { kind } => StoreError::NotFound { kind },
        StoreError::Conflict(m) => StoreError::Conflict(m.clone()),
        StoreError::Forbidden(m) => StoreError::Forbidden(m.clone()),
        StoreError::KeyRing(m) => StoreError::KeyRing(m.clone()),
        StoreError::Database(m) => StoreError::Database(m.clone()),
        StoreError::Corrupt(m) => StoreError::Corrupt(m.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudkyc_domain::cip::{CustomerKind, PersonStatus};
    use cloudkyc_domain::rule_pack::RiskTier;
    use cloudkyc_store::audit::state_digest;
    use cloudkyc_store::crypto::MasterKey;
    use cloudkyc_store::customers::{AccountAccess, CUSTOMER_CREATE, CipStatus, CustomerDecision};
    use cloudkyc_store_sqlite::SqliteStore;

    fn new_customer(tenant: TenantId, key: Option<&str>, account: &str) -> NewCustomer {
        NewCustomer {
            tenant,
            idempotency_key: key.map(str::to_owned),
            kind: CustomerKind::Individual,
            decision: CustomerDecision {
                person_status: PersonStatus::Foreign,
                cip_status: CipStatus::Pending,
                account_access: AccountAccess::Restricted,
                risk_tier: RiskTier::Medium,
                policy_id: "p".into(),
                policy_version: "1".into(),
                reasons: vec!["r".into()],
            },
            personal: serde_json::json!({"account": account}),
            lookups: Vec::new(),
            accounts: vec![account.to_owned()],
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_each_get_their_own_answer() {
        let store: Arc<dyn Store> = Arc::new(
            SqliteStore::open("sqlite::memory:", &MasterKey::generate())
                .await
                .expect("store"),
        );
        let provider = store
            .ensure_provider("Commit Cloud", Utc::now())
            .await
            .expect("provider");
        let scope = TenantScope::operator(provider.id, vec![]);
        let commits = Arc::new(GroupCommit::new(store.clone()));
        // Forty callers at once: two share an idempotency key, two claim one account.
        let calls: Vec<_> = (0..40)
            .map(|i| {
                let (commits, scope) = (commits.clone(), scope.clone());
                let key = match i {
                    0 | 1 => Some("same-key".to_owned()),
                    _ => Some(format!("key-{i}")),
                };
                let account = match i {
                    2 | 3 => "shared-account".to_owned(),
                    _ => format!("acct-{i}"),
                };
                tokio::spawn(async move {
                    let new = new_customer(scope.tenant(), key.as_deref(), &account);
                    commits.create(&scope, new, Utc::now()).await
                })
            })
            .collect();
        let mut answers = Vec::new();
        for call in calls {
            answers.push(call.await.expect("task"));
        }
        let ok: Vec<_> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
        let conflicts = answers
            .iter()
            .filter(|a| matches!(a, Err(cloudkyc_store::StoreError::Conflict(_))))
            .count();
        assert_eq!(conflicts, 1, "one of the two callers of the shared account");
        assert_eq!(ok.len(), 39);
        assert_eq!(ok.iter().filter(|c| c.replayed).count(), 1);
        let same_key: Vec<_> = answers
            .iter()
            .take(2)
            .map(|a| a.as_ref().map(|c| c.customer.id).ok())
            .collect();
        assert_eq!(same_key.first(), same_key.get(1), "the key's one customer");

        let events = store
            .audit_events(&scope, provider.id, 0, 1000)
            .await
            .expect("events");
        let creates: Vec<_> = events
            .iter()
            .filter(|e| e.action == CUSTOMER_CREATE)
            .collect();
        assert_eq!(creates.len(), 38, "one event per customer created");
        for created in ok.iter().filter(|c| !c.replayed) {
            assert!(creates.iter().any(|e| {
                e.subject_id == created.customer.id.to_string()
                    && e.after_digest.as_deref() == Some(state_digest(&created.customer).as_str())
            }));
        }
        assert!(store.verify_audit().await.expect("verify").intact());
    }
}

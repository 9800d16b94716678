//! The repository traits. Each backend implements all of them; `Store` is the sum the
//! application holds as `Arc<dyn Store>`.
//!
//! Every write that changes state appends its audit event in the same transaction; the
//! `NewAuditEvent` is built by the backend from the states it writes, so a caller cannot forget it.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use cloudkyc_domain::{ApiKeyId, JobId, Tenant, TenantId, TenantKind};

use crate::api_key::{ApiKey, CreatedKey, NewKey};
use crate::audit::{AuditEntry, VerifyReport};
use crate::crypto::{KeyRing, MasterKey};
use crate::jobs::{Job, JobCounts, NewJob};
use crate::{AuthError, StoreResult, TenantScope};

#[async_trait]
pub trait TenantStore: Send + Sync {
    /// The root tenant, created with `name` if the database has none yet. Idempotent.
    async fn ensure_provider(&self, name: &str, now: DateTime<Utc>) -> StoreResult<Tenant>;
    /// The root tenant, if any.
    async fn provider(&self) -> StoreResult<Option<Tenant>>;
    /// Creates a child tenant of `parent`, which must be visible to the scope.
    async fn create_tenant(
        &self,
        scope: &TenantScope,
        parent: TenantId,
        name: &str,
        kind: TenantKind,
        now: DateTime<Utc>,
    ) -> StoreResult<Tenant>;
    /// A tenant visible to the scope; `NotFound` otherwise.
    async fn tenant(&self, scope: &TenantScope, id: TenantId) -> StoreResult<Tenant>;
    /// Every tenant visible to the scope.
    async fn tenants(&self, scope: &TenantScope) -> StoreResult<Vec<Tenant>>;
    /// `id` followed by all its descendants. Used by the auth layer to build scopes; `NotFound`
    /// when the tenant does not exist.
    async fn subtree(&self, id: TenantId) -> StoreResult<Vec<TenantId>>;
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Creates a key for `new.tenant`, which must be visible to the scope.
    async fn create_key(
        &self,
        scope: &TenantScope,
        new: NewKey,
        now: DateTime<Utc>,
    ) -> StoreResult<CreatedKey>;
    /// Keys of every tenant visible to the scope, newest first.
    async fn keys(&self, scope: &TenantScope) -> StoreResult<Vec<ApiKey>>;
    /// Revokes a key visible to the scope. Revoking twice is a no-op that returns the key.
    async fn revoke_key(
        &self,
        scope: &TenantScope,
        id: ApiKeyId,
        now: DateTime<Utc>,
    ) -> StoreResult<ApiKey>;
    /// Turns a presented secret into the scope of its key. The only way the server gets a scope.
    async fn authenticate(
        &self,
        presented: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Result<TenantScope, AuthError>>;
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Events of one tenant visible to the scope, in chain order, after `after_seq`.
    async fn audit_events(
        &self,
        scope: &TenantScope,
        tenant: TenantId,
        after_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<AuditEntry>>;
    /// Walks every tenant's chain (operator command; not scoped).
    async fn verify_audit(&self) -> StoreResult<VerifyReport>;
}

#[async_trait]
pub trait JobStore: Send + Sync {
    /// Enqueues a job for the scope's tenant; returns `None` when an identical waiting job (same
    /// kind and dedupe key) already exists.
    async fn enqueue(
        &self,
        scope: &TenantScope,
        job: NewJob,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<JobId>>;
    /// Enqueues several jobs for the scope's tenant in one transaction (one commit, however
    /// many jobs), each deduped as [`JobStore::enqueue`] does; the result is in `jobs` order.
    async fn enqueue_many(
        &self,
        scope: &TenantScope,
        jobs: &[NewJob],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Option<JobId>>>;
    /// Claims the oldest due job of one of `kinds` (all kinds when empty) for `lease`; a job whose
    /// lease ran out (its worker died) can be claimed again.
    async fn claim_job(
        &self,
        kinds: &[&str],
        now: DateTime<Utc>,
        lease: Duration,
    ) -> StoreResult<Option<Job>>;
    async fn complete_job(&self, id: JobId, now: DateTime<Utc>) -> StoreResult<()>;
    /// Records a failure; `retry_at` `None` marks the job dead.
    async fn fail_job(
        &self,
        id: JobId,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn job_counts(&self) -> StoreResult<JobCounts>;
}

#[async_trait]
pub trait KeyRingStore: Send + Sync {
    /// The key ring this store encrypts with.
    fn key_ring(&self) -> &KeyRing;
    /// Re-wraps every stored data key under `new` in one transaction (the data itself is not
    /// touched). The running process keeps working; restart others with the new master key.
    async fn rotate_master_key(&self, new: &MasterKey, now: DateTime<Utc>) -> StoreResult<()>;
    /// Adds a new active data key; returns its id. Processes pick it up when they next open the
    /// store; until then they keep encrypting with the previous key, which stays valid.
    async fn add_data_key(&self, now: DateTime<Utc>) -> StoreResult<u32>;
}

/// Everything a backend provides.
#[async_trait]
pub trait Store:
    TenantStore
    + KeyStore
    + AuditStore
    + JobStore
    + KeyRingStore
    + crate::CustomerStore
    + crate::CustomerMigrationStore
    + crate::CaseStore
    + crate::ConsoleUserStore
    + crate::CustomerScheduleStore
    + crate::UsageStore
    + crate::AccessEventStore
    + crate::DocumentStore
    + crate::WebhookStore
    + crate::VerificationStore
    + crate::ListStore
    + crate::ScreeningDispositionStore
    + crate::MeasureStore
    + crate::ResellerStore
    + crate::ReportFigureStore
    + crate::RetentionStore
    + crate::OwnershipStore
    + std::fmt::Debug
{
    /// `"sqlite"` or `"postgres"`, for status pages.
    fn backend(&self) -> &'static str;
    /// A cheap round trip, for `/readyz`.
    async fn ping(&self) -> StoreResult<()>;
}

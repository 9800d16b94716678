use std::sync::Arc;

use cloudkyc_domain::Permission;
use cloudkyc_domain::rule_pack::RulePack;
use cloudkyc_store::{Store, TenantScope};

use crate::{AppError, AppResult, Clock};

/// The application: the store, the clock and the active rule pack every use case needs. Cheap to
/// clone; the server and the CLI each hold one.
#[derive(Clone)]
pub struct App {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    policy: Arc<RulePack>,
    /// The in-memory compute engines (issue 5), rebuilt from the store on first use.
    compute_engines: Arc<crate::usage::ComputeEngines>,
    /// The screening index, shared by every clone (issue 4).
    screening_index: Arc<crate::screening::ScreeningIndex>,
    /// The IP geolocation database access events are placed with; `None` only when this build
    /// bundles none and no provider database was given.
    geo: Option<cloudkyc_geo::Geo>,
    /// The per-tenant committers that write concurrent onboardings together (issue 3).
    customer_commits: Arc<crate::customers::commit::GroupCommit>,
    /// Where restricted-party lists are downloaded from (issue 4).
    list_sources: Arc<crate::lists::ListSources>,
    /// Changes other processes announce (PostgreSQL notifications); see `follow.rs`.
    change_signal: Option<tokio::sync::watch::Receiver<u64>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("store", &self.store.backend())
            .field("policy", &self.policy.policy_ref())
            .finish_non_exhaustive()
    }
}

impl App {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, policy: Arc<RulePack>) -> Self {
        let customer_commits = Arc::new(crate::customers::commit::GroupCommit::new(store.clone()));
        // Built from the store's list snapshots on first use (the bundled lists without any).
        let screening_index = Arc::new(crate::screening::ScreeningIndex::over(store.clone()));
        Self {
            customer_commits,
            store,
            clock,
            policy,
            compute_engines: Arc::default(),
            screening_index,
            list_sources: Arc::default(),
            change_signal: None,
            // The bundled database is read in place from the binary: nothing to copy or parse.
            geo: cloudkyc_geo::Geo::bundled().ok(),
        }
    }

    /// This app screening against `index` instead of the bundled lists.
    #[must_use]
    pub fn with_screening_index(mut self, index: cloudkyc_screening::Index) -> Self {
        self.screening_index = Arc::new(crate::screening::ScreeningIndex::with(index));
        self
    }

    /// This app placing access events with `geo` (a provider's own database) instead of the
    /// bundled one.
    #[must_use]
    pub fn with_geo(mut self, geo: cloudkyc_geo::Geo) -> Self {
        self.geo = Some(geo);
        self
    }

    /// The geolocation database in use, if any.
    pub fn geo(&self) -> Option<&cloudkyc_geo::Geo> {
        self.geo.as_ref()
    }

    pub(crate) fn set_list_sources(mut self, sources: Arc<crate::lists::ListSources>) -> Self {
        self.list_sources = sources;
        self
    }

    pub(crate) fn set_change_signal(mut self, signal: tokio::sync::watch::Receiver<u64>) -> Self {
        self.change_signal = Some(signal);
        self
    }

    pub(crate) fn change_signal(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        self.change_signal.clone()
    }

    pub(crate) fn list_sources(&self) -> &crate::lists::ListSources {
        &self.list_sources
    }

    pub(crate) fn screening_index(&self) -> &crate::screening::ScreeningIndex {
        &self.screening_index
    }

    pub(crate) fn customer_commits(&self) -> &crate::customers::commit::GroupCommit {
        &self.customer_commits
    }

    pub(crate) fn compute_engines(&self) -> &crate::usage::ComputeEngines {
        &self.compute_engines
    }

    /// The rule pack every decision is made under (and cites).
    pub fn policy(&self) -> &RulePack {
        &self.policy
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Refuses the use case unless the scope's role carries `permission`.
    pub(crate) fn require(scope: &TenantScope, permission: Permission) -> AppResult<()> {
        if scope.role().allows(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "the {} role may not do this",
                scope.role()
            )))
        }
    }

    /// Whether the database answers; `/readyz` uses it.
    pub async fn ready(&self) -> AppResult<()> {
        Ok(self.store.ping().await?)
    }
}

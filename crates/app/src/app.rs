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
        Self {
            store,
            clock,
            policy,
            compute_engines: Arc::default(),
            screening_index: Arc::default(),
        }
    }

    /// This app screening against `index` instead of the bundled lists.
    #[must_use]
    pub fn with_screening_index(mut self, index: cloudkyc_screening::Index) -> Self {
        self.screening_index = Arc::new(crate::screening::ScreeningIndex::with(index));
        self
    }

    pub(crate) fn screening_index(&self) -> &crate::screening::ScreeningIndex {
        &self.screening_index
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

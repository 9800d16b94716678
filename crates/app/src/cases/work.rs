//! Reading, listing and working cases.
//!
//! Reading needs `ReadAudit`: the roles that examine the compliance record (admin, officer,
//! analyst, auditor). Machine keys (integration, reseller) never see cases: a reseller learning
//! of a screening hit on its customer would be a tip-off. Commands need `WorkCases`; the domain
//! adds `DecideCases` for approving, rejecting, filing and reopening.

use cloudkyc_domain::Permission;
use cloudkyc_domain::cases::{CaseId, Command};
use cloudkyc_store::TenantScope;
use cloudkyc_store::cases::{CaseFilter, CaseRecord, NewAttachment};

use super::{actor, case_error};
use crate::{App, AppError, AppResult};

impl App {
    /// A case with its timeline; `NotFound` for a case of a tenant the scope cannot see.
    pub async fn case(&self, scope: &TenantScope, id: CaseId) -> AppResult<CaseRecord> {
        Self::require(scope, Permission::ReadAudit)?;
        Ok(self.store().case(scope, id).await?)
    }

    /// Cases of the scope's tenants matching `filter`, newest first (timelines not loaded).
    pub async fn cases(
        &self,
        scope: &TenantScope,
        filter: &CaseFilter,
    ) -> AppResult<Vec<CaseRecord>> {
        Self::require(scope, Permission::ReadAudit)?;
        Ok(self.store().cases(scope, filter).await?)
    }

    /// Applies `command` to the case as the scope's actor. With `expected_version` (what the
    /// caller last read), a case changed since is a `Conflict`; without, the command applies to
    /// the case as it is now, still refused if it changes between this read and the write.
    pub async fn work_case(
        &self,
        scope: &TenantScope,
        id: CaseId,
        expected_version: Option<i64>,
        command: Command,
    ) -> AppResult<CaseRecord> {
        self.apply_case_command(scope, id, expected_version, command, None)
            .await
    }

    pub(super) async fn apply_case_command(
        &self,
        scope: &TenantScope,
        id: CaseId,
        expected_version: Option<i64>,
        command: Command,
        attachment: Option<NewAttachment>,
    ) -> AppResult<CaseRecord> {
        Self::require(scope, Permission::WorkCases)?;
        let current = self.store().case(scope, id).await?;
        if let Some(expected) = expected_version
            && expected != current.version
        {
            return Err(AppError::Conflict(format!(
                "the case is at version {}, not {expected}: reload it and try again",
                current.version
            )));
        }
        let name = command.name();
        let now = self.now();
        let transition = current
            .case
            .apply(command, &actor(scope)?, now, &self.case_rules())
            .map_err(case_error)?;
        Ok(self
            .store()
            .save_transition(scope, current.version, &transition, name, attachment, now)
            .await?)
    }
}

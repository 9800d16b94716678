//! Opening cases: once per alert for the rules that raise them, or by hand for an officer.

use cloudkyc_domain::Permission;
use cloudkyc_domain::cases::{Case, CaseId, NewCase};
use cloudkyc_store::TenantScope;
use cloudkyc_store::cases::CaseRecord;

use super::{actor, case_error};
use crate::{App, AppError, AppResult};

/// The answer to [`App::raise_case`]: the case, and whether this call opened it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RaisedCase {
    pub id: CaseId,
    /// `false` when an open case of the same kind, subject and dedupe key already existed.
    pub created: bool,
}

/// Dedupe keys are identifiers chosen by code (a list entry id, an episode id), not free text.
const MAX_DEDUPE_KEY_CHARS: usize = 200;

impl App {
    /// Opens a case for the scope's tenant unless one that is not closed already exists with the
    /// same kind, subject and `dedupe_key`: raising the same alert twice opens one case. The pack
    /// sets the due date and the priority. Background jobs call it with
    /// [`App::system_scope`]; needs `WorkCases`.
    pub async fn raise_case(
        &self,
        scope: &TenantScope,
        new: NewCase,
        dedupe_key: &str,
    ) -> AppResult<RaisedCase> {
        Self::require(scope, Permission::WorkCases)?;
        if dedupe_key.chars().count() > MAX_DEDUPE_KEY_CHARS
            || dedupe_key.chars().any(char::is_control)
        {
            return Err(AppError::invalid(
                "/dedupe_key",
                "must be at most 200 characters without control characters",
            ));
        }
        let record = self.store_new_case(scope, new, Some(dedupe_key)).await?;
        Ok(RaisedCase {
            id: record.0.case.id(),
            created: record.1,
        })
    }

    /// Opens a case by hand (an officer's own concern, a records request from Commerce); no
    /// dedupe. Needs `WorkCases`.
    pub async fn open_case(&self, scope: &TenantScope, new: NewCase) -> AppResult<CaseRecord> {
        Self::require(scope, Permission::WorkCases)?;
        Ok(self.store_new_case(scope, new, None).await?.0)
    }

    async fn store_new_case(
        &self,
        scope: &TenantScope,
        new: NewCase,
        dedupe_key: Option<&str>,
    ) -> AppResult<(CaseRecord, bool)> {
        let now = self.now();
        let opened =
            Case::open(new, &self.case_rules(), actor(scope)?.id, now).map_err(case_error)?;
        let created = self
            .store()
            .create_case(scope, &opened, dedupe_key, now)
            .await?;
        Ok((created.record, created.created))
    }
}

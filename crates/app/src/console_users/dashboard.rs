//! The console dashboard's figures (issue 8), each from one store query: no loop over
//! customers, so it stays fast with any number of them.

use std::collections::BTreeMap;

use cloudkyc_domain::Permission;
use cloudkyc_domain::cases::{CaseKind, CaseStatus};
use cloudkyc_domain::cip::PersonStatus;
use cloudkyc_store::TenantScope;
use cloudkyc_store::cases::{CaseFilter, CaseRecord, MAX_CASES_LISTED};
use cloudkyc_store::customers::CipStatus;

use crate::lists::ListStatusView;
use crate::{App, AppResult};

/// What needs an officer's attention.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// Customers whose verification is pending.
    pub pending_verifications: u64,
    /// Foreign customers not (yet) verified: pending or failed.
    pub foreign_not_verified: u64,
    pub customers: u64,
    /// Open cases, overdue first, then by due date (undated last); `None` when the role may
    /// not read cases.
    pub open_cases: Option<Vec<CaseRecord>>,
    /// Open AI-training report cases.
    pub open_report_cases: u64,
    /// Every list in force with its age.
    pub lists: Vec<ListStatusView>,
    /// Resellers counted by status (`active`, `non_compliant`, ...); `None` when the role may not
    /// oversee resellers.
    pub resellers: Option<BTreeMap<String, u64>>,
}

impl App {
    pub async fn console_dashboard(&self, scope: &TenantScope) -> AppResult<Dashboard> {
        Self::require(scope, Permission::ReadCustomers)?;
        let counts = self
            .store()
            .customer_status_counts(scope, self.now())
            .await?;
        let sum = |keep: &dyn Fn(PersonStatus, CipStatus) -> bool| -> u64 {
            counts
                .iter()
                .filter(|c| keep(c.person_status, c.cip_status))
                .map(|c| c.count)
                .sum()
        };
        let pending_verifications = sum(&|_, cip| cip == CipStatus::Pending);
        let foreign_not_verified = sum(&|person, cip| {
            person == PersonStatus::Foreign && matches!(cip, CipStatus::Pending | CipStatus::Failed)
        });
        let customers = sum(&|_, _| true);
        let open_cases = if scope.role().allows(Permission::ReadAudit) {
            let filter = CaseFilter {
                open_only: true,
                limit: MAX_CASES_LISTED,
                ..CaseFilter::default()
            };
            let mut cases = self.cases(scope, &filter).await?;
            cases.retain(|c| c.case.status() != CaseStatus::Closed);
            cases.sort_by_key(|c| (c.case.due().is_none(), c.case.due(), c.case.opened_at()));
            Some(cases)
        } else {
            None
        };
        let open_report_cases = open_cases.as_ref().map_or(0, |cases| {
            cases
                .iter()
                .filter(|c| c.case.kind() == CaseKind::AiTrainingReport)
                .count() as u64
        });
        let resellers = if scope.role().allows(Permission::ManageResellers) {
            let mut by_status = BTreeMap::new();
            for record in self.store().resellers(scope).await? {
                *by_status
                    .entry(record.status.name().to_string())
                    .or_insert(0) += 1;
            }
            Some(by_status)
        } else {
            None
        };
        Ok(Dashboard {
            pending_verifications,
            foreign_not_verified,
            customers,
            open_cases,
            open_report_cases,
            lists: self.list_status(scope).await?,
            resellers,
        })
    }
}

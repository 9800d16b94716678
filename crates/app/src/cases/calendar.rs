//! The deadline calendar: every dated clock in one list, overdue and due-soon items flagged.
//!
//! Sources: the due dates of open cases (each case kind's clock: AI-training report, reseller
//! termination, records production, verification pending, the dates special-measure cases
//! carry) and, from [`clocks`](super::clocks), the next annual certification (taken as never
//! filed until certification reports are stored), special measures' effective and lapse dates
//! and foreign resellers' periodic reviews.

use chrono::{Days as ChronoDays, NaiveDate};
use cloudkyc_domain::Permission;
use cloudkyc_domain::cases::{Calendar, Case, calendar};
use cloudkyc_domain::rule_pack::Days;
use cloudkyc_store::TenantScope;
use cloudkyc_store::cases::{CaseDeadlineCounts, CaseFilter, MAX_CASES_LISTED};

use crate::{App, AppError, AppResult};

/// Items due within this many days are flagged "due soon" unless the caller asks otherwise.
pub const DUE_SOON_DAYS: u32 = 7;
/// The widest window a caller may ask for.
pub const MAX_WINDOW_DAYS: u32 = 366;

impl App {
    /// Today, in UTC: deadlines are days, and the product's clock is UTC.
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// The calendar of the scope's tenants as of today, flagging items due within
    /// `window_days` (default [`DUE_SOON_DAYS`]). Needs `ReadAudit`.
    pub async fn deadline_calendar(
        &self,
        scope: &TenantScope,
        window_days: Option<u32>,
    ) -> AppResult<Calendar> {
        Self::require(scope, Permission::ReadAudit)?;
        let window = window_days.unwrap_or(DUE_SOON_DAYS);
        if window == 0 || window > MAX_WINDOW_DAYS {
            return Err(AppError::invalid(
                "/window_days",
                format!("must be from 1 to {MAX_WINDOW_DAYS}"),
            ));
        }
        let today = self.today();
        let cases = self.open_cases(scope).await?;
        let other = self.other_clocks(scope, today).await?;
        Ok(calendar(&cases, other, today, Days::new(window)))
    }

    /// Every open case of the scope, page by page.
    async fn open_cases(&self, scope: &TenantScope) -> AppResult<Vec<Case>> {
        let mut cases = Vec::new();
        let mut filter = CaseFilter {
            open_only: true,
            limit: MAX_CASES_LISTED,
            ..CaseFilter::default()
        };
        loop {
            let page = self.store().cases(scope, &filter).await?;
            let full = page.len() >= MAX_CASES_LISTED as usize;
            filter.before = page.last().map(|r| r.case.id());
            cases.extend(page.into_iter().map(|r| r.case));
            if !full {
                return Ok(cases);
            }
        }
    }

    /// Open, overdue and due-soon (within [`DUE_SOON_DAYS`]) cases of every tenant, for
    /// `/metrics` (operator data: counts only, no tenant or subject).
    pub async fn case_deadline_counts(&self) -> AppResult<CaseDeadlineCounts> {
        let today = self.today();
        let soon = today
            .checked_add_days(ChronoDays::new(u64::from(DUE_SOON_DAYS)))
            .unwrap_or(today);
        Ok(self.store().case_deadline_counts(today, soon).await?)
    }
}

//! Records retention (rule-pack `[records]`, issue 7 item 10): a daily job crypto-shreds the
//! personal data of closed customers whose retention period has run out, as of the app clock,
//! unless a legal hold stops it. Officers place and release holds; anyone who reads customers
//! can see what is due, held and purged.

mod job;
mod overview;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use cloudkyc_domain::Permission;
use cloudkyc_domain::rule_pack::RetentionAnchor;
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::retention::{
    CustomerRetention, LegalHold, MAX_REASON, RetentionCounts, RetentionQuery,
};
use serde::Serialize;

pub use job::{PurgeExpiredRecords, RETENTION_JOB};
pub use overview::{MAX_LISTED, RetentionOverview};

use crate::{App, AppError, AppResult};

/// Customers purged per page of the daily run; each is its own transaction.
const PAGE: u32 = 100;

/// What `GET /v1/retention` answers: the cutoffs in force now and the counts under them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetentionStatus {
    pub as_of: DateTime<Utc>,
    pub retention_years: u32,
    pub retention_from: RetentionAnchor,
    /// Customers closed before this instant have run out of retention (when the anchor uses it).
    pub closed_before: Option<DateTime<Utc>>,
    /// Customers last accessed before this instant have run out (when the anchor uses it).
    pub last_access_before: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub counts: RetentionCounts,
}

/// What one run of the job did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RetentionRun {
    pub purged: Vec<CustomerId>,
    /// Expired when listed, refused when purged (a hold placed meanwhile): left for the next run.
    pub skipped: u64,
    /// Whether the old versions of the purged rows were reclaimed after the purges (see
    /// `RetentionStore::reclaim_purged_space`); `false` when nothing was purged or it failed
    /// (logged; the next run that purges tries again).
    pub space_reclaimed: bool,
}

/// A hold or release reason: required, trimmed, bounded.
fn reason(text: &str) -> AppResult<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(AppError::invalid("/reason", "a reason is required"));
    }
    if trimmed.chars().count() > MAX_REASON {
        return Err(AppError::invalid(
            "/reason",
            format!("at most {MAX_REASON} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

impl App {
    /// The cutoffs of the pack's `[records]` as of `now`: the retention period before `now`,
    /// applied to closure, last access or both (the later of the two must be before it).
    pub fn retention_query(&self, now: DateTime<Utc>) -> RetentionQuery {
        let records = self.policy().records();
        let cutoff = now.checked_sub_months(records.retention_years.as_chrono_months());
        let (closure, access) = match records.retention_from {
            RetentionAnchor::Later => (true, true),
            RetentionAnchor::Closure => (true, false),
            RetentionAnchor::LastAccess => (false, true),
        };
        let Some(cutoff) = cutoff else {
            // A period reaching before the calendar starts: nothing can have run out.
            return RetentionQuery {
                closed_before: Some(DateTime::UNIX_EPOCH),
                last_access_before: None,
            };
        };
        RetentionQuery {
            closed_before: closure.then_some(cutoff),
            last_access_before: access.then_some(cutoff),
        }
    }

    /// Purges every expired, unheld customer of the scope's tenants (the daily job's work).
    pub async fn purge_expired_records(&self, scope: &TenantScope) -> AppResult<RetentionRun> {
        Self::require(scope, Permission::ManageTenants)?;
        let now = self.now();
        let query = self.retention_query(now);
        let mut run = RetentionRun::default();
        let mut after = None;
        loop {
            let page = self
                .store()
                .expired_customers(scope, query, after, PAGE)
                .await?;
            for expired in &page {
                match self
                    .store()
                    .purge_customer(scope, expired.id, query, now)
                    .await
                {
                    Ok(receipt) => run.purged.push(receipt.customer),
                    Err(cloudkyc_store::StoreError::Conflict(why)) => {
                        tracing::info!(customer = %expired.id, %why, "retention purge skipped");
                        run.skipped += 1;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            match page.last() {
                Some(last) if page.len() == PAGE as usize => after = Some(last.id),
                _ => break,
            }
        }
        if !run.purged.is_empty() {
            // The purges have committed: a failure here leaves old row versions to the
            // database's own vacuum, it does not undo them.
            match self.store().reclaim_purged_space().await {
                Ok(()) => run.space_reclaimed = true,
                Err(error) => tracing::warn!(%error, "reclaiming purged space failed"),
            }
        }
        Ok(run)
    }

    /// Places a legal hold: the customer's records are kept until it is released.
    pub async fn place_legal_hold(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        why: &str,
    ) -> AppResult<LegalHold> {
        Self::require(scope, Permission::DecideCases)?;
        let why = reason(why)?;
        let hold = self
            .store()
            .place_legal_hold(scope, customer, &why, self.now())
            .await?;
        Ok(hold)
    }

    /// Releases the legal hold in force; the next daily run purges the customer if expired.
    pub async fn release_legal_hold(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        why: &str,
    ) -> AppResult<LegalHold> {
        Self::require(scope, Permission::DecideCases)?;
        let why = reason(why)?;
        let hold = self
            .store()
            .release_legal_hold(scope, customer, &why, self.now())
            .await?;
        Ok(hold)
    }

    /// The cutoffs in force and how many customers are due, held and purged.
    pub async fn retention_status(&self, scope: &TenantScope) -> AppResult<RetentionStatus> {
        Self::require(scope, Permission::ReadCustomers)?;
        let now = self.now();
        let query = self.retention_query(now);
        let counts = self.store().retention_counts(scope, query).await?;
        let records = self.policy().records();
        Ok(RetentionStatus {
            as_of: now,
            retention_years: records.retention_years.get(),
            retention_from: records.retention_from,
            closed_before: query.closed_before,
            last_access_before: query.last_access_before,
            counts,
        })
    }

    /// One customer's retention state; answers for purged customers, whose personal data is
    /// gone (reading the customer itself then answers a conflict saying so).
    pub async fn customer_retention(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
    ) -> AppResult<CustomerRetention> {
        Self::require(scope, Permission::ReadCustomers)?;
        Ok(self.store().customer_retention(scope, customer).await?)
    }
}

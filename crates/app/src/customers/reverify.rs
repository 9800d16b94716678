//! The ongoing duties' daily sweep (issue 3, item 7): periodic re-verification per risk tier
//! (`[verification.<tier>].reverify_after_months`) and the end of restricted use for a customer
//! pending longer than `[access.pending].max_days`, which the pack treats as failed.
//!
//! The store finds the due customers from plaintext schedule columns (no decryption); the pack
//! turns into per-tier cutoffs here, at day granularity: a customer verified on day `d` is due on
//! `d` plus the tier's months (chrono clamps 31 January + 1 month to 28/29 February), and the sweep
//! running on `today` asks for everyone verified on or before the last day whose due date has come.

use async_trait::async_trait;
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use cloudkyc_domain::Permission;
use cloudkyc_domain::rule_pack::{FailureAction, RiskTier, RulePack};
use cloudkyc_store::TenantScope;
use cloudkyc_store::customer_schedule::{DueCustomer, DueQuery, Duty};
use cloudkyc_store::customer_updates::CustomerChange;
use cloudkyc_store::customers::{AccountAccess, CipStatus, CustomerId};
use cloudkyc_store::jobs::Job;
use cloudkyc_store::verifications::{Evidence, NewVerification, VerificationState};
use serde::Serialize;

use super::redecide::Redecision;
use super::{AccessChange, Sealed, lookups, record};
use crate::jobs::JobHandler;
use crate::{App, AppResult};

/// The daily sweep's job kind.
pub const REVERIFY_DUE_JOB: &str = "customers.reverify_due";

/// The audit action of a periodic re-verification.
pub const REVERIFIED: &str = "customer.reverify";

/// The audit action of a pending verification that ran out of time.
pub const PENDING_EXPIRED: &str = "customer.pending_expired";

/// How many due customers the sweep reads at a time.
const PAGE: u32 = 100;

/// The day a customer verified on `verified_on` is due for re-verification.
pub fn reverify_due_on(verified_on: NaiveDate, every: Months) -> NaiveDate {
    verified_on
        .checked_add_months(every)
        .unwrap_or(NaiveDate::MAX)
}

/// The last verification day whose re-verification is due by `today`: everyone verified on or
/// before it is due. On the last day of a month every day of the month `every` earlier is due
/// (its later days were clamped to today), which is why this is not simply `today - every`.
pub fn last_day_due(today: NaiveDate, every: Months) -> NaiveDate {
    let back = today.checked_sub_months(every).unwrap_or(NaiveDate::MIN);
    if is_last_day_of_month(today) {
        last_day_of_month(back)
    } else {
        back
    }
}

fn last_day_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1)
        .and_then(|first| first.checked_add_months(Months::new(1)))
        .and_then(|next| next.pred_opt())
        .unwrap_or(day)
}

fn is_last_day_of_month(day: NaiveDate) -> bool {
    day.succ_opt()
        .is_none_or(|next| next.month() != day.month())
}

/// The last instant of `day` (UTC), so that a cutoff includes the whole day.
fn end_of_day(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_micro_opt(23, 59, 59, 999_999)
        .map_or(DateTime::<Utc>::MAX_UTC, |t| t.and_utc())
}

/// What the sweep running at `now` asks the store for, from the pack: per-tier verification
/// cutoffs and the start of a pending run that has lasted `[access.pending].max_days`.
pub fn due_query(
    pack: &RulePack,
    now: DateTime<Utc>,
    after: Option<CustomerId>,
    limit: u32,
) -> DueQuery {
    let today = now.date_naive();
    let verified_before = RiskTier::ALL
        .into_iter()
        .map(|tier| {
            let every = pack.verification().for_tier(tier).reverify_after_months;
            (tier, end_of_day(last_day_due(today, every.as_chrono())))
        })
        .collect();
    DueQuery {
        verified_before,
        pending_before: Some(now - pack.access().pending.max_days.as_time_delta()),
        after,
        limit,
    }
}

/// The reason recorded on a periodic re-verification.
pub fn reverify_reason(tier: RiskTier, every_months: u32) -> String {
    format!("periodic re-verification due (tier {tier}, every {every_months} months)")
}

/// What one sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Customers decided again because their re-verification was due.
    pub reverified: u32,
    /// Customers pending too long, now failed.
    pub expired: u32,
    /// Customers that could not be processed (logged by id; the next sweep tries again).
    pub errors: u32,
}

/// The decision for a customer pending longer than the pack allows: verification failed, with
/// the pack's `[access.failed]` action, never more access than the customer had.
pub fn expired_access(pack: &RulePack, current: AccountAccess) -> AccountAccess {
    match pack.access().failed.action {
        FailureAction::Close => AccountAccess::Closed,
        FailureAction::Restrict if current == AccountAccess::None => AccountAccess::None,
        FailureAction::Restrict => AccountAccess::Restricted,
    }
}

fn access_word(access: AccountAccess) -> &'static str {
    match access {
        AccountAccess::None => "none",
        AccountAccess::Restricted => "restricted",
        AccountAccess::Full => "full",
        AccountAccess::Closed => "closed",
    }
}

impl App {
    /// Runs the ongoing duties over the scope's customers as of now: every customer due for
    /// periodic re-verification is decided again; every customer pending longer than
    /// `[access.pending].max_days` is failed. One customer's error does not stop the others.
    /// Needs `DecideCases` (the job runs as the system, with the provider's scope).
    pub async fn sweep_ongoing_duties(&self, scope: &TenantScope) -> AppResult<SweepReport> {
        Self::require(scope, Permission::DecideCases)?;
        let mut report = SweepReport::default();
        let mut after = None;
        loop {
            let query = due_query(self.policy(), self.now(), after, PAGE);
            let due = self.store().customers_due(scope, &query).await?;
            let Some(last) = due.last() else {
                break;
            };
            after = Some(last.id);
            for customer in &due {
                match self.perform_duty(scope, customer).await {
                    Ok(Duty::Reverify { .. }) => report.reverified += 1,
                    Ok(Duty::PendingTooLong { .. }) => report.expired += 1,
                    Err(error) => {
                        report.errors += 1;
                        tracing::warn!(customer = %customer.id, %error, "ongoing duty failed; the next sweep retries");
                    }
                }
            }
            if due.len() < PAGE as usize {
                break;
            }
        }
        tracing::info!(
            reverified = report.reverified,
            expired = report.expired,
            errors = report.errors,
            "ongoing-duties sweep"
        );
        Ok(report)
    }

    async fn perform_duty(&self, scope: &TenantScope, due: &DueCustomer) -> AppResult<Duty> {
        match due.duty {
            Duty::Reverify { tier, .. } => {
                let every = self
                    .policy()
                    .verification()
                    .for_tier(tier)
                    .reverify_after_months
                    .get();
                let current = record(self.store().customer(scope, due.id).await?)?;
                if current.decision.cip_status != CipStatus::Verified {
                    return Ok(due.duty);
                }
                let mut change = Redecision::new(REVERIFIED, reverify_reason(tier, every));
                // Without the access countries `ip_geolocation` could not run, and a customer
                // verified by it would fall back to pending.
                change.access_countries = self.access_countries(scope, &current).await?;
                self.redecide(scope, current, change).await?;
            }
            Duty::PendingTooLong { since } => self.fail_expired(scope, due.id, since).await?,
        }
        Ok(due.duty)
    }

    /// Fails a customer whose verification stayed pending too long, keeping its data and checks.
    async fn fail_expired(
        &self,
        scope: &TenantScope,
        id: CustomerId,
        since: DateTime<Utc>,
    ) -> AppResult<()> {
        let stored = self.store().customer(scope, id).await?;
        if stored.decision.cip_status != CipStatus::Pending {
            return Ok(());
        }
        let pack = self.policy();
        let now = self.now();
        let max_days = pack.access().pending.max_days;
        let mut decision = stored.decision.clone();
        let from = decision.account_access;
        decision.cip_status = CipStatus::Failed;
        decision.account_access = expired_access(pack, from);
        decision.reasons.push(format!(
            "verification pending since {}, longer than the pack's {max_days}: treated as failed, account access {}",
            since.date_naive(),
            access_word(decision.account_access),
        ));
        let policy = pack.policy_ref();
        decision.policy_id = policy.id;
        decision.policy_version = policy.version;
        let sealed: Sealed = serde_json::from_value(stored.personal.clone()).map_err(|e| {
            crate::AppError::Internal(format!("stored customer {id} does not decode: {e}"))
        })?;
        let notice = AccessChange {
            tenant: stored.tenant,
            customer: id,
            accounts: stored.accounts.clone(),
            from,
            to: decision.account_access,
            cip_status: decision.cip_status,
            cause: PENDING_EXPIRED.to_owned(),
            at: now,
        };
        // The decision is recorded as evidence, as every redecision records its own.
        let recorded = NewVerification {
            customer: id,
            evidence: Evidence::Decision {
                action: PENDING_EXPIRED.to_owned(),
                cip_status: decision.cip_status,
                account_access: decision.account_access,
                checks: sealed.checks.clone(),
            },
            state: VerificationState::Recorded,
            event_id: None,
        };
        let mut change = CustomerChange::new(
            PENDING_EXPIRED,
            decision,
            stored.personal,
            lookups(&sealed.customer),
            stored.updated_at,
        );
        change.jobs.extend(notice.job());
        change.verifications.push(recorded);
        self.store().update_customer(scope, id, change, now).await?;
        Ok(())
    }

    /// Schedules the next sweep (idempotent per day).
    pub async fn schedule_ongoing_duties(
        &self,
        scope: &TenantScope,
        in_: Duration,
    ) -> AppResult<()> {
        self.schedule_daily(scope, REVERIFY_DUE_JOB, in_).await
    }
}

/// Runs the daily sweep over the job's tenant and its descendants, then schedules the next.
#[derive(Debug)]
pub struct OngoingDutiesSweep;

#[async_trait]
impl JobHandler for OngoingDutiesSweep {
    fn kind(&self) -> &'static str {
        REVERIFY_DUE_JOB
    }

    async fn run(&self, app: &App, job: &Job) -> Result<(), String> {
        let scope = app
            .system_scope(Some(job.tenant), REVERIFY_DUE_JOB)
            .await
            .map_err(|e| e.to_string())?;
        app.sweep_ongoing_duties(&scope)
            .await
            .map_err(|e| e.to_string())?;
        app.schedule_ongoing_duties(&scope, Duration::days(1))
            .await
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a real date")
    }

    #[test]
    fn due_dates_clamp_at_month_ends() {
        let one = Months::new(1);
        assert_eq!(reverify_due_on(day(2025, 1, 31), one), day(2025, 2, 28));
        assert_eq!(reverify_due_on(day(2024, 1, 31), one), day(2024, 2, 29));
        assert_eq!(
            reverify_due_on(day(2024, 2, 29), Months::new(12)),
            day(2025, 2, 28)
        );
        assert_eq!(
            reverify_due_on(day(2023, 11, 30), Months::new(36)),
            day(2026, 11, 30)
        );
    }

    #[test]
    fn the_last_due_day_includes_the_clamped_days_of_the_month() {
        // On 28 February 2025, 12 months: 28 and 29 February 2024 are both due.
        assert_eq!(
            last_day_due(day(2025, 2, 28), Months::new(12)),
            day(2024, 2, 29)
        );
        // On 28 February 2025, 1 month: 28-31 January are due (each clamped to 28 February).
        assert_eq!(
            last_day_due(day(2025, 2, 28), Months::new(1)),
            day(2025, 1, 31)
        );
        // On 30 March, 1 month: February had 28 days, all due by 28 March.
        assert_eq!(
            last_day_due(day(2025, 3, 30), Months::new(1)),
            day(2025, 2, 28)
        );
        // An ordinary day: exactly the months before.
        assert_eq!(
            last_day_due(day(2026, 6, 15), Months::new(24)),
            day(2024, 6, 15)
        );
        // 30 April is the last day: 30 and 31 March are due.
        assert_eq!(
            last_day_due(day(2026, 4, 30), Months::new(1)),
            day(2026, 3, 31)
        );
    }

    #[test]
    fn the_cutoff_is_exactly_where_due_dates_pass_today() {
        // Every day of three years, for every interval the bundled pack uses and a short one:
        // the last due day is due, the day after it is not (due dates only grow with the day).
        let mut today = day(2023, 1, 1);
        while today <= day(2026, 12, 31) {
            for months in [1, 12, 24, 36] {
                let every = Months::new(months);
                let last = last_day_due(today, every);
                assert!(reverify_due_on(last, every) <= today, "{today} {months}");
                let next = last.succ_opt().expect("a next day");
                assert!(reverify_due_on(next, every) > today, "{today} {months}");
            }
            today = today.succ_opt().expect("a next day");
        }
    }

    #[test]
    fn a_pending_customer_out_of_time_never_gains_access() {
        let close = RulePack::bundled(cloudkyc_domain::rule_pack::DEFAULT_PACK_ID)
            .expect("the bundled pack");
        assert_eq!(
            expired_access(&close, AccountAccess::Restricted),
            AccountAccess::Closed
        );
        let source = RulePack::bundled_source(cloudkyc_domain::rule_pack::DEFAULT_PACK_ID)
            .expect("the bundled source")
            .replace("action = \"close\"", "action = \"restrict\"");
        let restrict = RulePack::from_toml_str(&source).expect("a valid pack");
        assert_eq!(
            expired_access(&restrict, AccountAccess::Restricted),
            AccountAccess::Restricted
        );
        assert_eq!(
            expired_access(&restrict, AccountAccess::None),
            AccountAccess::None,
            "an account never opened stays unopened"
        );
    }

    #[test]
    fn the_query_takes_the_pack_intervals_and_pending_limit() {
        let pack = RulePack::bundled(cloudkyc_domain::rule_pack::DEFAULT_PACK_ID)
            .expect("the bundled pack");
        let now = day(2026, 11, 29)
            .and_hms_opt(6, 0, 0)
            .expect("a time")
            .and_utc();
        let q = due_query(&pack, now, None, 50);
        let cutoff = |tier| q.verified_cutoff(tier).map(|t| t.date_naive());
        assert_eq!(cutoff(RiskTier::High), Some(day(2025, 11, 29)));
        assert_eq!(cutoff(RiskTier::Medium), Some(day(2024, 11, 29)));
        assert_eq!(cutoff(RiskTier::Low), Some(day(2023, 11, 29)));
        assert_eq!(
            q.verified_cutoff(RiskTier::High)
                .map(|t| t.time().to_string()),
            Some("23:59:59.999999".to_owned())
        );
        assert_eq!(q.pending_before, Some(now - Duration::days(30)));
        assert_eq!(
            reverify_reason(RiskTier::High, 12),
            "periodic re-verification due (tier high, every 12 months)"
        );
    }
}

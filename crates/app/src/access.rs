//! The access and administration IP log (issue 3 item 6): bulk ingestion with the country
//! attached from the geolocation database, per-account summaries with the review flag, the
//! countries verification compares with the claimed location, and the retention purge job.
//!
//! The review flag is derived, not stored: an account whose customer is recorded as a U.S.
//! person and that was accessed from a country other than the United States is flagged in its
//! summary for as long as both hold. When a batch brings such an access, the batch also
//! enqueues (in its own transaction) a `customer.redetermine` job for the customer, deduplicated
//! on the customer id while one is waiting, so the recorded status is re-examined.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Months, Utc};
use cloudkyc_domain::cip::{CountryCode, IpAddress, PersonStatus};
use cloudkyc_domain::rule_pack::RetentionAnchor;
use cloudkyc_domain::{Permission, TenantId};
use cloudkyc_store::TenantScope;
use cloudkyc_store::access::{
    AccessAction, AccessEvent, AccessSummary, AccountHolder, PurgeOutcome,
};
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::jobs::{Job, NewJob};
use serde::{Deserialize, Serialize};

use crate::customers::CustomerRecord;
use crate::jobs::JobHandler;
use crate::usage::{RejectedRecord, decode};
use crate::{App, AppError, AppResult};

/// The job B3's handler re-runs the determination with (see the cross-helper contract).
pub const REDETERMINE_JOB: &str = "customer.redetermine";
/// The daily retention purge.
pub const PURGE_JOB: &str = "access_events.purge";
/// The review flag's kind.
pub const FOREIGN_ACCESS_TO_US_PERSON: &str = "foreign_access_to_us_person";
/// Longest id or account accepted (they are the provider's references, not free text).
const MAX_REFERENCE_CHARS: usize = 200;
/// How far in the future an access may be dated: clocks drift, but not by hours.
const FUTURE_TOLERANCE_MINUTES: i64 = 60;
/// Events listed per account by `access_events`.
pub const MAX_LISTED_EVENTS: u32 = 1_000;

/// One record of a bulk body, as sent. Strings throughout, so every field's problem is reported
/// in words of its own rather than as one parse error; unknown extra fields are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct AccessEventInput {
    pub id: String,
    /// The provider's external account id.
    pub account: String,
    pub ip: String,
    /// RFC 3339.
    pub at: String,
    /// `login`, `logout`, `api`, `console`, `admin` or `ssh`.
    pub action: String,
}

/// A customer recorded as a U.S. person whose accounts were used from elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewFlag {
    /// `foreign_access_to_us_person`.
    pub kind: &'static str,
    pub customer: CustomerId,
    pub accounts: Vec<String>,
    /// The countries other than the United States the accounts were accessed from.
    pub countries: Vec<CountryCode>,
    pub reason: String,
}

/// The answer to a bulk body of access events.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AccessIngestReport {
    pub accepted: usize,
    pub duplicate: usize,
    pub rejected: Vec<RejectedRecord>,
    /// Customers this batch flagged for review (a re-determination was queued for each).
    pub review_flags: Vec<ReviewFlag>,
}

/// What `access_summary` answers: the store's summary, the holder and the derived flags.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountAccessSummary {
    #[serde(flatten)]
    pub summary: AccessSummary,
    /// The customer holding the account.
    pub customer: CustomerId,
    pub review_flags: Vec<ReviewFlag>,
}

/// A record that passed the field checks, before its account is looked up.
struct Checked {
    index: usize,
    event: AccessEvent,
}

fn check_reference(field: &str, value: &str, reasons: &mut Vec<String>) {
    if value.trim().is_empty() {
        reasons.push(format!("{field}: must not be empty"));
    } else if value.chars().count() > MAX_REFERENCE_CHARS {
        reasons.push(format!(
            "{field}: must be at most {MAX_REFERENCE_CHARS} characters"
        ));
    }
}

/// Every problem of one record at once (each starting with its field), or the event (country
/// not yet attached).
fn check(input: AccessEventInput, now: DateTime<Utc>) -> Result<AccessEvent, Vec<String>> {
    let mut reasons = Vec::new();
    check_reference("id", &input.id, &mut reasons);
    check_reference("account", &input.account, &mut reasons);
    let ip = IpAddress::parse(&input.ip)
        .map_err(|e| reasons.push(format!("ip: {e}")))
        .ok();
    let at = match DateTime::parse_from_rfc3339(&input.at) {
        Ok(at) if at.with_timezone(&Utc) > now + Duration::minutes(FUTURE_TOLERANCE_MINUTES) => {
            reasons.push(format!("at: {} is in the future", input.at));
            None
        }
        Ok(at) => Some(at.with_timezone(&Utc)),
        Err(_) => {
            reasons.push("at: must be an RFC 3339 date-time such as 2026-11-01T08:15:00Z".into());
            None
        }
    };
    let action = input
        .action
        .parse::<AccessAction>()
        .map_err(|e| reasons.push(format!("action: {e}")))
        .ok();
    match (ip, at, action) {
        (Some(ip), Some(at), Some(action)) if reasons.is_empty() => Ok(AccessEvent {
            id: input.id,
            account: input.account,
            ip,
            at,
            action,
            country: None,
        }),
        _ => Err(reasons),
    }
}

/// The review flags of a set of events (with countries) and the holders of their accounts.
fn review_flags<'a>(
    events: impl IntoIterator<Item = &'a AccessEvent>,
    holders: &HashMap<&str, &AccountHolder>,
) -> Vec<ReviewFlag> {
    let mut by_customer: BTreeMap<CustomerId, (BTreeSet<String>, BTreeSet<CountryCode>)> =
        BTreeMap::new();
    for event in events {
        let Some(country) = event.country.filter(|c| !c.is_us()) else {
            continue;
        };
        let Some(holder) = holders.get(event.account.as_str()) else {
            continue;
        };
        if holder.person_status == PersonStatus::Us {
            let entry = by_customer.entry(holder.customer).or_default();
            entry.0.insert(event.account.clone());
            entry.1.insert(country);
        }
    }
    by_customer
        .into_iter()
        .map(|(customer, (accounts, countries))| flag(customer, accounts, countries))
        .collect()
}

fn flag(
    customer: CustomerId,
    accounts: BTreeSet<String>,
    countries: BTreeSet<CountryCode>,
) -> ReviewFlag {
    let places: Vec<String> = countries
        .iter()
        .map(|c| format!("{} ({})", c.as_str(), c.name()))
        .collect();
    let accounts: Vec<String> = accounts.into_iter().collect();
    ReviewFlag {
        kind: FOREIGN_ACCESS_TO_US_PERSON,
        reason: format!(
            "account(s) {} of a customer recorded as a U.S. person accessed from {}",
            accounts.join(", "),
            places.join(", ")
        ),
        customer,
        accounts,
        countries: countries.into_iter().collect(),
    }
}

fn redetermine_job(flag: &ReviewFlag, now: DateTime<Utc>) -> NewJob {
    NewJob {
        kind: REDETERMINE_JOB.to_owned(),
        payload: serde_json::json!({
            "customer": flag.customer.to_string(),
            "reason": flag.reason,
        }),
        run_at: now,
        dedupe_key: Some(flag.customer.to_string()),
        queued_key: None,
    }
}

impl App {
    /// Refuses a scope that may not ingest access events, before the body is looked at.
    pub fn can_ingest_access_events(scope: &TenantScope) -> AppResult<()> {
        Self::require(scope, Permission::IngestTelemetry)
    }

    /// `POST /v1/access-events` and `cloudkyc access import`: a JSON array or NDJSON of access
    /// events for accounts of the scope's own tenant. Each record is checked on its own (id,
    /// account, address, time not in the future, known action, an account of one of the
    /// tenant's customers); the valid ones get their country and are stored in one transaction
    /// (idempotent on the id) with one audit event and a re-determination job per customer
    /// recorded as a U.S. person that the batch shows accessed from abroad.
    pub async fn ingest_access_events(
        &self,
        scope: &TenantScope,
        body: &[u8],
    ) -> AppResult<AccessIngestReport> {
        Self::can_ingest_access_events(scope)?;
        let now = self.now();
        let items = decode::<AccessEventInput>(body)?;
        let mut report = AccessIngestReport::default();
        let mut checked = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            // Not JSON, or a field missing or of the wrong type: the decoder's words.
            let input = match item {
                Ok(input) => input,
                Err(r) => {
                    report.rejected.push(RejectedRecord::new(index, r));
                    continue;
                }
            };
            let id = input.id.clone();
            match check(input, now) {
                Ok(event) => checked.push(Checked { index, event }),
                Err(reasons) => report.rejected.push(RejectedRecord {
                    id: Some(id),
                    index,
                    reasons,
                }),
            }
        }
        let accounts: Vec<String> = checked
            .iter()
            .map(|c| c.event.account.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(str::to_owned)
            .collect();
        let holders = self.store().account_holders(scope, &accounts).await?;
        let holders: HashMap<&str, &AccountHolder> =
            holders.iter().map(|h| (h.account.as_str(), h)).collect();
        let geo = self.geo();
        let mut events = Vec::with_capacity(checked.len());
        for Checked { index, mut event } in checked {
            if !holders.contains_key(event.account.as_str()) {
                report.rejected.push(RejectedRecord {
                    id: Some(event.id),
                    index,
                    reasons: vec![
                        "account: no customer of this tenant holds this account".to_owned(),
                    ],
                });
                continue;
            }
            event.country = geo.and_then(|g| g.country(event.ip));
            events.push(event);
        }
        report.rejected.sort_by_key(|r| r.index);
        let flags = review_flags(&events, &holders);
        let jobs: Vec<NewJob> = flags.iter().map(|f| redetermine_job(f, now)).collect();
        let outcome = self
            .store()
            .insert_access_events(scope, &events, &jobs, now)
            .await?;
        report.accepted = outcome.accepted.len();
        report.duplicate = outcome.duplicate.len();
        report.review_flags = flags;
        Ok(report)
    }

    /// `GET /v1/access-events/summary?account=`: distinct addresses and countries, first and
    /// last access, event count and the review flags of one of the scope's tenant's accounts.
    /// An account no customer of the tenant holds is `NotFound`.
    pub async fn access_summary(
        &self,
        scope: &TenantScope,
        account: &str,
    ) -> AppResult<AccountAccessSummary> {
        Self::require(scope, Permission::ReadCustomers)?;
        let holders = self
            .store()
            .account_holders(scope, &[account.to_owned()])
            .await?;
        let holder = holders
            .first()
            .ok_or_else(|| AppError::NotFound("account".to_owned()))?;
        let summary = self.store().access_summary(scope, account).await?;
        let review_flags = if holder.person_status == PersonStatus::Us {
            let foreign: BTreeSet<CountryCode> = summary
                .countries
                .iter()
                .copied()
                .filter(|c| !c.is_us())
                .collect();
            if foreign.is_empty() {
                Vec::new()
            } else {
                vec![flag(
                    holder.customer,
                    BTreeSet::from([account.to_owned()]),
                    foreign,
                )]
            }
        } else {
            Vec::new()
        };
        Ok(AccountAccessSummary {
            summary,
            customer: holder.customer,
            review_flags,
        })
    }

    /// The newest events of one of the tenant's accounts, addresses opened (records production).
    pub async fn access_events(
        &self,
        scope: &TenantScope,
        account: &str,
        limit: u32,
    ) -> AppResult<Vec<AccessEvent>> {
        Self::require(scope, Permission::ReadCustomers)?;
        Ok(self
            .store()
            .access_events(scope, account, limit.min(MAX_LISTED_EVENTS))
            .await?)
    }

    /// The distinct countries the customer's accounts were accessed from (as placed at
    /// ingestion), in code order: what verification's `ip_geolocation` check and
    /// re-determination compare with the claimed location.
    pub async fn access_countries(
        &self,
        scope: &TenantScope,
        customer: &CustomerRecord,
    ) -> AppResult<Vec<CountryCode>> {
        Self::require(scope, Permission::ReadCustomers)?;
        Ok(self
            .store()
            .access_countries(scope, customer.tenant, &customer.accounts)
            .await?)
    }

    /// The instant before which an account's last access makes its events purgeable, under the
    /// pack's `[records]`; `None` when the pack anchors retention on account closure, which the
    /// log does not know (nothing is purged then).
    pub fn access_retention_cutoff(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let records = self.policy().records();
        if records.retention_from == RetentionAnchor::Closure {
            return None;
        }
        now.checked_sub_months(Months::new(
            records.retention_years.get().saturating_mul(12),
        ))
    }

    /// Deletes the events of every account of the scope's tenants whose last access is older
    /// than the retention period, with one audit event per tenant (the daily job's work).
    pub async fn purge_access_events(&self, scope: &TenantScope) -> AppResult<PurgeOutcome> {
        Self::require(scope, Permission::ManageTenants)?;
        let now = self.now();
        let Some(cutoff) = self.access_retention_cutoff(now) else {
            tracing::info!("access log retention runs from account closure; nothing purged");
            return Ok(PurgeOutcome::default());
        };
        Ok(self.store().purge_access_events(scope, cutoff, now).await?)
    }

    /// Schedules the next daily purge for `tenant` and its subtree (idempotent per day).
    pub async fn schedule_access_purge(&self, tenant: TenantId, in_: Duration) -> AppResult<()> {
        let scope = self.system_scope(Some(tenant), PURGE_JOB).await?;
        self.schedule_daily(&scope, PURGE_JOB, in_).await
    }
}

/// `access_events.purge`: the retention purge, once a day.
#[derive(Debug)]
pub struct PurgeAccessEvents;

#[async_trait]
impl JobHandler for PurgeAccessEvents {
    fn kind(&self) -> &'static str {
        PURGE_JOB
    }

    async fn run(&self, app: &App, job: &Job) -> Result<(), String> {
        let scope = app
            .system_scope(Some(job.tenant), PURGE_JOB)
            .await
            .map_err(|e| e.to_string())?;
        let purged = app
            .purge_access_events(&scope)
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(
            accounts = purged.accounts,
            events = purged.events,
            "access log retention purge"
        );
        app.schedule_access_purge(job.tenant, Duration::days(1))
            .await
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-02T00:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn input(ip: &str, at: &str, action: &str) -> AccessEventInput {
        AccessEventInput {
            id: "ev-1".into(),
            account: "acct-1001".into(),
            ip: ip.into(),
            at: at.into(),
            action: action.into(),
        }
    }

    #[test]
    fn a_good_record_becomes_an_event() {
        let e = check(
            input("102.89.34.10", "2026-11-01T08:15:00Z", "login"),
            now(),
        )
        .unwrap();
        assert_eq!(e.ip.to_string(), "102.89.34.10");
        assert_eq!(e.action, AccessAction::Login);
        assert_eq!(e.at.to_rfc3339(), "2026-11-01T08:15:00+00:00");
    }

    #[test]
    fn every_problem_of_a_record_is_reported_at_once() {
        let mut bad = input("300.1.1.1", "yesterday", "sudo");
        bad.account = " ".into();
        let reasons = check(bad, now()).unwrap_err();
        assert_eq!(reasons.len(), 4, "{reasons:?}");
        for field in ["account:", "ip:", "at:", "action:"] {
            assert!(
                reasons.iter().any(|r| r.contains(field)),
                "{field} {reasons:?}"
            );
        }
        let future = check(input("8.8.8.8", "2026-11-03T00:00:00Z", "api"), now()).unwrap_err();
        assert!(future.join("; ").contains("in the future"), "{future:?}");
    }

    #[test]
    fn only_us_persons_accessed_from_abroad_are_flagged() {
        let us = AccountHolder {
            account: "a-us".into(),
            customer: CustomerId::new(),
            person_status: PersonStatus::Us,
        };
        let foreign = AccountHolder {
            account: "a-ng".into(),
            customer: CustomerId::new(),
            person_status: PersonStatus::Foreign,
        };
        let holders: HashMap<&str, &AccountHolder> =
            [("a-us", &us), ("a-ng", &foreign)].into_iter().collect();
        let mut events = Vec::new();
        for (account, country) in [
            ("a-us", "US"),
            ("a-us", "NG"),
            ("a-ng", "NG"),
            ("a-us", "DE"),
        ] {
            let mut e = check(input("8.8.8.8", "2026-11-01T08:15:00Z", "login"), now()).unwrap();
            e.account = account.into();
            e.country = CountryCode::parse(country).ok();
            events.push(e);
        }
        let flags = review_flags(&events, &holders);
        assert_eq!(flags.len(), 1);
        assert_eq!(flags[0].customer, us.customer);
        let codes: Vec<&str> = flags[0].countries.iter().map(CountryCode::as_str).collect();
        assert_eq!(codes, ["DE", "NG"]);
        assert!(
            flags[0].reason.contains("NG (Nigeria)"),
            "{}",
            flags[0].reason
        );
        let job = redetermine_job(&flags[0], now());
        assert_eq!(job.kind, REDETERMINE_JOB);
        assert_eq!(job.dedupe_key, Some(us.customer.to_string()));
        assert_eq!(job.payload["customer"], us.customer.to_string());
    }
}

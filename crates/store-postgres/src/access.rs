//! The access IP log in PostgreSQL: a batch is one `INSERT .. SELECT FROM UNNEST(arrays) ON
//! CONFLICT DO NOTHING RETURNING id` (one statement, nine array parameters, whatever the batch
//! size) inside one transaction with its audit event and its jobs.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_domain::cip::CountryCode;
use cloudkyc_store::access::{
    AccessEvent, AccessEventStore, AccessSummary, AccountHolder, PurgeOutcome, SealedIp,
    batch_event, first_occurrences, outcome, parse_action, parse_countries, parse_country,
    purge_event, to_count,
};
use cloudkyc_store::customers::{CustomerId, parse_enum};
use cloudkyc_store::jobs::NewJob;
use cloudkyc_store::usage::InsertOutcome;
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use uuid::Uuid;

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::jobs::insert_jobs;
use crate::rows::get;

/// Rows per statement: arrays keep the parameter count fixed, so only memory bounds a statement;
/// 10,000 rows is a few megabytes.
const ROWS_PER_STATEMENT: usize = 10_000;

#[async_trait]
impl AccessEventStore for PgStore {
    async fn insert_access_events(
        &self,
        scope: &TenantScope,
        events: &[AccessEvent],
        jobs: &[NewJob],
        now: DateTime<Utc>,
    ) -> StoreResult<InsertOutcome> {
        let tenant = scope.tenant();
        let unique = first_occurrences(events);
        let sealed = unique
            .iter()
            .map(|e| SealedIp::seal(&self.ring, tenant, e))
            .collect::<StoreResult<Vec<_>>>()?;
        let mut inserted = HashSet::with_capacity(unique.len());
        let mut tx = self.pool.begin().await.map_err(db)?;
        for (chunk, seals) in unique
            .chunks(ROWS_PER_STATEMENT)
            .zip(sealed.chunks(ROWS_PER_STATEMENT))
        {
            let ids: Vec<&str> = chunk.iter().map(|e| e.id.as_str()).collect();
            let accounts: Vec<&str> = chunk.iter().map(|e| e.account.as_str()).collect();
            let cts: Vec<&[u8]> = seals.iter().map(|s| s.ciphertext.as_slice()).collect();
            let bidx: Vec<String> = seals.iter().map(SealedIp::blind_index_hex).collect();
            let ats: Vec<DateTime<Utc>> = chunk.iter().map(|e| e.at).collect();
            let actions: Vec<&str> = chunk.iter().map(|e| e.action.as_str()).collect();
            let countries: Vec<Option<&str>> = chunk
                .iter()
                .map(|e| e.country.as_ref().map(CountryCode::as_str))
                .collect();
            let returned: Vec<String> = sqlx::query_scalar(
                "INSERT INTO access_events \
                 (tenant_id, id, account, ip_ct, ip_bidx, at, action, country, created_at) \
                 SELECT $1, u.id, u.account, u.ip_ct, u.ip_bidx, u.at, u.action, u.country, $9 \
                 FROM UNNEST($2::text[], $3::text[], $4::bytea[], $5::text[], \
                             $6::timestamptz[], $7::text[], $8::text[]) \
                      AS u (id, account, ip_ct, ip_bidx, at, action, country) \
                 ON CONFLICT (tenant_id, id) DO NOTHING RETURNING id",
            )
            .bind(tenant.as_uuid())
            .bind(&ids)
            .bind(&accounts)
            .bind(&cts)
            .bind(&bidx)
            .bind(&ats)
            .bind(&actions)
            .bind(&countries)
            .bind(now)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            inserted.extend(returned);
        }
        let result = outcome(events, inserted);
        if !result.accepted.is_empty() {
            append(
                &mut tx,
                tenant,
                scope.actor(),
                now,
                batch_event(&result.accepted),
            )
            .await?;
        }
        insert_jobs(&mut tx, tenant, jobs, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(result)
    }

    async fn account_holders(
        &self,
        scope: &TenantScope,
        accounts: &[String],
    ) -> StoreResult<Vec<AccountHolder>> {
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query(
            "SELECT a.external_id, a.customer_id, c.person_status \
             FROM customer_accounts a JOIN customers c ON c.id = a.customer_id \
             WHERE a.tenant_id = $1 AND a.external_id = ANY($2)",
        )
        .bind(scope.tenant().as_uuid())
        .bind(accounts)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|row| {
            let customer: Uuid = get(row, "customer_id")?;
            let status: String = get(row, "person_status")?;
            Ok(AccountHolder {
                account: get(row, "external_id")?,
                customer: CustomerId::from_uuid(customer),
                person_status: parse_enum("person_status", &status)?,
            })
        })
        .collect()
    }

    async fn access_summary(
        &self,
        scope: &TenantScope,
        account: &str,
    ) -> StoreResult<AccessSummary> {
        let tenant = scope.tenant();
        let row = sqlx::query(
            "SELECT COUNT(*) AS events, COUNT(DISTINCT ip_bidx) AS ips, \
             COUNT(*) FILTER (WHERE country IS NULL) AS unplaced, MIN(at) AS first, \
             MAX(at) AS last, \
             COALESCE(ARRAY_AGG(DISTINCT country ORDER BY country) \
                      FILTER (WHERE country IS NOT NULL), '{}') AS countries \
             FROM access_events WHERE tenant_id = $1 AND account = $2",
        )
        .bind(tenant.as_uuid())
        .bind(account)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        let countries: Vec<String> = get(&row, "countries")?;
        Ok(AccessSummary {
            account: account.to_owned(),
            events: to_count("events", get(&row, "events")?)?,
            distinct_ips: to_count("ips", get(&row, "ips")?)?,
            countries: parse_countries(&countries)?,
            unplaced_events: to_count("unplaced", get(&row, "unplaced")?)?,
            first_seen: get(&row, "first")?,
            last_seen: get(&row, "last")?,
        })
    }

    async fn access_events(
        &self,
        scope: &TenantScope,
        account: &str,
        limit: u32,
    ) -> StoreResult<Vec<AccessEvent>> {
        let tenant = scope.tenant();
        sqlx::query(
            "SELECT id, account, ip_ct, at, action, country FROM access_events \
             WHERE tenant_id = $1 AND account = $2 ORDER BY at DESC, id DESC LIMIT $3",
        )
        .bind(tenant.as_uuid())
        .bind(account)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|row| {
            let id: String = get(row, "id")?;
            let ct: Vec<u8> = get(row, "ip_ct")?;
            let action: String = get(row, "action")?;
            let country: Option<String> = get(row, "country")?;
            Ok(AccessEvent {
                ip: SealedIp::open(&self.ring, tenant, &id, &ct)?,
                account: get(row, "account")?,
                at: get(row, "at")?,
                action: parse_action(&action)?,
                country: parse_country(country.as_deref())?,
                id,
            })
        })
        .collect()
    }

    async fn access_countries(
        &self,
        scope: &TenantScope,
        tenant: TenantId,
        accounts: &[String],
    ) -> StoreResult<Vec<CountryCode>> {
        if !scope.can_see(tenant) {
            return Err(StoreError::not_found("customer"));
        }
        let countries: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT country FROM access_events WHERE tenant_id = $1 \
             AND account = ANY($2) AND country IS NOT NULL ORDER BY country",
        )
        .bind(tenant.as_uuid())
        .bind(accounts)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        parse_countries(&countries)
    }

    async fn purge_access_events(
        &self,
        scope: &TenantScope,
        last_access_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<PurgeOutcome> {
        let mut total = PurgeOutcome::default();
        let mut tx = self.pool.begin().await.map_err(db)?;
        for tenant in scope.visible() {
            // The delete decides which accounts are stale and returns them, so an event arriving
            // for one of them in between cannot be deleted without being counted.
            let stale = sqlx::query(
                "WITH stale AS ( \
                     SELECT account FROM access_events WHERE tenant_id = $1 \
                     GROUP BY account HAVING MAX(at) < $2), \
                 gone AS ( \
                     DELETE FROM access_events e USING stale s \
                     WHERE e.tenant_id = $1 AND e.account = s.account RETURNING e.account) \
                 SELECT account, COUNT(*) AS events FROM gone GROUP BY account ORDER BY account",
            )
            .bind(tenant.as_uuid())
            .bind(last_access_before)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            if stale.is_empty() {
                continue;
            }
            let mut accounts = Vec::with_capacity(stale.len());
            let mut events = 0;
            for row in &stale {
                accounts.push(get::<String>(row, "account")?);
                events += to_count("events", get(row, "events")?)?;
            }
            append(
                &mut tx,
                *tenant,
                scope.actor(),
                now,
                purge_event(last_access_before, &accounts, events),
            )
            .await?;
            total.accounts += accounts.len() as u64;
            total.events += events;
        }
        tx.commit().await.map_err(db)?;
        Ok(total)
    }
}

//! The access IP log in SQLite: inside one write transaction, one lookup finds the batch's ids
//! the tenant already has, multi-row `INSERT` statements write the others, then the audit event
//! and the jobs: a batch commits whole or not at all. Rows name their tenant by its integer key
//! (`tenant_keys`), not its UUID text: see migration 0021.

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
use cloudkyc_store::customers::parse_enum;
use cloudkyc_store::jobs::NewJob;
use cloudkyc_store::usage::InsertOutcome;
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::Row;

use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::jobs::insert_jobs;
use crate::rows;
use crate::tenant_keys::{KEY_OF, tenant_key};

/// Rows per statement: 9 parameters each stays far below SQLite's 32,766 bound parameters, and
/// larger statements stop paying off (parsing is linear, the b-tree work per row is fixed).
const ROWS_PER_STATEMENT: usize = 500;

/// `OR FAIL`: a failing row fails the statement without SQLite keeping a statement journal to
/// undo it alone (migration 0027 says why that matters); the writer then rolls the whole batch
/// back. No conflict clause: the duplicates were filtered out under the write lock, so a
/// conflict here is an error, not something to skip silently.
fn insert_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT OR FAIL INTO access_events \
         (tenant_key, id, account, ip_ct, ip_bidx, at, action, country, created_at) VALUES ",
    );
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str("(?,?,?,?,?,?,?,?,?)");
    }
    sql
}

/// The accounts as a JSON array, for `IN (SELECT value FROM json_each(?))`.
fn json_list(items: &[String]) -> String {
    serde_json::Value::from(items.to_vec()).to_string()
}

#[async_trait]
impl AccessEventStore for SqliteStore {
    async fn insert_access_events(
        &self,
        scope: &TenantScope,
        events: &[AccessEvent],
        jobs: &[NewJob],
        now: DateTime<Utc>,
    ) -> StoreResult<InsertOutcome> {
        let tenant = scope.tenant();
        let unique = first_occurrences(events);
        // Sealing is CPU work: done before the write lock is taken.
        let sealed = unique
            .iter()
            .map(|e| SealedIp::seal(&self.ring, tenant, e))
            .collect::<StoreResult<Vec<_>>>()?;
        let full_sql = insert_sql(ROWS_PER_STATEMENT);
        let ids: Vec<&str> = unique.iter().map(|e| e.id.as_str()).collect();
        let ids = serde_json::Value::from(ids).to_string();
        let mut tx = self.begin_write().await?;
        let key = tenant_key(&mut tx, tenant).await?;
        // The write lock is held from here to the commit, so the ids found now are exactly the
        // duplicates: the inserts need not return their rows (streaming back every inserted id
        // costs more than this one lookup, which usually finds nothing).
        let existing: HashSet<String> = sqlx::query_scalar(
            "SELECT id FROM access_events \
             WHERE tenant_key = ? AND id IN (SELECT value FROM json_each(?))",
        )
        .bind(key)
        .bind(ids)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?
        .into_iter()
        .collect();
        let fresh: Vec<(&AccessEvent, &SealedIp)> = unique
            .iter()
            .copied()
            .zip(&sealed)
            .filter(|(e, _)| !existing.contains(&e.id))
            .collect();
        for chunk in fresh.chunks(ROWS_PER_STATEMENT) {
            let partial_sql;
            let sql = if chunk.len() == ROWS_PER_STATEMENT {
                &full_sql
            } else {
                partial_sql = insert_sql(chunk.len());
                &partial_sql
            };
            let mut query = sqlx::query(sql);
            for (e, seal) in chunk {
                query = query
                    .bind(key)
                    .bind(e.id.as_str())
                    .bind(e.account.as_str())
                    .bind(seal.ciphertext.as_slice())
                    .bind(seal.blind_index.as_slice())
                    .bind(e.at.timestamp_micros())
                    .bind(e.action.as_str())
                    .bind(e.country.as_ref().map(CountryCode::as_str))
                    .bind(now.timestamp_micros());
            }
            query.execute(&mut *tx).await.map_err(db)?;
        }
        let inserted: HashSet<String> = fresh.iter().map(|(e, _)| e.id.clone()).collect();
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
             WHERE a.tenant_id = ? AND a.external_id IN (SELECT value FROM json_each(?))",
        )
        .bind(scope.tenant().to_string())
        .bind(json_list(accounts))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?
        .iter()
        .map(|row| {
            Ok(AccountHolder {
                account: rows::text(row, "external_id")?,
                customer: rows::id(row, "customer_id")?,
                person_status: parse_enum("person_status", &rows::text(row, "person_status")?)?,
            })
        })
        .collect()
    }

    async fn access_summary(
        &self,
        scope: &TenantScope,
        account: &str,
    ) -> StoreResult<AccessSummary> {
        let tenant = scope.tenant().to_string();
        let row = sqlx::query(&format!(
            "SELECT COUNT(*) AS events, COUNT(DISTINCT ip_bidx) AS ips, \
             COALESCE(SUM(country IS NULL), 0) AS unplaced, MIN(at) AS first, MAX(at) AS last \
             FROM access_events WHERE tenant_key = {KEY_OF} AND account = ?",
        ))
        .bind(&tenant)
        .bind(account)
        .fetch_one(&self.reader)
        .await
        .map_err(db)?;
        let countries: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT country FROM access_events \
             WHERE tenant_key = {KEY_OF} AND account = ? AND country IS NOT NULL ORDER BY country",
        ))
        .bind(&tenant)
        .bind(account)
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        Ok(AccessSummary {
            account: account.to_owned(),
            events: to_count("events", row.try_get("events").map_err(db)?)?,
            distinct_ips: to_count("ips", row.try_get("ips").map_err(db)?)?,
            countries: parse_countries(&countries)?,
            unplaced_events: to_count("unplaced", row.try_get("unplaced").map_err(db)?)?,
            first_seen: rows::optional_time(&row, "first")?,
            last_seen: rows::optional_time(&row, "last")?,
        })
    }

    async fn access_events(
        &self,
        scope: &TenantScope,
        account: &str,
        limit: u32,
    ) -> StoreResult<Vec<AccessEvent>> {
        let tenant = scope.tenant();
        sqlx::query(&format!(
            "SELECT id, account, ip_ct, at, action, country FROM access_events \
             WHERE tenant_key = {KEY_OF} AND account = ? ORDER BY at DESC, id DESC LIMIT ?",
        ))
        .bind(tenant.to_string())
        .bind(account)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?
        .iter()
        .map(|row| {
            let id = rows::text(row, "id")?;
            let ct: Vec<u8> = row.try_get("ip_ct").map_err(db)?;
            let country: Option<String> = row.try_get("country").map_err(db)?;
            Ok(AccessEvent {
                ip: SealedIp::open(&self.ring, tenant, &id, &ct)?,
                account: rows::text(row, "account")?,
                at: rows::time(row, "at")?,
                action: parse_action(&rows::text(row, "action")?)?,
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
        let countries: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT country FROM access_events WHERE tenant_key = {KEY_OF} \
             AND account IN (SELECT value FROM json_each(?)) AND country IS NOT NULL \
             ORDER BY country",
        ))
        .bind(tenant.to_string())
        .bind(json_list(accounts))
        .fetch_all(&self.reader)
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
        let mut tx = self.begin_write().await?;
        for tenant in scope.visible() {
            let tenant_text = tenant.to_string();
            let stale = sqlx::query(&format!(
                "SELECT account, COUNT(*) AS events FROM access_events WHERE tenant_key = {KEY_OF} \
                 GROUP BY account HAVING MAX(at) < ? ORDER BY account",
            ))
            .bind(&tenant_text)
            .bind(last_access_before.timestamp_micros())
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            if stale.is_empty() {
                continue;
            }
            let mut accounts = Vec::with_capacity(stale.len());
            let mut events = 0;
            for row in &stale {
                accounts.push(rows::text(row, "account")?);
                events += to_count("events", row.try_get("events").map_err(db)?)?;
            }
            sqlx::query(&format!(
                "DELETE FROM access_events WHERE tenant_key = {KEY_OF} \
                 AND account IN (SELECT value FROM json_each(?))",
            ))
            .bind(&tenant_text)
            .bind(json_list(&accounts))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
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

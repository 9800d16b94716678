//! The job queue. A claim is one `UPDATE … RETURNING` on the single writer connection, so two
//! claimers can never take the same job.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use cloudkyc_domain::{JobId, TenantId};
use cloudkyc_store::backend::{parse_job_state, to_u32};
use cloudkyc_store::jobs::{Job, JobCounts, JobState, NewJob};
use cloudkyc_store::{JobStore, StoreError, StoreResult, TenantScope};
use sqlx::{Executor, Row, Sqlite, SqliteConnection};

use crate::SqliteStore;
use crate::error::db;
use crate::rows;

/// Enqueues `job` for `tenant` on `executor`: the pool, or a write transaction whose change
/// the job belongs to (so the job exists exactly when the change does).
pub(crate) async fn insert_job<'e>(
    executor: impl Executor<'e, Database = Sqlite>,
    tenant: TenantId,
    job: &NewJob,
    now: DateTime<Utc>,
) -> StoreResult<Option<JobId>> {
    let id = JobId::new();
    let inserted: Option<String> = sqlx::query_scalar(
        "INSERT INTO jobs (id, tenant_id, kind, payload, dedupe_key, queued_key, state, run_at, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(id.to_string())
    .bind(tenant.to_string())
    .bind(&job.kind)
    .bind(job.payload.to_string())
    .bind(&job.dedupe_key)
    .bind(&job.queued_key)
    .bind(job.run_at.timestamp_micros())
    .bind(now.timestamp_micros())
    .bind(now.timestamp_micros())
    .fetch_optional(executor)
    .await
    .map_err(db)?;
    Ok(inserted.map(|_| id))
}

/// Jobs per statement: 9 parameters each stays far below SQLite's 32,766 bound parameters.
const JOBS_PER_STATEMENT: usize = 1_000;

/// Enqueues `jobs` for `tenant` in the write transaction `conn` with one multi-row statement per
/// thousand (an ingestion batch can bring hundreds, and one statement each was a tenth of its
/// time under the write lock). Returns, per job in order, its id, or `None` where a job with the
/// same dedupe or queued key (earlier in `jobs` or already stored) kept it out.
pub(crate) async fn insert_jobs(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    jobs: &[NewJob],
    now: DateTime<Utc>,
) -> StoreResult<Vec<Option<JobId>>> {
    let ids: Vec<JobId> = jobs.iter().map(|_| JobId::new()).collect();
    let texts: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let tenant = tenant.to_string();
    let mut inserted = HashSet::with_capacity(jobs.len());
    for (chunk, chunk_ids) in jobs
        .chunks(JOBS_PER_STATEMENT)
        .zip(texts.chunks(JOBS_PER_STATEMENT))
    {
        let mut sql = String::from(
            "INSERT INTO jobs (id, tenant_id, kind, payload, dedupe_key, queued_key, state, \
             run_at, created_at, updated_at) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str("(?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)");
        }
        sql.push_str(" ON CONFLICT DO NOTHING RETURNING id");
        let mut query = sqlx::query_scalar::<_, String>(&sql);
        for (job, id) in chunk.iter().zip(chunk_ids) {
            query = query
                .bind(id.as_str())
                .bind(tenant.as_str())
                .bind(job.kind.as_str())
                .bind(job.payload.to_string())
                .bind(job.dedupe_key.as_deref())
                .bind(job.queued_key.as_deref())
                .bind(job.run_at.timestamp_micros())
                .bind(now.timestamp_micros())
                .bind(now.timestamp_micros());
        }
        inserted.extend(query.fetch_all(&mut *conn).await.map_err(db)?);
    }
    Ok(ids
        .into_iter()
        .zip(&texts)
        .map(|(id, text)| inserted.contains(text).then_some(id))
        .collect())
}

#[async_trait]
impl JobStore for SqliteStore {
    async fn enqueue(
        &self,
        scope: &TenantScope,
        job: NewJob,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<JobId>> {
        insert_job(&self.writer, scope.tenant(), &job, now).await
    }

    async fn enqueue_many(
        &self,
        scope: &TenantScope,
        jobs: &[NewJob],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Option<JobId>>> {
        if jobs.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let ids = insert_jobs(&mut tx, scope.tenant(), jobs, now).await?;
        tx.commit().await.map_err(db)?;
        Ok(ids)
    }

    async fn claim_job(
        &self,
        kinds: &[&str],
        now: DateTime<Utc>,
        lease: Duration,
    ) -> StoreResult<Option<Job>> {
        let kinds = serde_json::Value::from(kinds.to_vec()).to_string();
        let locked_until = now
            .checked_add_signed(lease)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let row = sqlx::query(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = ?2, updated_at = ?1 \
             WHERE id = ( \
                 SELECT id FROM jobs \
                 WHERE ((state = 'queued' AND run_at <= ?1) OR (state = 'running' AND locked_until <= ?1)) \
                   AND (?3 = '[]' OR kind IN (SELECT value FROM json_each(?3))) \
                 ORDER BY run_at, id LIMIT 1 \
             ) RETURNING id, tenant_id, kind, payload, run_at, attempts",
        )
        .bind(now.timestamp_micros())
        .bind(locked_until.timestamp_micros())
        .bind(kinds)
        .fetch_optional(&self.writer)
        .await
        .map_err(db)?;
        row.map(|row| rows::claimed_job(&row)).transpose()
    }

    async fn complete_job(&self, id: JobId, now: DateTime<Utc>) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE jobs SET state = 'done', locked_until = NULL, updated_at = ? WHERE id = ? AND state = 'running'",
        )
        .bind(now.timestamp_micros())
        .bind(id.to_string())
        .execute(&self.writer)
        .await
        .map_err(db)?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            self.not_running(id).await
        }
    }

    async fn fail_job(
        &self,
        id: JobId,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (state, run_at) = match retry_at {
            Some(at) => (JobState::Queued, Some(at.timestamp_micros())),
            None => (JobState::Dead, None),
        };
        let failed = sqlx::query(
            "UPDATE jobs SET state = ?, run_at = coalesce(?, run_at), last_error = ?, locked_until = NULL, updated_at = ? \
             WHERE id = ? AND state = 'running'",
        )
        .bind(state.as_str())
        .bind(run_at)
        .bind(error)
        .bind(now.timestamp_micros())
        .bind(id.to_string())
        .execute(&self.writer)
        .await
        .map_err(db)?;
        if failed.rows_affected() == 1 {
            Ok(())
        } else {
            self.not_running(id).await
        }
    }

    async fn job_counts(&self) -> StoreResult<JobCounts> {
        let mut counts = JobCounts::default();
        for row in sqlx::query("SELECT state, count(*) AS n FROM jobs GROUP BY state")
            .fetch_all(&self.reader)
            .await
            .map_err(db)?
        {
            let n = u64::from(to_u32("count", row.try_get("n").map_err(db)?)?);
            match parse_job_state(&rows::text(&row, "state")?)? {
                JobState::Queued => counts.queued = n,
                JobState::Running => counts.running = n,
                JobState::Done => counts.done = n,
                JobState::Dead => counts.dead = n,
            }
        }
        Ok(counts)
    }
}

impl SqliteStore {
    /// Why finishing a job changed nothing: it does not exist, or it is not running (finished
    /// already, or never claimed).
    async fn not_running(&self, id: JobId) -> StoreResult<()> {
        let state: Option<String> = sqlx::query_scalar("SELECT state FROM jobs WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&self.writer)
            .await
            .map_err(db)?;
        match state {
            None => Err(StoreError::not_found("job")),
            Some(state) => Err(StoreError::Conflict(format!(
                "job {id} is {state}, not running"
            ))),
        }
    }
}

//! The job queue. A claim is one `UPDATE … RETURNING` whose subquery locks the chosen row with
//! `FOR UPDATE SKIP LOCKED`: concurrent claimers, in any number of processes, skip each other's
//! rows instead of waiting for them or taking them twice.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use cloudkyc_domain::{JobId, TenantId};
use cloudkyc_store::audit::truncate_to_micros;
use cloudkyc_store::backend::parse_job_state;
use cloudkyc_store::jobs::{Job, JobCounts, JobState, NewJob};
use cloudkyc_store::{JobStore, StoreError, StoreResult, TenantScope};
use sqlx::{Executor, PgConnection, Postgres};
use uuid::Uuid;

use crate::PgStore;
use crate::error::db;
use crate::rows;

/// Enqueues `job` for `tenant` on `executor`: the pool, or a transaction whose change the job
/// belongs to (so the job exists exactly when the change does).
pub(crate) async fn insert_job<'e>(
    executor: impl Executor<'e, Database = Postgres>,
    tenant: TenantId,
    job: &NewJob,
    now: DateTime<Utc>,
) -> StoreResult<Option<JobId>> {
    let id = JobId::new();
    let inserted: Option<Uuid> = sqlx::query_scalar(
        "INSERT INTO jobs (id, tenant_id, kind, payload, dedupe_key, queued_key, state, run_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8, $8) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(id.as_uuid())
    .bind(tenant.as_uuid())
    .bind(&job.kind)
    .bind(&job.payload)
    .bind(&job.dedupe_key)
    .bind(&job.queued_key)
    .bind(truncate_to_micros(job.run_at))
    .bind(now)
    .fetch_optional(executor)
    .await
    .map_err(db)?;
    Ok(inserted.map(|_| id))
}

/// Enqueues `jobs` for `tenant` in the transaction `conn` with one statement (an ingestion batch
/// can bring a thousand, and a round trip each was most of PostgreSQL usage ingestion's time).
/// Rows go in in the order given, so of two jobs with the same dedupe or queued key the first is
/// kept, as one statement per job kept it. Returns, per job in order, its id, or `None` where a
/// job with the same key (earlier in `jobs` or already stored) kept it out.
pub(crate) async fn insert_jobs(
    conn: &mut PgConnection,
    tenant: TenantId,
    jobs: &[NewJob],
    now: DateTime<Utc>,
) -> StoreResult<Vec<Option<JobId>>> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<JobId> = jobs.iter().map(|_| JobId::new()).collect();
    let inserted: HashSet<Uuid> = sqlx::query_scalar(
        "INSERT INTO jobs (id, tenant_id, kind, payload, dedupe_key, queued_key, state, run_at, \
         created_at, updated_at) \
         SELECT u.id, $1, u.kind, u.payload, u.dedupe_key, u.queued_key, 'queued', u.run_at, $8, $8 \
         FROM UNNEST($2::uuid[], $3::text[], $4::jsonb[], $5::text[], $6::text[], \
             $7::timestamptz[]) WITH ORDINALITY \
             AS u (id, kind, payload, dedupe_key, queued_key, run_at, n) \
         ORDER BY u.n ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(tenant.as_uuid())
    .bind(ids.iter().map(|id| *id.as_uuid()).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.kind.as_str()).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| &j.payload).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.dedupe_key.as_deref()).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| j.queued_key.as_deref()).collect::<Vec<_>>())
    .bind(jobs.iter().map(|j| truncate_to_micros(j.run_at)).collect::<Vec<_>>())
    .bind(now)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?
    .into_iter()
    .collect();
    Ok(ids
        .into_iter()
        .map(|id| inserted.contains(id.as_uuid()).then_some(id))
        .collect())
}

#[async_trait]
impl JobStore for PgStore {
    async fn enqueue(
        &self,
        scope: &TenantScope,
        job: NewJob,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<JobId>> {
        insert_job(&self.pool, scope.tenant(), &job, now).await
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
        let mut tx = self.pool.begin().await.map_err(db)?;
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
        let kinds: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
        let now = truncate_to_micros(now);
        let locked_until = now
            .checked_add_signed(lease)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let row = sqlx::query(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = $2, updated_at = $1 \
             WHERE id = ( \
                 SELECT id FROM jobs \
                 WHERE ((state = 'queued' AND run_at <= $1) OR (state = 'running' AND locked_until <= $1)) \
                   AND (cardinality($3::text[]) = 0 OR kind = ANY($3)) \
                 ORDER BY run_at, id LIMIT 1 \
                 FOR UPDATE SKIP LOCKED \
             ) RETURNING id, tenant_id, kind, payload, run_at, attempts",
        )
        .bind(now)
        .bind(locked_until)
        .bind(kinds)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|row| rows::claimed_job(&row)).transpose()
    }

    async fn complete_job(&self, id: JobId, now: DateTime<Utc>) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE jobs SET state = 'done', locked_until = NULL, updated_at = $1 WHERE id = $2 AND state = 'running'",
        )
        .bind(now)
        .bind(id.as_uuid())
        .execute(&self.pool)
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
        let state = if retry_at.is_some() {
            JobState::Queued
        } else {
            JobState::Dead
        };
        let failed = sqlx::query(
            "UPDATE jobs SET state = $1, run_at = coalesce($2, run_at), last_error = $3, locked_until = NULL, updated_at = $4 \
             WHERE id = $5 AND state = 'running'",
        )
        .bind(state.as_str())
        .bind(retry_at.map(truncate_to_micros))
        .bind(error)
        .bind(now)
        .bind(id.as_uuid())
        .execute(&self.pool)
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
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
        {
            let n = u64::try_from(rows::get::<i64>(&row, "n")?).unwrap_or(0);
            match parse_job_state(&rows::get::<String>(&row, "state")?)? {
                JobState::Queued => counts.queued = n,
                JobState::Running => counts.running = n,
                JobState::Done => counts.done = n,
                JobState::Dead => counts.dead = n,
            }
        }
        Ok(counts)
    }
}

impl PgStore {
    /// Why finishing a job changed nothing: it does not exist, or it is not running (finished
    /// already, or never claimed).
    async fn not_running(&self, id: JobId) -> StoreResult<()> {
        let state: Option<String> = sqlx::query_scalar("SELECT state FROM jobs WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_optional(&self.pool)
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

//! Cases: the row with its sealed state, the append-only timeline, and the audit event of each
//! transition, in one transaction. Sealing and the clear columns live in
//! `cloudkyc_store::cases`, so this file only knows PostgreSQL's SQL.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_domain::cases::{CaseId, TimelineEntry, Transition};
use cloudkyc_store::cases::{
    Attachment, AttachmentContent, AttachmentId, CaseColumns, CaseDeadlineCounts, CaseFilter,
    CaseRecord, CaseStore, CreatedCase, KindDeadlineCounts, MAX_CASES_LISTED, NewAttachment,
    open_entry, open_state, seal_entry, seal_state, transition_event,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgRow};
use uuid::Uuid;

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{get, uuids};

const STALE: &str = "the case changed since it was read: reload it and try again";

impl PgStore {
    /// The case's timeline, opened, in order.
    async fn timeline(
        &self,
        conn: &mut PgConnection,
        tenant: TenantId,
        id: CaseId,
    ) -> StoreResult<Vec<TimelineEntry>> {
        let found =
            sqlx::query("SELECT seq, entry_ct FROM case_events WHERE case_id = $1 ORDER BY seq")
                .bind(id.as_uuid())
                .fetch_all(&mut *conn)
                .await
                .map_err(db)?;
        found
            .iter()
            .map(|row| {
                let seq: i64 = row.try_get("seq").map_err(db)?;
                let ct: Vec<u8> = row.try_get("entry_ct").map_err(db)?;
                open_entry(&self.ring, tenant, id, seq, &ct)
            })
            .collect()
    }

    /// A case row read back, with `timeline` as its entries.
    fn record(&self, row: &PgRow, timeline: Vec<TimelineEntry>) -> StoreResult<CaseRecord> {
        let tenant = TenantId::from_uuid(get(row, "tenant_id")?);
        let id = CaseId::from_uuid(get(row, "id")?);
        let state: Vec<u8> = get(row, "state_ct")?;
        Ok(CaseRecord {
            tenant,
            version: get(row, "version")?,
            case: open_state(&self.ring, tenant, id, &state, timeline)?,
        })
    }

    /// A case visible to the scope with its timeline; `NotFound` otherwise. With `lock`, the
    /// row stays locked until the transaction ends, so concurrent transitions queue up.
    async fn load_case(
        &self,
        conn: &mut PgConnection,
        scope: &TenantScope,
        id: CaseId,
        lock: bool,
    ) -> StoreResult<CaseRecord> {
        let row = sqlx::query(&format!(
            "SELECT id, tenant_id, version, state_ct FROM cases \
             WHERE id = $1 AND tenant_id = ANY($2){}",
            if lock { " FOR UPDATE" } else { "" }
        ))
        .bind(id.as_uuid())
        .bind(uuids(scope.visible()))
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("case"))?;
        let tenant = TenantId::from_uuid(get(&row, "tenant_id")?);
        let timeline = self.timeline(conn, tenant, id).await?;
        self.record(&row, timeline)
    }

    /// Appends `entries` after the `already` entries the case has.
    async fn append_entries(
        &self,
        conn: &mut PgConnection,
        tenant: TenantId,
        id: CaseId,
        already: usize,
        entries: &[TimelineEntry],
    ) -> StoreResult<()> {
        let mut seq = i64::try_from(already).map_err(|_| StoreError::Corrupt("seq".into()))?;
        for entry in entries {
            seq += 1;
            sqlx::query("INSERT INTO case_events (case_id, seq, at, type, entry_ct) VALUES ($1, $2, $3, $4, $5)")
                .bind(id.as_uuid())
                .bind(seq)
                .bind(entry.at)
                .bind(entry.event.type_name())
                .bind(seal_entry(&self.ring, tenant, id, seq, entry)?)
                .execute(&mut *conn)
                .await
                .map_err(db)?;
        }
        Ok(())
    }
}

#[async_trait]
impl CaseStore for PgStore {
    async fn create_case(
        &self,
        scope: &TenantScope,
        opened: &Transition,
        dedupe_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<CreatedCase> {
        let tenant = scope.tenant();
        let case = &opened.case;
        let columns = CaseColumns::of(case);
        let mut tx = self.pool.begin().await.map_err(db)?;
        // A concurrent raise of the same alert meets the partial unique index: nothing is
        // inserted and the open case is read back instead.
        let inserted: Option<Uuid> = sqlx::query_scalar(
            "INSERT INTO cases (id, tenant_id, kind, status, subject_type, subject_ref, assignee, \
             priority, due, dedupe_key, state_ct, version, opened_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $13) \
             ON CONFLICT (tenant_id, kind, subject_type, subject_ref, dedupe_key) \
             WHERE status <> 'closed' AND dedupe_key IS NOT NULL DO NOTHING RETURNING id",
        )
        .bind(case.id().as_uuid())
        .bind(tenant.as_uuid())
        .bind(columns.kind)
        .bind(columns.status)
        .bind(columns.subject_type)
        .bind(&columns.subject_ref)
        .bind(&columns.assignee)
        .bind(columns.priority)
        .bind(columns.due)
        .bind(dedupe_key)
        .bind(seal_state(&self.ring, tenant, case)?)
        .bind(columns.opened_at)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if inserted.is_none() {
            let existing: Uuid = sqlx::query_scalar(
                "SELECT id FROM cases WHERE tenant_id = $1 AND kind = $2 AND subject_type = $3 \
                 AND subject_ref = $4 AND dedupe_key = $5 AND status <> 'closed'",
            )
            .bind(tenant.as_uuid())
            .bind(columns.kind)
            .bind(columns.subject_type)
            .bind(&columns.subject_ref)
            .bind(dedupe_key)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            let record = self
                .load_case(&mut tx, scope, CaseId::from_uuid(existing), false)
                .await?;
            return Ok(CreatedCase {
                record,
                created: false,
            });
        }
        self.append_entries(&mut tx, tenant, case.id(), 0, &opened.entries)
            .await?;
        append(
            &mut tx,
            tenant,
            scope.actor(),
            now,
            transition_event("open", None, case),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(CreatedCase {
            record: CaseRecord {
                tenant,
                version: 1,
                case: case.clone(),
            },
            created: true,
        })
    }

    async fn case(&self, scope: &TenantScope, id: CaseId) -> StoreResult<CaseRecord> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        self.load_case(&mut conn, scope, id, false).await
    }

    async fn cases(
        &self,
        scope: &TenantScope,
        filter: &CaseFilter,
    ) -> StoreResult<Vec<CaseRecord>> {
        let limit = filter.limit.clamp(1, MAX_CASES_LISTED);
        let found = sqlx::query(
            "SELECT id, tenant_id, version, state_ct FROM cases \
             WHERE tenant_id = ANY($1) \
             AND ($2::text IS NULL OR status = $2) AND (NOT $3 OR status <> 'closed') \
             AND ($4::text IS NULL OR kind = $4) AND ($5::text IS NULL OR subject_ref = $5) \
             AND ($6::text IS NULL OR assignee = $6) AND ($7::date IS NULL OR due < $7) \
             AND ($8::uuid IS NULL OR id < $8) \
             ORDER BY id DESC LIMIT $9",
        )
        .bind(uuids(scope.visible()))
        .bind(filter.status.map(|s| s.as_str()))
        .bind(filter.open_only)
        .bind(filter.kind.map(|k| k.as_str()))
        .bind(filter.subject.as_ref().map(|s| s.as_str()))
        .bind(filter.assignee.as_ref().map(|a| a.as_str()))
        .bind(filter.due_before)
        .bind(filter.before.map(|id| *id.as_uuid()))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        found
            .iter()
            .map(|row| self.record(row, Vec::new()))
            .collect()
    }

    async fn save_transition(
        &self,
        scope: &TenantScope,
        expected_version: i64,
        transition: &Transition,
        command: &str,
        attachment: Option<NewAttachment>,
        now: DateTime<Utc>,
    ) -> StoreResult<CaseRecord> {
        let case = &transition.case;
        let id = case.id();
        let mut tx = self.pool.begin().await.map_err(db)?;
        let before = self.load_case(&mut tx, scope, id, true).await?;
        if before.version != expected_version {
            return Err(StoreError::Conflict(STALE.into()));
        }
        let tenant = before.tenant;
        let columns = CaseColumns::of(case);
        let changed = sqlx::query(
            "UPDATE cases SET status = $1, assignee = $2, priority = $3, due = $4, state_ct = $5, \
             version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8",
        )
        .bind(columns.status)
        .bind(&columns.assignee)
        .bind(columns.priority)
        .bind(columns.due)
        .bind(seal_state(&self.ring, tenant, case)?)
        .bind(now)
        .bind(id.as_uuid())
        .bind(expected_version)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if changed.rows_affected() != 1 {
            return Err(StoreError::Conflict(STALE.into()));
        }
        let already = before.case.timeline().len();
        self.append_entries(&mut tx, tenant, id, already, &transition.entries)
            .await?;
        if let Some(new) = attachment {
            crate::case_attachments::insert(self, &mut tx, scope, tenant, id, new, now).await?;
        }
        let event = transition_event(command, Some(&before.case), case);
        append(&mut tx, tenant, scope.actor(), now, event).await?;
        tx.commit().await.map_err(db)?;
        Ok(CaseRecord {
            tenant,
            version: expected_version + 1,
            case: case.clone(),
        })
    }

    async fn case_attachments(
        &self,
        scope: &TenantScope,
        case: CaseId,
    ) -> StoreResult<Vec<Attachment>> {
        crate::case_attachments::list(self, scope, case).await
    }

    async fn case_attachment_content(
        &self,
        scope: &TenantScope,
        case: CaseId,
        id: AttachmentId,
        now: DateTime<Utc>,
    ) -> StoreResult<AttachmentContent> {
        crate::case_attachments::content(self, scope, case, id, now).await
    }

    async fn case_deadline_counts(
        &self,
        today: NaiveDate,
        soon_until: NaiveDate,
    ) -> StoreResult<CaseDeadlineCounts> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS open, \
             COUNT(*) FILTER (WHERE due < $1) AS overdue, \
             COUNT(*) FILTER (WHERE due >= $1 AND due <= $2) AS due_soon \
             FROM cases WHERE status <> 'closed'",
        )
        .bind(today)
        .bind(soon_until)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        let count = |column: &str| -> StoreResult<u64> {
            let value: i64 = get(&row, column)?;
            u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column} < 0")))
        };
        Ok(CaseDeadlineCounts {
            open: count("open")?,
            overdue: count("overdue")?,
            due_soon: count("due_soon")?,
        })
    }
    async fn case_deadlines_by_kind(
        &self,
        today: NaiveDate,
        soon_until: NaiveDate,
    ) -> StoreResult<Vec<KindDeadlineCounts>> {
        let rows = sqlx::query(
            "SELECT kind, COUNT(*) AS open, \
             COUNT(*) FILTER (WHERE due < $1) AS overdue, \
             COUNT(*) FILTER (WHERE due >= $1 AND due <= $2) AS due_soon \
             FROM cases WHERE status <> 'closed' GROUP BY kind ORDER BY kind",
        )
        .bind(today)
        .bind(soon_until)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                let count = |column: &str| -> StoreResult<u64> {
                    let value: i64 = get(row, column)?;
                    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column} < 0")))
                };
                let kind: String = get(row, "kind")?;
                Ok(KindDeadlineCounts {
                    kind: kind
                        .parse()
                        .map_err(|_| StoreError::Corrupt(format!("case kind {kind:?}")))?,
                    counts: CaseDeadlineCounts {
                        open: count("open")?,
                        overdue: count("overdue")?,
                        due_soon: count("due_soon")?,
                    },
                })
            })
            .collect()
    }
}

//! Cases: the row with its sealed state, the append-only timeline, and the audit event of each
//! transition, in one transaction. Sealing and the clear columns live in
//! `cloudkyc_store::cases`, so this file only knows SQLite's SQL.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_domain::cases::{CaseId, TimelineEntry, Transition};
use cloudkyc_store::backend::{parse_id, to_micros};
use cloudkyc_store::cases::{
    Attachment, AttachmentContent, AttachmentId, CaseColumns, CaseDeadlineCounts, CaseFilter,
    CaseRecord, CaseStore, CreatedCase, KindDeadlineCounts, MAX_CASES_LISTED, NewAttachment,
    open_entry, open_state, seal_entry, seal_state, transition_event,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnection, SqliteRow};

use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{self, id_list};

const STALE: &str = "the case changed since it was read: reload it and try again";

impl SqliteStore {
    /// The case's timeline, opened, in order.
    async fn timeline(
        &self,
        conn: &mut SqliteConnection,
        tenant: TenantId,
        id: CaseId,
    ) -> StoreResult<Vec<TimelineEntry>> {
        let found =
            sqlx::query("SELECT seq, entry_ct FROM case_events WHERE case_id = ? ORDER BY seq")
                .bind(id.to_string())
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
    fn record(&self, row: &SqliteRow, timeline: Vec<TimelineEntry>) -> StoreResult<CaseRecord> {
        let tenant: TenantId = rows::id(row, "tenant_id")?;
        let id: CaseId = rows::id(row, "id")?;
        let state: Vec<u8> = row.try_get("state_ct").map_err(db)?;
        Ok(CaseRecord {
            tenant,
            version: row.try_get("version").map_err(db)?,
            case: open_state(&self.ring, tenant, id, &state, timeline)?,
        })
    }

    /// A case visible to the scope with its timeline; `NotFound` otherwise.
    async fn load_case(
        &self,
        conn: &mut SqliteConnection,
        scope: &TenantScope,
        id: CaseId,
    ) -> StoreResult<CaseRecord> {
        let row = sqlx::query(
            "SELECT id, tenant_id, version, state_ct FROM cases \
             WHERE id = ? AND tenant_id IN (SELECT value FROM json_each(?))",
        )
        .bind(id.to_string())
        .bind(id_list(scope.visible()))
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("case"))?;
        let tenant: TenantId = rows::id(&row, "tenant_id")?;
        let timeline = self.timeline(conn, tenant, id).await?;
        self.record(&row, timeline)
    }

    /// Appends `entries` after the `already` entries the case has.
    async fn append_entries(
        &self,
        conn: &mut SqliteConnection,
        tenant: TenantId,
        id: CaseId,
        already: usize,
        entries: &[TimelineEntry],
    ) -> StoreResult<()> {
        let mut seq = i64::try_from(already).map_err(|_| StoreError::Corrupt("seq".into()))?;
        for entry in entries {
            seq += 1;
            sqlx::query(
                "INSERT INTO case_events (case_id, seq, at, type, entry_ct) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(id.to_string())
            .bind(seq)
            .bind(to_micros(entry.at))
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
impl CaseStore for SqliteStore {
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
        let mut tx = self.begin_write().await?;
        if let Some(key) = dedupe_key {
            let existing: Option<String> = sqlx::query_scalar(
                "SELECT id FROM cases WHERE tenant_id = ? AND kind = ? AND subject_type = ? \
                 AND subject_ref = ? AND dedupe_key = ? AND status <> 'closed'",
            )
            .bind(tenant.to_string())
            .bind(columns.kind)
            .bind(columns.subject_type)
            .bind(&columns.subject_ref)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
            if let Some(id) = existing {
                let record = self.load_case(&mut tx, scope, parse_id("id", &id)?).await?;
                return Ok(CreatedCase {
                    record,
                    created: false,
                });
            }
        }
        sqlx::query(
            "INSERT INTO cases (id, tenant_id, kind, status, subject_type, subject_ref, assignee, \
             priority, due, dedupe_key, state_ct, version, opened_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
        )
        .bind(case.id().to_string())
        .bind(tenant.to_string())
        .bind(columns.kind)
        .bind(columns.status)
        .bind(columns.subject_type)
        .bind(&columns.subject_ref)
        .bind(&columns.assignee)
        .bind(columns.priority)
        .bind(columns.due.map(|d| d.to_string()))
        .bind(dedupe_key)
        .bind(seal_state(&self.ring, tenant, case)?)
        .bind(to_micros(columns.opened_at))
        .bind(to_micros(now))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
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
        let mut conn = self.reader.acquire().await.map_err(db)?;
        self.load_case(&mut conn, scope, id).await
    }

    async fn cases(
        &self,
        scope: &TenantScope,
        filter: &CaseFilter,
    ) -> StoreResult<Vec<CaseRecord>> {
        let limit = filter.limit.clamp(1, MAX_CASES_LISTED);
        let status = filter.status.map(|s| s.as_str());
        let kind = filter.kind.map(|k| k.as_str());
        let subject = filter.subject.as_ref().map(|s| s.as_str());
        let assignee = filter.assignee.as_ref().map(|a| a.as_str());
        let due_before = filter.due_before.map(|d| d.to_string());
        let before = filter.before.map(|id| id.to_string());
        let found = sqlx::query(
            "SELECT id, tenant_id, version, state_ct FROM cases \
             WHERE tenant_id IN (SELECT value FROM json_each(?)) \
             AND (? IS NULL OR status = ?) AND (? = 0 OR status <> 'closed') \
             AND (? IS NULL OR kind = ?) AND (? IS NULL OR subject_ref = ?) \
             AND (? IS NULL OR assignee = ?) AND (? IS NULL OR due < ?) \
             AND (? IS NULL OR id < ?) \
             ORDER BY id DESC LIMIT ?",
        )
        .bind(id_list(scope.visible()))
        .bind(status)
        .bind(status)
        .bind(filter.open_only)
        .bind(kind)
        .bind(kind)
        .bind(subject)
        .bind(subject)
        .bind(assignee)
        .bind(assignee)
        .bind(&due_before)
        .bind(&due_before)
        .bind(&before)
        .bind(&before)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
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
        let mut tx = self.begin_write().await?;
        let before = self.load_case(&mut tx, scope, id).await?;
        if before.version != expected_version {
            return Err(StoreError::Conflict(STALE.into()));
        }
        let tenant = before.tenant;
        let columns = CaseColumns::of(case);
        let changed = sqlx::query(
            "UPDATE cases SET status = ?, assignee = ?, priority = ?, due = ?, state_ct = ?, \
             version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
        )
        .bind(columns.status)
        .bind(&columns.assignee)
        .bind(columns.priority)
        .bind(columns.due.map(|d| d.to_string()))
        .bind(seal_state(&self.ring, tenant, case)?)
        .bind(to_micros(now))
        .bind(id.to_string())
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
        let (today, soon) = (today.to_string(), soon_until.to_string());
        let row = sqlx::query(
            "SELECT COUNT(*) AS open, \
             COALESCE(SUM(CASE WHEN due < ? THEN 1 ELSE 0 END), 0) AS overdue, \
             COALESCE(SUM(CASE WHEN due >= ? AND due <= ? THEN 1 ELSE 0 END), 0) AS due_soon \
             FROM cases WHERE status <> 'closed'",
        )
        .bind(&today)
        .bind(&today)
        .bind(&soon)
        .fetch_one(&self.reader)
        .await
        .map_err(db)?;
        let count = |column: &str| -> StoreResult<u64> {
            let value: i64 = row.try_get(column).map_err(db)?;
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
             COALESCE(SUM(CASE WHEN due < ? THEN 1 ELSE 0 END), 0) AS overdue, \
             COALESCE(SUM(CASE WHEN due >= ? AND due <= ? THEN 1 ELSE 0 END), 0) AS due_soon \
             FROM cases WHERE status <> 'closed' GROUP BY kind ORDER BY kind",
        )
        .bind(today.to_string())
        .bind(today.to_string())
        .bind(soon_until.to_string())
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                let count = |column: &str| -> StoreResult<u64> {
                    let value: i64 = row.try_get(column).map_err(db)?;
                    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column} < 0")))
                };
                let kind: String = row.try_get("kind").map_err(db)?;
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

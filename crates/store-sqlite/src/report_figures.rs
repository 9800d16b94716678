//! Report figures aggregated in SQL, and generated reports with their logged disclosures;
//! sealing and the audit events live in `cloudkyc_store::report_figures`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_store::backend::to_micros;
use cloudkyc_store::customers::{CustomerId, parse_enum};
use cloudkyc_store::report_figures::{
    CustomerStatusCount, NewReport, ReportFigureStore, ReportFile, ReportId, StoredReport,
    VerificationRecordCount, check_new, disclosed_event, generated_event, open_file, seal_file,
    stored_of, to_count,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use uuid::Uuid;

use crate::SqliteStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{self, id_list};

const REPORT_COLUMNS: &str = "id, tenant_id, kind, sha256, parameters, personal, json_bytes, \
     pdf_bytes, archive_bytes, created_by, created_at";

fn count(row: &SqliteRow, column: &str) -> StoreResult<u64> {
    to_count(column, row.try_get(column).map_err(db)?)
}

fn report(row: &SqliteRow) -> StoreResult<StoredReport> {
    let parameters = rows::text(row, "parameters")?;
    let personal: i64 = row.try_get("personal").map_err(db)?;
    let archive: Option<i64> = row.try_get("archive_bytes").map_err(db)?;
    Ok(StoredReport {
        id: rows::id(row, "id")?,
        tenant: rows::id(row, "tenant_id")?,
        kind: rows::text(row, "kind")?,
        sha256: rows::text(row, "sha256")?,
        parameters: serde_json::from_str(&parameters)
            .map_err(|e| StoreError::Corrupt(format!("column parameters: {e}")))?,
        personal: personal != 0,
        json_bytes: count(row, "json_bytes")?,
        pdf_bytes: count(row, "pdf_bytes")?,
        archive_bytes: archive.map(|v| to_count("archive_bytes", v)).transpose()?,
        created_by: rows::text(row, "created_by")?,
        created_at: rows::time(row, "created_at")?,
    })
}

#[async_trait]
impl ReportFigureStore for SqliteStore {
    async fn customer_status_counts(
        &self,
        scope: &TenantScope,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<CustomerStatusCount>> {
        let found = sqlx::query(
            "SELECT person_status, cip_status, account_access, risk_tier, COUNT(*) AS n \
             FROM customers WHERE tenant_id IN (SELECT value FROM json_each(?)) \
             AND created_at < ? GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
        )
        .bind(id_list(scope.visible()))
        .bind(to_micros(until))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        found
            .iter()
            .map(|row| {
                Ok(CustomerStatusCount {
                    person_status: parse_enum("person_status", &rows::text(row, "person_status")?)?,
                    cip_status: parse_enum("cip_status", &rows::text(row, "cip_status")?)?,
                    account_access: parse_enum(
                        "account_access",
                        &rows::text(row, "account_access")?,
                    )?,
                    risk_tier: parse_enum("risk_tier", &rows::text(row, "risk_tier")?)?,
                    count: count(row, "n")?,
                })
            })
            .collect()
    }

    async fn verification_record_counts(
        &self,
        scope: &TenantScope,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<VerificationRecordCount>> {
        let found = sqlx::query(
            "SELECT kind, state, COUNT(*) AS n FROM customer_verifications \
             WHERE tenant_id IN (SELECT value FROM json_each(?)) \
             AND created_at >= ? AND created_at < ? GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .bind(id_list(scope.visible()))
        .bind(to_micros(from))
        .bind(to_micros(until))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        found
            .iter()
            .map(|row| {
                Ok(VerificationRecordCount {
                    kind: rows::text(row, "kind")?,
                    state: rows::text(row, "state")?,
                    count: count(row, "n")?,
                })
            })
            .collect()
    }

    async fn verification_subjects(
        &self,
        scope: &TenantScope,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<CustomerId>> {
        // Ids are UUID v7, so ordering by id orders by creation.
        let found = sqlx::query(
            "SELECT customer_id AS id FROM customer_verifications \
             WHERE tenant_id IN (SELECT value FROM json_each(?1)) \
             AND created_at >= ?2 AND created_at < ?3 \
             UNION SELECT id FROM customers \
             WHERE tenant_id IN (SELECT value FROM json_each(?1)) \
             AND cip_status = 'failed' AND created_at < ?3 ORDER BY 1",
        )
        .bind(id_list(scope.visible()))
        .bind(to_micros(from))
        .bind(to_micros(until))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        found.iter().map(|row| rows::id(row, "id")).collect()
    }

    async fn record_report(
        &self,
        scope: &TenantScope,
        new: NewReport,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredReport> {
        check_new(&new)?;
        let stored = stored_of(scope, ReportId::new(), &new, now);
        let json = seal_file(&self.ring, &stored, ReportFile::Json, &new.json)?;
        let pdf = seal_file(&self.ring, &stored, ReportFile::Pdf, &new.pdf)?;
        let archive = new
            .archive
            .as_deref()
            .map(|bytes| seal_file(&self.ring, &stored, ReportFile::Archive, bytes))
            .transpose()?;
        let clamp = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO reports (id, tenant_id, kind, sha256, parameters, personal, json_doc, \
             pdf_doc, archive_doc, json_bytes, pdf_bytes, archive_bytes, created_by, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(stored.id.to_string())
        .bind(stored.tenant.to_string())
        .bind(&stored.kind)
        .bind(&stored.sha256)
        .bind(stored.parameters.to_string())
        .bind(i64::from(stored.personal))
        .bind(json)
        .bind(pdf)
        .bind(archive)
        .bind(clamp(stored.json_bytes))
        .bind(clamp(stored.pdf_bytes))
        .bind(stored.archive_bytes.map(clamp))
        .bind(&stored.created_by)
        .bind(to_micros(stored.created_at))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append(
            &mut tx,
            stored.tenant,
            scope.actor(),
            now,
            generated_event(&stored),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(stored)
    }

    async fn reports(&self, scope: &TenantScope, limit: u32) -> StoreResult<Vec<StoredReport>> {
        let found = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports \
             WHERE tenant_id IN (SELECT value FROM json_each(?)) ORDER BY id DESC LIMIT ?"
        ))
        .bind(id_list(scope.visible()))
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        found.iter().map(report).collect()
    }

    async fn report(&self, scope: &TenantScope, id: ReportId) -> StoreResult<StoredReport> {
        let row = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports \
             WHERE id = ? AND tenant_id IN (SELECT value FROM json_each(?))"
        ))
        .bind(id.to_string())
        .bind(id_list(scope.visible()))
        .fetch_optional(&self.reader)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("report"))?;
        report(&row)
    }

    async fn report_counts(&self, scope: &TenantScope) -> StoreResult<Vec<(String, u64)>> {
        let found = sqlx::query(
            "SELECT kind, COUNT(*) AS n FROM reports \
             WHERE tenant_id IN (SELECT value FROM json_each(?)) GROUP BY kind ORDER BY kind",
        )
        .bind(id_list(scope.visible()))
        .fetch_all(&self.reader)
        .await
        .map_err(db)?;
        found
            .iter()
            .map(|row| Ok((rows::text(row, "kind")?, count(row, "n")?)))
            .collect()
    }

    async fn disclose_report(
        &self,
        scope: &TenantScope,
        id: ReportId,
        file: ReportFile,
        now: DateTime<Utc>,
    ) -> StoreResult<(StoredReport, Vec<u8>)> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS}, {} AS doc FROM reports \
             WHERE id = ? AND tenant_id IN (SELECT value FROM json_each(?))",
            file.column()
        ))
        .bind(id.to_string())
        .bind(id_list(scope.visible()))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("report"))?;
        let stored = report(&row)?;
        let doc: Option<Vec<u8>> = row.try_get("doc").map_err(db)?;
        let doc = doc.ok_or_else(|| StoreError::not_found("report archive"))?;
        let bytes = open_file(&self.ring, &stored, file, doc)?;
        sqlx::query(
            "INSERT INTO report_disclosures (id, tenant_id, report_id, file, disclosed_by, \
             disclosed_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(stored.tenant.to_string())
        .bind(stored.id.to_string())
        .bind(file.as_str())
        .bind(scope.actor().audit_name())
        .bind(to_micros(now))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append(
            &mut tx,
            stored.tenant,
            scope.actor(),
            now,
            disclosed_event(&stored, &bytes),
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok((stored, bytes))
    }

    async fn report_disclosure_count(&self, scope: &TenantScope) -> StoreResult<u64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM report_disclosures \
             WHERE tenant_id IN (SELECT value FROM json_each(?))",
        )
        .bind(id_list(scope.visible()))
        .fetch_one(&self.reader)
        .await
        .map_err(db)?;
        count(&row, "n")
    }
}

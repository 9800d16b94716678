//! Report figures aggregated in SQL, and generated reports with their logged disclosures;
//! sealing and the audit events live in `cloudkyc_store::report_figures`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_store::customers::{CustomerId, parse_enum};
use cloudkyc_store::report_figures::{
    CustomerStatusCount, NewReport, ReportFigureStore, ReportFile, ReportId, StoredReport,
    VerificationRecordCount, check_new, disclosed_event, generated_event, open_file, seal_file,
    stored_of, to_count,
};
use cloudkyc_store::{StoreError, StoreResult, TenantScope};
use sqlx::postgres::PgRow;
use uuid::Uuid;

use crate::PgStore;
use crate::audit::append;
use crate::error::db;
use crate::rows::{get, time, uuids};

const REPORT_COLUMNS: &str = "id, tenant_id, kind, sha256, parameters, personal, json_bytes, \
     pdf_bytes, archive_bytes, created_by, created_at";

fn count(row: &PgRow, column: &str) -> StoreResult<u64> {
    to_count(column, get(row, column)?)
}

fn report(row: &PgRow) -> StoreResult<StoredReport> {
    let archive: Option<i64> = get(row, "archive_bytes")?;
    Ok(StoredReport {
        id: ReportId::from_uuid(get(row, "id")?),
        tenant: TenantId::from_uuid(get(row, "tenant_id")?),
        kind: get(row, "kind")?,
        sha256: get(row, "sha256")?,
        parameters: get(row, "parameters")?,
        personal: get(row, "personal")?,
        json_bytes: count(row, "json_bytes")?,
        pdf_bytes: count(row, "pdf_bytes")?,
        archive_bytes: archive.map(|v| to_count("archive_bytes", v)).transpose()?,
        created_by: get(row, "created_by")?,
        created_at: time(row, "created_at")?,
    })
}

#[async_trait]
impl ReportFigureStore for PgStore {
    async fn customer_status_counts(
        &self,
        scope: &TenantScope,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<CustomerStatusCount>> {
        let found = sqlx::query(
            "SELECT person_status, cip_status, account_access, risk_tier, COUNT(*) AS n \
             FROM customers WHERE tenant_id = ANY($1) AND created_at < $2 \
             GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
        )
        .bind(uuids(scope.visible()))
        .bind(until)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        found
            .iter()
            .map(|row| {
                Ok(CustomerStatusCount {
                    person_status: parse_enum(
                        "person_status",
                        &get::<String>(row, "person_status")?,
                    )?,
                    cip_status: parse_enum("cip_status", &get::<String>(row, "cip_status")?)?,
                    account_access: parse_enum(
                        "account_access",
                        &get::<String>(row, "account_access")?,
                    )?,
                    risk_tier: parse_enum("risk_tier", &get::<String>(row, "risk_tier")?)?,
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
             WHERE tenant_id = ANY($1) AND created_at >= $2 AND created_at < $3 \
             GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .bind(uuids(scope.visible()))
        .bind(from)
        .bind(until)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        found
            .iter()
            .map(|row| {
                Ok(VerificationRecordCount {
                    kind: get(row, "kind")?,
                    state: get(row, "state")?,
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
             WHERE tenant_id = ANY($1) AND created_at >= $2 AND created_at < $3 \
             UNION SELECT id FROM customers \
             WHERE tenant_id = ANY($1) AND cip_status = 'failed' AND created_at < $3 ORDER BY 1",
        )
        .bind(uuids(scope.visible()))
        .bind(from)
        .bind(until)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        found
            .iter()
            .map(|row| Ok(CustomerId::from_uuid(get(row, "id")?)))
            .collect()
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
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query(
            "INSERT INTO reports (id, tenant_id, kind, sha256, parameters, personal, json_doc, \
             pdf_doc, archive_doc, json_bytes, pdf_bytes, archive_bytes, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(stored.id.as_uuid())
        .bind(stored.tenant.as_uuid())
        .bind(&stored.kind)
        .bind(&stored.sha256)
        .bind(&stored.parameters)
        .bind(stored.personal)
        .bind(json)
        .bind(pdf)
        .bind(archive)
        .bind(clamp(stored.json_bytes))
        .bind(clamp(stored.pdf_bytes))
        .bind(stored.archive_bytes.map(clamp))
        .bind(&stored.created_by)
        .bind(stored.created_at)
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
            "SELECT {REPORT_COLUMNS} FROM reports WHERE tenant_id = ANY($1) \
             ORDER BY id DESC LIMIT $2"
        ))
        .bind(uuids(scope.visible()))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        found.iter().map(report).collect()
    }

    async fn report(&self, scope: &TenantScope, id: ReportId) -> StoreResult<StoredReport> {
        let row = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1 AND tenant_id = ANY($2)"
        ))
        .bind(id.as_uuid())
        .bind(uuids(scope.visible()))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("report"))?;
        report(&row)
    }

    async fn report_counts(&self, scope: &TenantScope) -> StoreResult<Vec<(String, u64)>> {
        let found = sqlx::query(
            "SELECT kind, COUNT(*) AS n FROM reports WHERE tenant_id = ANY($1) \
             GROUP BY kind ORDER BY kind",
        )
        .bind(uuids(scope.visible()))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        found
            .iter()
            .map(|row| Ok((get(row, "kind")?, count(row, "n")?)))
            .collect()
    }

    async fn disclose_report(
        &self,
        scope: &TenantScope,
        id: ReportId,
        file: ReportFile,
        now: DateTime<Utc>,
    ) -> StoreResult<(StoredReport, Vec<u8>)> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        let row = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS}, {} AS doc FROM reports WHERE id = $1 AND tenant_id = ANY($2)",
            file.column()
        ))
        .bind(id.as_uuid())
        .bind(uuids(scope.visible()))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::not_found("report"))?;
        let stored = report(&row)?;
        let doc: Option<Vec<u8>> = get(&row, "doc")?;
        let doc = doc.ok_or_else(|| StoreError::not_found("report archive"))?;
        let bytes = open_file(&self.ring, &stored, file, doc)?;
        sqlx::query(
            "INSERT INTO report_disclosures (id, tenant_id, report_id, file, disclosed_by, \
             disclosed_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Uuid::now_v7())
        .bind(stored.tenant.as_uuid())
        .bind(stored.id.as_uuid())
        .bind(file.as_str())
        .bind(scope.actor().audit_name())
        .bind(now)
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
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM report_disclosures WHERE tenant_id = ANY($1)")
                .bind(uuids(scope.visible()))
                .fetch_one(&self.pool)
                .await
                .map_err(db)?;
        count(&row, "n")
    }
}

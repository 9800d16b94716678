//! Regulator reports out of the product's own records (issue 7, items 4-9): each model of
//! `cloudkyc-reports` is filled from the store and the active pack, rendered to JSON and PDF,
//! and kept with its SHA-256 in the audit chain (`report.generate`); every later read of a
//! report's file is a logged disclosure (`report.disclose`).
//!
//! Generating needs `DecideCases` (an officer signs reports); reading needs `ReadAudit`, and
//! `ReadCustomers` too when the report carries personal data (AI-training, production).

mod adp;
mod ai_compute;
mod ai_identity;
mod ai_training;
mod certification;
mod figures;
mod production;
mod program;
mod request;
pub mod tar;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use cloudkyc_domain::Permission;
use cloudkyc_reports::{AnyReport, ContactPerson, ReportError, ReportKind, SignOff, WrittenCip};
use cloudkyc_store::TenantScope;
use cloudkyc_store::report_figures::{NewReport, ReportFile, ReportId, StoredReport};

pub use cloudkyc_reports::Rendered;
pub use figures::{country_of_customer, country_of_owner};
pub use request::{Officer, ReportRequest};
use request::{check_request, contact};

use crate::{App, AppError, AppResult};

/// Most customers one production may name.
pub const MAX_PRODUCTION_CUSTOMERS: usize = 100;
/// Longest out-of-cycle reason accepted, in characters.
pub const MAX_REASON_CHARS: usize = 2000;
/// Most reports listed at once.
pub const MAX_REPORTS_LISTED: u32 = 500;
/// The country counted for a party whose records give none (ISO 3166 user-assigned "unknown").
pub const UNKNOWN_COUNTRY: &str = "ZZ";

/// A generated report: its metadata as kept, its files, and a production's archive.
#[derive(Debug, Clone)]
pub struct GeneratedReport {
    pub report: StoredReport,
    pub rendered: Rendered,
    pub archive: Option<Vec<u8>>,
}

/// A model filled from the records, before rendering.
pub(crate) struct Built {
    pub report: AnyReport,
    pub personal: bool,
    pub archive: Option<Vec<u8>>,
}

/// Who generates and when: what every builder needs.
pub(crate) struct Context<'a> {
    pub scope: &'a TenantScope,
    pub provider: String,
    pub now: DateTime<Utc>,
    pub contact: ContactPerson,
}

impl Context<'_> {
    pub fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }

    /// The officer's sign-off with `statement`.
    pub fn sign_off(&self, statement: impl Into<String>) -> SignOff {
        SignOff {
            officer_name: self.contact.name.clone(),
            officer_title: self.contact.title.clone(),
            statement: statement.into(),
            signed_at: self.now,
        }
    }
}

/// The end of a period that runs to now: exclusive bounds must still count what was written at
/// this very instant (a manual clock does not move between writes).
pub(crate) fn just_after(now: DateTime<Utc>) -> DateTime<Utc> {
    now + chrono::Duration::microseconds(1)
}

/// The first instant of `year`, UTC.
pub(crate) fn start_of_year(year: i32) -> AppResult<DateTime<Utc>> {
    Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .single()
        .ok_or_else(|| AppError::invalid("/year", "is out of range"))
}

fn report_error(e: ReportError) -> AppError {
    match e {
        ReportError::Invalid { .. } | ReportError::UnknownKind(..) => {
            AppError::Conflict(format!("the records do not make a valid report: {e}"))
        }
        other => AppError::Internal(format!("rendering a report: {other}")),
    }
}

impl App {
    /// The events of one account, read in the tenant that holds it: the access log is kept per
    /// tenant, and a provider's report covers its resellers' customers too. The narrower scope
    /// only reads; the caller's scope already sees `tenant`.
    pub(crate) async fn account_access_events(
        &self,
        scope: &TenantScope,
        tenant: cloudkyc_domain::TenantId,
        account: &str,
    ) -> AppResult<Vec<cloudkyc_store::access::AccessEvent>> {
        let limit = crate::access::MAX_LISTED_EVENTS;
        if tenant == scope.tenant() {
            return Ok(self.store().access_events(scope, account, limit).await?);
        }
        if !scope.can_see(tenant) {
            return Err(AppError::NotFound("customer".into()));
        }
        let holder = TenantScope::system(tenant, self.store().subtree(tenant).await?, "report");
        Ok(self.store().access_events(&holder, account, limit).await?)
    }

    /// Builds the report `req` asks for from the records visible to the scope, renders it and
    /// keeps it with its digest in the audit chain.
    pub async fn generate_report(
        &self,
        scope: &TenantScope,
        req: ReportRequest,
    ) -> AppResult<GeneratedReport> {
        Self::require(scope, Permission::DecideCases)?;
        let now = self.now();
        check_request(&req, now)?;
        let provider = self.store().tenant(scope, scope.tenant()).await?.name;
        let ctx = Context {
            scope,
            provider,
            now,
            contact: contact(&req.officer, scope)?,
        };
        let built = match req.kind {
            ReportKind::WrittenCip => Built {
                report: WrittenCip::from_pack(
                    self.policy(),
                    ctx.provider.clone(),
                    Some(ctx.contact.clone()),
                    now,
                )
                .into(),
                personal: false,
                archive: None,
            },
            ReportKind::CertificationInitial
            | ReportKind::CertificationAnnual
            | ReportKind::CertificationOutOfCycle => self.build_certification(&ctx, &req).await?,
            ReportKind::Adp => self.build_adp(&ctx).await?,
            ReportKind::Production => {
                self.build_production(&ctx, &req.customers, req.reference.as_deref())
                    .await?
            }
            ReportKind::AiTraining => {
                self.build_ai_training(&ctx, req.case.as_deref(), req.customers.first().copied())
                    .await?
            }
        };
        let rendered = built.report.render().map_err(report_error)?;
        let new = NewReport {
            kind: rendered.kind.to_string(),
            sha256: rendered.sha256.clone(),
            parameters: req.parameters(),
            personal: built.personal,
            json: rendered.json.clone(),
            pdf: rendered.pdf.clone(),
            archive: built.archive.clone(),
        };
        let report = self.store().record_report(scope, new, now).await?;
        Ok(GeneratedReport {
            report,
            rendered,
            archive: built.archive,
        })
    }

    /// Reports visible to the scope, newest first.
    pub async fn list_reports(
        &self,
        scope: &TenantScope,
        limit: u32,
    ) -> AppResult<Vec<StoredReport>> {
        Self::require(scope, Permission::ReadAudit)?;
        if !(1..=MAX_REPORTS_LISTED).contains(&limit) {
            return Err(AppError::invalid(
                "limit",
                format!("must be 1 to {MAX_REPORTS_LISTED}"),
            ));
        }
        Ok(self.store().reports(scope, limit).await?)
    }

    /// A report's metadata.
    pub async fn report_metadata(
        &self,
        scope: &TenantScope,
        id: ReportId,
    ) -> AppResult<StoredReport> {
        Self::require(scope, Permission::ReadAudit)?;
        Ok(self.store().report(scope, id).await?)
    }

    /// One file of a report, logged as a disclosure.
    pub async fn disclose_report(
        &self,
        scope: &TenantScope,
        id: ReportId,
        file: ReportFile,
    ) -> AppResult<(StoredReport, Vec<u8>)> {
        Self::require(scope, Permission::ReadAudit)?;
        let meta = self.store().report(scope, id).await?;
        if meta.personal {
            Self::require(scope, Permission::ReadCustomers)?;
        }
        Ok(self
            .store()
            .disclose_report(scope, id, file, self.now())
            .await?)
    }
}

//! The initial, annual and out-of-cycle certifications (rule-pack section 4), with the figures
//! computed from the records and a sample of case files. An out-of-cycle update covers the time
//! since the latest certification and states the change that called for it.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use cloudkyc_domain::cases::{CaseEvent, CaseStatus};
use cloudkyc_reports::{
    CaseFileSample, CertificationFigures, CertificationType, CipCertification, ReportKind,
    ReportMeta, ResellerEntry,
};

use super::request::ReportRequest;
use cloudkyc_store::TenantScope;
use cloudkyc_store::cases::CaseFilter;

use super::figures::counts;
use super::{Built, Context, just_after, program, start_of_year};
use crate::{App, AppError, AppResult};

/// The period a certification covers: the days it prints and the instants it counts within.
pub(crate) struct Period {
    pub start: Option<NaiveDate>,
    pub end: NaiveDate,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

/// Reports looked at for the latest certification: newest first, and a provider files a few
/// reports a month, so years of them.
const RECENT_REPORTS: u32 = 1_000;

/// The period of an out-of-cycle update: from the latest certification (or the program's
/// start) to now.
fn since(last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Period {
    Period {
        start: last.map(|at| at.date_naive()),
        end: now.date_naive(),
        from: last.unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
        until: just_after(now),
    }
}

pub(crate) fn period(kind: ReportKind, year: Option<i32>, now: DateTime<Utc>) -> AppResult<Period> {
    if kind == ReportKind::CertificationInitial {
        return Ok(Period {
            start: None,
            end: now.date_naive(),
            from: DateTime::<Utc>::UNIX_EPOCH,
            until: just_after(now),
        });
    }
    let year = year.unwrap_or(now.year());
    let from = start_of_year(year)?;
    let until = start_of_year(year + 1)?.min(just_after(now));
    let end = (start_of_year(year + 1)? - chrono::Duration::days(1))
        .date_naive()
        .min(now.date_naive());
    Ok(Period {
        start: Some(from.date_naive()),
        end,
        from,
        until,
    })
}

/// The foreign resellers in the scope's registry, with their CIP arrangement and status. The
/// registry holds foreign resellers only (registration refuses a U.S. country), and a
/// terminated one stays listed: the rule asks for every foreign reseller of the period.
pub(crate) async fn foreign_resellers(
    app: &App,
    scope: &TenantScope,
) -> AppResult<Vec<ResellerEntry>> {
    let registry = app.store().resellers(scope).await?;
    Ok(registry
        .into_iter()
        .map(|r| ResellerEntry {
            name: r.name,
            country: r.country.as_str().to_owned(),
            cip_agreement: r.agreement.as_str().to_owned(),
            status: r.status.name().to_string(),
        })
        .collect())
}

impl App {
    /// When the scope's tenants last generated a certification of any type.
    async fn last_certification(&self, scope: &TenantScope) -> AppResult<Option<DateTime<Utc>>> {
        let reports = self.store().reports(scope, RECENT_REPORTS).await?;
        Ok(reports
            .iter()
            .filter(|r| r.kind.starts_with("certification-"))
            .map(|r| r.created_at)
            .max())
    }

    /// Closed cases opened in the period, newest first, as evidence the program is applied. The
    /// case's free-text summary is not copied (it may name people): the sample states the kind,
    /// the subject's reference, the outcome and who decided.
    pub(crate) async fn case_samples(
        &self,
        scope: &TenantScope,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> AppResult<Vec<CaseFileSample>> {
        let filter = CaseFilter {
            status: Some(CaseStatus::Closed),
            limit: cloudkyc_store::cases::MAX_CASES_LISTED,
            ..CaseFilter::default()
        };
        let listed = self.store().cases(scope, &filter).await?;
        let mut out = Vec::new();
        for record in listed
            .into_iter()
            .filter(|r| r.case.opened_at() >= from && r.case.opened_at() < until)
            .take(self.policy().certification().sample_case_files as usize)
        {
            let case = self.store().case(scope, record.case.id()).await?.case;
            let decision = case.timeline().iter().rev().find_map(|e| match &e.event {
                CaseEvent::Decision {
                    proposed_by,
                    approved_by,
                    ..
                } => Some((
                    e.at,
                    proposed_by.to_string(),
                    approved_by.as_ref().map(ToString::to_string),
                )),
                _ => None,
            });
            let closed_on = case
                .timeline()
                .iter()
                .rev()
                .find(|e| matches!(&e.event, CaseEvent::StatusChanged { to, .. } if to.is_closed()))
                .map(|e| e.at.date_naive())
                .or_else(|| decision.as_ref().map(|d| d.0.date_naive()));
            let outcome = case.outcome().map(|o| o.as_str().to_owned());
            out.push(CaseFileSample {
                case_id: case.id().to_string(),
                kind: case.kind().as_str().to_owned(),
                opened_on: case.opened_at().date_naive(),
                closed_on,
                summary: format!(
                    "{} case about {}, closed {}",
                    case.kind(),
                    case.subject(),
                    outcome.as_deref().unwrap_or("without an outcome")
                ),
                outcome,
                decided_by: decision.as_ref().map(|d| d.1.clone()),
                approved_by: decision.and_then(|d| d.2),
                timeline_entries: u32::try_from(case.timeline().len()).unwrap_or(u32::MAX),
            });
        }
        Ok(out)
    }

    pub(crate) async fn build_certification(
        &self,
        ctx: &Context<'_>,
        req: &ReportRequest,
    ) -> AppResult<Built> {
        let kind = req.kind;
        let (certification, period, out_of_cycle) = match kind {
            ReportKind::CertificationInitial => (
                CertificationType::Initial,
                period(kind, req.year, ctx.now)?,
                None,
            ),
            ReportKind::CertificationAnnual => (
                CertificationType::Annual,
                period(kind, req.year, ctx.now)?,
                None,
            ),
            ReportKind::CertificationOutOfCycle => (
                CertificationType::OutOfCycle,
                since(self.last_certification(ctx.scope).await?, ctx.now),
                Some(req.out_of_cycle()?),
            ),
            _ => return Err(AppError::invalid("/kind", "not a certification")),
        };
        let (out_of_cycle_reason, out_of_cycle_trigger) = out_of_cycle.unzip();
        let people = self.customer_figures(ctx.scope, period.until).await?;
        let figures = CertificationFigures {
            customers_total: people.total,
            customers_by_country: counts(people.by_country),
            foreign_beneficial_owners_by_country: counts(people.foreign_owners_by_country),
            foreign_resellers: foreign_resellers(self, ctx.scope).await?,
            foreign_accounts_not_verified: people.foreign_accounts_not_verified,
            failed_verifications: self
                .failed_verifications(ctx.scope, period.from, period.until)
                .await?,
        };
        // Generating the certification is the officer's affirmation of its statements; the
        // sign-off below records who affirmed them and when.
        let attestations = CipCertification::standard_attestations(certification)
            .into_iter()
            .map(|mut a| {
                a.affirmed = true;
                a
            })
            .collect();
        let report = CipCertification {
            meta: ReportMeta::new(kind, ctx.provider.clone(), self.policy(), ctx.now),
            certification,
            period_start: period.start,
            period_end: period.end,
            out_of_cycle_reason,
            out_of_cycle_trigger,
            program: program::summary(self.policy(), ctx),
            contact: ctx.contact.clone(),
            figures,
            attestations,
            sign_off: ctx.sign_off(format!(
                "I certify on behalf of {} that the statements above are true and that the \
                 figures were computed from the provider's records.",
                ctx.provider
            )),
            sampled_cases: self
                .case_samples(ctx.scope, period.from, period.until)
                .await?,
        };
        Ok(Built {
            report: report.into(),
            personal: false,
            archive: None,
        })
    }
}

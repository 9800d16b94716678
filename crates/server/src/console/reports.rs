//! Regulator reports: the reports kept, and generating one in two steps. The form is checked
//! and shown back as a preview of what will be signed; signing it off generates the report
//! (the app renders JSON and PDF, keeps them and records the digest in the audit chain) and
//! opens its page (`reports_view`), with the downloads. Both steps are CSRF-protected forms.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use cloudkyc_app::reports::{Officer, ReportRequest};
use cloudkyc_domain::Permission;
use cloudkyc_reports::ReportKind;
use cloudkyc_store::customers::CustomerId;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::layout::{Chrome, Nav, PageError, PageResult, render};
use super::reports_view::{self, ReportRow};
use super::session::{Console, ConsoleForm};
use crate::state::AppState;

/// The kinds generated from the records (an out-of-cycle certification needs its own reason
/// and is made through the API).
const KINDS: [(&str, &str); 6] = [
    ("written-cip", "Written CIP"),
    ("certification-initial", "Initial certification"),
    ("certification-annual", "Annual certification"),
    ("adp", "Abuse of IaaS products (ADP) report"),
    ("ai-training", "AI-training report"),
    ("production", "Production of records"),
];

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/reports", get(list).post(generate))
        .route("/console/reports/preview", post(preview))
        .merge(reports_view::routes())
}

/// The generate form as the browser sends it: every field text, empty when left blank.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub(crate) struct GenerateForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    case: String,
    #[serde(default)]
    customer: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    officer_name: String,
    #[serde(default)]
    officer_title: String,
    #[serde(default)]
    officer_email: String,
    #[serde(default)]
    officer_phone: String,
}

fn filled(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

impl GenerateForm {
    /// The app's request, or why the form does not make one.
    fn request(&self) -> Result<ReportRequest, PageError> {
        let kind: ReportKind = KINDS
            .iter()
            .find(|(name, _)| *name == self.kind)
            .and_then(|(name, _)| name.parse().ok())
            .ok_or_else(|| PageError::Invalid("kind: choose a report kind".into()))?;
        let year = filled(&self.year)
            .map(|y| y.parse::<i32>())
            .transpose()
            .map_err(|_| PageError::Invalid("year: must be a year such as 2026".into()))?;
        let customers = filled(&self.customer)
            .map(|c| Uuid::parse_str(&c).map(CustomerId::from_uuid))
            .transpose()
            .map_err(|_| PageError::Invalid("customer: must be a customer id".into()))?
            .into_iter()
            .collect();
        Ok(ReportRequest {
            year,
            case: filled(&self.case),
            customers,
            reference: filled(&self.reference),
            officer: Officer {
                name: filled(&self.officer_name),
                title: filled(&self.officer_title),
                email: filled(&self.officer_email),
                phone: filled(&self.officer_phone),
            },
            ..ReportRequest::new(kind)
        })
    }

    fn kind_label(&self) -> &'static str {
        KINDS
            .iter()
            .find(|(name, _)| *name == self.kind)
            .map_or("", |(_, label)| label)
    }
}

#[derive(Template)]
#[template(path = "console/reports.html")]
struct ReportsPage {
    chrome: Chrome,
    reports: Vec<ReportRow>,
    kinds: &'static [(&'static str, &'static str)],
    may_generate: bool,
}

async fn list(Console(signed_in): Console, State(state): State<AppState>) -> PageResult {
    let reports = state
        .app
        .list_reports(&signed_in.scope, 100)
        .await?
        .into_iter()
        .map(ReportRow::from)
        .collect();
    let chrome = Chrome::new(&signed_in, Nav::Reports, "Reports");
    let may_generate = chrome.may(Permission::DecideCases);
    Ok(render(&ReportsPage {
        chrome,
        reports,
        kinds: &KINDS,
        may_generate,
    }))
}

#[derive(Template)]
#[template(path = "console/report_preview.html")]
struct PreviewPage {
    chrome: Chrome,
    form: GenerateForm,
    kind_label: &'static str,
}

/// Step one: the form checked and shown back, with the sign-off button.
async fn preview(ConsoleForm { console, form }: ConsoleForm<GenerateForm>) -> PageResult {
    let chrome = Chrome::new(&console, Nav::Reports, "Preview and sign off");
    if !chrome.may(Permission::DecideCases) {
        return Err(PageError::Forbidden(
            "Generating a report needs a role that decides cases.".into(),
        ));
    }
    form.request()?;
    let kind_label = form.kind_label();
    Ok(render(&PreviewPage {
        chrome,
        form,
        kind_label,
    }))
}

/// Step two, the sign-off: generates and keeps the report, then shows it.
async fn generate(
    State(state): State<AppState>,
    ConsoleForm { console, form }: ConsoleForm<GenerateForm>,
) -> PageResult {
    let generated = state
        .app
        .generate_report(&console.scope, form.request()?)
        .await?;
    let id = generated.report.id.as_uuid();
    Ok(Redirect::to(&format!("/console/reports/{id}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_fields_are_absent_and_bad_ones_are_refused() {
        let form = GenerateForm {
            kind: "certification-annual".into(),
            year: " 2026 ".into(),
            officer_name: "  ".into(),
            ..GenerateForm::default()
        };
        let request = form.request().unwrap();
        assert_eq!(request.kind, ReportKind::CertificationAnnual);
        assert_eq!(request.year, Some(2026));
        assert_eq!(request.officer.name, None);
        let bad_year = GenerateForm {
            year: "next".into(),
            ..form.clone()
        };
        assert!(matches!(bad_year.request(), Err(PageError::Invalid(_))));
        let unknown = GenerateForm {
            kind: "certification-out-of-cycle".into(),
            ..form
        };
        assert!(matches!(unknown.request(), Err(PageError::Invalid(_))));
    }
}

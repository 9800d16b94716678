//! The foreign reseller registry: each reseller's status, agreement, reviews and running
//! termination clock, as the oversight use cases derive them from the pack.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use chrono::NaiveDate;
use cloudkyc_app::resellers::ResellerOutcome;

use super::layout::{Chrome, Nav, PageResult, render};
use super::session::Console;
use super::words::words;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/console/resellers", get(page))
}

#[derive(Debug)]
struct ReviewRow {
    on: NaiveDate,
    outcome: String,
    evidence: String,
}

#[derive(Debug)]
struct ResellerRow {
    name: String,
    country: String,
    status: String,
    tone: &'static str,
    registered_on: NaiveDate,
    agreement: String,
    /// "signed 2026-01-05, SHA-256 ab12…" or none uploaded.
    document: Option<String>,
    reviews: Vec<ReviewRow>,
    next_review_due: Option<NaiveDate>,
    termination_due: Option<NaiveDate>,
    /// Days left on the termination clock (negative: overdue).
    days_left: Option<i64>,
    reminders: Vec<NaiveDate>,
}

#[derive(Template)]
#[template(path = "console/resellers.html")]
struct ResellersPage {
    chrome: Chrome,
    today: NaiveDate,
    resellers: Vec<ResellerRow>,
}

fn row(outcome: ResellerOutcome, today: NaiveDate) -> ResellerRow {
    let r = outcome.record;
    let status = r.status.name().to_string();
    let tone = match status.as_str() {
        "active" => "good",
        "terminated" => "bad",
        _ => "warn",
    };
    ResellerRow {
        name: r.name,
        country: r.country.as_str().to_owned(),
        status: status.replace('_', " "),
        tone,
        registered_on: r.registered_on,
        agreement: words(&r.agreement),
        document: r.agreement_document.map(|d| {
            let digest: String = d.sha256.as_str().chars().take(12).collect();
            format!("signed {}, SHA-256 {digest}…", d.signed_on)
        }),
        reviews: r
            .reviews
            .iter()
            .map(|v| ReviewRow {
                on: v.on,
                outcome: words(&v.outcome),
                evidence: v.evidence_reference.clone(),
            })
            .collect(),
        next_review_due: outcome.next_review_due,
        days_left: r.termination_due.map(|due| (due - today).num_days()),
        termination_due: r.termination_due,
        reminders: outcome.reminders.iter().map(|m| m.on).collect(),
    }
}

async fn page(Console(signed_in): Console, State(state): State<AppState>) -> PageResult {
    let today = state.app.reseller_today();
    let resellers = state
        .app
        .resellers(&signed_in.scope)
        .await?
        .into_iter()
        .map(|o| row(o, today))
        .collect();
    let chrome = Chrome::new(&signed_in, Nav::Resellers, "Foreign resellers");
    Ok(render(&ResellersPage {
        chrome,
        today,
        resellers,
    }))
}

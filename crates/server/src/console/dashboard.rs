//! The dashboard: what needs attention, each figure a link into the work.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use chrono::NaiveDate;

use super::cases::CaseRow;
use super::layout::{Chrome, Nav, PageResult, render};
use super::session::Console;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/console", get(page))
}

/// How many open cases the dashboard lists (the queue has them all).
const CASES_SHOWN: usize = 25;

struct ListRow {
    list: String,
    state: String,
    version: String,
    age_days: Option<i64>,
    stale: bool,
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    today: NaiveDate,
    customers: u64,
    pending_verifications: u64,
    foreign_not_verified: u64,
    open_report_cases: u64,
    open_case_count: Option<usize>,
    overdue_count: usize,
    cases: Vec<CaseRow>,
    lists: Vec<ListRow>,
    resellers: Option<Vec<(String, u64)>>,
}

async fn page(Console(signed_in): Console, State(state): State<AppState>) -> PageResult {
    let app = &state.app;
    let board = app.console_dashboard(&signed_in.scope).await?;
    let now = app.now();
    let today = now.date_naive();
    let open = board.open_cases.unwrap_or_default();
    let overdue_count = open
        .iter()
        .filter(|c| c.case.due().is_some_and(|due| due < today))
        .count();
    let lists = board
        .lists
        .iter()
        .map(|l| {
            let age_days = l.age_seconds(now).map(|s| s / 86_400);
            ListRow {
                list: l.list.clone(),
                state: format!("{:?}", l.state).to_lowercase(),
                version: l.version.clone().unwrap_or_else(|| "none".to_owned()),
                age_days,
                stale: l.last_error.is_some() || age_days.is_none_or(|d| d > 30),
            }
        })
        .collect();
    let page = DashboardPage {
        chrome: Chrome::new(&signed_in, Nav::Dashboard, "Dashboard"),
        today,
        customers: board.customers,
        pending_verifications: board.pending_verifications,
        foreign_not_verified: board.foreign_not_verified,
        open_report_cases: board.open_report_cases,
        open_case_count: signed_in
            .scope
            .role()
            .allows(cloudkyc_domain::Permission::ReadAudit)
            .then_some(open.len()),
        overdue_count,
        cases: open
            .iter()
            .take(CASES_SHOWN)
            .map(|c| CaseRow::of(c, today))
            .collect(),
        lists,
        resellers: board.resellers.map(|r| r.into_iter().collect()),
    };
    Ok(render(&page))
}

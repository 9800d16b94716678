//! The restricted-party lists: the version in force, its freshness and content hash, and how
//! the last update went (a failed update keeps the last good snapshot in force: fail closed).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use chrono::{DateTime, Utc};
use cloudkyc_app::lists::{ListState, ListStatusView};

use super::layout::{Chrome, Nav, PageResult, render};
use super::session::Console;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/console/lists", get(page))
}

/// One list as the table shows it.
#[derive(Debug)]
struct ListRow {
    list: String,
    state: &'static str,
    /// `good`, `warn` or `bad`: the badge's colour class (the word says it too).
    tone: &'static str,
    source: &'static str,
    version: String,
    sha256: String,
    sha256_short: String,
    published: String,
    age: String,
    entities: String,
    last_attempt: String,
    last_success: String,
    last_error: Option<String>,
    failures: u64,
}

#[derive(Template)]
#[template(path = "console/lists.html")]
struct ListsPage {
    chrome: Chrome,
    lists: Vec<ListRow>,
    failing: usize,
}

fn when(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(
        || "never".to_owned(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// "3 days", "5 hours": how old the data in force is.
pub(crate) fn age_words(seconds: i64) -> String {
    match seconds {
        s if s >= 2 * 86_400 => format!("{} days", s / 86_400),
        s if s >= 7_200 => format!("{} hours", s / 3_600),
        s if s >= 120 => format!("{} minutes", s / 60),
        _ => "just now".to_owned(),
    }
}

fn row(view: ListStatusView, now: DateTime<Utc>) -> ListRow {
    let (state, tone) = match view.state {
        ListState::Ok => ("in force", "good"),
        ListState::UpdateFailed => ("update failed", "warn"),
        ListState::Missing => ("missing", "bad"),
    };
    ListRow {
        age: view
            .age_seconds(now)
            .map_or_else(|| "unknown".to_owned(), age_words),
        list: view.list,
        state,
        tone,
        source: view.source,
        version: view.version.unwrap_or_else(|| "none".to_owned()),
        sha256_short: view
            .content_sha256
            .as_deref()
            .map(|h| h.chars().take(12).collect())
            .unwrap_or_default(),
        sha256: view.content_sha256.unwrap_or_default(),
        published: view
            .published
            .map_or_else(|| "undated".to_owned(), |d| d.to_string()),
        entities: view
            .entity_count
            .map_or_else(|| "-".to_owned(), |n| n.to_string()),
        last_attempt: when(view.last_attempt_at),
        last_success: when(view.last_success_at),
        last_error: view.last_error,
        failures: view.update_failures,
    }
}

async fn page(Console(signed_in): Console, State(state): State<AppState>) -> PageResult {
    let now = state.app.now();
    let lists: Vec<ListRow> = state
        .app
        .list_status(&signed_in.scope)
        .await?
        .into_iter()
        .map(|v| row(v, now))
        .collect();
    let failing = lists.iter().filter(|l| l.tone != "good").count();
    let chrome = Chrome::new(&signed_in, Nav::Lists, "Restricted-party lists");
    Ok(render(&ListsPage {
        chrome,
        lists,
        failing,
    }))
}

#[cfg(test)]
mod tests {
    use super::age_words;

    #[test]
    fn ages_read_in_the_largest_sensible_unit() {
        assert_eq!(age_words(30), "just now");
        assert_eq!(age_words(600), "10 minutes");
        assert_eq!(age_words(3 * 3_600), "3 hours");
        assert_eq!(age_words(5 * 86_400 + 10), "5 days");
    }
}

//! Users (admins only): the console users of the admin's tenants with whether each may sign
//! in, and the forms that disable, enable or unlock one. The app checks the role and refuses an
//! admin disabling themselves; the store audits each change (`console_user.disable`, `.enable`,
//! `.unlock`). New users come from `cloudkyc users create`, which prints the password once.

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use cloudkyc_store::console_users::{AccessChange, ConsoleUser, ConsoleUserId};

use super::layout::{Chrome, Nav, PageError, PageResult, render};
use super::session::{Console, ConsoleForm, NoFields};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/users", get(list))
        .route("/console/users/{id}/{action}", post(change))
}

/// One user as the table shows it, with the actions its state allows.
struct UserRow {
    id: String,
    email: String,
    role: String,
    tenant: String,
    created: String,
    /// `active`, `disabled since ...` or `locked until ...`.
    state: String,
    bad: bool,
    failed_attempts: u32,
    is_me: bool,
    actions: Vec<UserAction>,
}

/// A button of a user's row: the path segment, its words, and whether it takes access away.
struct UserAction {
    path: &'static str,
    label: &'static str,
    takes_away: bool,
}

impl UserAction {
    fn of(change: AccessChange) -> Self {
        let label = match change {
            AccessChange::Disable => "Disable",
            AccessChange::Enable => "Enable",
            AccessChange::Unlock => "Unlock",
        };
        Self {
            path: change.as_str(),
            label,
            takes_away: change == AccessChange::Disable,
        }
    }
}

fn minute(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

impl UserRow {
    fn of(
        user: &ConsoleUser,
        tenants: &HashMap<String, String>,
        me: &str,
        now: DateTime<Utc>,
    ) -> Self {
        let locked = user.is_locked(now);
        let state = match (user.disabled_at, user.locked_until) {
            (Some(at), _) => format!("disabled since {}", minute(at)),
            (None, Some(until)) if locked => format!("locked out until {}", minute(until)),
            _ => "active".to_owned(),
        };
        let is_me = user.id.to_string() == me;
        let mut actions = Vec::new();
        if user.disabled_at.is_some() {
            actions.push(UserAction::of(AccessChange::Enable));
        } else if !is_me {
            actions.push(UserAction::of(AccessChange::Disable));
        }
        if locked || user.failed_attempts > 0 {
            actions.push(UserAction::of(AccessChange::Unlock));
        }
        let tenant = user.tenant.to_string();
        Self {
            id: user.id.to_string(),
            email: user.email.clone(),
            role: user.role.to_string(),
            tenant: tenants.get(&tenant).cloned().unwrap_or(tenant),
            created: minute(user.created_at),
            bad: user.disabled_at.is_some() || locked,
            state,
            failed_attempts: user.failed_attempts,
            is_me,
            actions,
        }
    }
}

#[derive(Template)]
#[template(path = "console/users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<UserRow>,
}

async fn list(Console(signed_in): Console, State(state): State<AppState>) -> PageResult {
    let scope = &signed_in.scope;
    let users = state.app.console_users(scope).await?;
    let tenants = state
        .app
        .list_tenants(scope)
        .await?
        .into_iter()
        .map(|t| (t.id.to_string(), t.name))
        .collect::<HashMap<_, _>>();
    let now = state.app.now();
    let me = signed_in.user.id.to_string();
    let page = UsersPage {
        chrome: Chrome::new(&signed_in, Nav::Users, "Users"),
        users: users
            .iter()
            .map(|u| UserRow::of(u, &tenants, &me, now))
            .collect(),
    };
    Ok(render(&page))
}

async fn change(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    ConsoleForm { console, .. }: ConsoleForm<NoFields>,
) -> PageResult {
    let not_found = || PageError::NotFound("console user".to_owned());
    let id: ConsoleUserId = id.parse().map_err(|_| not_found())?;
    let change = AccessChange::parse(&action)
        .ok_or_else(|| PageError::NotFound("user action".to_owned()))?;
    state
        .app
        .change_console_user_access(&console.scope, id, change)
        .await?;
    Ok(Redirect::to("/console/users").into_response())
}

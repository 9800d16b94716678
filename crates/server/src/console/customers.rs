//! Customers: search (name, email or document number through the blind index), and the
//! profile: decision and reasons, identity data masked until a permitted role reveals it (an
//! audited POST), the timeline of verification attempts, decisions and the latest screening
//! with each hit explained (`customer_timeline`), access countries, the ownership graph, and the
//! customer's cases.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use cloudkyc_app::customers::{CustomerQuery, CustomerRecord};
use cloudkyc_domain::Permission;
use cloudkyc_domain::cases::SubjectRef;
use cloudkyc_store::TenantScope;
use cloudkyc_store::cases::CaseFilter;
use cloudkyc_store::customers::CustomerId;
use serde::Deserialize;

use super::cases::CaseRow;
use super::customer_timeline::{self, Entry};
use super::customer_view::{Graph, IdentityRow, identity_rows, label};
use super::layout::{Chrome, Nav, PageError, PageResult, render};
use super::session::{Console, ConsoleForm, NoFields};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/customers", get(search))
        .route("/console/customers/{id}", get(profile))
        .route("/console/customers/{id}/reveal", post(reveal))
}

/// The most customers a listing reads (pages of 500, newest first).
const MAX_SCANNED: usize = 20_000;
const SHOWN: usize = 200;

#[derive(Debug, Default, Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    /// `name`, `email` or `document`.
    #[serde(default)]
    by: String,
    #[serde(default)]
    cip_status: String,
    #[serde(default)]
    person_status: String,
}

struct CustomerRow {
    id: String,
    name: String,
    kind: String,
    person_status: String,
    cip_status: String,
    access: String,
    risk: String,
}

impl CustomerRow {
    fn of(c: &CustomerRecord) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.customer.name.to_string(),
            kind: label(&c.kind),
            person_status: label(&c.decision.person_status),
            cip_status: label(&c.decision.cip_status),
            access: label(&c.decision.account_access),
            risk: label(&c.decision.risk_tier),
        }
    }
}

#[derive(Template)]
#[template(path = "console/customers.html")]
struct SearchPage {
    chrome: Chrome,
    query: SearchQuery,
    customers: Vec<CustomerRow>,
    total: usize,
}

async fn all_customers(
    state: &AppState,
    scope: &TenantScope,
) -> Result<Vec<CustomerRecord>, PageError> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = state.app.list_customers(scope, after, 500).await?;
        let done = page.len() < 500;
        after = page.last().map(|c| c.id);
        all.extend(page);
        if done || all.len() >= MAX_SCANNED {
            return Ok(all);
        }
    }
}

async fn search(
    Console(signed_in): Console,
    State(state): State<AppState>,
    Query(query): Query<SearchQuery>,
) -> PageResult {
    let scope = &signed_in.scope;
    let text = query.q.trim();
    let mut found = match (query.by.as_str(), text) {
        (_, "") | ("name" | "", _) => all_customers(&state, scope).await?,
        ("email", t) => {
            state
                .app
                .search_customers(scope, &CustomerQuery::Email(t.to_owned()))
                .await?
        }
        ("document", t) => {
            state
                .app
                .search_customers(scope, &CustomerQuery::Document(t.to_owned()))
                .await?
        }
        _ => return Err(PageError::Invalid("by: name, email or document".to_owned())),
    };
    if matches!(query.by.as_str(), "name" | "") && !text.is_empty() {
        let needle = text.to_lowercase();
        found.retain(|c| c.customer.name.to_string().to_lowercase().contains(&needle));
    }
    if !query.cip_status.is_empty() {
        found.retain(|c| label(&c.decision.cip_status) == query.cip_status);
    }
    if !query.person_status.is_empty() {
        found.retain(|c| label(&c.decision.person_status) == query.person_status);
    }
    let page = SearchPage {
        chrome: Chrome::new(&signed_in, Nav::Customers, "Customers"),
        total: found.len(),
        customers: found.iter().take(SHOWN).map(CustomerRow::of).collect(),
        query,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "console/customer.html")]
struct ProfilePage {
    chrome: Chrome,
    row: CustomerRow,
    accounts: Vec<String>,
    policy: String,
    reasons: Vec<String>,
    identity: Vec<IdentityRow>,
    revealed: bool,
    may_reveal: bool,
    screening: Option<String>,
    timeline: Vec<Entry>,
    countries: Vec<(String, String)>,
    graph: Option<Graph>,
    cases: Option<Vec<CaseRow>>,
}

fn customer_id(text: &str) -> Result<CustomerId, PageError> {
    text.parse()
        .map_err(|_| PageError::NotFound("customer".to_owned()))
}

async fn profile(
    Console(signed_in): Console,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> PageResult {
    let id = customer_id(&id)?;
    let customer = state.app.customer(&signed_in.scope, id).await?;
    profile_page(&state, &signed_in, customer, false).await
}

async fn reveal(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ConsoleForm { console, .. }: ConsoleForm<NoFields>,
) -> PageResult {
    let id = customer_id(&id)?;
    let customer = state
        .app
        .reveal_customer_identity(&console.scope, id)
        .await?;
    profile_page(&state, &console, customer, true).await
}

async fn profile_page(
    state: &AppState,
    signed_in: &cloudkyc_app::console_users::SignedIn,
    c: CustomerRecord,
    revealed: bool,
) -> Result<Response, PageError> {
    let app = &state.app;
    let scope = &signed_in.scope;
    let mut countries = Vec::new();
    for account in &c.accounts {
        // An account with no access events yet has no summary: nothing to show for it.
        if let Ok(summary) = app.access_summary(scope, account).await {
            let list = summary
                .summary
                .countries
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>();
            countries.push((
                account.clone(),
                if list.is_empty() {
                    "none placed".to_owned()
                } else {
                    list.join(", ")
                },
            ));
        }
    }
    let graph = match app.ownership(scope, c.id).await {
        Ok(view) => Some(Graph::of(&view)),
        Err(cloudkyc_app::AppError::NotFound(_)) => None,
        Err(other) => return Err(other.into()),
    };
    let cases = if scope.role().allows(Permission::ReadAudit) {
        let filter = CaseFilter {
            subject: Some(SubjectRef::parse(&c.id.to_string()).map_err(|_| PageError::Internal)?),
            limit: 100,
            ..CaseFilter::default()
        };
        let today = app.now().date_naive();
        Some(
            app.cases(scope, &filter)
                .await?
                .iter()
                .map(|r| CaseRow::of(r, today))
                .collect(),
        )
    } else {
        None
    };
    let history = app.verification_history(scope, c.id).await?;
    let timeline = customer_timeline::timeline(&c, &history);
    let chrome = Chrome::new(signed_in, Nav::Customers, c.customer.name.to_string());
    let page = ProfilePage {
        may_reveal: chrome.may(Permission::ReadDocumentImages),
        chrome,
        row: CustomerRow::of(&c),
        accounts: c.accounts.clone(),
        policy: format!("{} {}", c.decision.policy_id, c.decision.policy_version),
        reasons: c.decision.reasons.clone(),
        identity: identity_rows(&c.customer, revealed),
        revealed,
        screening: c
            .screening
            .as_ref()
            .map(|s| label(&s.status).replace('_', " ")),
        timeline,
        countries,
        graph,
        cases,
    };
    Ok(render(&page))
}

//! Cases: the queue with filters, and a case's page with its timeline, evidence and the forms
//! that work it (assign, comment, escalate, propose a decision, approve or reject it), each
//! calling the app's case use cases, which check the role and four-eyes.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use chrono::NaiveDate;
use cloudkyc_domain::Permission;
use cloudkyc_domain::cases::{
    ActorId, CaseId, CaseKind, CaseStatus, Command, Decision, Note, Outcome, TimelineEntry,
};
use cloudkyc_store::cases::{CaseFilter, CaseRecord, MAX_CASES_LISTED};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::layout::{Chrome, Nav, PageError, PageResult, render};
use super::session::{Console, ConsoleForm};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/cases", get(queue))
        .route("/console/cases/{id}", get(case_page))
        .route("/console/cases/{id}/{action}", post(act))
}

/// One case in a table.
pub(crate) struct CaseRow {
    pub id: String,
    pub summary: String,
    pub kind: String,
    pub status: String,
    pub priority: String,
    pub assignee: Option<String>,
    pub due: Option<NaiveDate>,
    pub overdue: bool,
}

impl CaseRow {
    pub(crate) fn of(record: &CaseRecord, today: NaiveDate) -> Self {
        let case = &record.case;
        Self {
            id: case.id().to_string(),
            summary: case.summary().to_string(),
            kind: case.kind().to_string(),
            status: case.status().to_string(),
            priority: case.priority().to_string(),
            assignee: case.assignee().map(ToString::to_string),
            due: case.due(),
            overdue: case.status() != CaseStatus::Closed && case.due().is_some_and(|d| d < today),
        }
    }
}

/// The queue's filters, as the form sends them (empty means any).
#[derive(Debug, Default, Deserialize)]
struct QueueQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    overdue: Option<String>,
}

#[derive(Template)]
#[template(path = "console/cases.html")]
struct QueuePage {
    chrome: Chrome,
    query: QueueQuery,
    statuses: Vec<&'static str>,
    kinds: Vec<&'static str>,
    cases: Vec<CaseRow>,
}

/// A known enum value from its snake_case text; anything else is a 422 page naming the field.
fn parse_text<T: DeserializeOwned>(field: &str, text: &str) -> Result<Option<T>, PageError> {
    if text.is_empty() {
        return Ok(None);
    }
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map(Some)
        .map_err(|_| PageError::Invalid(format!("{field}: unknown value")))
}

async fn queue(
    Console(signed_in): Console,
    State(state): State<AppState>,
    Query(query): Query<QueueQuery>,
) -> PageResult {
    let today = state.app.now().date_naive();
    let status: Option<CaseStatus> = parse_text("status", &query.status)?;
    let kind: Option<CaseKind> = parse_text("kind", &query.kind)?;
    let assignee = match query.assignee.trim() {
        "" => None,
        who => Some(ActorId::parse(who).map_err(|e| PageError::Invalid(format!("assignee: {e}")))?),
    };
    let overdue = query.overdue.is_some();
    let filter = CaseFilter {
        status,
        open_only: status.is_none() || overdue,
        kind,
        assignee,
        due_before: overdue.then_some(today),
        limit: MAX_CASES_LISTED,
        ..CaseFilter::default()
    };
    let mut cases = state.app.cases(&signed_in.scope, &filter).await?;
    cases.sort_by_key(|c| (c.case.due().is_none(), c.case.due(), c.case.opened_at()));
    let page = QueuePage {
        chrome: Chrome::new(&signed_in, Nav::Cases, "Cases"),
        statuses: [
            "open",
            "investigating",
            "awaiting_customer",
            "escalated",
            "closed",
        ]
        .to_vec(),
        kinds: CaseKind::ALL.iter().map(|k| k.as_str()).collect(),
        cases: cases.iter().map(|c| CaseRow::of(c, today)).collect(),
        query,
    };
    Ok(render(&page))
}

/// One timeline entry as the page lists it: when, who, what, and the entry's other fields.
struct EntryRow {
    at: String,
    actor: String,
    what: String,
    details: Vec<(String, String)>,
}

impl EntryRow {
    fn of(entry: &TimelineEntry) -> Self {
        let mut fields = match serde_json::to_value(&entry.event) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        let what = fields
            .remove("type")
            .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
            .unwrap_or_default();
        let details = fields
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                (k.replace('_', " "), text)
            })
            .collect();
        Self {
            at: entry.at.format("%Y-%m-%d %H:%M UTC").to_string(),
            actor: entry.actor.to_string(),
            what,
            details,
        }
    }
}

struct AttachmentRow {
    file_name: String,
    media_type: String,
    size: u64,
    sha256: String,
    uploaded_by: String,
}

#[derive(Template)]
#[template(path = "console/case.html")]
struct CasePage {
    chrome: Chrome,
    row: CaseRow,
    version: i64,
    subject: String,
    customer_link: Option<String>,
    outcome: Option<String>,
    pending: Option<String>,
    timeline: Vec<EntryRow>,
    attachments: Vec<AttachmentRow>,
    outcomes: Vec<&'static str>,
    may_work: bool,
    may_decide: bool,
}

fn case_id(text: &str) -> Result<CaseId, PageError> {
    text.parse()
        .map_err(|_| PageError::NotFound("case".to_owned()))
}

async fn case_page(
    Console(signed_in): Console,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> PageResult {
    let id = case_id(&id)?;
    let app = &state.app;
    let record = app.case(&signed_in.scope, id).await?;
    let attachments = app.case_attachments(&signed_in.scope, id).await?;
    let case = &record.case;
    let subject = case.subject().to_string();
    let customer_link = match case.subject() {
        cloudkyc_domain::cases::Subject::Customer(r) => Some(format!("/console/customers/{r}")),
        _ => None,
    };
    let chrome = Chrome::new(&signed_in, Nav::Cases, format!("Case: {}", case.summary()));
    let page = CasePage {
        may_work: chrome.may(Permission::WorkCases),
        may_decide: chrome.may(Permission::DecideCases),
        chrome,
        row: CaseRow::of(&record, app.now().date_naive()),
        version: record.version,
        subject,
        customer_link,
        outcome: case.outcome().map(|o| o.as_str().to_owned()),
        pending: case.pending_decision().map(|p| {
            format!(
                "{} proposed by {}: {}",
                p.decision.outcome.as_str(),
                p.proposed_by,
                p.decision.rationale
            )
        }),
        timeline: case.timeline().iter().rev().map(EntryRow::of).collect(),
        attachments: attachments
            .into_iter()
            .map(|a| AttachmentRow {
                file_name: a.file_name,
                media_type: a.media_type.as_str().to_owned(),
                size: a.size,
                sha256: a.sha256,
                uploaded_by: a.uploaded_by,
            })
            .collect(),
        outcomes: ["confirmed", "false_positive", "reported", "no_action"].to_vec(),
    };
    Ok(render(&page))
}

/// The fields of every action form; each action reads the ones it needs.
#[derive(Debug, Deserialize)]
struct ActionForm {
    version: i64,
    #[serde(default)]
    text: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    cip_override: Option<String>,
}

fn note(text: &str) -> Result<Note, PageError> {
    Note::parse(text).map_err(|e| PageError::Invalid(format!("text: {e}")))
}

async fn act(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    ConsoleForm { console, form }: ConsoleForm<ActionForm>,
) -> PageResult {
    let id = case_id(&id)?;
    let command = match action.as_str() {
        "assign" => {
            let to = match form.to.trim() {
                "me" | "" => console.scope.actor().audit_name(),
                other => other.to_owned(),
            };
            Command::Assign {
                to: ActorId::parse(&to).map_err(|e| PageError::Invalid(format!("to: {e}")))?,
            }
        }
        "comment" => Command::Comment {
            text: note(&form.text)?,
        },
        "escalate" => Command::Escalate {
            reason: note(&form.text)?,
        },
        "decide" => {
            let outcome: Outcome = parse_text("outcome", &form.outcome)?
                .ok_or_else(|| PageError::Invalid("outcome: choose one".to_owned()))?;
            Command::ProposeDecision {
                decision: Decision {
                    outcome,
                    rationale: note(&form.text)?,
                    cip_override: form.cip_override.is_some(),
                },
            }
        }
        "approve" => Command::ApproveDecision,
        "reject" => Command::RejectDecision {
            reason: note(&form.text)?,
        },
        "reopen" => Command::Reopen {
            reason: note(&form.text)?,
        },
        _ => return Err(PageError::NotFound("case action".to_owned())),
    };
    state
        .app
        .work_case(&console.scope, id, Some(form.version), command)
        .await?;
    Ok(Redirect::to(&format!("/console/cases/{id}")).into_response())
}

//! The JSON shapes of `/v1/cases` and `/v1/calendar`.

use chrono::{DateTime, NaiveDate, Utc};
use cloudkyc_app::cases::calendar::DUE_SOON_DAYS;
use cloudkyc_domain::cases::{Case, Command, Subject};
use cloudkyc_store::cases::CaseRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A case as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: Uuid,
    /// `screening_hit`, `verification`, `special_measure`, `reseller`, `ai_training_report`,
    /// `compute_review` or `records_request`.
    pub kind: String,
    /// `open`, `investigating`, `awaiting_customer`, `escalated` or `closed`.
    pub status: String,
    /// Set once closed: `confirmed`, `false_positive`, `reported` or `no_action`.
    pub outcome: Option<String>,
    /// `low`, `medium` or `high`; high-priority cases need a second officer to close.
    pub priority: String,
    /// The last day the case's clock allows (from the rule pack), if it has one.
    pub due: Option<NaiveDate>,
    /// For an open case with a due date: `overdue` (the day has passed), `due_soon` (within
    /// 7 days) or `later`.
    pub due_state: Option<String>,
    /// The id of what the case is about (a customer id, a reseller id, ...).
    pub subject: String,
    /// `customer`, `reseller`, `measure`, `episode` or `request`.
    pub subject_type: String,
    pub summary: String,
    pub assignee: Option<String>,
    /// Whether a proposed decision waits for a second officer.
    pub awaiting_approval: bool,
    pub opened_at: DateTime<Utc>,
    /// The tenant the case belongs to.
    pub tenant: Uuid,
    /// Send it back as `expected_version` to refuse a command if the case changed meanwhile.
    pub version: i64,
}

impl CaseSummary {
    pub fn of(record: &CaseRecord, today: NaiveDate) -> Self {
        let case = &record.case;
        let due_state = case
            .due()
            .filter(|_| !case.status().is_closed())
            .map(|due| {
                let days_left = (due - today).num_days();
                if days_left < 0 {
                    "overdue"
                } else if days_left <= i64::from(DUE_SOON_DAYS) {
                    "due_soon"
                } else {
                    "later"
                }
                .to_owned()
            });
        Self {
            id: *case.id().as_uuid(),
            kind: case.kind().as_str().to_owned(),
            status: case.status().as_str().to_owned(),
            outcome: case.outcome().map(|o| o.as_str().to_owned()),
            priority: case.priority().as_str().to_owned(),
            due: case.due(),
            due_state,
            subject: case.subject().reference().as_str().to_owned(),
            subject_type: case.subject().type_name().to_owned(),
            summary: case.summary().as_str().to_owned(),
            assignee: case.assignee().map(|a| a.as_str().to_owned()),
            awaiting_approval: case.pending_decision().is_some(),
            opened_at: case.opened_at(),
            tenant: *record.tenant.as_uuid(),
            version: record.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseList {
    /// Newest first.
    pub cases: Vec<CaseSummary>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<Uuid>,
}

/// A case with its typed timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    #[serde(flatten)]
    pub summary: CaseSummary,
    /// The day the provider learned of the matter: the pack's clocks run from it.
    pub knowledge_date: NaiveDate,
    /// The decision waiting for a second officer: `{decision, proposed_by, proposed_at}`.
    #[schema(value_type = Option<Object>)]
    pub pending_decision: Option<serde_json::Value>,
    /// The pack the case was opened under: `{id, version}`.
    #[schema(value_type = Object)]
    pub policy: serde_json::Value,
    /// Every entry, oldest first, each `{at, actor, type, ...}` with `type` one of `opened`,
    /// `comment`, `status_changed`, `assigned`, `evidence_added`, `priority_changed`,
    /// `approval_requested`, `approval_given`, `approval_refused`, `decision`, `report_filed`.
    #[schema(value_type = Vec<Object>)]
    pub timeline: Vec<serde_json::Value>,
}

impl CaseView {
    pub fn of(record: &CaseRecord, today: NaiveDate) -> Self {
        let case: &Case = &record.case;
        let json = |value: serde_json::Result<serde_json::Value>| value.unwrap_or_default();
        Self {
            summary: CaseSummary::of(record, today),
            knowledge_date: case.knowledge_date(),
            pending_decision: case
                .pending_decision()
                .map(|p| json(serde_json::to_value(p))),
            policy: json(serde_json::to_value(case.policy())),
            timeline: case
                .timeline()
                .iter()
                .map(|e| json(serde_json::to_value(e)))
                .collect(),
        }
    }
}

/// An officer opening a case by hand.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "records_request", "subject_type": "request", "subject": "BIS-2025-0042", "summary": "Commerce asked for the written CIP and the records of two customers", "knowledge_date": "2025-03-14"}))]
pub struct OpenCaseRequest {
    /// `screening_hit`, `verification`, `special_measure`, `reseller`, `ai_training_report`,
    /// `compute_review` or `records_request`.
    pub kind: String,
    /// `customer` (the default), `reseller`, `measure`, `episode` or `request`.
    #[serde(default)]
    pub subject_type: Option<String>,
    /// The id of what the case is about.
    pub subject: String,
    /// One line saying why the case exists.
    pub summary: String,
    /// When the provider learned of the matter (default today): the pack's clock runs from it.
    #[serde(default)]
    pub knowledge_date: Option<NaiveDate>,
    /// A due date from outside the pack; the earlier of it and the pack's applies.
    #[serde(default)]
    pub due: Option<NaiveDate>,
    /// The subject's risk tier, when known (`low`, `medium`, `high`): raises the priority.
    #[serde(default)]
    pub risk: Option<String>,
}

/// The subject of an opened case from its type and id.
pub fn subject(kind: Option<&str>, id: &str) -> Result<Subject, String> {
    let reference = cloudkyc_domain::cases::SubjectRef::parse(id).map_err(|e| e.to_string())?;
    Ok(match kind.unwrap_or("customer") {
        "customer" => Subject::Customer(reference),
        "reseller" => Subject::Reseller(reference),
        "measure" => Subject::Measure(reference),
        "episode" => Subject::Episode(reference),
        "request" => Subject::Request(reference),
        _ => return Err("expected customer, reseller, measure, episode or request".into()),
    })
}

/// What an action body parses into: the domain command and the version the caller read.
#[derive(Debug, Deserialize)]
pub struct ActionBody {
    #[serde(flatten)]
    pub command: Command,
    #[serde(default)]
    pub expected_version: Option<i64>,
}

/// A command on a case, tagged by `action`. The fields each action takes:
///
/// - `assign`: `to` (an actor id, e.g. `key:<api key id>`)
/// - `comment`: `text`
/// - `add_evidence`: `evidence` `{description, reference?, sha256?}`
/// - `request_customer_info`: `what`; `customer_responded`: `summary`
/// - `escalate`: `reason`; `reopen`: `reason` (officer)
/// - `set_priority`: `priority` (`low`/`medium`/`high`), `reason`
/// - `propose_decision`: `decision` `{outcome, rationale, cip_override?}` — closes the case at
///   once for an officer unless four-eyes applies; otherwise waits for a second officer
/// - `approve_decision` (a different officer); `reject_decision`: `reason`
/// - `file_report`: `report` `{report, sha256, filed_on, reference?}` (officer)
///
/// Any action may carry `expected_version`: a case at another version answers 409.
#[derive(Debug, ToSchema)]
#[schema(example = json!({"action": "comment", "text": "Called the customer; documents promised by Friday.", "expected_version": 1}))]
#[allow(dead_code)] // Only a schema for the OpenAPI document: the handler parses `ActionBody`.
pub struct CaseActionRequest {
    /// `assign`, `comment`, `add_evidence`, `request_customer_info`, `customer_responded`,
    /// `escalate`, `set_priority`, `propose_decision`, `approve_decision`, `reject_decision`,
    /// `file_report` or `reopen`.
    pub action: String,
    pub expected_version: Option<i64>,
}

/// One dated item of the deadline calendar.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarItem {
    pub due: NaiveDate,
    /// `ai_training_report`, `records_production`, `reseller_termination`,
    /// `special_measure_effective`, `special_measure_lapse`, `verification_pending`,
    /// `annual_certification`, `reseller_review` or `case_due`.
    pub clock: String,
    pub title: String,
    /// `overdue`, `due_soon` or `later`.
    pub state: String,
    /// Days from today to the due date; negative when overdue.
    pub days_left: i64,
    pub case: Option<Uuid>,
    pub subject: Option<String>,
    pub subject_type: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarView {
    pub today: NaiveDate,
    pub window_days: u32,
    pub overdue: usize,
    pub due_soon: usize,
    /// Earliest first.
    pub items: Vec<CalendarItem>,
}

/// A serialised unit enum's text (`snake_case`), for the calendar's labels.
pub fn label(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        _ => String::new(),
    }
}

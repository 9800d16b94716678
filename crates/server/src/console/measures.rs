//! Special measures (section 7 of the rule): each measure's target, kind, dates and status,
//! and on its own page the customers it reaches with the action and its due date.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use chrono::NaiveDate;
use cloudkyc_app::measures::{Measure, MeasureActionView};
use cloudkyc_domain::measures::MeasureKind;
use cloudkyc_store::measures::SpecialMeasureId;
use uuid::Uuid;

use super::layout::{Chrome, Nav, PageError, PageResult, render};
use super::session::Console;
use super::words::words;
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/measures", get(list))
        .route("/console/measures/{id}", get(detail))
}

#[derive(Debug)]
struct MeasureRow {
    id: Uuid,
    target: String,
    kind: String,
    condition: Option<String>,
    status: String,
    tone: &'static str,
    determined: NaiveDate,
    effective: NaiveDate,
    expiry: NaiveDate,
    reference: String,
    lifted: Option<String>,
    extensions: Vec<String>,
    warnings: Vec<String>,
}

fn row(m: Measure) -> MeasureRow {
    let measure = &m.measure;
    let (kind, condition) = match measure.kind() {
        MeasureKind::Prohibit => ("prohibit".to_owned(), None),
        MeasureKind::Condition { condition } => ("condition".to_owned(), Some(condition.clone())),
    };
    let status = words(&m.status);
    let tone = match status.as_str() {
        "in force" => "bad",
        "pending" => "warn",
        _ => "muted",
    };
    MeasureRow {
        id: *m.id.as_uuid(),
        target: measure.target().to_string(),
        kind,
        condition,
        status,
        tone,
        determined: measure.determination_date(),
        effective: measure.effective_date(),
        expiry: measure.expiry(),
        reference: measure.source_reference().to_owned(),
        lifted: measure
            .lifted()
            .map(|l| format!("lifted on {} ({})", l.on, l.reference)),
        extensions: measure
            .extensions()
            .iter()
            .map(|e| {
                format!(
                    "extended to {} on {} ({})",
                    e.new_expiry, e.decided_on, e.reference
                )
            })
            .collect(),
        warnings: m.warnings,
    }
}

#[derive(Template)]
#[template(path = "console/measures.html")]
struct MeasuresPage {
    chrome: Chrome,
    measures: Vec<MeasureRow>,
}

async fn list(Console(signed_in): Console, State(state): State<AppState>) -> PageResult {
    let measures = state
        .app
        .measures(&signed_in.scope)
        .await?
        .into_iter()
        .map(row)
        .collect();
    let chrome = Chrome::new(&signed_in, Nav::Measures, "Special measures");
    Ok(render(&MeasuresPage { chrome, measures }))
}

#[derive(Debug)]
struct ActionRow {
    customer: Uuid,
    action: String,
    due: NaiveDate,
    state: String,
    reasons: Vec<String>,
    lift_reason: Option<String>,
}

fn action(a: MeasureActionView) -> ActionRow {
    ActionRow {
        customer: *a.customer.as_uuid(),
        action: words(&a.kind),
        due: a.due,
        state: words(&a.state),
        reasons: a.plan.reasons,
        lift_reason: a.lift_reason,
    }
}

#[derive(Template)]
#[template(path = "console/measure.html")]
struct MeasurePage {
    chrome: Chrome,
    measure: MeasureRow,
    actions: Vec<ActionRow>,
}

async fn detail(
    Console(signed_in): Console,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> PageResult {
    let id = Uuid::parse_str(&id).map_err(|_| PageError::NotFound("special measure".into()))?;
    let detail = state
        .app
        .measure_detail(&signed_in.scope, SpecialMeasureId::from_uuid(id))
        .await?;
    let measure = row(detail.measure);
    let chrome = Chrome::new(
        &signed_in,
        Nav::Measures,
        format!("Special measure: {}", measure.target),
    );
    Ok(render(&MeasurePage {
        chrome,
        measure,
        actions: detail.actions.into_iter().map(action).collect(),
    }))
}

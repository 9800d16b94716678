//! The compute monitor per owner group: usage over time against the pack's thresholds (a chart
//! drawn on the server), the training runs with their estimates and bounds, the cluster peak,
//! the red flags with their inputs, and the projection from reservations.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use chrono::DateTime;
use cloudkyc_app::usage::{Assessment, compute_params};

use super::compute_chart::{self, Chart, ProjectionInput, RunInput};
use super::layout::{Chrome, Nav, PageResult, render};
use super::session::Console;
use super::words::{ops, words};
use crate::state::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/console/compute", get(list))
        .route("/console/compute/{account}", get(group))
}

#[derive(Debug)]
struct GroupRow {
    group: String,
    accounts: Vec<String>,
}

#[derive(Template)]
#[template(path = "console/compute_groups.html")]
struct GroupsPage {
    chrome: Chrome,
    groups: Vec<GroupRow>,
    training_ops: String,
}

async fn list(Console(signed_in): Console, State(state): State<AppState>) -> PageResult {
    let groups = state
        .app
        .compute_owner_groups(&signed_in.scope)
        .await?
        .into_iter()
        .map(|g| GroupRow {
            group: g.group,
            accounts: g.accounts,
        })
        .collect();
    let thresholds = compute_params(state.app.policy()).thresholds;
    let chrome = Chrome::new(&signed_in, Nav::Compute, "Compute monitor");
    Ok(render(&GroupsPage {
        chrome,
        groups,
        training_ops: ops(thresholds.training_ops),
    }))
}

/// One training run (lineage) with its estimate.
#[derive(Debug)]
struct RunRow {
    accelerator: String,
    start: String,
    end: String,
    episodes: usize,
    chip_hours: String,
    p05: String,
    p50: String,
    p95: String,
    ceiling: String,
    method: String,
}

#[derive(Debug)]
struct ClusterRow {
    placement: String,
    accounts: String,
    peak_chips: String,
    peak_at: String,
    ops_16bit: String,
    fast_ops_max: String,
    over: bool,
}

#[derive(Debug)]
struct FlagRow {
    flag: String,
    outcome: String,
    reason: String,
    inputs: String,
}

#[derive(Debug)]
struct ProjectionRow {
    accelerator: String,
    reservations: String,
    p50: String,
    p95: String,
    over: bool,
}

#[derive(Template)]
#[template(path = "console/compute_group.html")]
struct GroupPage {
    chrome: Chrome,
    accounts: Vec<String>,
    merges: Vec<String>,
    status: String,
    knowledge_date: String,
    chart: Option<Chart>,
    thresholds: Vec<(String, String)>,
    runs: Vec<RunRow>,
    clusters: Vec<ClusterRow>,
    cluster_threshold: String,
    flags: Vec<FlagRow>,
    projections: Vec<ProjectionRow>,
    horizon_days: u32,
}

fn date(seconds: i64) -> String {
    DateTime::from_timestamp(seconds, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn chart(a: &Assessment, thresholds: &[(String, f64)], now: i64, horizon: i64) -> Option<Chart> {
    let episodes = &a.view.episodes;
    let runs: Vec<RunInput> = a
        .view
        .lineages
        .iter()
        .map(|l| {
            let total: u128 = l
                .episodes
                .iter()
                .filter_map(|&i| episodes.get(i))
                .map(|e| e.chip_seconds())
                .sum();
            let mut so_far = 0u128;
            let steps = l
                .episodes
                .iter()
                .filter_map(|&i| episodes.get(i))
                .map(|e| {
                    so_far += e.chip_seconds();
                    (e.end, so_far as f64 / total.max(1) as f64)
                })
                .collect();
            RunInput {
                label: l.accelerator_name.clone(),
                start: l.start,
                steps,
                p05: l.estimate.ops_p05,
                p50: l.estimate.ops_p50,
                p95: l.estimate.ops_p95,
            }
        })
        .collect();
    let projections: Vec<ProjectionInput> = a
        .projections
        .iter()
        .map(|p| {
            let from = p
                .lineage
                .and_then(|i| a.view.lineages.get(i))
                .map_or((now, 0.0), |l| (l.end.min(now), l.estimate.ops_p50));
            ProjectionInput {
                label: p.accelerator_name.clone(),
                from,
                until: now + horizon,
                ops: p.estimate.ops_p50,
            }
        })
        .collect();
    compute_chart::layout(&runs, &projections, thresholds, now)
}

async fn group(
    Console(signed_in): Console,
    State(state): State<AppState>,
    Path(account): Path<String>,
) -> PageResult {
    let now = state.app.now();
    let a = state
        .app
        .assess_account(&signed_in.scope, &account, now)
        .await?;
    let params = compute_params(state.app.policy());
    let t = &params.thresholds;
    let limits = [
        ("Training threshold".to_owned(), t.training_ops),
        ("Biological-data threshold".to_owned(), t.bio_training_ops),
    ];
    let horizon_days = params.projection.horizon_days;
    let chart = chart(
        &a,
        &limits,
        now.timestamp(),
        i64::from(horizon_days) * 86_400,
    );
    let runs = a
        .view
        .lineages
        .iter()
        .map(|l| RunRow {
            accelerator: l.accelerator_name.clone(),
            start: date(l.start),
            end: date(l.end),
            episodes: l.episodes.len(),
            chip_hours: format!("{:.0}", l.estimate.chip_seconds as f64 / 3600.0),
            p05: ops(l.estimate.ops_p05),
            p50: ops(l.estimate.ops_p50),
            p95: ops(l.estimate.ops_p95),
            ceiling: ops(l.estimate.ops_ceiling),
            method: words(&l.estimate.method),
        })
        .collect();
    let clusters = a
        .view
        .clusters
        .iter()
        .map(|c| ClusterRow {
            placement: format!("{} / {}", c.placement.datacenter(), c.placement.cluster()),
            accounts: c.accounts.join(", "),
            peak_chips: c.peaks.chips.value.to_string(),
            peak_at: date(c.peaks.chips.at),
            ops_16bit: ops(c.ops_per_s_16bit),
            fast_ops_max: ops(c.fast_ops_per_s_max),
            over: c.fast_ops_per_s_max >= t.cluster_ops_per_s,
        })
        .collect();
    let flags = a
        .flags
        .iter()
        .map(|f| FlagRow {
            flag: words(&f.flag),
            outcome: words(&f.outcome),
            reason: f.reason.clone(),
            inputs: serde_json::to_string_pretty(&f.inputs).unwrap_or_default(),
        })
        .collect();
    let projections = a
        .projections
        .iter()
        .map(|p| ProjectionRow {
            accelerator: p.accelerator_name.clone(),
            reservations: p.reservations.join(", "),
            p50: ops(p.estimate.ops_p50),
            p95: ops(p.estimate.ops_p95),
            over: p.estimate.ops_p50 > t.training_ops,
        })
        .collect();
    let chrome = Chrome::new(&signed_in, Nav::Compute, format!("Owner group {}", a.group));
    Ok(render(&GroupPage {
        chrome,
        merges: a
            .merges
            .iter()
            .map(|m| format!("{} and {} ({} link(s))", m.a, m.b, m.evidence.len()))
            .collect(),
        status: words(&a.facts.status),
        knowledge_date: date(a.knowledge_date),
        accounts: a.accounts.clone(),
        chart,
        thresholds: limits
            .iter()
            .map(|(label, v)| (label.clone(), ops(*v)))
            .collect(),
        runs,
        clusters,
        cluster_threshold: ops(t.cluster_ops_per_s),
        flags,
        projections,
        horizon_days,
    }))
}

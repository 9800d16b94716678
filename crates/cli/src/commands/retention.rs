//! `cloudkyc retention status` and `cloudkyc retention purge [--dry-run]`: what records
//! retention has due and held, and the purge the daily `records.retention` job runs, as the
//! local operator over the provider and every reseller tenant.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use cloudkyc_app::retention::{MAX_LISTED, RetentionOverview};
use cloudkyc_domain::rule_pack::RetentionAnchor;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::retention::ExpiredCustomer;
use serde::Serialize;

use crate::config::Config;
use crate::{output, wiring};

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// The rule pack's cutoffs as of now, the customers due for purge and the legal holds in
    /// force.
    Status(StatusArgs),
    /// Crypto-shreds every expired customer not under a legal hold, as the daily job does;
    /// with --dry-run, lists them and changes nothing.
    Purge(PurgeArgs),
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// List at most this many customers due and holds (1 to 10000).
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
}

#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// List what would be purged without purging anything.
    #[arg(long)]
    pub dry_run: bool,
}

/// What `purge` prints with `--json`.
#[derive(Debug, Serialize)]
struct PurgeOutcome {
    dry_run: bool,
    /// Purged (or, in a dry run, due for purge).
    customers: Vec<CustomerId>,
    /// Refused when purged (a hold placed meanwhile): left for the next run.
    skipped: u64,
    /// Whether the old row versions were reclaimed after the purge.
    space_reclaimed: bool,
}

fn status_text(o: &RetentionOverview) -> String {
    let s = &o.status;
    let cutoff = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map_or_else(|| "not checked".to_owned(), |t| t.to_rfc3339())
    };
    let mut lines = vec![
        format!(
            "retention: {} years from {}, as of {}",
            s.retention_years,
            match s.retention_from {
                RetentionAnchor::Later => "the later of closure and last access",
                RetentionAnchor::Closure => "closure",
                RetentionAnchor::LastAccess => "last access",
            },
            s.as_of.to_rfc3339()
        ),
        format!(
            "cutoffs: closed before {}; last access before {}",
            cutoff(s.closed_before),
            cutoff(s.last_access_before)
        ),
        format!(
            "due for purge: {}   held: {}   purged: {}",
            s.counts.due, s.counts.held, s.counts.purged
        ),
    ];
    lines.extend(o.due_customers.iter().map(due_line));
    lines.extend(o.holds.iter().map(|h| {
        format!(
            "held     {}  since {} by {}: {}",
            h.customer,
            h.placed_at.to_rfc3339(),
            h.placed_by,
            h.reason
        )
    }));
    lines.join("\n")
}

fn due_line(c: &ExpiredCustomer) -> String {
    format!(
        "due      {}  closed {}  last access {}",
        c.id,
        c.closed_at.to_rfc3339(),
        c.last_access
            .map_or_else(|| "none".to_owned(), |t| t.to_rfc3339())
    )
}

pub async fn run(config: &Config, json: bool, cmd: RetentionCommand) -> Result<ExitCode> {
    let app = wiring::open_app(config).await?;
    let scope = app.operator_scope(&config.provider_name).await?;
    match cmd {
        RetentionCommand::Status(args) => {
            let overview = app.retention_overview(&scope, args.limit).await?;
            output::print(json, &overview, status_text)?;
        }
        RetentionCommand::Purge(args) => {
            let outcome = if args.dry_run {
                let due = app.expired_records(&scope, MAX_LISTED).await?;
                PurgeOutcome {
                    dry_run: true,
                    customers: due.iter().map(|c| c.id).collect(),
                    skipped: 0,
                    space_reclaimed: false,
                }
            } else {
                let run = app.purge_expired_records(&scope).await?;
                PurgeOutcome {
                    dry_run: false,
                    customers: run.purged,
                    skipped: run.skipped,
                    space_reclaimed: run.space_reclaimed,
                }
            };
            output::print(json, &outcome, |o| {
                let verb = if o.dry_run { "would purge" } else { "purged" };
                let mut lines = vec![format!(
                    "{verb} {} customers; {} skipped (held meanwhile)",
                    o.customers.len(),
                    o.skipped
                )];
                lines.extend(o.customers.iter().map(|c| format!("{verb} {c}")));
                lines.join("\n")
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

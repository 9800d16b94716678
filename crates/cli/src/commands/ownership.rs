//! `cloudkyc ownership import|show`: a customer's ownership structure from a file (the body
//! `PUT /v1/customers/{id}/ownership` takes), and its computed owners with every path.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use cloudkyc_app::ownership::{OwnershipView, StructureDraft};
use cloudkyc_store::customers::CustomerId;
use uuid::Uuid;

use crate::config::Config;
use crate::{output, wiring};

#[derive(Debug, Subcommand)]
pub enum OwnershipCommand {
    /// Replace a customer's ownership structure with the one in FILE (JSON, as
    /// `PUT /v1/customers/{id}/ownership` takes it); its computed beneficial owners become the
    /// customer's and the customer is decided again.
    Import {
        #[arg(long)]
        customer: Uuid,
        file: PathBuf,
    },
    /// Show a customer's structure: effective ownership, beneficial owners and every path.
    Show {
        #[arg(long)]
        customer: Uuid,
    },
}

pub async fn run(config: &Config, json: bool, cmd: OwnershipCommand) -> Result<ExitCode> {
    let app = wiring::open_app(config).await?;
    let scope = app.operator_scope(&config.provider_name).await?;
    match cmd {
        OwnershipCommand::Import { customer, file } => {
            let body =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let draft: StructureDraft = serde_json::from_slice(&body)
                .with_context(|| format!("{} is not an ownership structure", file.display()))?;
            let submitted = app
                .submit_ownership(&scope, CustomerId::from_uuid(customer), &draft)
                .await?;
            let access = submitted.customer.decision.account_access;
            output::print(json, &submitted.ownership, |view| {
                let mut lines = vec![format!(
                    "stored version {}; customer account access now {}",
                    view.version,
                    serde_json::to_value(access)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                )];
                lines.push(describe(view));
                lines.join("\n")
            })?;
        }
        OwnershipCommand::Show { customer } => {
            let view = app
                .ownership(&scope, CustomerId::from_uuid(customer))
                .await?;
            output::print(json, &view, describe)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The computed owners and their paths, for a person to read.
fn describe(view: &OwnershipView) -> String {
    let mut lines = vec![format!(
        "as of {}: {} parties, {} edges; beneficial owners (threshold {} %):",
        view.as_of,
        view.parties.len(),
        view.edges.len(),
        view.threshold_percent
    )];
    for owner in &view.beneficial_owners {
        lines.push(format!(
            "  {} ({}): {} % — {}",
            owner.name, owner.party, owner.effective_percent, owner.basis
        ));
        lines.extend(owner.paths.iter().map(|p| format!("      {p}")));
    }
    if view.beneficial_owners.is_empty() {
        lines.push("  none".into());
    }
    if view.unrecorded_percent != "0" {
        lines.push(format!(
            "unrecorded ownership: {} %",
            view.unrecorded_percent
        ));
    }
    for hit in &view.derived_hits {
        lines.push(format!(
            "screening hit on {} ({}): {:?} on {} ({:.2})",
            hit.name, hit.party, hit.hit.primary_name, hit.hit.list_version, hit.hit.score
        ));
        lines.extend(hit.paths.iter().map(|p| format!("      {p}")));
    }
    if let Some(aggregate) = view.aggregate.as_ref().filter(|a| a.meets) {
        lines.push(format!(
            "parties with hits own {} % in aggregate (at least {} %): treated as listed",
            aggregate.total_percent, aggregate.threshold_percent
        ));
    }
    lines.join("\n")
}

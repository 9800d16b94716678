use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::cli::UsageCommand;
use crate::config::Config;
use crate::{output, wiring};

pub async fn run(config: &Config, json: bool, cmd: UsageCommand) -> Result<ExitCode> {
    let UsageCommand::Import { file, reservations } = cmd;
    let body = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let app = wiring::open_app(config).await?;
    let scope = app.operator_scope(&config.provider_name).await?;
    let report = if reservations {
        app.ingest_reservations(&scope, &body).await?
    } else {
        app.ingest_usage(&scope, &body).await?
    };
    output::print(json, &report, |r| {
        let mut lines = vec![format!(
            "accepted {}, duplicate {}, rejected {}",
            r.accepted,
            r.duplicate,
            r.rejected.len()
        )];
        lines.extend(r.rejected.iter().map(|x| {
            format!(
                "  record {} ({}): {}",
                x.index,
                x.id.as_deref().unwrap_or("no id"),
                x.reasons.join("; ")
            )
        }));
        lines.join("\n")
    })?;
    Ok(ExitCode::SUCCESS)
}

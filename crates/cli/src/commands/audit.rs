use std::process::ExitCode;

use anyhow::Result;

use crate::cli::AuditCommand;
use crate::config::Config;
use crate::{output, wiring};

/// Exit code when a chain is broken, distinct from 1 (the command itself failed).
const BROKEN: u8 = 2;

pub async fn run(config: &Config, json: bool, cmd: AuditCommand) -> Result<ExitCode> {
    let AuditCommand::Verify = cmd;
    let app = wiring::open_app(config).await?;
    let report = app.verify_audit().await?;
    output::print(json, &report, |r| {
        r.chains
            .iter()
            .map(|c| match &c.first_break {
                None => format!("tenant {}: {} entries, intact", c.tenant, c.entries),
                Some(b) => format!(
                    "tenant {}: BROKEN at entry {}: {}",
                    c.tenant, b.seq, b.reason
                ),
            })
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    match report.first_break() {
        None => Ok(ExitCode::SUCCESS),
        Some((tenant, b)) => {
            eprintln!(
                "audit chain of tenant {tenant} is broken at entry {}: {}",
                b.seq, b.reason
            );
            Ok(ExitCode::from(BROKEN))
        }
    }
}

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::TenantsCommand;
use crate::config::Config;
use crate::{output, wiring};

pub async fn run(config: &Config, json: bool, cmd: TenantsCommand) -> Result<ExitCode> {
    let TenantsCommand::List = cmd;
    let app = wiring::open_app(config).await?;
    let scope = app.operator_scope(&config.provider_name).await?;
    let tenants = app.list_tenants(&scope).await?;
    output::print(json, &tenants, |ts| {
        ts.iter()
            .map(|t| format!("{}  {:<8}  {}", t.id, t.kind.as_str(), t.name))
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    Ok(ExitCode::SUCCESS)
}

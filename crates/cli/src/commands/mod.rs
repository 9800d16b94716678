mod audit;
mod backup;
mod compute;
mod keys;
mod lists;
pub(crate) mod ownership;
mod policy;
pub(crate) mod report;
pub(crate) mod retention;
mod screening;
mod serve;
mod tenants;
mod usage;
mod users;

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::config::{Config, EXAMPLE};
use crate::{logging, output, wiring};

pub async fn run(cli: Cli) -> Result<ExitCode> {
    let listen = match &cli.command {
        Command::Serve(args) => args.listen.as_deref(),
        _ => None,
    };
    let config = Config::load(&cli.global, listen)?;
    logging::init(&config.log);
    let json = cli.global.json;
    match cli.command {
        Command::DefaultConfig => {
            print!("{EXAMPLE}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let app = wiring::open_app(&config).await?;
            let backend = app.store().backend();
            output::print(
                json,
                &serde_json::json!({"migrated": true, "backend": backend}),
                |_| format!("database is up to date ({backend})"),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => serve::run(&config, args.demo).await,
        Command::Keys(cmd) => keys::run(&config, json, cmd).await,
        Command::Users(cmd) => users::run(&config, json, cmd).await,
        Command::Audit(cmd) => audit::run(&config, json, cmd).await,
        Command::Backup { out } => backup::run(&config, json, &out).await,
        Command::Lists(cmd) => lists::run(&config, json, cmd).await,
        Command::Tenants(cmd) => tenants::run(&config, json, cmd).await,
        Command::Policy(cmd) => policy::run(&config, json, cmd),
        Command::Compute(cmd) => compute::run(&config, json, cmd),
        Command::Usage(cmd) => usage::run(&config, json, cmd).await,
        Command::Ownership(cmd) => ownership::run(&config, json, cmd).await,
        Command::Report(args) => report::run(&config, json, args).await,
        Command::Retention(cmd) => retention::run(&config, json, cmd).await,
        Command::Screen {
            name,
            schema,
            country,
            dob,
            limit,
        } => {
            let req = cloudkyc_app::screening::ScreenRequest {
                name,
                schema: None,
                country,
                date_of_birth: dob,
                limit,
            };
            screening::screen(&config, json, req, schema.as_deref()).await
        }
        Command::Match { pairs } => screening::match_pairs(&config, &pairs),
    }
}

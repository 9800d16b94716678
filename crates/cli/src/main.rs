//! The `cloudkyc` binary: parses the command line, layers the configuration, opens the chosen
//! backend and hands over to the use cases in `cloudkyc-app`.

mod cli;
mod commands;
mod config;
mod logging;
mod master_key;
mod output;
mod policy;
mod wiring;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            // One line, the whole cause chain: operators grep logs for it.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

use std::process::ExitCode;

use anyhow::{Result, bail};
use cloudkyc_domain::rule_pack::RulePack;

use crate::cli::PolicyCommand;
use crate::config::Config;
use crate::{output, policy};

pub fn run(config: &Config, json: bool, cmd: PolicyCommand) -> Result<ExitCode> {
    match cmd {
        PolicyCommand::Show => describe(json, &policy::load(&config.policy)?)?,
        PolicyCommand::Check { file } => {
            let pack = policy::load_file(&file)?;
            describe(json, &pack)?;
        }
        PolicyCommand::Print { id } => match RulePack::bundled_source(&id) {
            Some(source) => print!("{source}"),
            None => bail!(
                "no bundled pack {id:?}; bundled: {}",
                RulePack::bundled_ids().join(", ")
            ),
        },
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(json: bool, pack: &RulePack) -> Result<()> {
    let info = serde_json::json!({
        "id": pack.policy_ref().id,
        "version": pack.policy_ref().version,
        "title": pack.info().title,
        "content_sha256": pack.content_sha256(),
    });
    output::print(json, &info, |_| {
        format!(
            "{} — {} (values sha256 {})",
            pack.policy_ref(),
            pack.info().title,
            pack.content_sha256()
        )
    })
}

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use cloudkyc_app::compute::EstimateRequest;
use cloudkyc_compute::{Estimate, NumberFormat};

use crate::cli::ComputeCommand;
use crate::config::Config;
use crate::{output, policy};

/// Estimation needs the rule pack but no database, so it runs on an app without opening one.
pub fn run(config: &Config, json: bool, cmd: ComputeCommand) -> Result<ExitCode> {
    let ComputeCommand::Estimate {
        accelerator,
        count,
        hours,
        utilization,
        format,
        parameters,
        tokens,
    } = cmd;
    let pack = Arc::new(policy::load(&config.policy)?);
    let format = match format.as_deref() {
        Some("fp8") => Some(NumberFormat::Fp8),
        Some(_) => Some(NumberFormat::Bf16),
        None => None,
    };
    let req = EstimateRequest {
        accelerator,
        count,
        hours,
        utilization,
        format,
        declared: parameters.zip(tokens),
    };
    let estimate = cloudkyc_app::compute::estimate_with_pack(&pack, &req)?;
    output::print(json, &estimate, human)?;
    Ok(ExitCode::SUCCESS)
}

fn human(e: &Estimate) -> String {
    format!(
        "{}: {} chip-seconds\n  operations p05 {:.3e}  p50 {:.3e}  p95 {:.3e}  ceiling {:.3e}\n  dense peak per chip: 16-bit {:.3e} ops/s, max training format {:.3e} ops/s",
        e.accelerator,
        e.chip_seconds,
        e.ops_p05,
        e.ops_p50,
        e.ops_p95,
        e.ops_ceiling,
        e.peak_ops_per_s_16bit,
        e.peak_ops_per_s_max
    )
}

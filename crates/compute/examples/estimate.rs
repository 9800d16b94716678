//! Prints the estimate of one allocation as JSON, like `cloudkyc compute estimate --json`.
//!
//! `cargo run -p cloudkyc-compute --example estimate -- H100 80000 2160 [utilization] [fp8|bf16]`

use std::error::Error;

use cloudkyc_compute::{AllocationQuery, Catalog, Estimator, EstimatorParams, NumberFormat};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [name, count, hours, rest @ ..] = args.as_slice() else {
        return Err("usage: estimate ACCELERATOR COUNT HOURS [UTILIZATION] [FORMAT]".into());
    };
    let catalog = Catalog::bundled()?;
    let id = catalog.resolve(name)?;
    let accelerator = catalog.get(id).ok_or("accelerator vanished")?;
    let peaks = accelerator.training_peaks().ok_or("no training peak")?;
    let hours: f64 = hours.parse()?;
    let query = AllocationQuery {
        count: count.parse()?,
        seconds: (hours * 3600.0).round() as u64,
        utilization: rest.first().map(|u| u.parse()).transpose()?,
        format: rest.get(1).map(|f| f.parse::<NumberFormat>()).transpose()?,
    };
    let estimator = Estimator::new(EstimatorParams::default())?;
    let estimate = estimator.estimate_allocation(accelerator.name(), peaks, &query)?;
    println!("{}", serde_json::to_string_pretty(&estimate)?);
    Ok(())
}

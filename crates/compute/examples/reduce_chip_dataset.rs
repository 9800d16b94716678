//! Writes the reduced copy of Epoch AI's chip dataset that the product bundles.
//!
//! `cargo run -p cloudkyc-compute --example reduce_chip_dataset -- FULL.csv > REDUCED.csv`
//!
//! Kept rows: every chip whose `Type` is not a CPU and that has at least one of the tensor
//! 16-bit, FP16, FP8, TF32 or INT8 figures, plus the rows the vendor overrides patch. Kept
//! columns: `cloudkyc_compute::catalog::EPOCH_KEPT_COLUMNS`. Values are copied unchanged.

use std::error::Error;

use cloudkyc_compute::catalog::{EPOCH_KEPT_COLUMNS, vendor_overrides};

const ANY_OF: [&str; 5] = [
    "Tensor-FP16/BF16 performance (FLOP/s)",
    "FP16 (half precision) performance (FLOP/s)",
    "FP8 performance (FLOP/s)",
    "TF32 (TensorFloat-32) performance (FLOP/s)",
    "INT8 performance (OP/s)",
];

fn main() -> Result<(), Box<dyn Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: reduce_chip_dataset FULL.csv")?;
    let text = std::fs::read_to_string(path)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers()?.clone();
    let index = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or(format!("no column {name}"))
    };
    let kept: Vec<usize> = EPOCH_KEPT_COLUMNS
        .iter()
        .map(|c| index(c))
        .collect::<Result<_, _>>()?;
    let any_of: Vec<usize> = ANY_OF.iter().map(|c| index(c)).collect::<Result<_, _>>()?;
    let (name, kind) = (index("Hardware name")?, index("Type")?);
    let patched: Vec<String> = vendor_overrides()
        .accelerators
        .into_iter()
        .map(|a| a.name)
        .collect();

    let mut writer = csv::Writer::from_writer(std::io::stdout().lock());
    writer.write_record(EPOCH_KEPT_COLUMNS)?;
    let (mut read, mut written) = (0, 0);
    for record in reader.records() {
        let record = record?;
        read += 1;
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let is_cpu = matches!(field(kind), "CPU" | "Hybrid CPU");
        let has_rate = any_of.iter().any(|&i| !field(i).is_empty());
        if (!is_cpu && has_rate) || patched.iter().any(|p| p == field(name)) {
            writer.write_record(kept.iter().map(|&i| field(i)))?;
            written += 1;
        }
    }
    writer.flush()?;
    eprintln!("read {read} rows, kept {written}");
    Ok(())
}

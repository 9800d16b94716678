//! Times rendering (JSON + PDF) of the written CIP from the bundled pack and of a production
//! manifest of 1,000 files, and prints the sizes. With a directory argument, also writes the
//! files there to look at.
//!
//! `cargo run --release -p cloudkyc-reports --example render_bench [OUT_DIR]`

use std::time::Instant;

use chrono::{DateTime, NaiveDate};
use cloudkyc_domain::rule_pack::RulePack;
use cloudkyc_reports::{
    ProductionManifest, ProductionRequest, Rendered, ReportKind, ReportMeta, WrittenCip, render,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1);
    let pack = RulePack::bundled("bis-2024-nprm").ok_or("bundled pack missing")?;
    let now = DateTime::from_timestamp(1_795_000_000, 0).ok_or("time")?;
    let cip = WrittenCip::from_pack(&pack, "Example Cloud Inc.", None, now);

    let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).ok_or("date");
    let mut manifest = ProductionManifest {
        meta: ReportMeta::new(ReportKind::Production, "Example Cloud Inc.", &pack, now),
        request: ProductionRequest {
            reference: "BENCH-1".into(),
            requested_by: "Department of Commerce".into(),
            requested_on: day(15)?,
            due_on: day(25)?,
        },
        customers: vec![],
        files: vec![],
        sign_off: None,
    };
    for i in 0..1000 {
        manifest.add_file(
            format!("customers/cust-{i:04}.json"),
            format!("Records of customer cust-{i:04}"),
            "application/json",
            format!("record {i}").as_bytes(),
        );
    }

    let cip_run = time("written-cip", 20, || render(&cip))?;
    let manifest_run = time("production (1,000 files)", 5, || render(&manifest))?;
    if let Some(dir) = out {
        for rendered in [cip_run, manifest_run] {
            let dir = std::path::Path::new(&dir);
            std::fs::write(dir.join(rendered.kind.json_file_name()), &rendered.json)?;
            std::fs::write(dir.join(rendered.kind.pdf_file_name()), &rendered.pdf)?;
        }
    }
    Ok(())
}

fn time(
    name: &str,
    runs: u32,
    mut f: impl FnMut() -> Result<Rendered, cloudkyc_reports::ReportError>,
) -> Result<Rendered, Box<dyn std::error::Error>> {
    let mut last = f()?; // warm-up
    let start = Instant::now();
    for _ in 0..runs {
        last = f()?;
    }
    let each = start.elapsed() / runs;
    let pages = lopdf::Document::load_mem(&last.pdf)?.get_pages().len();
    println!(
        "{name}: {each:?} per render (mean of {runs}), JSON {} bytes, PDF {} bytes, {pages} pages",
        last.json.len(),
        last.pdf.len()
    );
    Ok(last)
}

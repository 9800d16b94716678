//! `cloudkyc report KIND --out DIR`: generates a regulator report from the records as the local
//! operator, keeps it in the database with its digest in the audit chain, and writes
//! `DIR/KIND.json` and `DIR/KIND.pdf` (and `DIR/production.tar` for a production).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow};
use clap::Args;
use cloudkyc_app::reports::{Officer, ReportRequest};
use cloudkyc_reports::{OutOfCycleTrigger, ReportKind};
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::report_figures::ReportFile;
use serde::Serialize;

use crate::config::Config;
use crate::{output, wiring};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// certification-initial, certification-annual, certification-out-of-cycle, written-cip,
    /// ai-training, adp or production.
    pub kind: String,
    /// Directory the files are written to (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// The calendar year an annual certification covers (default: this year).
    #[arg(long)]
    pub year: Option<i32>,
    /// The case an AI-training report is decided in.
    #[arg(long)]
    pub case: Option<String>,
    /// A customer id: repeat for each customer a production names; for an AI-training report
    /// without a case, the one customer it is about.
    #[arg(long = "customer")]
    pub customers: Vec<String>,
    /// Commerce's reference of the request a production answers.
    #[arg(long)]
    pub reference: Option<String>,
    /// What changed: required for certification-out-of-cycle.
    #[arg(long)]
    pub reason: Option<String>,
    /// The kind of change behind an out-of-cycle certification: operations_change,
    /// corporate_structure_change, program_change, new_contact or other (the default).
    #[arg(long)]
    pub trigger: Option<String>,
    /// The signing officer's name (default: "operator").
    #[arg(long)]
    pub officer: Option<String>,
    /// The signing officer's title.
    #[arg(long)]
    pub title: Option<String>,
    /// The contact email printed on certifications.
    #[arg(long)]
    pub email: Option<String>,
    /// The contact phone printed on certifications.
    #[arg(long)]
    pub phone: Option<String>,
}

/// What the command prints with `--json`.
#[derive(Debug, Serialize)]
struct Written {
    id: String,
    kind: String,
    sha256: String,
    files: Vec<PathBuf>,
}

fn write(path: &Path, bytes: &[u8]) -> Result<PathBuf> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path.to_path_buf())
}

fn request(args: &ReportArgs) -> Result<ReportRequest> {
    let kind: ReportKind = args.kind.parse().map_err(|_| {
        anyhow!(
            "unknown report kind {:?}; expected one of {}",
            args.kind,
            ReportKind::NAMES.join(", ")
        )
    })?;
    let trigger = match args.trigger.as_deref() {
        None => None,
        Some(name) => Some(OutOfCycleTrigger::parse(name).ok_or_else(|| {
            let names: Vec<&str> = OutOfCycleTrigger::ALL.map(OutOfCycleTrigger::as_str).into();
            anyhow!(
                "unknown --trigger {name:?}; expected one of {}",
                names.join(", ")
            )
        })?),
    };
    let customers = args
        .customers
        .iter()
        .map(|c| {
            c.trim()
                .parse::<CustomerId>()
                .map_err(|_| anyhow!("--customer {c:?} is not a customer id"))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(ReportRequest {
        year: args.year,
        case: args.case.clone(),
        customers,
        reference: args.reference.clone(),
        reason: args.reason.clone(),
        trigger,
        officer: Officer {
            name: args.officer.clone(),
            title: args.title.clone(),
            email: args.email.clone(),
            phone: args.phone.clone(),
        },
        ..ReportRequest::new(kind)
    })
}

pub async fn run(config: &Config, json: bool, args: ReportArgs) -> Result<ExitCode> {
    let req = request(&args)?;
    let app = wiring::open_app(config).await?;
    let scope = app.operator_scope(&config.provider_name).await?;
    let generated = app.generate_report(&scope, req).await?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let kind = generated.rendered.kind;
    let id = generated.report.id;
    // The files are read back through the store, so what lands on disk is exactly what is kept
    // and each export is logged as a disclosure, like a read through the API.
    let mut exports = vec![
        (ReportFile::Json, kind.json_file_name()),
        (ReportFile::Pdf, kind.pdf_file_name()),
    ];
    if generated.archive.is_some() {
        exports.push((ReportFile::Archive, format!("{kind}.tar")));
    }
    let mut files = Vec::new();
    for (file, name) in exports {
        let (_, bytes) = app.disclose_report(&scope, id, file).await?;
        files.push(write(&args.out.join(name), &bytes)?);
    }
    let written = Written {
        id: generated.report.id.to_string(),
        kind: kind.to_string(),
        sha256: generated.rendered.sha256.clone(),
        files,
    };
    output::print(json, &written, |w| {
        let mut lines: Vec<String> = w
            .files
            .iter()
            .map(|f| format!("wrote {}", f.display()))
            .collect();
        lines.push(format!(
            "report {} ({}) recorded in the audit chain with SHA-256 {}",
            w.id, w.kind, w.sha256
        ));
        lines.join("\n")
    })?;
    Ok(ExitCode::SUCCESS)
}

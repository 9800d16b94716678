//! `cloudkyc lists import|update|status`: restricted-party lists in the database.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use cloudkyc_app::lists::{
    ImportList, ImportOutcome, ListFiles, ListStatusView, ListUpdateOutcome, UpdateReport,
    parse_format,
};
use cloudkyc_screening::ListFormat;

use crate::cli::ListsCommand;
use crate::config::Config;
use crate::{output, wiring};

pub async fn run(config: &Config, json: bool, cmd: ListsCommand) -> Result<ExitCode> {
    let app = wiring::open_app(config).await?;
    let scope = app.operator_scope(&config.provider_name).await?;
    match cmd {
        ListsCommand::Import {
            files,
            format,
            list,
        } => {
            let requests = plan(&files, format.as_deref(), list)?;
            let mut outcomes = Vec::with_capacity(requests.len());
            for (what, req) in requests {
                let outcome = app
                    .import_list(&scope, req)
                    .await
                    .with_context(|| format!("cannot import {what}"))?;
                outcomes.push(outcome);
            }
            output::print(json, &outcomes, |o| {
                o.iter().map(imported).collect::<Vec<_>>().join("\n")
            })?;
            Ok(ExitCode::SUCCESS)
        }
        ListsCommand::Update => {
            let report = app.update_lists(&scope).await?;
            output::print(json, &report, updated)?;
            Ok(if report.failures() == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        ListsCommand::Status => {
            let status = app.list_status(&scope).await?;
            output::print(json, &status, |s| table(s))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// OFAC's legacy file names (SDN and consolidated), which form one list together.
fn is_ofac_name(name: &str) -> bool {
    let stem = name.strip_suffix(".csv").unwrap_or(name);
    matches!(
        stem,
        "sdn"
            | "add"
            | "alt"
            | "sdn_comments"
            | "cons_prim"
            | "cons_add"
            | "cons_alt"
            | "cons_comments"
    )
}

/// The format a file name suggests.
fn guess_format(name: &str) -> Result<ListFormat> {
    let format = if is_ofac_name(name) {
        ListFormat::OfacCsv
    } else if name.ends_with(".xml") {
        ListFormat::UnXml
    } else if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        ListFormat::FtmJsonl
    } else if name.ends_with(".json") {
        ListFormat::CslJson
    } else if name.ends_with(".txt") || name.ends_with(".tsv") {
        ListFormat::DplTsv
    } else if name.ends_with(".csv") {
        ListFormat::CslCsv
    } else {
        bail!("cannot tell the format of {name}; give --format");
    };
    Ok(format)
}

/// OFAC's files by role: the one that is not addresses, aliases or comments is the primary.
fn ofac_files(paths: &[&PathBuf]) -> Result<ListFiles> {
    let (mut primary, mut addresses, mut aliases, mut comments) = (None, None, None, None);
    for path in paths {
        let name = file_name(path);
        let slot = if name.contains("comment") {
            &mut comments
        } else if name.contains("add") {
            &mut addresses
        } else if name.contains("alt") {
            &mut aliases
        } else {
            &mut primary
        };
        if slot.is_some() {
            bail!("two OFAC files have the same role: {}", path.display());
        }
        *slot = Some(read(path)?);
    }
    let Some(primary) = primary else {
        bail!("the OFAC files lack the primary file (sdn.csv or cons_prim.csv)");
    };
    Ok(ListFiles::Ofac {
        primary,
        addresses,
        aliases,
        comments,
    })
}

/// Turns the command line into imports: OFAC files grouped per list, every other file alone.
fn plan(
    files: &[PathBuf],
    format: Option<&str>,
    list: Option<String>,
) -> Result<Vec<(String, ImportList)>> {
    let given = format.map(parse_format).transpose()?;
    let mut ofac_groups: Vec<(String, Vec<&PathBuf>)> = Vec::new();
    let mut singles = Vec::new();
    for path in files {
        let name = file_name(path);
        let format = match &given {
            Some(f) => f.clone(),
            None => guess_format(&name)?,
        };
        if format == ListFormat::OfacCsv {
            let id = if name.starts_with("cons") {
                "ofac_cons"
            } else {
                "ofac_sdn"
            };
            match ofac_groups.iter_mut().find(|(g, _)| g == id) {
                Some((_, group)) => group.push(path),
                None => ofac_groups.push((id.to_owned(), vec![path])),
            }
        } else {
            singles.push((path, format));
        }
    }
    if list.is_some() && ofac_groups.len() + singles.len() > 1 {
        bail!("--list names one list; import these files one list at a time");
    }
    let mut out = Vec::new();
    for (id, group) in ofac_groups {
        let what = group
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let req = ImportList {
            list: Some(list.clone().unwrap_or(id)),
            format: ListFormat::OfacCsv,
            files: ofac_files(&group)?,
        };
        out.push((what, req));
    }
    for (path, format) in singles {
        let req = ImportList {
            list: list.clone(),
            format,
            files: ListFiles::Single(read(path)?),
        };
        out.push((path.display().to_string(), req));
    }
    Ok(out)
}

fn imported(o: &ImportOutcome) -> String {
    format!(
        "{}: {} ({} entities, sha256 {}){}",
        o.list,
        o.version,
        o.entity_count,
        o.content_sha256.get(..12).unwrap_or_default(),
        if o.unchanged {
            " already in force"
        } else {
            " now in force"
        }
    )
}

fn updated(r: &UpdateReport) -> String {
    if r.lists.is_empty() {
        return "no list has a download URL configured".to_owned();
    }
    r.lists
        .iter()
        .map(|(id, outcome)| match outcome {
            ListUpdateOutcome::Updated {
                version,
                entity_count,
            } => format!("{id}: updated to {version} ({entity_count} entities)"),
            ListUpdateOutcome::Unchanged { version } => format!("{id}: unchanged ({version})"),
            ListUpdateOutcome::Failed { error } => {
                format!("{id}: FAILED, the snapshot in force stays: {error}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn table(lists: &[ListStatusView]) -> String {
    let mut rows = vec![[
        "LIST".to_owned(),
        "STATE".to_owned(),
        "SOURCE".to_owned(),
        "VERSION".to_owned(),
        "PUBLISHED".to_owned(),
        "ENTITIES".to_owned(),
        "LOADED".to_owned(),
        "LAST UPDATE".to_owned(),
    ]];
    let dash = || "-".to_owned();
    for l in lists {
        let state = serde_json::to_value(l.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        rows.push([
            l.list.clone(),
            state,
            l.source.to_owned(),
            l.version.clone().unwrap_or_else(dash),
            l.published.map_or_else(dash, |d| d.to_string()),
            l.entity_count.map_or_else(dash, |n| n.to_string()),
            l.loaded_at
                .map_or_else(dash, |t| t.format("%Y-%m-%d %H:%M").to_string()),
            l.last_attempt_at
                .map_or_else(dash, |t| t.format("%Y-%m-%d %H:%M").to_string()),
        ]);
    }
    let widths: Vec<usize> = (0..8)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out: Vec<String> = rows
        .iter()
        .map(|r| {
            r.iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        })
        .collect();
    for l in lists {
        if let Some(error) = &l.last_error {
            out.push(format!(
                "{}: last update failed ({} failures so far): {error}",
                l.list, l.update_failures
            ));
        }
    }
    out.join("\n")
}

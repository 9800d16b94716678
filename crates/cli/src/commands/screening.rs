//! `cloudkyc screen`: one name against the lists in force in the database (what `lists import` and
//! `lists update` stored, the bundled copy of any list the database has none of), exactly as the
//! server screens. `cloudkyc match`: name pairs scored without lists or a database.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use cloudkyc_app::screening::{self, ScreenRequest, ScreenResult};
use cloudkyc_screening::Schema;

use crate::config::Config;
use crate::{output, policy, wiring};

pub async fn screen(
    config: &Config,
    json: bool,
    mut req: ScreenRequest,
    schema: Option<&str>,
) -> Result<ExitCode> {
    req.schema = schema.map(Schema::from_label);
    let app = wiring::open_app(config).await?;
    let scope = app.operator_scope(&config.provider_name).await?;
    let result = app.screen(&scope, &req).await?;
    output::print(json, &result, human)?;
    Ok(ExitCode::SUCCESS)
}

fn human(r: &ScreenResult) -> String {
    let mut out = format!(
        "{} hit(s) for {:?} at threshold {:.2} ({})\n",
        r.hits.len(),
        r.query,
        r.threshold,
        r.algorithm_version
    );
    for hit in &r.hits {
        out.push_str(&format!(
            "{:.3}  {} {}  {} (matched {:?})\n",
            hit.score,
            hit.list.as_str(),
            hit.entity_id,
            hit.primary_name,
            hit.matched_name
        ));
        let e = &hit.explanation;
        let pairs: Vec<String> = e
            .name
            .pairs
            .iter()
            .map(|p| format!("{}~{} ({:.2})", p.query, p.candidate, p.similarity))
            .collect();
        out.push_str(&format!("       tokens: {}\n", pairs.join(", ")));
        let unmatched: Vec<&str> = e
            .name
            .unmatched_query
            .iter()
            .chain(&e.name.unmatched_candidate)
            .map(|t| t.token.as_str())
            .collect();
        if !unmatched.is_empty() {
            out.push_str(&format!("       unmatched: {}\n", unmatched.join(", ")));
        }
        for q in &e.qualifiers {
            out.push_str(&format!(
                "       {}: {:.3} -> {:.3}\n",
                q.detail, q.before, q.after
            ));
        }
    }
    out.trim_end().to_owned()
}

pub fn match_pairs(config: &Config, path: &Path) -> Result<ExitCode> {
    let pack = policy::load(&config.policy)?;
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let headers = reader
        .headers()
        .context("the CSV has no header row")?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let (Some(n1), Some(n2)) = (column("name1"), column("name2")) else {
        bail!("the CSV header must name the columns name1 and name2");
    };
    let schema_column = column("schema");
    let mut writer = csv::Writer::from_writer(std::io::stdout().lock());
    let mut out_headers = headers.clone();
    out_headers.push_field("score");
    out_headers.push_field("match");
    writer.write_record(&out_headers)?;
    for (line, row) in reader.records().enumerate() {
        let row = row.with_context(|| format!("row {} of {}", line + 2, path.display()))?;
        let field = |i: usize| row.get(i).unwrap_or_default();
        let schema = schema_column
            .map(field)
            .filter(|s| !s.trim().is_empty())
            .map(Schema::from_label);
        let verdict = screening::score_pair(&pack, field(n1), field(n2), schema);
        let mut out = row.clone();
        out.push_field(&format!("{:.4}", verdict.score));
        out.push_field(if verdict.is_match { "true" } else { "false" });
        writer.write_record(&out)?;
    }
    writer.flush()?;
    Ok(ExitCode::SUCCESS)
}

//! The evidence a compute case holds, as timeline entries (`evidence_added`): the CIP identity
//! snapshot reference, a readable summary of the estimate with bounds and of the cluster test,
//! the red flags (re-added whenever they change: the flag history), and the whole assessment
//! as JSON (episodes, lineages, cluster evidence, projections, merges, flag inputs), split into
//! parts that each fit a timeline note and all carry the SHA-256 of the whole document.

use chrono::DateTime;
use cloudkyc_compute::Assessment;
use cloudkyc_domain::cases::{CaseError, Evidence, Note, Sha256Digest};
use cloudkyc_store::documents::sha256_hex;

use crate::customers::CustomerRecord;

/// Characters of assessment JSON per evidence entry (a note holds 10,000 with its header).
const PART_CHARS: usize = 9_000;
/// Above this many parts, the per-episode list is left out (lineages keep their totals).
const MAX_PARTS: usize = 40;

/// The prefix of the flag-history entries' references.
pub const FLAGS_REFERENCE: &str = "compute-flags:";

fn entry(
    description: String,
    reference: String,
    sha256: Option<&str>,
) -> Result<Evidence, CaseError> {
    Ok(Evidence {
        description: Note::parse(&truncate(&description, Note::MAX_CHARS))?,
        reference: Some(Note::parse(&truncate(&reference, Note::MAX_CHARS))?),
        sha256: sha256.map(Sha256Digest::parse).transpose()?,
    })
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn stamp(ts: i64) -> String {
    DateTime::from_timestamp(ts, 0).map_or_else(|| ts.to_string(), |t| t.to_rfc3339())
}

/// The identity snapshot: which CIP record, at which version, decided what.
pub fn identity(customer: &CustomerRecord) -> Result<Evidence, CaseError> {
    let d = &customer.decision;
    let snapshot = serde_json::json!({
        "customer": customer.customer, "determination": customer.determination,
        "decision": d, "accounts": customer.accounts,
    });
    let digest = sha256_hex(snapshot.to_string().as_bytes());
    entry(
        format!(
            "CIP identity snapshot of customer {} ({:?}): person status {}, CIP status {:?}, \
             risk tier {:?}, decided under {} {}; the digest covers the identity data, the \
             determination and the decision as stored at this version",
            customer.id,
            customer.kind,
            d.person_status,
            d.cip_status,
            d.risk_tier,
            d.policy_id,
            d.policy_version
        ),
        format!(
            "customer:{}@{}",
            customer.id,
            customer.updated_at.to_rfc3339()
        ),
        Some(&digest),
    )
}

/// The estimate with bounds of the largest lineage and projection, and the largest cluster.
pub fn summary(a: &Assessment) -> Result<Evidence, CaseError> {
    let mut lines = vec![format!(
        "Owner group {} ({} account(s): {}), assessed {}",
        a.group,
        a.accounts.len(),
        a.accounts.join(", "),
        stamp(a.knowledge_date)
    )];
    if let Some(l) = a
        .view
        .lineages
        .iter()
        .max_by(|x, y| x.estimate.ops_p50.total_cmp(&y.estimate.ops_p50))
    {
        let e = &l.estimate;
        lines.push(format!(
            "Largest lineage: {} from {} to {}, {} episode(s), {} chip-seconds: p05 {:.3e}, \
             p50 {:.3e}, p95 {:.3e}, ceiling {:.3e} operations",
            e.accelerator,
            stamp(l.start),
            stamp(l.end),
            l.episodes.len(),
            e.chip_seconds,
            e.ops_p05,
            e.ops_p50,
            e.ops_p95,
            e.ops_ceiling
        ));
    }
    for p in &a.projections {
        let e = &p.estimate;
        lines.push(format!(
            "Projection ({}, reservations {:?}): p05 {:.3e}, p50 {:.3e}, p95 {:.3e}, ceiling \
             {:.3e} operations",
            p.accelerator_name, p.reservations, e.ops_p05, e.ops_p50, e.ops_p95, e.ops_ceiling
        ));
    }
    if let Some(c) = a
        .view
        .clusters
        .iter()
        .max_by(|x, y| x.fast_ops_per_s_max.total_cmp(&y.fast_ops_per_s_max))
    {
        lines.push(format!(
            "Largest co-located peak at {}/{}: {:.3e} ops/s at 16-bit, {:.3e} ops/s at the \
             fastest format ({:.3e} / {:.3e} on fast fabric)",
            c.placement.datacenter(),
            c.placement.cluster(),
            c.ops_per_s_16bit,
            c.ops_per_s_max,
            c.fast_ops_per_s_16bit,
            c.fast_ops_per_s_max
        ));
    }
    for m in &a.merges {
        let why: Vec<String> = m.evidence.iter().map(|l| l.detail.clone()).collect();
        lines.push(format!("Merged {} + {}: {}", m.a, m.b, why.join("; ")));
    }
    entry(
        lines.join("\n"),
        format!("compute-summary:{}@{}", a.group, stamp(a.knowledge_date)),
        None,
    )
}

fn outcome_name(outcome: cloudkyc_compute::Outcome) -> String {
    serde_json::to_value(outcome)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The first line of the flags entry: which flags fired with which outcome. The flag history
/// compares this line, not the reasons, whose figures move with every record.
pub fn flags_headline(a: &Assessment) -> String {
    let fired: Vec<String> = a
        .flags
        .iter()
        .map(|f| format!("{:?} ({})", f.flag, outcome_name(f.outcome)))
        .collect();
    format!("Red flags of owner group {}: {}", a.group, fired.join(", "))
}

fn flags_text(a: &Assessment) -> String {
    let lines: Vec<String> = a
        .flags
        .iter()
        .map(|f| format!("{:?}: {}", f.flag, f.reason))
        .collect();
    format!("{}\n{}", flags_headline(a), lines.join("\n"))
}

pub fn flags(a: &Assessment) -> Result<Evidence, CaseError> {
    entry(
        flags_text(a),
        format!("{FLAGS_REFERENCE}{}@{}", a.group, stamp(a.knowledge_date)),
        None,
    )
}

/// Splits `text` into parts of at most `size` characters whose ends are not whitespace (a note
/// is trimmed, and the parts must join back to the exact document).
fn split(text: &str, size: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let ws = |i: usize| chars.get(i).is_some_and(|c| c.is_whitespace());
    let mut parts = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let max = (start + size).min(chars.len());
        // The longest part whose last character and whose successor are not whitespace; compact
        // JSON has single spaces inside strings only, so one is always found well before the
        // start (a run of `size` spaces would be cut as is).
        let end = (start + 1..=max)
            .rev()
            .find(|&e| !ws(e - 1) && !ws(e))
            .unwrap_or(max);
        parts.push(chars[start..end].iter().collect());
        start = end;
    }
    parts
}

/// The assessment JSON as evidence parts.
pub fn assessment(a: &Assessment) -> Result<Vec<Evidence>, CaseError> {
    let mut value = serde_json::to_value(a).unwrap_or_default();
    let mut text = value.to_string();
    let mut note = "";
    if text.chars().count() > PART_CHARS * MAX_PARTS {
        if let Some(view) = value.get_mut("view").and_then(|v| v.as_object_mut()) {
            view.remove("episodes");
        }
        text = value.to_string();
        note = " (episode list left out for size; lineages keep their totals and episode \
                 indexes)";
    }
    let digest = sha256_hex(text.as_bytes());
    let parts = split(&text, PART_CHARS);
    let n = parts.len();
    if n > MAX_PARTS {
        note = " (episode list left out and only the first parts kept for size; the digest \
                 covers the whole document)";
    }
    parts
        .into_iter()
        .take(MAX_PARTS)
        .enumerate()
        .map(|(i, part)| {
            entry(
                format!(
                    "Compute assessment JSON{note}, part {} of {n} (SHA-256 of the joined parts \
                     below):\n{part}",
                    i + 1
                ),
                format!(
                    "compute-assessment:{}@{}#{}/{n}",
                    a.group,
                    stamp(a.knowledge_date),
                    i + 1
                ),
                Some(&digest),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn parts_join_back_and_never_end_in_whitespace() {
        let text = r#"{"reason":"p50 1.2e26 > 1e26 over 2 accounts","b":[1,2,3]}"#;
        for size in [5, 8, 13, 1000] {
            let parts = split(text, size);
            assert_eq!(parts.concat(), text, "size {size}");
            for p in &parts {
                assert!(p.chars().count() <= size);
                assert_eq!(p.trim(), p, "size {size}: {p:?}");
            }
        }
    }
}

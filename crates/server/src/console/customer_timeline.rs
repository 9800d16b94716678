//! The customer page's timeline: onboarding, every verification record (vendor verdicts,
//! officer overrides, the decisions made again with the checks they ran) with its result and
//! date, and the latest screening with each hit explained in words: which name matched which
//! list entry, the score against its threshold, and the features that drove it.
//!
//! Everything here is plain text; the template writes it with askama's escaping, so a name
//! taken from a list or from the customer's data is shown, never interpreted.

use chrono::{DateTime, Utc};
use cloudkyc_app::customers::CustomerRecord;
use cloudkyc_app::customers::{CustomerScreening, ScreenedSubject, SubjectHit};
use cloudkyc_domain::cip::{CheckOutcome, CheckResult};
use cloudkyc_store::verifications::{Evidence, Verification, VerificationState};

use super::customer_view::label;

/// How an entry's result reads: good, bad or neither (a colour and a word, never colour alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    Good,
    Bad,
    Neutral,
}

impl Tone {
    pub(crate) fn class(self) -> &'static str {
        match self {
            Tone::Good => "good",
            Tone::Bad => "bad",
            Tone::Neutral => "muted",
        }
    }
}

/// One entry of the timeline.
pub(crate) struct Entry {
    at: DateTime<Utc>,
    pub when: String,
    pub what: String,
    pub result: String,
    pub tone: Tone,
    pub by: Option<String>,
    pub details: Vec<String>,
    /// The screening entry's hits; empty for every other entry.
    pub hits: Vec<HitView>,
}

impl Entry {
    fn new(at: DateTime<Utc>, what: impl Into<String>, result: impl Into<String>) -> Self {
        Self {
            at,
            when: at.format("%Y-%m-%d %H:%M UTC").to_string(),
            what: what.into(),
            result: result.into(),
            tone: Tone::Neutral,
            by: None,
            details: Vec::new(),
            hits: Vec::new(),
        }
    }
}

/// One screening hit in words.
pub(crate) struct HitView {
    /// "Customer name", "Beneficial owner", ...
    pub whose: String,
    pub screened_name: String,
    pub list: String,
    pub list_version: String,
    pub entity_id: String,
    pub primary_name: String,
    pub matched_name: String,
    /// `primary`, `alias` or `weak alias`.
    pub matched_kind: String,
    pub score: String,
    pub threshold: String,
    /// The features behind the score, one sentence each, strongest evidence first.
    pub features: Vec<String>,
    /// For a party of the ownership structure: the chains linking it to the customer.
    pub paths: Vec<String>,
}

/// The timeline of `customer`, newest first.
pub(crate) fn timeline(customer: &CustomerRecord, history: &[Verification]) -> Vec<Entry> {
    let mut entries = vec![Entry::new(
        customer.created_at,
        "Onboarded",
        "customer record created, verified and screened",
    )];
    entries.extend(history.iter().map(verification_entry));
    if let Some(screening) = &customer.screening {
        // Every decision screens again, so the latest screening is as old as the latest
        // decision: the last recorded one, or onboarding when there has been none since.
        let at = history
            .iter()
            .filter(|v| matches!(v.evidence, Evidence::Decision { .. }))
            .map(|v| v.created_at)
            .max()
            .unwrap_or(customer.created_at)
            .max(customer.created_at);
        entries.push(screening_entry(at, screening));
    }
    // Stable: equal times keep their recorded order, then the whole list turns newest first.
    entries.sort_by_key(|e| e.at);
    entries.reverse();
    entries
}

fn verification_entry(v: &Verification) -> Entry {
    let mut entry = match &v.evidence {
        Evidence::Vendor {
            vendor,
            verdict,
            reference,
        } => {
            let mut e = Entry::new(
                v.created_at,
                format!("Verification by vendor {vendor}"),
                label(verdict),
            );
            e.tone = match label(verdict).as_str() {
                "pass" => Tone::Good,
                "fail" => Tone::Bad,
                _ => Tone::Neutral,
            };
            e.details
                .push(format!("vendor's evidence reference: {reference}"));
            e
        }
        Evidence::Override { decision, reason } => {
            let state = match v.state {
                VerificationState::Pending => "awaiting a second officer (four-eyes)",
                VerificationState::Applied => "applied",
                VerificationState::Rejected => "rejected by a second officer",
                VerificationState::Recorded => "recorded",
            };
            let mut e = Entry::new(
                v.created_at,
                format!("Officer override: {}", label(decision)),
                state,
            );
            e.tone = match v.state {
                VerificationState::Rejected => Tone::Bad,
                VerificationState::Applied => Tone::Good,
                _ => Tone::Neutral,
            };
            e.details.push(format!("reason: {reason}"));
            e
        }
        Evidence::Decision {
            action,
            cip_status,
            account_access,
            checks,
        } => {
            let mut e = Entry::new(
                v.created_at,
                format!("Decided again ({action})"),
                format!(
                    "CIP {}, account access {}",
                    label(cip_status).replace('_', " "),
                    label(account_access).replace('_', " ")
                ),
            );
            e.tone = match label(cip_status).as_str() {
                "verified" => Tone::Good,
                "failed" => Tone::Bad,
                _ => Tone::Neutral,
            };
            e.details.extend(checks.iter().map(check_sentence));
            e
        }
    };
    entry.by = Some(v.requested_by.clone());
    if let (Some(by), Some(at)) = (&v.decided_by, v.decided_at) {
        entry.details.push(format!(
            "decided by {by} at {}",
            at.format("%Y-%m-%d %H:%M UTC")
        ));
    }
    entry
}

fn check_sentence(check: &CheckResult) -> String {
    let outcome = match &check.outcome {
        CheckOutcome::Pass => "pass".to_owned(),
        CheckOutcome::Fail => "FAIL".to_owned(),
        CheckOutcome::NotApplicable => "not applicable".to_owned(),
        CheckOutcome::CannotRun { reason } => format!("could not run ({reason})"),
    };
    format!(
        "check {}: {outcome}: {}",
        check.name.replace('_', " "),
        check.detail
    )
}

fn screening_entry(at: DateTime<Utc>, screening: &CustomerScreening) -> Entry {
    let hits = screening.hits.len();
    let (result, tone) = if hits == 0 {
        ("clear: no hits".to_owned(), Tone::Good)
    } else {
        (
            format!(
                "potential match: {hits} hit{}",
                if hits == 1 { "" } else { "s" }
            ),
            Tone::Bad,
        )
    };
    let mut entry = Entry::new(at, "Latest screening", result);
    entry.tone = tone;
    let lists = screening
        .list_versions
        .iter()
        .map(|l| format!("{} {}", l.list, l.version))
        .collect::<Vec<_>>()
        .join(", ");
    entry.details.push(format!(
        "against {}; algorithm {}, threshold {:.3}",
        if lists.is_empty() {
            "no lists".to_owned()
        } else {
            lists
        },
        screening.algorithm_version,
        screening.threshold
    ));
    entry.hits = screening.hits.iter().map(HitView::of).collect();
    entry
}

impl HitView {
    pub(crate) fn of(h: &SubjectHit) -> Self {
        let hit = &h.hit;
        let name = &hit.explanation.name;
        let mut features = vec![format!(
            "names compared after normalising: “{}” with “{}”, name score {:.3}",
            name.query, name.candidate, name.score
        )];
        let mut pairs = name.pairs.iter().collect::<Vec<_>>();
        pairs.sort_by(|a, b| {
            (b.similarity * b.weight)
                .partial_cmp(&(a.similarity * a.weight))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        features.extend(pairs.iter().map(|p| {
            let how = if p.similarity >= 0.999 {
                "the same word".to_owned()
            } else {
                format!("similar, {:.0}%", p.similarity * 100.0)
            };
            format!(
                "“{}” matched “{}”: {how}, weight {:.2}",
                p.query, p.candidate, p.weight
            )
        }));
        if !name.unmatched_query.is_empty() {
            features.push(format!(
                "in the screened name but not the list's: {}",
                weighted(&name.unmatched_query)
            ));
        }
        if !name.unmatched_candidate.is_empty() {
            features.push(format!(
                "in the list's name but not the screened one: {}",
                weighted(&name.unmatched_candidate)
            ));
        }
        if name.number_mismatch {
            features.push("both names carry numbers and they differ (a strong penalty)".to_owned());
        }
        features.extend(hit.explanation.qualifiers.iter().map(|q| {
            let effect = if q.after > q.before {
                "raised"
            } else if q.after < q.before {
                "lowered"
            } else {
                "left"
            };
            format!(
                "{}: {} — {effect} the score from {:.3} to {:.3}",
                label(&q.qualifier).replace('_', " "),
                q.detail,
                q.before,
                q.after
            )
        }));
        Self {
            whose: match h.subject {
                ScreenedSubject::Customer => "Customer name",
                ScreenedSubject::BeneficialOwner => "Beneficial owner",
                ScreenedSubject::OwnershipParty => "Party in the ownership structure",
            }
            .to_owned(),
            screened_name: h.subject_name.clone(),
            list: hit.list.to_string(),
            list_version: hit.list_version.clone(),
            entity_id: hit.entity_id.clone(),
            primary_name: hit.primary_name.clone(),
            matched_name: hit.matched_name.clone(),
            matched_kind: label(&hit.matched_name_kind).replace('_', " "),
            score: format!("{:.3}", hit.score),
            threshold: format!("{:.3}", h.threshold),
            features,
            paths: h.ownership_paths.clone(),
        }
    }
}

fn weighted(tokens: &[cloudkyc_screening::WeightedToken]) -> String {
    tokens
        .iter()
        .map(|t| format!("“{}” (weight {:.2})", t.token, t.weight))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use askama::Template;

    const SCRIPT: &str = "<script>alert(1)</script>";

    /// A hit as the store keeps it, with HTML wherever a list or a customer could put text.
    fn hostile_hit() -> SubjectHit {
        serde_json::from_value(serde_json::json!({
            "subject": "beneficial_owner",
            "subject_name": SCRIPT,
            "threshold": 0.85,
            "entity": 7,
            "list": "watch",
            "list_version": "2026-11-01",
            "entity_id": "w-<b>1</b>",
            "schema": "person",
            "primary_name": SCRIPT,
            "matched_name": "<i>Kim</i> Jong Un",
            "matched_name_kind": "weak_alias",
            "score": 0.912,
            "explanation": {
                "name": {
                    "query": "kim jong un script",
                    "candidate": "kim jong un",
                    "pairs": [
                        {"query": "jong", "candidate": "jong", "similarity": 1.0, "weight": 0.3},
                        {"query": "kim", "candidate": "<kim>", "similarity": 0.9, "weight": 0.5}
                    ],
                    "unmatched_query": [{"token": "<script>", "weight": 0.1}],
                    "unmatched_candidate": [],
                    "number_mismatch": false,
                    "score": 0.88
                },
                "qualifiers": [{"qualifier": "birth_date_match", "detail": "born <1984>",
                                "before": 0.88, "after": 0.912}],
                "score": 0.912
            },
            "ownership_paths": ["<u>Holding</u> owns 60%"]
        }))
        .unwrap()
    }

    #[test]
    fn a_hit_is_explained_in_words_strongest_feature_first() {
        let view = HitView::of(&hostile_hit());
        assert_eq!(view.whose, "Beneficial owner");
        assert_eq!(
            (view.score.as_str(), view.threshold.as_str()),
            ("0.912", "0.850")
        );
        assert_eq!(view.matched_kind, "weak alias");
        assert!(
            view.features[0].contains("name score 0.880"),
            "{:?}",
            view.features
        );
        // kim (0.9 x 0.5) outweighs jong (1.0 x 0.3).
        assert!(view.features[1].starts_with("“kim” matched “<kim>”: similar, 90%"));
        assert!(view.features[2].contains("the same word"));
        assert!(
            view.features
                .iter()
                .any(|f| f.contains("but not the list's: “<script>”"))
        );
        assert!(
            view.features.iter().any(|f| f.starts_with(
                "birth date match: born <1984> — raised the score from 0.880 to 0.912"
            )),
            "{:?}",
            view.features
        );
    }

    #[derive(Template)]
    #[template(path = "console/screening_hit.html")]
    struct OneHit {
        h: HitView,
    }

    #[test]
    fn every_text_of_a_hit_is_escaped() {
        let html = OneHit {
            h: HitView::of(&hostile_hit()),
        }
        .render()
        .unwrap();
        for raw in [
            SCRIPT,
            "<b>1</b>",
            "<i>Kim</i>",
            "<kim>",
            "<1984>",
            "<u>Holding</u>",
        ] {
            assert!(!html.contains(raw), "{raw} unescaped in {html}");
        }
        assert!(
            html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"),
            "{html}"
        );
        assert!(html.contains("0.912") && html.contains("watch"), "{html}");
    }
}

//! Scoring two free names against each other (the `match` command), without an index.

use serde::{Deserialize, Serialize};

use crate::model::Schema;
use crate::normalize::normalize_name;

use super::align::align_terms;
use super::explain::NameMatch;
use super::rarity::Rarity;
use super::term::Term;

/// The score of one name pair and its token-level explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairScore {
    pub score: f64,
    pub explanation: NameMatch,
}

/// Scores two names with rarity weights from `rarity`. Symmetric: swapping the names gives the
/// same score.
pub fn score_pair_with(rarity: &Rarity, a: &str, b: &str, schema: Option<Schema>) -> PairScore {
    let schema = schema.unwrap_or(Schema::Unknown);
    let terms = |name: &str| -> Vec<Term<'static>> {
        normalize_name(name, schema)
            .into_tokens()
            .into_iter()
            .map(|t| {
                let weight = rarity.weight(t.text(), t.kind());
                Term::from_owned_token(t, weight)
            })
            .collect()
    };
    let (ta, tb) = (terms(a), terms(b));
    let (alignment, merged_a, merged_b) = align_terms(&ta, &tb);
    let explanation = NameMatch::from_alignment(
        &alignment,
        merged_a.as_deref().unwrap_or(&ta),
        merged_b.as_deref().unwrap_or(&tb),
    );
    PairScore {
        score: alignment.score,
        explanation,
    }
}

/// Scores two names with the default rarity table (built once from the bundled lists).
pub fn score_pair(a: &str, b: &str, schema: Option<Schema>) -> PairScore {
    score_pair_with(crate::bundled::default_rarity(), a, b, schema)
}

//! Scoring: token similarity, alignment, qualifiers and explanations.

pub(crate) mod align;
mod explain;
pub(crate) mod merge;
mod pair;
pub(crate) mod qualifiers;
mod query;
mod rarity;
mod sketch;
pub(crate) mod term;
pub(crate) mod token_sim;

pub(crate) use token_sim::token_similarity;

pub use explain::{Explanation, NameMatch, Qualifier, QualifierEffect, TokenPair, WeightedToken};
pub use pair::{PairScore, score_pair, score_pair_with};
pub use query::Query;
pub use rarity::{INITIAL_WEIGHT, LEGAL_FORM_WEIGHT, MIN_NUMBER_WEIGHT, Rarity};

/// The weight of a token of `kind` seen in `df` of `names` names.
pub(crate) fn rarity_weight(kind: crate::normalize::TokenKind, names: u32, df: u32) -> f64 {
    rarity::weight(kind, rarity::idf(names, df))
}

/// Recorded with every result so a decision names the algorithm that made it. Bump on any change
/// that can move a score.
pub const ALGORITHM_VERSION: &str = "cloudkyc-screening/1.1";

/// The score at and above which a pair is a match when no rule pack says otherwise.
pub const DEFAULT_THRESHOLD: f64 = 0.8;

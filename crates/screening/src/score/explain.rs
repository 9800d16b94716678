//! What a score is made of, so an analyst can see why a hit was raised.

use serde::{Deserialize, Serialize};

use super::align::Alignment;
use super::term::Term;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenPair {
    pub query: String,
    pub candidate: String,
    pub similarity: f64,
    /// The rarity weight the pair carries in the score.
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightedToken {
    pub token: String,
    pub weight: f64,
}

/// How the two names compared, token by token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NameMatch {
    /// The query name, normalised.
    pub query: String,
    /// The candidate name, normalised.
    pub candidate: String,
    pub pairs: Vec<TokenPair>,
    pub unmatched_query: Vec<WeightedToken>,
    pub unmatched_candidate: Vec<WeightedToken>,
    /// Both names carry numbers and they do not agree (a strong penalty).
    pub number_mismatch: bool,
    /// The name score before qualifiers, 0..1.
    pub score: f64,
}

impl NameMatch {
    pub(crate) fn from_alignment(
        alignment: &Alignment,
        query: &[Term<'_>],
        candidate: &[Term<'_>],
    ) -> Self {
        let join = |terms: &[Term<'_>]| {
            terms
                .iter()
                .map(|t| t.text.as_ref())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let pairs = alignment
            .pairs
            .iter()
            .filter_map(|&(i, j, similarity)| {
                let (q, c) = (query.get(i)?, candidate.get(j)?);
                Some(TokenPair {
                    query: q.text.to_string(),
                    candidate: c.text.to_string(),
                    similarity,
                    weight: (q.weight + c.weight) / 2.0,
                })
            })
            .collect();
        let unmatched = |terms: &[Term<'_>], idx: &[usize]| {
            idx.iter()
                .filter_map(|&i| terms.get(i))
                .map(|t| WeightedToken {
                    token: t.text.to_string(),
                    weight: t.weight,
                })
                .collect::<Vec<_>>()
        };
        NameMatch {
            query: join(query),
            candidate: join(candidate),
            pairs,
            unmatched_query: unmatched(query, &alignment.unmatched_a),
            unmatched_candidate: unmatched(candidate, &alignment.unmatched_b),
            number_mismatch: alignment.number_mismatch,
            score: alignment.score,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    /// A shared passport, national id, tax id, IMO number or wallet: a certain match.
    IdentifierMatch,
    SchemaMismatch,
    BirthDateMatch,
    BirthDateNear,
    BirthDateMismatch,
    CountryMatch,
    CountryMismatch,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualifierEffect {
    pub qualifier: Qualifier,
    pub detail: String,
    pub before: f64,
    pub after: f64,
}

/// The full account of one hit's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub name: NameMatch,
    pub qualifiers: Vec<QualifierEffect>,
    pub score: f64,
}

//! Token rarity: how much a token says about identity, from its frequency in the indexed names.

use rustc_hash::FxHashMap;

use crate::model::ListSnapshot;
use crate::normalize::{Token, TokenKind, normalize_name};

/// Legal forms carry almost no identity ("LLC" names millions of companies).
pub const LEGAL_FORM_WEIGHT: f64 = 0.3;
/// A lone initial says little; it mostly confirms an alignment.
pub const INITIAL_WEIGHT: f64 = 1.0;
/// Numbers are significant even when frequent ("7" in "7TH OF TIR").
pub const MIN_NUMBER_WEIGHT: f64 = 4.0;
const MIN_WORD_WEIGHT: f64 = 0.5;

/// Document frequencies of tokens over a set of names, turned into IDF weights.
#[derive(Debug, Clone, Default)]
pub struct Rarity {
    document_frequency: FxHashMap<String, u32>,
    names: u32,
}

impl Rarity {
    /// Counts over the given names (each already normalised).
    pub fn from_token_lists<'a>(names: impl IntoIterator<Item = &'a [Token]>) -> Self {
        let mut rarity = Rarity::default();
        for tokens in names {
            rarity.names += 1;
            let mut seen: Vec<&str> = Vec::with_capacity(tokens.len());
            for token in tokens {
                if !seen.contains(&token.text()) {
                    seen.push(token.text());
                    *rarity
                        .document_frequency
                        .entry(token.text().to_owned())
                        .or_insert(0) += 1;
                }
            }
        }
        rarity
    }

    /// Counts over every name and alias of the snapshots.
    pub fn from_snapshots(snapshots: &[ListSnapshot]) -> Self {
        let normalized: Vec<Vec<Token>> = snapshots
            .iter()
            .flat_map(|s| s.entities())
            .flat_map(|e| {
                e.names
                    .iter()
                    .map(move |n| normalize_name(&n.text, e.schema).tokens().to_vec())
            })
            .collect();
        Self::from_token_lists(normalized.iter().map(Vec::as_slice))
    }

    pub fn name_count(&self) -> u32 {
        self.names
    }

    pub fn document_frequency(&self, text: &str) -> u32 {
        self.document_frequency.get(text).copied().unwrap_or(0)
    }

    /// The inverse document frequency of a word; unseen words weigh the most.
    pub fn idf(&self, text: &str) -> f64 {
        idf(self.names, self.document_frequency(text))
    }

    pub fn weight(&self, text: &str, kind: TokenKind) -> f64 {
        weight(kind, self.idf(text))
    }
}

pub(crate) fn idf(names: u32, df: u32) -> f64 {
    let n = f64::from(names.max(1));
    ((n + 1.0) / (f64::from(df) + 0.5)).ln()
}

pub(crate) fn weight(kind: TokenKind, idf: f64) -> f64 {
    match kind {
        TokenKind::LegalForm => LEGAL_FORM_WEIGHT,
        TokenKind::Initial => INITIAL_WEIGHT,
        TokenKind::Number => idf.max(MIN_NUMBER_WEIGHT),
        TokenKind::Word => idf.max(MIN_WORD_WEIGHT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Schema;

    #[test]
    fn rare_tokens_weigh_more() {
        let names: Vec<Vec<Token>> = ["john smith", "john brown", "john putin", "acme llc"]
            .iter()
            .map(|n| normalize_name(n, Schema::Unknown).tokens().to_vec())
            .collect();
        let rarity = Rarity::from_token_lists(names.iter().map(Vec::as_slice));
        assert!(rarity.weight("putin", TokenKind::Word) > rarity.weight("john", TokenKind::Word));
        assert!(rarity.weight("zzz", TokenKind::Word) > rarity.weight("putin", TokenKind::Word));
        assert_eq!(
            rarity.weight("llc", TokenKind::LegalForm),
            LEGAL_FORM_WEIGHT
        );
    }
}

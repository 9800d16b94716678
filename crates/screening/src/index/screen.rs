//! Screening one query against the index.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::model::{ListId, NameKind, Schema};
use crate::normalize::{TokenKind, normalize_name};
use crate::score::align::{MIN_ALIGN_SIMILARITY, UNMATCHED_FACTOR, align, merge_split_words};
use crate::score::term::Term;
use crate::score::{DEFAULT_THRESHOLD, Explanation, NameMatch, Query, qualifiers, rarity_weight, token_similarity};

use super::Index;

/// An opaque handle to an entity of one index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntityRef(pub(crate) u32);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreenOptions {
    /// Hits scoring below this are not returned.
    pub threshold: f64,
    /// At most this many hits, best first.
    pub limit: usize,
    /// Only these lists (all when empty).
    pub lists: Vec<ListId>,
}

impl Default for ScreenOptions {
    fn default() -> Self {
        ScreenOptions { threshold: DEFAULT_THRESHOLD, limit: 10, lists: Vec::new() }
    }
}

/// One list entity the query may name, with the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub entity: EntityRef,
    pub list: ListId,
    pub list_version: String,
    pub entity_id: String,
    pub schema: Schema,
    pub primary_name: String,
    /// The list's spelling of the name that matched best, and what kind of name it is.
    pub matched_name: String,
    pub matched_name_kind: NameKind,
    pub score: f64,
    pub explanation: Explanation,
}

/// Slack on the candidate bound so that fuzzy evidence found only by full scoring (merged
/// words, initials) is not pruned away.
const BOUND_SLACK: f64 = 0.9;
/// Full scoring is spent on at most this many candidates, best bound first.
const MAX_CANDIDATES: usize = 150;

impl Index {
    /// Screens one query. Deterministic: equal inputs give equal hits in equal order.
    pub fn screen(&self, query: &Query, options: &ScreenOptions) -> Vec<Hit> {
        let normalized = normalize_name(&query.name, query.schema.unwrap_or(Schema::Unknown));
        let query_terms: Vec<Term<'static>> = normalized
            .tokens()
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let weight = match self.dictionary.lookup(t.text(), t.kind()) {
                    Some(id) => self.dictionary.weight_of(id),
                    None => rarity_weight(t.kind(), self.dictionary.name_count(), 0),
                };
                let mut term = Term::from_token(t, weight);
                term.id = Some(u32::try_from(i).unwrap_or(u32::MAX));
                term
            })
            .collect();
        let mut memo: FxHashMap<(u32, u32), f64> = FxHashMap::default();
        let mut best: FxHashMap<u32, (f64, u32)> = FxHashMap::default();
        if !query_terms.is_empty() {
            let candidates = self.candidates(&query_terms, options.threshold, &mut memo);
            for name_id in candidates {
                let Some(name) = self.names.get(name_id as usize) else { continue };
                let score = self.name_score(&query_terms, name_id, &mut memo);
                let slot = best.entry(name.entity).or_insert((score, name_id));
                if score > slot.0 {
                    *slot = (score, name_id);
                }
            }
        }
        // Identifiers find entities whatever their names.
        for id in &query.identifiers {
            for &entity in self.identifiers.get(id.value()).into_iter().flatten() {
                if !best.contains_key(&entity)
                    && let Some(name_id) = self.best_name_of(entity, &query_terms, &mut memo)
                {
                    let score = self.name_score(&query_terms, name_id, &mut memo);
                    best.insert(entity, (score, name_id));
                }
            }
        }
        let mut hits: Vec<(f64, u32, u32, Vec<crate::score::QualifierEffect>)> = best
            .into_iter()
            .filter_map(|(entity_no, (name_score, name_id))| {
                let indexed = self.entities.get(entity_no as usize)?;
                let list = self.lists.get(usize::from(indexed.list))?;
                if !options.lists.is_empty() && !options.lists.contains(&list.list) {
                    return None;
                }
                let (score, effects) = qualifiers::apply(name_score, query, &indexed.entity);
                (score >= options.threshold).then_some((score, entity_no, name_id, effects))
            })
            .collect();
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        hits.truncate(options.limit);
        hits.into_iter().filter_map(|(score, entity_no, name_id, effects)| self.hit(&query_terms, score, entity_no, name_id, effects)).collect()
    }

    fn hit(
        &self,
        query_terms: &[Term<'_>],
        score: f64,
        entity_no: u32,
        name_id: u32,
        qualifiers: Vec<crate::score::QualifierEffect>,
    ) -> Option<Hit> {
        let indexed = self.entities.get(entity_no as usize)?;
        let name = self.names.get(name_id as usize)?;
        let list = self.lists.get(usize::from(indexed.list))?;
        let candidate: Vec<Term<'_>> = name.tokens.iter().map(|&t| self.dictionary.term(t)).collect();
        let merged_q = merge_split_words(query_terms, &candidate);
        let merged_c = merge_split_words(&candidate, query_terms);
        let q = merged_q.as_deref().unwrap_or(query_terms);
        let c = merged_c.as_deref().unwrap_or(&candidate);
        let alignment = align(q, c, &mut |x, y| token_similarity(x, y));
        let matched = indexed.entity.names.get(usize::from(name.original_index));
        Some(Hit {
            entity: super::EntityRef(entity_no),
            list: list.list.clone(),
            list_version: list.version.clone(),
            entity_id: indexed.entity.id.clone(),
            schema: indexed.entity.schema,
            primary_name: indexed.entity.primary_name().to_owned(),
            matched_name: matched.map(|n| n.text.clone()).unwrap_or_default(),
            matched_name_kind: name.kind,
            score,
            explanation: Explanation { name: NameMatch::from_alignment(&alignment, q, c), qualifiers, score },
        })
    }

    fn best_name_of(&self, entity: u32, query_terms: &[Term<'_>], memo: &mut FxHashMap<(u32, u32), f64>) -> Option<u32> {
        let ids: Vec<u32> = self.names.iter().enumerate().filter(|(_, n)| n.entity == entity).map(|(i, _)| i as u32).collect();
        ids.into_iter().max_by(|&a, &b| self.name_score(query_terms, a, memo).total_cmp(&self.name_score(query_terms, b, memo)))
    }

    fn name_score(&self, query_terms: &[Term<'_>], name_id: u32, memo: &mut FxHashMap<(u32, u32), f64>) -> f64 {
        let Some(name) = self.names.get(name_id as usize) else { return 0.0 };
        let candidate: Vec<Term<'_>> = name.tokens.iter().map(|&t| self.dictionary.term(t)).collect();
        let merged_q = merge_split_words(query_terms, &candidate);
        let merged_c = merge_split_words(&candidate, query_terms);
        let q = merged_q.as_deref().unwrap_or(query_terms);
        let c = merged_c.as_deref().unwrap_or(&candidate);
        let mut similarity = |x: &Term<'_>, y: &Term<'_>| match (x.id, y.id, merged_q.is_none() && merged_c.is_none()) {
            (Some(i), Some(j), true) => *memo.entry((i, j)).or_insert_with(|| token_similarity(x, y)),
            _ => token_similarity(x, y),
        };
        align(q, c, &mut similarity).score
    }

    /// Names worth scoring fully: those sharing a near token with the query's rarest tokens,
    /// ranked by an optimistic bound of their score.
    fn candidates(&self, query_terms: &[Term<'_>], threshold: f64, memo: &mut FxHashMap<(u32, u32), f64>) -> Vec<u32> {
        let total: f64 = query_terms.iter().map(|t| t.weight).sum();
        let mut order: Vec<usize> = (0..query_terms.len()).collect();
        order.sort_by(|&a, &b| {
            let w = |i: usize| query_terms.get(i).map_or(0.0, |t| t.weight);
            w(b).total_cmp(&w(a))
        });
        // A name matching none of the generating tokens scores at most rest / (rest + γ·used);
        // generate from the rarest tokens until that bound falls below the threshold.
        let mut generating = Vec::new();
        let mut used = 0.0;
        for &i in &order {
            let rest = total - used;
            if !generating.is_empty() && rest / (rest + UNMATCHED_FACTOR * used) < threshold * BOUND_SLACK {
                break;
            }
            generating.push(i);
            used += query_terms.get(i).map_or(0.0, |t| t.weight);
        }
        let unused = total - used;
        let mut evidence: FxHashMap<u32, f64> = FxHashMap::default();
        let mut near = Vec::new();
        let concatenations: Vec<String> = query_terms.windows(2).map(|w| w.iter().map(|t| t.text.as_ref()).collect::<String>()).collect();
        for &qi in &generating {
            let Some(term) = query_terms.get(qi) else { continue };
            near.clear();
            if let Some(id) = self.dictionary.lookup(&term.text, term.kind) {
                near.push(id);
            }
            if term.kind == TokenKind::Word {
                self.dictionary.near(&term.text, &term.key, &mut near);
            }
            for &token in &near {
                let candidate = self.dictionary.term(token);
                let key = (term.id.unwrap_or(u32::MAX), token);
                let s = *memo.entry(key).or_insert_with(|| token_similarity(term, &candidate));
                if s < MIN_ALIGN_SIMILARITY {
                    continue;
                }
                for &name in self.dictionary.postings(token) {
                    *evidence.entry(name).or_insert(0.0) += s * term.weight;
                }
            }
            // A query writing "jin ping" where the list has "jinping".
            if let Some(joined) = concatenations.get(qi).and_then(|c| self.dictionary.lookup(c, TokenKind::Word)) {
                let weight = term.weight + query_terms.get(qi + 1).map_or(0.0, |t| t.weight);
                for &name in self.dictionary.postings(joined) {
                    *evidence.entry(name).or_insert(0.0) += weight;
                }
            }
        }
        let mut ranked: Vec<(f64, u32)> = evidence
            .into_iter()
            .filter_map(|(name_id, found)| {
                let name = self.names.get(name_id as usize)?;
                // Optimistic: the query tokens that did not generate may all match.
                let found = (found + unused).min(total);
                let missing_query = total - found;
                let missing_candidate = (f64::from(name.total_weight) - found).max(0.0);
                let bound = found / (found + UNMATCHED_FACTOR * (missing_query + missing_candidate));
                (bound >= threshold * BOUND_SLACK).then_some((bound, name_id))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.truncate(MAX_CANDIDATES);
        ranked.into_iter().map(|(_, id)| id).collect()
    }
}

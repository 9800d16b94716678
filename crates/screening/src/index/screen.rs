//! Screening one query against the index.

use std::borrow::Cow;
use std::cell::RefCell;

use serde::{Deserialize, Serialize};

use crate::model::{ListId, NameKind, Schema};
use crate::normalize::{TokenKind, normalize_name, phonetic_key_into};
use crate::score::align::{
    align, alignment_score, merge_split_words, score_upper_bound, similarity_matrix,
};
use crate::score::merge::{MERGE_SIMILARITY, apply_merges, find_merges, may_merge};
use crate::score::term::Term;
use crate::score::{
    DEFAULT_THRESHOLD, Explanation, NameMatch, QualifierEffect, Query, qualifiers, rarity_weight,
    token_similarity,
};

use super::Index;
use super::candidates::{BOUND_SLACK, MergeScratch, QueryTerms, Scratch};
use crate::score::token_sim::Sketch;

thread_local! {
    /// Screening buffers, one set per thread: the index is shared, the scratch space is not.
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

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
        ScreenOptions {
            threshold: DEFAULT_THRESHOLD,
            limit: 10,
            lists: Vec::new(),
        }
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

impl Index {
    /// Screens one query. Deterministic: equal inputs give equal hits in equal order.
    pub fn screen(&self, query: &Query, options: &ScreenOptions) -> Vec<Hit> {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => self.screen_with(query, options, &mut scratch),
            // Only reachable by re-entrant use on one thread; correct, just without reuse.
            Err(_) => self.screen_with(query, options, &mut Scratch::default()),
        })
    }

    fn query_terms(&self, query: &Query) -> QueryTerms {
        let tokens =
            normalize_name(&query.name, query.schema.unwrap_or(Schema::Unknown)).into_tokens();
        let mut terms = Vec::with_capacity(tokens.len());
        let mut ids = Vec::with_capacity(tokens.len());
        for (i, token) in tokens.into_iter().enumerate() {
            let id = self.dictionary.lookup(token.text(), token.kind());
            let weight = match id {
                Some(id) => self.dictionary.weight_of(id),
                None => rarity_weight(token.kind(), self.dictionary.name_count(), 0),
            };
            let mut term = Term::from_owned_token(token, weight);
            term.id = Some(u32::try_from(i).unwrap_or(u32::MAX));
            terms.push(term);
            ids.push(id);
        }
        let sketches = terms.iter().map(Sketch::of).collect();
        QueryTerms {
            terms,
            ids,
            sketches,
        }
    }

    fn screen_with(
        &self,
        query: &Query,
        options: &ScreenOptions,
        scratch: &mut Scratch,
    ) -> Vec<Hit> {
        let query_terms = self.query_terms(query);
        scratch.begin(self.names.len(), self.dictionary.token_count());
        let skip_below = qualifiers::lowest_name_score_reaching(options.threshold, query);
        let mut candidate_terms: Vec<Term<'_>> = Vec::new();
        if !query_terms.terms.is_empty() {
            self.candidates(&query_terms, options.threshold, scratch);
            let ranked = std::mem::take(&mut scratch.ranked);
            self.score_candidates(
                query,
                &query_terms,
                &ranked,
                options,
                skip_below,
                &mut candidate_terms,
                scratch,
            );
            scratch.ranked = ranked;
        }
        // Identifiers find entities whatever their names.
        for id in &query.identifiers {
            for &entity in self.identifiers.get(id.value()).into_iter().flatten() {
                if scratch.best.contains_key(&entity) {
                    continue;
                }
                let mut best: Option<(f64, u32)> = None;
                for name_id in self.names_of(entity) {
                    let score = self
                        .name_score(&query_terms, name_id, &mut candidate_terms, 0.0, scratch)
                        .unwrap_or(0.0);
                    if best.is_none_or(|(b, _)| score > b) {
                        best = Some((score, name_id));
                    }
                }
                if let Some(best) = best {
                    scratch.best.insert(entity, best);
                }
            }
        }
        let mut hits: Vec<(f64, u32, u32, f64)> = scratch
            .best
            .iter()
            .filter_map(|(&entity_no, &(name_score, name_id))| {
                let indexed = self.entities.get(entity_no as usize)?;
                let list = self.lists.get(usize::from(indexed.list))?;
                if !options.lists.is_empty() && !options.lists.contains(&list.list) {
                    return None;
                }
                let score = qualifiers::score(name_score, query, &indexed.entity);
                (score >= options.threshold).then_some((score, entity_no, name_id, name_score))
            })
            .collect();
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        hits.truncate(options.limit);
        hits.into_iter()
            .filter_map(|(score, entity_no, name_id, name_score)| {
                // Only the hits returned are explained (the same computation, with its account).
                let entity = &self.entities.get(entity_no as usize)?.entity;
                let (_, effects) = qualifiers::apply(name_score, query, entity);
                self.hit(&query_terms, score, entity_no, name_id, effects, scratch)
            })
            .collect()
    }

    /// Scores the ranked candidates best bound first into `scratch.best`. When only the name
    /// decides (no date of birth, country or identifier to lift a score, no list filter), it
    /// stops once `limit` entities reach the threshold and no remaining bound can beat the
    /// `limit`-th of them, and skips names whose exact upper bound cannot.
    #[allow(clippy::too_many_arguments)]
    fn score_candidates<'a>(
        &'a self,
        query: &Query,
        query_terms: &QueryTerms,
        ranked: &[(f64, u32)],
        options: &ScreenOptions,
        skip_below: f64,
        candidate_terms: &mut Vec<Term<'a>>,
        scratch: &mut Scratch,
    ) {
        let name_decides = query.birth_date.is_none()
            && query.countries.is_empty()
            && query.identifiers.is_empty()
            && options.lists.is_empty();
        let limit = options.limit.max(1);
        let mut floor = skip_below;
        let mut kth_best: Option<f64> = None;
        let mut top = std::mem::take(&mut scratch.top);
        for &(bound, name_id) in ranked {
            if kth_best.is_some_and(|kth| bound < kth * BOUND_SLACK) {
                break;
            }
            let Some(name) = self.names.get(name_id as usize) else {
                continue;
            };
            let Some(score) =
                self.name_score(query_terms, name_id, candidate_terms, floor, scratch)
            else {
                continue;
            };
            let slot = scratch.best.entry(name.entity).or_insert((score, name_id));
            if score > slot.0 {
                *slot = (score, name_id);
            }
            if !name_decides
                || score < options.threshold
                || kth_best.is_some_and(|kth| score <= kth)
            {
                continue;
            }
            // The limit-th best hit so far, with the schema qualifier (the only one left) applied.
            top.clear();
            top.extend(scratch.best.iter().filter_map(|(&entity, &(s, _))| {
                let indexed = self.entities.get(entity as usize)?;
                let s = s * qualifiers::schema_factor(query, &indexed.entity);
                (s >= options.threshold).then_some(s)
            }));
            if top.len() >= limit {
                top.select_nth_unstable_by(limit - 1, |a, b| b.total_cmp(a));
                if let Some(&kth) = top.get(limit - 1) {
                    kth_best = Some(kth);
                    floor = floor.max(kth);
                }
            }
        }
        scratch.top = top;
    }

    fn hit(
        &self,
        query: &QueryTerms,
        score: f64,
        entity_no: u32,
        name_id: u32,
        qualifiers: Vec<QualifierEffect>,
        scratch: &mut Scratch,
    ) -> Option<Hit> {
        let query_terms = query.terms.as_slice();
        let indexed = self.entities.get(entity_no as usize)?;
        let name = self.names.get(name_id as usize)?;
        let list = self.lists.get(usize::from(indexed.list))?;
        let candidate: Vec<Term<'_>> = self
            .tokens_of(name_id)
            .iter()
            .map(|&t| self.dictionary.term(t))
            .collect();
        let mut sims = Vec::with_capacity(query_terms.len() * candidate.len());
        let (merged_q, merged_c) =
            if may_merge(query_terms, &candidate) || may_merge(&candidate, query_terms) {
                let merged_q = merge_split_words(query_terms, &candidate);
                let merged_c = merge_split_words(&candidate, query_terms);
                let q = merged_q.as_deref().unwrap_or(query_terms);
                let c = merged_c.as_deref().unwrap_or(&candidate);
                similarity_matrix(q, c, &mut sims);
                (merged_q, merged_c)
            } else {
                // Nothing joins: the similarities scoring memoised (pairs below the alignment cut
                // may read 0 there, and such pairs are never aligned or explained).
                for qi in 0..query_terms.len() {
                    for &token in self.tokens_of(name_id) {
                        let s = self.similarity(query, qi, token, scratch);
                        sims.push(s);
                    }
                }
                (None, None)
            };
        let q = merged_q.as_deref().unwrap_or(query_terms);
        let c = merged_c.as_deref().unwrap_or(&candidate);
        let alignment = align(q, c, &sims, &mut scratch.align);
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
            explanation: Explanation {
                name: NameMatch::from_alignment(&alignment, q, c),
                qualifiers,
                score,
            },
        })
    }

    /// The name score of indexed name `name_id` against the query, or `None` when an upper bound
    /// shows it is below `skip_below` (it cannot become a hit). Token similarities
    /// come from the per-query memo; joined split words ("jin ping" / "jinping") are decided on
    /// memoised similarities too, and only a candidate that really joins takes a slower path.
    fn name_score<'a>(
        &'a self,
        query: &QueryTerms,
        name_id: u32,
        candidate: &mut Vec<Term<'a>>,
        skip_below: f64,
        scratch: &mut Scratch,
    ) -> Option<f64> {
        let tokens = self.tokens_of(name_id);
        candidate.clear();
        candidate.extend(tokens.iter().map(|&t| self.dictionary.term(t)));
        let q = &query.terms;
        let nc = candidate.len();
        let mut sims = std::mem::take(&mut scratch.sims);
        sims.clear();
        if may_merge(q, candidate) || may_merge(candidate, q) {
            for qi in 0..q.len() {
                for &token in tokens {
                    let s = self.similarity(query, qi, token, scratch);
                    sims.push(s);
                }
            }
        } else {
            // Nothing can join, so the upper bound applies: first on what is known without a
            // distance (upper bounds from the sketches for the rest); many candidates stop here.
            let mut pending = std::mem::take(&mut scratch.pending);
            pending.clear();
            for qi in 0..q.len() {
                for &token in tokens {
                    match self.cheap_similarity(query, qi, token, scratch) {
                        Ok(s) => sims.push(s),
                        Err(ceiling) => {
                            pending.push((sims.len(), qi, token));
                            sims.push(ceiling);
                        }
                    }
                }
            }
            let cannot_reach =
                !pending.is_empty() && score_upper_bound(q, candidate, &sims) < skip_below;
            if !cannot_reach {
                for &(at, qi, token) in &pending {
                    let s = self.similarity(query, qi, token, scratch);
                    if let Some(slot) = sims.get_mut(at) {
                        *slot = s;
                    }
                }
            }
            scratch.pending = pending;
            if cannot_reach {
                scratch.sims = sims;
                return None;
            }
        }
        let merges = &mut scratch.merges;
        merges.query_groups.clear();
        merges.candidate_groups.clear();
        if may_merge(q, candidate) {
            let single = |i: usize, w: usize| sims.get(i * nc + w).copied().unwrap_or(0.0);
            let mut groups = std::mem::take(&mut merges.query_groups);
            let mut together = |start: usize, len: usize, w: usize| {
                let word_id = tokens.get(w).copied().unwrap_or(u32::MAX);
                let memo_key = [
                    (u32::try_from(start).unwrap_or(u32::MAX) << 8)
                        | u32::try_from(len).unwrap_or(0),
                    word_id,
                    0,
                    0,
                ];
                let parts = q
                    .get(start..start + len)
                    .unwrap_or_default()
                    .iter()
                    .map(|t| t.text.as_ref());
                let word_sketch = tokens.get(w).and_then(|&t| self.dictionary.sketch(t));
                joined_similarity(merges, memo_key, parts, candidate.get(w), word_sketch)
            };
            find_merges(q, candidate, &single, &mut together, &mut groups);
            merges.query_groups = groups;
        }
        if may_merge(candidate, q) {
            let single = |i: usize, w: usize| sims.get(w * nc + i).copied().unwrap_or(0.0);
            let mut groups = std::mem::take(&mut merges.candidate_groups);
            let mut together = |start: usize, len: usize, w: usize| {
                let run = tokens.get(start..start + len).unwrap_or_default();
                let id = |k: usize| run.get(k).copied().unwrap_or(u32::MAX);
                let memo_key = [
                    u32::try_from(w).unwrap_or(u32::MAX) | CANDIDATE_SIDE,
                    id(0),
                    id(1),
                    id(2),
                ];
                let parts = candidate
                    .get(start..start + len)
                    .unwrap_or_default()
                    .iter()
                    .map(|t| t.text.as_ref());
                joined_similarity(merges, memo_key, parts, q.get(w), query.sketches.get(w))
            };
            find_merges(candidate, q, &single, &mut together, &mut groups);
            merges.candidate_groups = groups;
        }
        let score = if merges.query_groups.is_empty() && merges.candidate_groups.is_empty() {
            let bound = score_upper_bound(q, candidate, &sims);
            (bound >= skip_below).then(|| alignment_score(q, candidate, &sims, &mut scratch.align))
        } else {
            let merged_q =
                (!merges.query_groups.is_empty()).then(|| apply_merges(q, &merges.query_groups));
            let merged_c = (!merges.candidate_groups.is_empty())
                .then(|| apply_merges(candidate, &merges.candidate_groups));
            let side_q = merged_q.as_deref().unwrap_or(q);
            let side_c = merged_c.as_deref().unwrap_or(candidate);
            similarity_matrix(side_q, side_c, &mut sims);
            Some(alignment_score(side_q, side_c, &sims, &mut scratch.align))
        };
        scratch.sims = sims;
        score
    }
}

/// Marks a candidate-side entry of the merge memo.
const CANDIDATE_SIDE: u32 = 1 << 31;

/// The similarity of the joined spelling of `parts` and `word`, memoised under `memo_key`.
fn joined_similarity<'p>(
    merges: &mut MergeScratch,
    memo_key: [u32; 4],
    parts: impl Iterator<Item = &'p str>,
    word: Option<&Term<'_>>,
    word_sketch: Option<&Sketch>,
) -> f64 {
    if let Some(&s) = merges.memo.get(&memo_key) {
        return s;
    }
    let Some(word) = word else { return 0.0 };
    merges.joined.clear();
    for part in parts {
        merges.joined.push_str(part);
    }
    phonetic_key_into(&merges.joined, &mut merges.symbols, &mut merges.key);
    let joined = Term {
        text: Cow::Borrowed(&merges.joined),
        kind: TokenKind::Word,
        key: Cow::Borrowed(&merges.key),
        weight: 0.0,
        id: None,
    };
    // Only a joined spelling at least `MERGE_SIMILARITY` close is ever used (the caller compares
    // below that only to reject), so pairs the sketches rule out need no distance.
    let ruled_out =
        word_sketch.is_some_and(|w| !Sketch::of(&joined).may_reach(w, MERGE_SIMILARITY));
    let s = if ruled_out {
        0.0
    } else {
        token_similarity(&joined, word)
    };
    merges.memo.insert(memo_key, s);
    s
}

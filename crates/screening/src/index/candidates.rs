//! Candidate generation: which indexed names are worth aligning with a query.
//!
//! Evidence is gathered from the postings of the query's rarest tokens and of their near tokens
//! (one edit away, or sharing a phonetic key): each name collects, per query token, the best
//! `similarity x weight` any of its tokens offers. Common tokens (legal forms, "al", "mohammed")
//! generate only when the rarer ones cannot reach the threshold on their own, so their long
//! postings are usually never walked. An optimistic bound on each name's score then ranks the
//! names, and only the best are aligned.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use crate::normalize::{TokenKind, phonetic_key_into};
use crate::score::align::{AlignScratch, MIN_ALIGN_SIMILARITY, UNMATCHED_FACTOR};
use crate::score::merge::MERGE_SIMILARITY;
use crate::score::term::Term;
use crate::score::token_sim::Sketch;
use crate::score::token_similarity;

use super::Index;
use super::dictionary::NearToken;
use super::evidence::{Evidence, Found};

/// Slack on the candidate bound so that fuzzy evidence found only by full scoring (merged
/// words, initials, near tokens the lookups miss) is not pruned away.
pub(super) const BOUND_SLACK: f64 = 0.9;
/// The evidence credited to a query word whose phonetic key a name spells in two or three words
/// (the phonetic floor of token similarity).
const JOINED_PHONETIC: f64 = 0.85;
/// Three query words are joined only when each is a syllable this short ("kim jong un").
const SHORT_SYLLABLE: usize = 4;
/// A common query token confirms the names found so far by walking its postings while they are
/// at most this many times the number of names found, and by looking into each found name when
/// they are longer.
const CONFIRM_BY_POSTINGS: usize = 4;
/// Full scoring is spent on at most this many candidates, best bound first.
pub(super) const MAX_CANDIDATES: usize = 150;

/// Buffers reused by every query on a thread, so screening allocates little.
#[derive(Debug, Default)]
pub(super) struct Scratch {
    /// (query token index << 32 | dictionary token id) -> similarity, for one query.
    memo: FxHashMap<u64, f64>,
    evidence: Evidence,
    near: Vec<u32>,
    /// Near tokens of one query token with their similarity.
    valued: Vec<NearToken>,
    joined: String,
    /// (bound, name id), best first.
    pub(super) ranked: Vec<(f64, u32)>,
    pub(super) sims: Vec<f64>,
    pub(super) align: AlignScratch,
    /// entity -> (best name score, name id)
    pub(super) best: FxHashMap<u32, (f64, u32)>,
    pub(super) merges: MergeScratch,
    /// Per dictionary token, (stamp, similarity): the near tokens of the query token being
    /// confirmed are marked with the current stamp, so looking a found name's tokens up is one
    /// array read each.
    marks: Vec<(u32, f64)>,
    stamp: u32,
    /// Query token positions, rarest first.
    order: Vec<usize>,
    /// Scores of the hits found so far (for the `limit`-th best).
    pub(super) top: Vec<f64>,
    /// Similarity-matrix cells still holding an upper bound: (cell, query token, token).
    pub(super) pending: Vec<(usize, usize, u32)>,
}

/// Split-word joining against one query: which runs join, memoised.
#[derive(Debug, Default)]
pub(super) struct MergeScratch {
    /// Query-side runs: [start << 8 | len, candidate token id, 0, 0]; candidate-side runs:
    /// [query word index | CANDIDATE_SIDE, token ids of the run (u32::MAX padded)].
    pub(super) memo: FxHashMap<[u32; 4], f64>,
    pub(super) query_groups: Vec<crate::score::merge::MergeGroup>,
    pub(super) candidate_groups: Vec<crate::score::merge::MergeGroup>,
    pub(super) joined: String,
    pub(super) key: String,
    pub(super) symbols: Vec<u8>,
}

/// The query's tokens as terms, with their dictionary ids where the index knows them.
#[derive(Debug)]
pub(super) struct QueryTerms {
    pub(super) terms: Vec<Term<'static>>,
    pub(super) ids: Vec<Option<u32>>,
    pub(super) sketches: Vec<Sketch>,
}

impl Scratch {
    pub(super) fn begin(&mut self, names: usize, tokens: usize) {
        if self.marks.len() != tokens {
            self.marks = vec![(0, 0.0); tokens];
            self.stamp = 0;
        }
        self.memo.clear();
        self.merges.memo.clear();
        self.best.clear();
        self.ranked.clear();
        self.evidence.prepare(names);
    }
}

impl Scratch {
    /// Marks `valued` under a fresh stamp and returns it.
    fn mark(&mut self, valued: &[NearToken]) -> u32 {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.marks.fill((0, 0.0));
            self.stamp = 1;
        }
        for near in valued {
            if let Some(mark) = self.marks.get_mut(near.token as usize) {
                *mark = (self.stamp, near.similarity);
            }
        }
        self.stamp
    }
}

impl Index {
    /// The similarity of query token `qi` and dictionary token `token`, memoised per query.
    pub(super) fn similarity(
        &self,
        query: &QueryTerms,
        qi: usize,
        token: u32,
        memo_owner: &mut Scratch,
    ) -> f64 {
        match self.cheap_similarity(query, qi, token, memo_owner) {
            Ok(s) => s,
            Err(_) => {
                let s = query.terms.get(qi).map_or(0.0, |term| {
                    token_similarity(term, &self.dictionary.term(token))
                });
                memo_owner
                    .memo
                    .insert(((qi as u64) << 32) | u64::from(token), s);
                s
            }
        }
    }

    /// The similarity of query token `qi` and dictionary token `token` when it is known without
    /// computing a distance (the same token, a precomputed near token, ruled out by the sketches,
    /// or memoised), else `Err` with an upper bound on it from the sketches.
    pub(super) fn cheap_similarity(
        &self,
        query: &QueryTerms,
        qi: usize,
        token: u32,
        memo_owner: &Scratch,
    ) -> Result<f64, f64> {
        let id = query.ids.get(qi).copied().flatten();
        if id == Some(token) {
            return Ok(1.0);
        }
        // Most pairs are unrelated words: the sketches settle them before any search (they never
        // rule out a precomputed near token, whose similarity is at least the cut).
        let sketches = query.sketches.get(qi).zip(self.dictionary.sketch(token));
        if let Some((q, t)) = sketches
            && !q.may_be_relevant(t)
        {
            return Ok(0.0);
        }
        if let Some(id) = id {
            let known = self.dictionary.known_near(id);
            if let Ok(at) = known.binary_search_by_key(&token, |near| near.token) {
                return Ok(known.get(at).map_or(0.0, |near| near.similarity));
            }
        }
        let key = ((qi as u64) << 32) | u64::from(token);
        if let Some(&s) = memo_owner.memo.get(&key) {
            return Ok(s);
        }
        Err(sketches.map_or(1.0, |(q, t)| q.ceiling(t)))
    }

    /// Offers evidence for the names holding a word that the query writes as two (or three short)
    /// words starting at `qi`: the joined spelling's near tokens, as for a single query word.
    fn offer_joined_words(
        &self,
        query: &QueryTerms,
        qi: usize,
        tag: u32,
        adds: bool,
        scratch: &mut Scratch,
    ) {
        let (terms, ids) = (&query.terms, &query.ids);
        let is_word = |t: &Term<'_>| matches!(t.kind, TokenKind::Word | TokenKind::Initial);
        for len in [2usize, 3] {
            let Some(group) = terms.get(qi..qi + len) else {
                return;
            };
            if !group.iter().all(is_word)
                || (len == 3 && group.iter().any(|t| t.text.len() > SHORT_SYLLABLE))
            {
                return;
            }
            // Words split by transliteration or a typo leave a short or unknown piece ("abd al",
            // "alh aramain", "jin ping"); two known long words are two words.
            let known_long = |i: usize| {
                terms.get(i).is_some_and(|t| t.text.len() > SHORT_SYLLABLE)
                    && ids.get(i).copied().flatten().is_some()
            };
            if (qi..qi + len).all(known_long) {
                return;
            }
            scratch.joined.clear();
            for t in group {
                scratch.joined.push_str(&t.text);
            }
            let weight: f64 = group.iter().map(|t| t.weight).sum();
            let mut valued = std::mem::take(&mut scratch.valued);
            valued.clear();
            match self.dictionary.lookup(&scratch.joined, TokenKind::Word) {
                // A spelling the lists know: its near tokens were scored at build time (the same
                // lookups and the same similarity as below).
                Some(id) => valued.extend(
                    self.dictionary
                        .known_near(id)
                        .iter()
                        .filter(|near| near.similarity >= MERGE_SIMILARITY),
                ),
                None => {
                    let merges = &mut scratch.merges;
                    phonetic_key_into(&scratch.joined, &mut merges.symbols, &mut merges.key);
                    let joined = Term {
                        text: Cow::Borrowed(&scratch.joined),
                        kind: TokenKind::Word,
                        key: Cow::Borrowed(&merges.key),
                        weight,
                        id: None,
                    };
                    let mut near = std::mem::take(&mut scratch.near);
                    near.clear();
                    self.dictionary.near(&joined.text, &joined.key, &mut near);
                    near.sort_unstable();
                    near.dedup();
                    let sketch = Sketch::of(&joined);
                    for &token in &near {
                        // Most near spellings are ruled out from their letters alone.
                        if self
                            .dictionary
                            .sketch(token)
                            .is_some_and(|t| !sketch.may_reach(t, MERGE_SIMILARITY))
                        {
                            continue;
                        }
                        let s = token_similarity(&joined, &self.dictionary.term(token));
                        if s >= MERGE_SIMILARITY {
                            valued.push(self.dictionary.near_token(token, s));
                        }
                    }
                    scratch.near = near;
                }
            }
            // Every query word of the group counts as found.
            for near in &valued {
                let found = Found::pair(near.similarity, weight, f64::from(near.weight));
                for &name in self.dictionary.near_postings(near) {
                    scratch.evidence.offer(name, tag, found, adds);
                }
            }
            scratch.valued = valued;
        }
    }

    /// Fills `scratch.ranked` with the names worth scoring fully: those sharing a near token with
    /// the query's rarest tokens whose optimistic bound reaches the threshold, best first.
    pub(super) fn candidates(&self, query: &QueryTerms, threshold: f64, scratch: &mut Scratch) {
        let terms = &query.terms;
        let total: f64 = terms.iter().map(|t| t.weight).sum();
        let mut order = std::mem::take(&mut scratch.order);
        order.clear();
        order.extend(0..terms.len());
        order.sort_by(|&a, &b| {
            let w = |i: usize| terms.get(i).map_or(0.0, |t| t.weight);
            w(b).total_cmp(&w(a)).then(a.cmp(&b))
        });
        // A name matching none of the generating tokens scores at most rest / (rest + γ·used);
        // generate from the rarest tokens until that bound falls below the threshold.
        let mut generated = 0;
        let mut used = 0.0;
        for &i in &order {
            let rest = total - used;
            if generated > 0 && rest / (rest + UNMATCHED_FACTOR * used) < threshold * BOUND_SLACK {
                break;
            }
            generated += 1;
            used += terms.get(i).map_or(0.0, |t| t.weight);
        }
        // Every query token then confirms the names already found, so a name's bound counts only
        // evidence it has: "sial" alone must not carry every "saleh" and "sal" with "samad" assumed.
        for (position, &qi) in order.iter().enumerate() {
            let Some(term) = terms.get(qi) else { continue };
            let adds = position < generated;
            let tag = u32::try_from(qi + 1).unwrap_or(u32::MAX);
            let mut valued = std::mem::take(&mut scratch.valued);
            valued.clear();
            match query.ids.get(qi).copied().flatten() {
                // A token the lists know: its near tokens were found and scored at build time.
                Some(id) => valued.extend_from_slice(self.dictionary.known_near(id)),
                None if term.kind == TokenKind::Word => {
                    let mut near = std::mem::take(&mut scratch.near);
                    near.clear();
                    self.dictionary.near(&term.text, &term.key, &mut near);
                    near.sort_unstable();
                    near.dedup();
                    for &token in &near {
                        let s = self.similarity(query, qi, token, scratch);
                        if s >= MIN_ALIGN_SIMILARITY {
                            valued.push(self.dictionary.near_token(token, s));
                        }
                    }
                    scratch.near = near;
                }
                None => {}
            }
            let walk_postings = adds || {
                let postings: usize = valued.iter().map(|near| near.postings_len as usize).sum();
                postings <= CONFIRM_BY_POSTINGS * scratch.evidence.touched.len()
            };
            if walk_postings {
                for near in &valued {
                    let found = Found::pair(near.similarity, term.weight, f64::from(near.weight));
                    for &name in self.dictionary.near_postings(near) {
                        scratch.evidence.offer(name, tag, found, adds);
                    }
                }
            } else {
                // A common token: its postings are long, the names found so far few; look its
                // near tokens up in each found name instead.
                let stamp = scratch.mark(&valued);
                let touched = std::mem::take(&mut scratch.evidence.touched);
                for &name_id in &touched {
                    for &token in self.tokens_of(name_id) {
                        if let Some(&(marked, s)) = scratch.marks.get(token as usize)
                            && marked == stamp
                        {
                            let found =
                                Found::pair(s, term.weight, self.dictionary.weight_of(token));
                            scratch.evidence.offer(name_id, tag, found, false);
                        }
                    }
                }
                scratch.evidence.touched = touched;
            }
            scratch.valued = valued;
            // A query writing "alharamain" where the list has "al haramain".
            if term.kind == TokenKind::Word && term.text.len() >= 4 {
                let (exact, phonetic) = self.dictionary.joined_names(&term.text, &term.key);
                // The joined words' weights are unknown here; count them as the query word's.
                for (names, similarity) in [(phonetic, JOINED_PHONETIC), (exact, 1.0)] {
                    let found = Found::pair(similarity, term.weight, term.weight);
                    for &name in names {
                        scratch.evidence.offer(name, tag, found, adds);
                    }
                }
            }
            // A query writing "jin ping" or "abd al" where the list has "jinping" or "abdul".
            self.offer_joined_words(query, qi, tag, adds, scratch);
        }
        scratch.order = order;
        let floor = threshold * BOUND_SLACK;
        for &name_id in &scratch.evidence.touched {
            let Some(&weight) = self.name_weights.get(name_id as usize) else {
                continue;
            };
            let bound = scratch
                .evidence
                .total(name_id)
                .bound(total, f64::from(weight));
            if bound >= floor {
                scratch.ranked.push((bound, name_id));
            }
        }
        scratch.evidence.clear();
        let by_bound = |a: &(f64, u32), b: &(f64, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if scratch.ranked.len() > MAX_CANDIDATES {
            scratch
                .ranked
                .select_nth_unstable_by(MAX_CANDIDATES, by_bound);
            scratch.ranked.truncate(MAX_CANDIDATES);
        }
        scratch.ranked.sort_unstable_by(by_bound);
    }
}

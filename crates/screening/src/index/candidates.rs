//! Candidate generation: which indexed names are worth aligning with a query.
//!
//! Evidence is gathered from the postings of the query's rarest tokens and of their near tokens
//! (one edit away, or sharing a phonetic key): each name collects, per query token, the best
//! `similarity x weight` any of its tokens offers. Common tokens (legal forms, "al", "mohammed")
//! generate only when the rarer ones cannot reach the threshold on their own, so their long
//! postings are usually never walked. An optimistic bound on each name's score then ranks the
//! names, and only the best are aligned.

use rustc_hash::FxHashMap;

use crate::normalize::TokenKind;
use crate::score::align::{AlignScratch, MIN_ALIGN_SIMILARITY, UNMATCHED_FACTOR};
use crate::score::merge::MERGE_SIMILARITY;
use crate::score::term::Term;
use crate::score::token_sim::Sketch;
use crate::score::token_similarity;

use super::Index;
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
    valued: Vec<(u32, f64)>,
    joined: String,
    /// (bound, name id), best first.
    pub(super) ranked: Vec<(f64, u32)>,
    pub(super) sims: Vec<f64>,
    pub(super) align: AlignScratch,
    /// entity -> (best name score, name id)
    pub(super) best: FxHashMap<u32, (f64, u32)>,
    pub(super) merges: MergeScratch,
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
    pub(super) fn begin(&mut self, names: usize) {
        self.memo.clear();
        self.merges.memo.clear();
        self.best.clear();
        self.ranked.clear();
        self.evidence.prepare(names);
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
        if let Some(id) = query.ids.get(qi).copied().flatten() {
            if id == token {
                return 1.0;
            }
            let known = self.dictionary.known_near(id);
            if let Ok(at) = known.binary_search_by_key(&token, |&(t, _)| t) {
                return known.get(at).map_or(0.0, |&(_, s)| s);
            }
        }
        if let (Some(q), Some(t)) = (query.sketches.get(qi), self.dictionary.sketch(token))
            && !q.may_be_relevant(t)
        {
            return 0.0;
        }
        let key = ((qi as u64) << 32) | u64::from(token);
        if let Some(&s) = memo_owner.memo.get(&key) {
            return s;
        }
        let s = query.terms.get(qi).map_or(0.0, |term| {
            token_similarity(term, &self.dictionary.term(token))
        });
        memo_owner.memo.insert(key, s);
        s
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
            let joined = Term {
                text: std::borrow::Cow::Owned(scratch.joined.clone()),
                kind: TokenKind::Word,
                key: std::borrow::Cow::Owned(crate::normalize::phonetic_key(&scratch.joined)),
                weight: group.iter().map(|t| t.weight).sum(),
                id: None,
            };
            let mut near = std::mem::take(&mut scratch.near);
            near.clear();
            near.extend(self.dictionary.lookup(&joined.text, TokenKind::Word));
            self.dictionary.near(&joined.text, &joined.key, &mut near);
            near.sort_unstable();
            near.dedup();
            for &token in &near {
                let s = token_similarity(&joined, &self.dictionary.term(token));
                if s < MERGE_SIMILARITY {
                    continue;
                }
                // Every query word of the group counts as found.
                let found = Found::pair(s, joined.weight, self.dictionary.weight_of(token));
                for &name in self.dictionary.postings(token) {
                    scratch.evidence.offer(name, tag, found, adds);
                }
            }
            scratch.near = near;
        }
    }

    /// Fills `scratch.ranked` with the names worth scoring fully: those sharing a near token with
    /// the query's rarest tokens whose optimistic bound reaches the threshold, best first.
    pub(super) fn candidates(&self, query: &QueryTerms, threshold: f64, scratch: &mut Scratch) {
        let terms = &query.terms;
        let total: f64 = terms.iter().map(|t| t.weight).sum();
        let mut order: Vec<usize> = (0..terms.len()).collect();
        order.sort_by(|&a, &b| {
            let w = |i: usize| terms.get(i).map_or(0.0, |t| t.weight);
            w(b).total_cmp(&w(a)).then(a.cmp(&b))
        });
        // A name matching none of the generating tokens scores at most rest / (rest + γ·used);
        // generate from the rarest tokens until that bound falls below the threshold.
        let mut generating = Vec::with_capacity(order.len());
        let mut used = 0.0;
        for &i in &order {
            let rest = total - used;
            if !generating.is_empty()
                && rest / (rest + UNMATCHED_FACTOR * used) < threshold * BOUND_SLACK
            {
                break;
            }
            generating.push(i);
            used += terms.get(i).map_or(0.0, |t| t.weight);
        }
        // Every query token then confirms the names already found, so a name's bound counts only
        // evidence it has: "sial" alone must not carry every "saleh" and "sal" with "samad" assumed.
        let generated = generating.len();
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
                            valued.push((token, s));
                        }
                    }
                    scratch.near = near;
                }
                None => {}
            }
            let postings: usize = valued
                .iter()
                .map(|&(t, _)| self.dictionary.postings(t).len())
                .sum();
            if adds || postings <= CONFIRM_BY_POSTINGS * scratch.evidence.touched.len() {
                for &(token, s) in &valued {
                    let found = Found::pair(s, term.weight, self.dictionary.weight_of(token));
                    for &name in self.dictionary.postings(token) {
                        scratch.evidence.offer(name, tag, found, adds);
                    }
                }
            } else {
                // A common token: its postings are long, the names found so far few; look its
                // near tokens up in each found name instead.
                let touched = std::mem::take(&mut scratch.evidence.touched);
                for &name_id in &touched {
                    let Some(name) = self.names.get(name_id as usize) else {
                        continue;
                    };
                    for token in name.tokens.iter() {
                        if let Ok(at) = valued.binary_search_by_key(token, |&(t, _)| t)
                            && let Some(&(_, s)) = valued.get(at)
                        {
                            let found =
                                Found::pair(s, term.weight, self.dictionary.weight_of(*token));
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
        let floor = threshold * BOUND_SLACK;
        for &name_id in &scratch.evidence.touched {
            let Some(name) = self.names.get(name_id as usize) else {
                continue;
            };
            let bound = scratch
                .evidence
                .total(name_id)
                .bound(total, f64::from(name.total_weight));
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

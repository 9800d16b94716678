//! Aligns the tokens of two names and turns the alignment into a calibrated name score.
//!
//! score = M / (M + U), where M is the weight of aligned evidence (similarity x weight) and U the
//! weight of contrary evidence: the dissimilar part of aligned pairs (counted more heavily: a
//! different token in the same slot argues against identity) and every unaligned token on either
//! side (counted less: lists and customers drop middle names). Identical token bags have U = 0
//! and score exactly 1; anything else has U > 0 and scores strictly below 1.

use std::borrow::Cow;

use crate::normalize::TokenKind;

use super::term::Term;
use super::token_sim::token_similarity;

/// Pairs less similar than this are not aligned at all.
pub(crate) const MIN_ALIGN_SIMILARITY: f64 = 0.5;
/// Weight of the dissimilar part of an aligned pair (1: a single aligned pair scores its
/// similarity).
pub(crate) const MISMATCH_FACTOR: f64 = 1.0;
/// Weight of an unaligned token.
pub(crate) const UNMATCHED_FACTOR: f64 = 0.35;
/// Multiplier when both names carry numbers and a number is left unaligned.
pub(crate) const NUMBER_MISMATCH_FACTOR: f64 = 0.5;
/// Largest side for exact assignment (2^n states); bigger names use a greedy assignment.
const EXACT_ASSIGNMENT_LIMIT: usize = 7;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Alignment {
    /// (index in a, index in b, similarity)
    pub(crate) pairs: Vec<(usize, usize, f64)>,
    pub(crate) unmatched_a: Vec<usize>,
    pub(crate) unmatched_b: Vec<usize>,
    pub(crate) number_mismatch: bool,
    pub(crate) score: f64,
}

/// The weight an aligned pair contributes; an initial confirms only its own small weight.
fn pair_weight(a: &Term<'_>, b: &Term<'_>) -> (f64, f64) {
    if a.kind == TokenKind::Initial || b.kind == TokenKind::Initial {
        let (low, high) = if a.weight <= b.weight { (a.weight, b.weight) } else { (b.weight, a.weight) };
        (low, high - low)
    } else {
        ((a.weight + b.weight) / 2.0, 0.0)
    }
}

fn gain(a: &Term<'_>, b: &Term<'_>, similarity: f64) -> f64 {
    let (weight, residual) = pair_weight(a, b);
    // Relative to leaving both unaligned.
    similarity * weight - MISMATCH_FACTOR * (1.0 - similarity) * weight - UNMATCHED_FACTOR * residual
        + UNMATCHED_FACTOR * (a.weight + b.weight)
}

/// Joins adjacent words of `side` written as one word on the `other` side ("xi jin ping" against
/// "xi jinping", "bd llh" against "abdullah", "kim jong un" against "gimjeongeun"): two or three
/// neighbours are joined when the joined spelling is close to a word of the other side that none
/// of them matches on its own.
pub(crate) fn merge_split_words<'a>(side: &[Term<'a>], other: &[Term<'_>]) -> Option<Vec<Term<'a>>> {
    const MERGE_SIMILARITY: f64 = 0.8;
    let is_word = |t: &Term<'_>| t.kind == TokenKind::Word || t.kind == TokenKind::Initial;
    // Only words this side lacks: merging towards a word both sides share would break an
    // otherwise exact match.
    let long_words: Vec<&Term<'_>> = other
        .iter()
        .filter(|t| t.kind == TokenKind::Word && t.text.len() >= 4 && !side.iter().any(|s| s.text == t.text))
        .collect();
    // Only a side written in more pieces than the other can hold a split word.
    if long_words.is_empty() || side.len() < 2 || side.len() <= other.len() {
        return None;
    }
    let mut merged: Vec<Term<'a>> = Vec::with_capacity(side.len());
    let mut changed = false;
    let mut i = 0;
    'outer: while let Some(first) = side.get(i) {
        for len in [3usize, 2] {
            let Some(group) = side.get(i..i + len) else { continue };
            if !group.iter().all(is_word) {
                continue;
            }
            let joined_len: usize = group.iter().map(|t| t.text.len()).sum();
            for word in &long_words {
                if joined_len.abs_diff(word.text.len()) > 2 || group.iter().any(|t| t.text == word.text) {
                    continue;
                }
                let joined: String = group.iter().map(|t| t.text.as_ref()).collect();
                let key = crate::normalize::phonetic_key(&joined);
                let candidate = Term {
                    text: Cow::Owned(joined),
                    kind: TokenKind::Word,
                    key: Cow::Owned(key),
                    weight: group.iter().map(|t| t.weight).fold(0.0, f64::max),
                    id: None,
                };
                let together = token_similarity(&candidate, word);
                if together >= MERGE_SIMILARITY && group.iter().all(|t| token_similarity(t, word) < together) {
                    merged.push(candidate);
                    changed = true;
                    i += len;
                    continue 'outer;
                }
            }
        }
        merged.push(first.clone());
        i += 1;
    }
    changed.then_some(merged)
}

/// Aligns `a` with `b`; `similarity(i, j)` gives the similarity of `a[i]` and `b[j]` (the index
/// passes a memoising closure, the pair scorer [`token_similarity`]).
pub(crate) fn align(a: &[Term<'_>], b: &[Term<'_>], similarity: &mut impl FnMut(&Term<'_>, &Term<'_>) -> f64) -> Alignment {
    let mut sims = vec![0.0f64; a.len() * b.len()];
    for (i, ta) in a.iter().enumerate() {
        for (j, tb) in b.iter().enumerate() {
            if let Some(slot) = sims.get_mut(i * b.len() + j) {
                *slot = similarity(ta, tb);
            }
        }
    }
    let sim = |i: usize, j: usize| sims.get(i * b.len() + j).copied().unwrap_or(0.0);
    let pair_gain = |i: usize, j: usize| -> Option<f64> {
        let s = sim(i, j);
        let (ta, tb) = (a.get(i)?, b.get(j)?);
        (s >= MIN_ALIGN_SIMILARITY).then(|| gain(ta, tb, s))
    };
    let pairs = if a.len().min(b.len()) <= EXACT_ASSIGNMENT_LIMIT && a.len().max(b.len()) <= 24 {
        exact_assignment(a.len(), b.len(), &pair_gain)
    } else {
        greedy_assignment(a.len(), b.len(), &pair_gain)
    };
    let pairs: Vec<(usize, usize, f64)> = pairs.into_iter().map(|(i, j)| (i, j, sim(i, j))).collect();
    finish(a, b, pairs)
}

fn finish(a: &[Term<'_>], b: &[Term<'_>], pairs: Vec<(usize, usize, f64)>) -> Alignment {
    let unmatched_a: Vec<usize> = (0..a.len()).filter(|i| !pairs.iter().any(|p| p.0 == *i)).collect();
    let unmatched_b: Vec<usize> = (0..b.len()).filter(|j| !pairs.iter().any(|p| p.1 == *j)).collect();
    let mut evidence = 0.0;
    let mut contrary = 0.0;
    for &(i, j, s) in &pairs {
        let (Some(ta), Some(tb)) = (a.get(i), b.get(j)) else { continue };
        let (weight, residual) = pair_weight(ta, tb);
        evidence += s * weight;
        contrary += MISMATCH_FACTOR * (1.0 - s) * weight + UNMATCHED_FACTOR * residual;
    }
    let unmatched_weight = |side: &[Term<'_>], idx: &[usize]| idx.iter().filter_map(|&i| side.get(i)).map(|t| t.weight).sum::<f64>();
    contrary += UNMATCHED_FACTOR * (unmatched_weight(a, &unmatched_a) + unmatched_weight(b, &unmatched_b));
    let has_number = |side: &[Term<'_>]| side.iter().any(|t| t.kind == TokenKind::Number);
    let unmatched_number = unmatched_a.iter().filter_map(|&i| a.get(i)).any(|t| t.kind == TokenKind::Number)
        || unmatched_b.iter().filter_map(|&j| b.get(j)).any(|t| t.kind == TokenKind::Number)
        || pairs.iter().any(|&(i, _, s)| s < 1.0 && a.get(i).is_some_and(|t| t.kind == TokenKind::Number));
    let number_mismatch = has_number(a) && has_number(b) && unmatched_number;
    let mut score = if evidence + contrary > 0.0 { evidence / (evidence + contrary) } else { 0.0 };
    if contrary > 0.0 {
        // Guarantees "only identical names score 1" even where rounding would say otherwise.
        score = score.min(0.9999);
    }
    if number_mismatch {
        score *= NUMBER_MISMATCH_FACTOR;
    }
    Alignment { pairs, unmatched_a, unmatched_b, number_mismatch, score: score.clamp(0.0, 1.0) }
}

/// Maximum-gain assignment by dynamic programming over subsets of the smaller side:
/// table[l][mask] is the best gain using the first l large-side tokens and exactly the small-side
/// tokens in mask.
fn exact_assignment(na: usize, nb: usize, gain: &impl Fn(usize, usize) -> Option<f64>) -> Vec<(usize, usize)> {
    let swap = na > nb;
    let (small, large) = if swap { (nb, na) } else { (na, nb) };
    let g = |s: usize, l: usize| if swap { gain(l, s) } else { gain(s, l) };
    let states = 1usize << small;
    let at = |table: &[f64], l: usize, mask: usize| table.get(l * states + mask).copied().unwrap_or(f64::NEG_INFINITY);
    let mut table = vec![f64::NEG_INFINITY; (large + 1) * states];
    if let Some(first) = table.first_mut() {
        *first = 0.0;
    }
    for l in 0..large {
        for mask in 0..states {
            let mut value = at(&table, l, mask);
            for s in (0..small).filter(|s| mask & (1 << s) != 0) {
                if let Some(gs) = g(s, l) {
                    value = value.max(at(&table, l, mask ^ (1 << s)) + gs);
                }
            }
            if let Some(slot) = table.get_mut((l + 1) * states + mask) {
                *slot = value;
            }
        }
    }
    let mut mask = (0..states).max_by(|&x, &y| at(&table, large, x).total_cmp(&at(&table, large, y))).unwrap_or(0);
    let mut pairs = Vec::new();
    for l in (0..large).rev() {
        let here = at(&table, l + 1, mask);
        if at(&table, l, mask) >= here {
            continue;
        }
        let taken = (0..small)
            .filter(|s| mask & (1 << s) != 0)
            .find(|&s| g(s, l).is_some_and(|gs| (at(&table, l, mask ^ (1 << s)) + gs - here).abs() < 1e-9));
        if let Some(s) = taken {
            pairs.push(if swap { (l, s) } else { (s, l) });
            mask ^= 1 << s;
        }
    }
    pairs.sort_unstable();
    pairs
}

fn greedy_assignment(na: usize, nb: usize, gain: &impl Fn(usize, usize) -> Option<f64>) -> Vec<(usize, usize)> {
    let mut candidates: Vec<(f64, usize, usize)> =
        (0..na).flat_map(|i| (0..nb).filter_map(move |j| gain(i, j).map(|g| (g, i, j)))).collect();
    candidates.sort_by(|x, y| y.0.total_cmp(&x.0));
    let mut used_a = vec![false; na];
    let mut used_b = vec![false; nb];
    let mut pairs = Vec::new();
    for (_, i, j) in candidates {
        if used_a.get(i) == Some(&false) && used_b.get(j) == Some(&false) {
            if let Some(u) = used_a.get_mut(i) {
                *u = true;
            }
            if let Some(u) = used_b.get_mut(j) {
                *u = true;
            }
            pairs.push((i, j));
        }
    }
    pairs.sort_unstable();
    pairs
}

/// Scores two term lists with the plain similarity, merging split words first.
pub(crate) fn align_terms(a: &[Term<'_>], b: &[Term<'_>]) -> (Alignment, Option<Vec<Term<'static>>>, Option<Vec<Term<'static>>>) {
    let merged_a = merge_split_words(a, b).map(|v| v.into_iter().map(into_owned).collect::<Vec<_>>());
    let merged_b = merge_split_words(b, a).map(|v| v.into_iter().map(into_owned).collect::<Vec<_>>());
    let side_a: &[Term<'_>] = merged_a.as_deref().unwrap_or(a);
    let side_b: &[Term<'_>] = merged_b.as_deref().unwrap_or(b);
    let alignment = align(side_a, side_b, &mut |x, y| token_similarity(x, y));
    (alignment, merged_a, merged_b)
}

pub(crate) fn into_owned(term: Term<'_>) -> Term<'static> {
    Term { text: Cow::Owned(term.text.into_owned()), kind: term.kind, key: Cow::Owned(term.key.into_owned()), weight: term.weight, id: term.id }
}

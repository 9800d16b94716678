//! Aligns the tokens of two names and turns the alignment into a calibrated name score.
//!
//! score = M / (M + U), where M is the weight of aligned evidence (similarity x weight) and U the
//! weight of contrary evidence: the dissimilar part of aligned pairs (counted more heavily: a
//! different token in the same slot argues against identity) and every unaligned token on either
//! side (counted less: lists and customers drop middle names). Identical token bags have U = 0
//! and score exactly 1; anything else has U > 0 and scores strictly below 1.
//!
//! The assignment is the maximum-gain matching of query and candidate tokens. Every eligible pair
//! has a positive gain, so the matching splits into the connected components of the "similar
//! enough" graph: most components are a single pair (the same word on both sides) and take no
//! search; the rest get an exact dynamic programme over subsets when small, a greedy matching when
//! not.

use crate::normalize::TokenKind;

use super::term::Term;
use super::token_sim::{RELEVANT_SIMILARITY, token_similarity};

pub(crate) use super::merge::merge_split_words;

/// Pairs less similar than this are not aligned at all.
pub(crate) const MIN_ALIGN_SIMILARITY: f64 = RELEVANT_SIMILARITY;
/// Weight of the dissimilar part of an aligned pair (1: a single aligned pair scores its
/// similarity).
pub(crate) const MISMATCH_FACTOR: f64 = 1.0;
/// Weight of an unaligned token.
pub(crate) const UNMATCHED_FACTOR: f64 = 0.35;
/// Multiplier when both names carry numbers and a number is left unaligned.
pub(crate) const NUMBER_MISMATCH_FACTOR: f64 = 0.5;
/// Largest side of a component for the exact assignment (2^n states); bigger ones are greedy.
const EXACT_ASSIGNMENT_LIMIT: usize = 7;
const EXACT_LARGE_SIDE_LIMIT: usize = 24;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Alignment {
    /// (index in a, index in b, similarity)
    pub(crate) pairs: Vec<(usize, usize, f64)>,
    pub(crate) unmatched_a: Vec<usize>,
    pub(crate) unmatched_b: Vec<usize>,
    pub(crate) number_mismatch: bool,
    pub(crate) score: f64,
}

/// Buffers reused across the candidates of one query, so scoring a candidate allocates nothing.
#[derive(Debug, Default)]
pub(crate) struct AlignScratch {
    gains: Vec<f64>,
    pairs: Vec<(usize, usize)>,
    /// Component label of every node: a-side tokens first, then b-side tokens.
    labels: Vec<usize>,
    members_a: Vec<usize>,
    members_b: Vec<usize>,
    table: Vec<f64>,
    ranked: Vec<(f64, usize, usize)>,
    used_a: Vec<bool>,
    used_b: Vec<bool>,
}

/// The weight an aligned pair contributes; an initial confirms only its own small weight.
fn pair_weight(a: &Term<'_>, b: &Term<'_>) -> (f64, f64) {
    if a.kind == TokenKind::Initial || b.kind == TokenKind::Initial {
        let (low, high) = if a.weight <= b.weight {
            (a.weight, b.weight)
        } else {
            (b.weight, a.weight)
        };
        (low, high - low)
    } else {
        ((a.weight + b.weight) / 2.0, 0.0)
    }
}

fn gain(a: &Term<'_>, b: &Term<'_>, similarity: f64) -> f64 {
    let (weight, residual) = pair_weight(a, b);
    // Relative to leaving both unaligned.
    similarity * weight
        - MISMATCH_FACTOR * (1.0 - similarity) * weight
        - UNMATCHED_FACTOR * residual
        + UNMATCHED_FACTOR * (a.weight + b.weight)
}

/// Fills `sims` (row-major, `a.len()` x `b.len()`) with the plain token similarity.
pub(crate) fn similarity_matrix(a: &[Term<'_>], b: &[Term<'_>], sims: &mut Vec<f64>) {
    sims.clear();
    for ta in a {
        sims.extend(b.iter().map(|tb| token_similarity(ta, tb)));
    }
}

/// Aligns `a` with `b` given their similarity matrix, with the full account of the alignment.
pub(crate) fn align(
    a: &[Term<'_>],
    b: &[Term<'_>],
    sims: &[f64],
    scratch: &mut AlignScratch,
) -> Alignment {
    assign(a, b, sims, scratch);
    let sim = |i: usize, j: usize| sims.get(i * b.len() + j).copied().unwrap_or(0.0);
    let pairs: Vec<(usize, usize, f64)> = scratch
        .pairs
        .iter()
        .map(|&(i, j)| (i, j, sim(i, j)))
        .collect();
    let unmatched_a: Vec<usize> = (0..a.len())
        .filter(|i| !pairs.iter().any(|p| p.0 == *i))
        .collect();
    let unmatched_b: Vec<usize> = (0..b.len())
        .filter(|j| !pairs.iter().any(|p| p.1 == *j))
        .collect();
    let (score, number_mismatch) = score_of(a, b, sims, scratch);
    Alignment {
        pairs,
        unmatched_a,
        unmatched_b,
        number_mismatch,
        score,
    }
}

/// The score of the best alignment of `a` and `b`, without building its account.
pub(crate) fn alignment_score(
    a: &[Term<'_>],
    b: &[Term<'_>],
    sims: &[f64],
    scratch: &mut AlignScratch,
) -> f64 {
    assign(a, b, sims, scratch);
    score_of(a, b, sims, scratch).0
}

/// An upper bound on [`alignment_score`] from each token's best similarity alone (no assignment):
/// a token can at best contribute its best similarity as evidence, half its weight per side of a
/// pair, and at least the dissimilar rest as contrary evidence (less than leaving it unaligned,
/// since (1 - s) / 2 < `UNMATCHED_FACTOR` for every alignable s). Initials confirm only the
/// smaller weight of a pair, which the bound over-counts, so it stays an upper bound. Not valid
/// when split words may be joined: the caller checks that first.
pub(crate) fn score_upper_bound(a: &[Term<'_>], b: &[Term<'_>], sims: &[f64]) -> f64 {
    let nb = b.len();
    let mut evidence = 0.0;
    let mut contrary = 0.0;
    let mut add = |weight: f64, best: f64| {
        if best >= MIN_ALIGN_SIMILARITY {
            evidence += best * weight / 2.0;
            contrary += MISMATCH_FACTOR * (1.0 - best) * weight / 2.0;
        } else {
            contrary += UNMATCHED_FACTOR * weight;
        }
    };
    for (i, ta) in a.iter().enumerate() {
        let best = sims
            .get(i * nb..(i + 1) * nb)
            .unwrap_or_default()
            .iter()
            .copied()
            .fold(0.0, f64::max);
        add(ta.weight, best);
    }
    for (j, tb) in b.iter().enumerate() {
        let best = (0..a.len())
            .filter_map(|i| sims.get(i * nb + j))
            .copied()
            .fold(0.0, f64::max);
        add(tb.weight, best);
    }
    if evidence + contrary > 0.0 {
        evidence / (evidence + contrary)
    } else {
        0.0
    }
}

/// Scores the assignment in `scratch.pairs`; also says whether numbers disagree.
fn score_of(
    a: &[Term<'_>],
    b: &[Term<'_>],
    sims: &[f64],
    scratch: &mut AlignScratch,
) -> (f64, bool) {
    let sim = |i: usize, j: usize| sims.get(i * b.len() + j).copied().unwrap_or(0.0);
    reset(&mut scratch.used_a, a.len());
    reset(&mut scratch.used_b, b.len());
    let mut evidence = 0.0;
    let mut contrary = 0.0;
    let mut unequal_number = false;
    for &(i, j) in &scratch.pairs {
        let (Some(ta), Some(tb)) = (a.get(i), b.get(j)) else {
            continue;
        };
        let s = sim(i, j);
        let (weight, residual) = pair_weight(ta, tb);
        evidence += s * weight;
        contrary += MISMATCH_FACTOR * (1.0 - s) * weight + UNMATCHED_FACTOR * residual;
        unequal_number |= s < 1.0 && ta.kind == TokenKind::Number;
        mark(&mut scratch.used_a, i);
        mark(&mut scratch.used_b, j);
    }
    let mut unmatched_number = unequal_number;
    for (side, used) in [(a, &scratch.used_a), (b, &scratch.used_b)] {
        for (term, &is_used) in side.iter().zip(used.iter()) {
            if !is_used {
                contrary += UNMATCHED_FACTOR * term.weight;
                unmatched_number |= term.kind == TokenKind::Number;
            }
        }
    }
    let has_number = |side: &[Term<'_>]| side.iter().any(|t| t.kind == TokenKind::Number);
    let number_mismatch = unmatched_number && has_number(a) && has_number(b);
    let mut score = if evidence + contrary > 0.0 {
        evidence / (evidence + contrary)
    } else {
        0.0
    };
    if contrary > 0.0 {
        // Guarantees "only identical names score 1" even where rounding would say otherwise.
        score = score.min(0.9999);
    }
    if number_mismatch {
        score *= NUMBER_MISMATCH_FACTOR;
    }
    (score.clamp(0.0, 1.0), number_mismatch)
}

fn reset(flags: &mut Vec<bool>, len: usize) {
    flags.clear();
    flags.resize(len, false);
}

fn mark(flags: &mut [bool], at: usize) {
    if let Some(flag) = flags.get_mut(at) {
        *flag = true;
    }
}

/// The maximum-gain assignment into `scratch.pairs` (sorted).
fn assign(a: &[Term<'_>], b: &[Term<'_>], sims: &[f64], scratch: &mut AlignScratch) {
    let (na, nb) = (a.len(), b.len());
    scratch.pairs.clear();
    scratch.gains.clear();
    for (i, ta) in a.iter().enumerate() {
        for (j, tb) in b.iter().enumerate() {
            let s = sims.get(i * nb + j).copied().unwrap_or(0.0);
            scratch.gains.push(if s >= MIN_ALIGN_SIMILARITY {
                gain(ta, tb, s)
            } else {
                f64::NEG_INFINITY
            });
        }
    }
    label_components(na, nb, scratch);
    for root in 0..na + nb {
        if scratch.labels.get(root) != Some(&root) {
            continue;
        }
        scratch.members_a.clear();
        scratch.members_b.clear();
        for (node, &label) in scratch.labels.iter().enumerate() {
            if label == root {
                if node < na {
                    scratch.members_a.push(node)
                } else {
                    scratch.members_b.push(node - na)
                }
            }
        }
        let (small, large) = {
            let (x, y) = (scratch.members_a.len(), scratch.members_b.len());
            (x.min(y), x.max(y))
        };
        if small == 0 {
            continue;
        }
        if small == 1 {
            best_single_pair(nb, scratch);
        } else if small <= EXACT_ASSIGNMENT_LIMIT && large <= EXACT_LARGE_SIDE_LIMIT {
            exact_assignment(nb, scratch);
        } else {
            greedy_assignment(na, nb, scratch);
        }
    }
    scratch.pairs.sort_unstable();
}

/// Labels every node with the representative of its component (an eligible pair joins two
/// nodes), by union-find.
fn label_components(na: usize, nb: usize, scratch: &mut AlignScratch) {
    fn find(labels: &mut [usize], mut node: usize) -> usize {
        while let Some(&parent) = labels.get(node) {
            if parent == node {
                break;
            }
            let grandparent = labels.get(parent).copied().unwrap_or(parent);
            if let Some(slot) = labels.get_mut(node) {
                *slot = grandparent;
            }
            node = parent;
        }
        node
    }
    let labels = &mut scratch.labels;
    labels.clear();
    labels.extend(0..na + nb);
    for i in 0..na {
        for j in 0..nb {
            if gain_at(&scratch.gains, nb, i, j).is_finite() {
                let (x, y) = (find(labels, i), find(labels, na + j));
                if x != y
                    && let Some(slot) = labels.get_mut(x.max(y))
                {
                    *slot = x.min(y);
                }
            }
        }
    }
    for node in 0..na + nb {
        let root = find(labels, node);
        if let Some(slot) = labels.get_mut(node) {
            *slot = root;
        }
    }
}

fn gain_at(scratch_gains: &[f64], nb: usize, i: usize, j: usize) -> f64 {
    scratch_gains
        .get(i * nb + j)
        .copied()
        .unwrap_or(f64::NEG_INFINITY)
}

/// A component with one token on a side: its best pair.
fn best_single_pair(nb: usize, scratch: &mut AlignScratch) {
    let mut best: Option<(f64, usize, usize)> = None;
    for &i in &scratch.members_a {
        for &j in &scratch.members_b {
            let g = gain_at(&scratch.gains, nb, i, j);
            if g.is_finite() && best.is_none_or(|(bg, _, _)| g > bg) {
                best = Some((g, i, j));
            }
        }
    }
    if let Some((_, i, j)) = best {
        scratch.pairs.push((i, j));
    }
}

/// Maximum-gain assignment by dynamic programming over subsets of the component's smaller side:
/// table[l][mask] is the best gain using the first l large-side tokens and exactly the small-side
/// tokens in mask.
fn exact_assignment(nb: usize, scratch: &mut AlignScratch) {
    let swap = scratch.members_a.len() > scratch.members_b.len();
    let (small_nodes, large_nodes) = if swap {
        (&scratch.members_b, &scratch.members_a)
    } else {
        (&scratch.members_a, &scratch.members_b)
    };
    let (small, large) = (small_nodes.len(), large_nodes.len());
    let gains = &scratch.gains;
    let g = |s: usize, l: usize| -> f64 {
        let (Some(&x), Some(&y)) = (small_nodes.get(s), large_nodes.get(l)) else {
            return f64::NEG_INFINITY;
        };
        if swap {
            gain_at(gains, nb, y, x)
        } else {
            gain_at(gains, nb, x, y)
        }
    };
    let states = 1usize << small;
    let table = &mut scratch.table;
    table.clear();
    table.resize((large + 1) * states, f64::NEG_INFINITY);
    if let Some(first) = table.first_mut() {
        *first = 0.0;
    }
    let at = |table: &[f64], l: usize, mask: usize| {
        table
            .get(l * states + mask)
            .copied()
            .unwrap_or(f64::NEG_INFINITY)
    };
    for l in 0..large {
        for mask in 0..states {
            let mut value = at(table, l, mask);
            let mut rest = mask;
            while rest != 0 {
                let s = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                let gs = g(s, l);
                if gs.is_finite() {
                    value = value.max(at(table, l, mask ^ (1 << s)) + gs);
                }
            }
            if let Some(slot) = table.get_mut((l + 1) * states + mask) {
                *slot = value;
            }
        }
    }
    let mut mask = (0..states)
        .max_by(|&x, &y| at(table, large, x).total_cmp(&at(table, large, y)))
        .unwrap_or(0);
    for l in (0..large).rev() {
        let here = at(table, l + 1, mask);
        if at(table, l, mask) >= here {
            continue;
        }
        let taken = (0..small).filter(|s| mask & (1 << s) != 0).find(|&s| {
            let gs = g(s, l);
            gs.is_finite() && (at(table, l, mask ^ (1 << s)) + gs - here).abs() < 1e-9
        });
        if let Some(s) = taken {
            let (Some(&x), Some(&y)) = (small_nodes.get(s), large_nodes.get(l)) else {
                continue;
            };
            scratch.pairs.push(if swap { (y, x) } else { (x, y) });
            mask ^= 1 << s;
        }
    }
}

fn greedy_assignment(na: usize, nb: usize, scratch: &mut AlignScratch) {
    scratch.ranked.clear();
    for &i in &scratch.members_a {
        for &j in &scratch.members_b {
            let g = gain_at(&scratch.gains, nb, i, j);
            if g.is_finite() {
                scratch.ranked.push((g, i, j));
            }
        }
    }
    scratch
        .ranked
        .sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    reset(&mut scratch.used_a, na);
    reset(&mut scratch.used_b, nb);
    for &(_, i, j) in &scratch.ranked {
        if scratch.used_a.get(i) == Some(&false) && scratch.used_b.get(j) == Some(&false) {
            mark(&mut scratch.used_a, i);
            mark(&mut scratch.used_b, j);
            scratch.pairs.push((i, j));
        }
    }
}

thread_local! {
    /// Assignment buffers for free pairs (`match` scores many pairs on one thread).
    static ALIGN_SCRATCH: std::cell::RefCell<AlignScratch> = std::cell::RefCell::default();
}

/// Scores two term lists with the plain similarity, merging split words first.
pub(crate) fn align_terms(
    a: &[Term<'_>],
    b: &[Term<'_>],
) -> (
    Alignment,
    Option<Vec<Term<'static>>>,
    Option<Vec<Term<'static>>>,
) {
    let merged_a =
        merge_split_words(a, b).map(|v| v.into_iter().map(Term::into_owned).collect::<Vec<_>>());
    let merged_b =
        merge_split_words(b, a).map(|v| v.into_iter().map(Term::into_owned).collect::<Vec<_>>());
    let side_a: &[Term<'_>] = merged_a.as_deref().unwrap_or(a);
    let side_b: &[Term<'_>] = merged_b.as_deref().unwrap_or(b);
    let mut sims = Vec::with_capacity(side_a.len() * side_b.len());
    similarity_matrix(side_a, side_b, &mut sims);
    let alignment = ALIGN_SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => align(side_a, side_b, &sims, &mut scratch),
        Err(_) => align(side_a, side_b, &sims, &mut AlignScratch::default()),
    });
    (alignment, merged_a, merged_b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Token;

    fn terms(words: &[(&str, f64)]) -> Vec<Term<'static>> {
        words
            .iter()
            .map(|(w, weight)| Term::from_token(&Token::classify((*w).to_owned()), *weight))
            .collect()
    }

    /// Exhaustive search over all matchings, for checking the component-wise assignment.
    fn brute_force_best(gains: &[f64], na: usize, nb: usize) -> f64 {
        fn go(i: usize, used: u32, gains: &[f64], na: usize, nb: usize) -> f64 {
            if i == na {
                return 0.0;
            }
            let mut best = go(i + 1, used, gains, na, nb);
            for j in 0..nb {
                let g = gains[i * nb + j];
                if used & (1 << j) == 0 && g.is_finite() {
                    best = best.max(g + go(i + 1, used | (1 << j), gains, na, nb));
                }
            }
            best
        }
        go(0, 0, gains, na, nb)
    }

    #[test]
    fn component_assignment_is_optimal() {
        type Side<'a> = &'a [(&'a str, f64)];
        let cases: [(Side<'_>, Side<'_>); 4] = [
            (
                &[("mohammed", 2.0), ("muhammad", 3.0), ("ali", 4.0)],
                &[
                    ("muhammad", 3.0),
                    ("mohamed", 2.5),
                    ("aly", 4.0),
                    ("x", 1.0),
                ],
            ),
            (
                &[("ivan", 2.0), ("ivanov", 5.0), ("i", 1.0)],
                &[("ivanov", 5.0), ("ivan", 2.0)],
            ),
            (
                &[("a", 1.0), ("b", 1.0), ("abc", 3.0)],
                &[("abd", 3.0), ("ab", 1.0), ("a", 1.0), ("b", 1.0)],
            ),
            (
                &[("putin", 6.0), ("vladimir", 3.0), ("vladimirovich", 4.0)],
                &[("vladimirovic", 4.0), ("vladimr", 3.0), ("poutine", 6.0)],
            ),
        ];
        for (a, b) in cases {
            let (a, b) = (terms(a), terms(b));
            let mut sims = Vec::new();
            similarity_matrix(&a, &b, &mut sims);
            let mut scratch = AlignScratch::default();
            assign(&a, &b, &sims, &mut scratch);
            let got: f64 = scratch
                .pairs
                .iter()
                .map(|&(i, j)| scratch.gains[i * b.len() + j])
                .sum();
            let best = brute_force_best(&scratch.gains, a.len(), b.len());
            assert!((got - best).abs() < 1e-9, "{got} vs {best}");
            let full = align(&a, &b, &sims, &mut scratch);
            assert_eq!(full.score, alignment_score(&a, &b, &sims, &mut scratch));
            assert!(score_upper_bound(&a, &b, &sims) >= full.score - 1e-12);
        }
    }
}

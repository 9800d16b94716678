//! Words one side writes as two or three ("xi jin ping" / "xi jinping", "bd llh" / "abdullah",
//! "kim jong un" / "gimjeongeun").

use std::borrow::Cow;

use crate::normalize::TokenKind;

use super::term::Term;
use super::token_sim::token_similarity;

/// A joined spelling must be at least this close to the other side's word to replace its pieces.
pub(crate) const MERGE_SIMILARITY: f64 = 0.8;
/// A joined spelling may differ in length from the word by this much.
const MERGE_LENGTH_SLACK: usize = 2;

fn is_word(t: &Term<'_>) -> bool {
    t.kind == TokenKind::Word || t.kind == TokenKind::Initial
}

/// Words of `other` that a group of `side` tokens might spell: long words `side` lacks (merging
/// towards a word both sides share would break an otherwise exact match).
fn is_merge_target(word: &Term<'_>, side: &[Term<'_>]) -> bool {
    word.kind == TokenKind::Word
        && word.text.len() >= 4
        && !side.iter().any(|s| s.text == word.text)
}

/// Whether [`merge_split_words`] could change anything, judged on lengths alone (no allocation):
/// only a side written in more pieces than the other can hold a split word, and only a group whose
/// joined length is close to a target word's can be it.
pub(crate) fn may_merge(side: &[Term<'_>], other: &[Term<'_>]) -> bool {
    if side.len() < 2 || side.len() <= other.len() {
        return false;
    }
    other
        .iter()
        .filter(|w| is_merge_target(w, side))
        .any(|word| {
            (0..side.len()).any(|i| {
                [2usize, 3].into_iter().any(|len| {
                    side.get(i..i + len).is_some_and(|group| {
                        let joined_len: usize = group.iter().map(|t| t.text.len()).sum();
                        group.iter().all(is_word)
                            && joined_len.abs_diff(word.text.len()) <= MERGE_LENGTH_SLACK
                    })
                })
            })
        })
}

/// A run of `side` tokens to join into one word: (start, length).
pub(crate) type MergeGroup = (usize, usize);

/// Finds the runs of two or three adjacent words of `side` written as one word on the `other`
/// side: a run is joined when its joined spelling is close to a word of `other` that none of its
/// pieces matches on its own. `single(i, w)` is the similarity of `side[i]` and `other[w]`;
/// `together(start, len, w)` that of the joined run and `other[w]` (the index memoises both).
pub(crate) fn find_merges(
    side: &[Term<'_>],
    other: &[Term<'_>],
    single: &impl Fn(usize, usize) -> f64,
    together: &mut impl FnMut(usize, usize, usize) -> f64,
    out: &mut Vec<MergeGroup>,
) {
    out.clear();
    if !may_merge(side, other) {
        return;
    }
    // Which words of `other` are targets, computed once (names rarely exceed 64 tokens; beyond
    // that each word is checked when needed).
    let targets: u64 = other
        .iter()
        .take(64)
        .enumerate()
        .filter(|(_, w)| is_merge_target(w, side))
        .fold(0, |m, (w, _)| m | (1 << w));
    let is_target = |w: usize, word: &Term<'_>| {
        if w < 64 {
            targets & (1 << w) != 0
        } else {
            is_merge_target(word, side)
        }
    };
    let mut i = 0;
    'outer: while i < side.len() {
        for len in [3usize, 2] {
            let Some(group) = side.get(i..i + len) else {
                continue;
            };
            if !group.iter().all(is_word) {
                continue;
            }
            let joined_len: usize = group.iter().map(|t| t.text.len()).sum();
            for (w, word) in other.iter().enumerate() {
                if !is_target(w, word)
                    || joined_len.abs_diff(word.text.len()) > MERGE_LENGTH_SLACK
                    || group.iter().any(|t| t.text == word.text)
                {
                    continue;
                }
                let joined = together(i, len, w);
                if joined >= MERGE_SIMILARITY && (i..i + len).all(|k| single(k, w) < joined) {
                    out.push((i, len));
                    i += len;
                    continue 'outer;
                }
            }
        }
        i += 1;
    }
}

/// The joined spelling of `group` as a word term (weight: its heaviest piece).
pub(crate) fn joined_term(group: &[Term<'_>]) -> Term<'static> {
    let joined: String = group.iter().map(|t| t.text.as_ref()).collect();
    let key = crate::normalize::phonetic_key(&joined);
    Term {
        text: Cow::Owned(joined),
        kind: TokenKind::Word,
        key: Cow::Owned(key),
        weight: group.iter().map(|t| t.weight).fold(0.0, f64::max),
        id: None,
    }
}

/// `side` with every group of `groups` (sorted, disjoint) joined into one word.
pub(crate) fn apply_merges<'a>(side: &[Term<'a>], groups: &[MergeGroup]) -> Vec<Term<'a>> {
    let mut merged = Vec::with_capacity(side.len());
    let mut i = 0;
    for &(start, len) in groups {
        merged.extend(side.get(i..start).unwrap_or_default().iter().cloned());
        merged.push(joined_term(
            side.get(start..start + len).unwrap_or_default(),
        ));
        i = start + len;
    }
    merged.extend(side.get(i..).unwrap_or_default().iter().cloned());
    merged
}

/// Joins adjacent words of `side` written as one word on the `other` side ("xi jin ping" against
/// "xi jinping"); `None` when nothing joins.
pub(crate) fn merge_split_words<'a>(
    side: &[Term<'a>],
    other: &[Term<'_>],
) -> Option<Vec<Term<'a>>> {
    let mut groups = Vec::new();
    let single = |i: usize, w: usize| match (side.get(i), other.get(w)) {
        (Some(a), Some(b)) => token_similarity(a, b),
        _ => 0.0,
    };
    let mut together =
        |start: usize, len: usize, w: usize| match (side.get(start..start + len), other.get(w)) {
            (Some(group), Some(word)) => token_similarity(&joined_term(group), word),
            _ => 0.0,
        };
    find_merges(side, other, &single, &mut together, &mut groups);
    (!groups.is_empty()).then(|| apply_merges(side, &groups))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Token;

    fn terms(words: &[&str]) -> Vec<Term<'static>> {
        words
            .iter()
            .map(|w| Term::from_token(&Token::classify((*w).to_owned()), 1.0))
            .collect()
    }

    #[test]
    fn joins_syllables_written_apart() {
        let merged = merge_split_words(&terms(&["xi", "jin", "ping"]), &terms(&["xi", "jinping"]))
            .expect("a merge");
        let texts: Vec<&str> = merged.iter().map(|t| t.text.as_ref()).collect();
        assert_eq!(texts, ["xi", "jinping"]);
        assert!(
            merge_split_words(&terms(&["xi", "jinping"]), &terms(&["xi", "jin", "ping"])).is_none()
        );
        // a side in no more pieces than the other holds no split word
        assert!(!may_merge(
            &terms(&["john", "smith"]),
            &terms(&["johnsmith", "jones"])
        ));
        // nothing joins towards a word both sides share
        assert!(
            merge_split_words(&terms(&["jin", "ping", "jinping"]), &terms(&["jinping"])).is_none()
        );
    }
}

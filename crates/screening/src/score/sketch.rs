//! Token sketches: a few bytes per token that rule most pairs out, and bound the rest, without
//! touching their text.

use crate::normalize::TokenKind;

use super::term::Term;
use super::token_sim::{
    COSTS, Costs, MAX_LEN, PHONETIC_FLOOR, PLAIN, RELEVANT_SIMILARITY, SOFT_INDEL, convex,
    distance_budget,
};

/// A token's letters counted per letter class, its length and its phonetic key's hash: enough to
/// rule most pairs out (similarity below [`RELEVANT_SIMILARITY`]) from two small arrays, before
/// touching their text. The index keeps one per dictionary token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sketch {
    classes: [u8; 32],
    len: u16,
    key_hash: u32,
    /// Only plain words of letters, within `MAX_LEN`, can be ruled out.
    comparable: bool,
}

impl Sketch {
    pub(crate) fn of(term: &Term<'_>) -> Sketch {
        let costs: &Costs = &COSTS;
        let bytes = term.text.as_bytes();
        let mut classes = [0u8; 32];
        let mut comparable = term.kind == TokenKind::Word && bytes.len() <= MAX_LEN;
        for &b in bytes {
            comparable &= b.is_ascii_lowercase();
            let class = costs
                .class_of
                .get(usize::from(b & 31))
                .copied()
                .unwrap_or(0);
            if let Some(count) = classes.get_mut(usize::from(class)) {
                *count = count.saturating_add(1);
            }
        }
        // A key too short for the phonetic floor never lifts a pair; 0 marks "no floor".
        let floor_possible = term.key.len() >= 2 && bytes.len() >= 3;
        let key_hash = if floor_possible {
            key_hash(term.key.as_bytes())
        } else {
            0
        };
        Sketch {
            classes,
            len: u16::try_from(bytes.len()).unwrap_or(u16::MAX),
            key_hash,
            comparable,
        }
    }

    /// False only when the two tokens' similarity is certainly below [`RELEVANT_SIMILARITY`]:
    /// both are plain words, no phonetic floor can apply, and the letters of one side whose class
    /// the other lacks cost more than the distance budget (a class surplus needs a substitution
    /// across classes, `PLAIN`, or an insertion, at least `SOFT_INDEL`).
    pub(crate) fn may_be_relevant(&self, other: &Sketch) -> bool {
        self.may_reach(other, RELEVANT_SIMILARITY)
    }

    /// False only when the two tokens' similarity is certainly below `target` (at least
    /// [`RELEVANT_SIMILARITY`]), by the same reasoning as [`Sketch::may_be_relevant`]: a shared
    /// phonetic key may lift the pair to its floor, so such pairs are never ruled out.
    pub(crate) fn may_reach(&self, other: &Sketch, target: f64) -> bool {
        if !(self.comparable && other.comparable)
            || (self.key_hash == other.key_hash && self.key_hash != 0)
        {
            return true;
        }
        let (left_a, left_b) = self.surpluses(other);
        let bound =
            u32::from(PLAIN) * left_a.min(left_b) + u32::from(SOFT_INDEL) * left_a.abs_diff(left_b);
        bound
            <= distance_budget(
                target.max(RELEVANT_SIMILARITY),
                usize::from(self.len.max(other.len)),
            )
    }
}

impl Sketch {
    /// The letters of each side whose class the other side has fewer of. Both sketches are
    /// comparable, so every letter is counted in one class (no count saturates: at most
    /// `MAX_LEN` letters) and a side's surplus is its length minus the letters the two share.
    fn surpluses(&self, other: &Sketch) -> (u32, u32) {
        let shared: u32 = self
            .classes
            .iter()
            .zip(other.classes.iter())
            .map(|(&x, &y)| u32::from(x.min(y)))
            .sum();
        (
            u32::from(self.len).saturating_sub(shared),
            u32::from(other.len).saturating_sub(shared),
        )
    }

    /// An upper bound on the two tokens' similarity: the distance is at least the letter-class
    /// bound of [`Sketch::may_be_relevant`], and a shared phonetic key lifts a pair at most to
    /// [`PHONETIC_FLOOR`]. 1 when the tokens are not both plain words.
    pub(crate) fn ceiling(&self, other: &Sketch) -> f64 {
        if !(self.comparable && other.comparable) {
            return 1.0;
        }
        let floor = if self.key_hash == other.key_hash && self.key_hash != 0 {
            PHONETIC_FLOOR
        } else {
            0.0
        };
        let (left_a, left_b) = self.surpluses(other);
        let bound =
            u32::from(PLAIN) * left_a.min(left_b) + u32::from(SOFT_INDEL) * left_a.abs_diff(left_b);
        let longer = self.len.max(other.len);
        if longer == 0 {
            return 1.0;
        }
        // The same arithmetic as `word_similarity`, with the bound for the distance: every step
        // is monotone, so the result is at least the real similarity.
        let edit = 1.0 - f64::from(bound) / 10.0 / f64::from(longer);
        convex(edit.clamp(0.0, 1.0)).max(floor)
    }
}

fn key_hash(key: &[u8]) -> u32 {
    // FNV-1a: keys are a few bytes; any hash works, 0 is reserved for "no key".
    let hash = key.iter().fold(0x811c_9dc5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    hash.max(1)
}

//! Per-name evidence gathered from postings, and the optimistic score bound it gives.

use crate::score::align::{MISMATCH_FACTOR, UNMATCHED_FACTOR};

/// What the postings say one name may match: evidence (similarity x pair weight) and the weight
/// of the query and candidate tokens it accounts for.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Found {
    pub(super) evidence: f32,
    pub(super) query_weight: f32,
    pub(super) candidate_weight: f32,
}

impl Found {
    /// A query token of weight `query_weight` near a candidate token of weight
    /// `candidate_weight` with similarity `similarity`; the pair weighs their mean, as in scoring.
    pub(super) fn pair(similarity: f64, query_weight: f64, candidate_weight: f64) -> Self {
        Found {
            evidence: (similarity * (query_weight + candidate_weight) / 2.0) as f32,
            query_weight: query_weight as f32,
            candidate_weight: candidate_weight as f32,
        }
    }

    fn plus(self, other: Found) -> Found {
        Found {
            evidence: self.evidence + other.evidence,
            query_weight: self.query_weight + other.query_weight,
            candidate_weight: self.candidate_weight + other.candidate_weight,
        }
    }

    /// An optimistic name score: the evidence found, against the dissimilar part of the found
    /// pairs; the token weight left unaccounted for on both sides is paired up as if similar at
    /// `UNFOUND_SIMILARITY` (the lookups find near tokens by one edit, a phonetic key or a
    /// consonant skeleton; two-edit variants such as "industries" / "industrial" are found only
    /// by scoring), and the rest counted as unaligned.
    pub(super) fn bound(self, query_total: f64, candidate_total: f64) -> f64 {
        let mut evidence = f64::from(self.evidence);
        let pair_weight = (f64::from(self.query_weight) + f64::from(self.candidate_weight)) / 2.0;
        let mut contrary = MISMATCH_FACTOR * (pair_weight - evidence).max(0.0);
        let left_query = (query_total - f64::from(self.query_weight)).max(0.0);
        let left_candidate = (candidate_total - f64::from(self.candidate_weight)).max(0.0);
        let paired = left_query.min(left_candidate);
        evidence += UNFOUND_SIMILARITY * paired;
        contrary += MISMATCH_FACTOR * (1.0 - UNFOUND_SIMILARITY) * paired
            + UNMATCHED_FACTOR * (left_query + left_candidate - 2.0 * paired);
        if evidence > 0.0 {
            evidence / (evidence + contrary)
        } else {
            0.0
        }
    }
}

/// The similarity assumed for token weight the lookups found no pair for on either side: most
/// pairs the scorer aligns are found, and a missed one is a weaker variant.
const UNFOUND_SIMILARITY: f64 = 0.6;

/// One name's evidence slot: which query token `current` belongs to (a tag, never 0; 0 =
/// untouched), the best evidence from that token, and the sum from the tokens before it. Kept
/// together, and aligned, so an offer touches one cache line.
#[derive(Debug, Clone, Copy, Default)]
#[repr(align(32))]
struct Slot {
    stamp: u32,
    current: Found,
    settled: Found,
}

/// Per-name evidence in a dense array indexed by name id, reset through the list of touched names
/// so a query costs what it touches, not the size of the index. Each query token counts once per
/// name: its best pair.
#[derive(Debug, Default)]
pub(super) struct Evidence {
    slots: Vec<Slot>,
    pub(super) touched: Vec<u32>,
}

impl Evidence {
    pub(super) fn prepare(&mut self, names: usize) {
        if self.slots.len() != names {
            self.slots = vec![Slot::default(); names];
            self.touched.clear();
        }
    }

    /// Records `found` as evidence of query token `tag` for `name`; a name not yet touched is
    /// added only when `adds`.
    pub(super) fn offer(&mut self, name: u32, tag: u32, found: Found, adds: bool) {
        let Some(slot) = self.slots.get_mut(name as usize) else {
            return;
        };
        if slot.stamp == 0 {
            if !adds {
                return;
            }
            self.touched.push(name);
            slot.settled = Found::default();
            slot.current = found;
        } else if slot.stamp != tag {
            slot.settled = slot.settled.plus(slot.current);
            slot.current = found;
        } else if found.evidence > slot.current.evidence {
            slot.current = found;
        }
        slot.stamp = tag;
    }

    pub(super) fn total(&self, name: u32) -> Found {
        self.slots
            .get(name as usize)
            .map(|slot| slot.settled.plus(slot.current))
            .unwrap_or_default()
    }

    pub(super) fn clear(&mut self) {
        for &name in &self.touched {
            if let Some(slot) = self.slots.get_mut(name as usize) {
                slot.stamp = 0;
            }
        }
        self.touched.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_query_token_counts_its_best_pair_once() {
        let mut evidence = Evidence::default();
        evidence.prepare(4);
        evidence.offer(2, 1, Found::pair(0.6, 5.0, 5.0), true);
        evidence.offer(2, 1, Found::pair(1.0, 5.0, 5.0), true);
        evidence.offer(2, 2, Found::pair(1.0, 3.0, 3.0), true);
        // a name not found by a generating token is not added by a confirming one
        evidence.offer(3, 2, Found::pair(1.0, 3.0, 3.0), false);
        assert_eq!(evidence.touched, [2]);
        let total = evidence.total(2);
        assert_eq!(total.evidence, 8.0);
        assert_eq!(total.bound(8.0, 8.0), 1.0);
        assert!(total.bound(8.0, 12.0) < 1.0);
        evidence.clear();
        assert!(evidence.touched.is_empty());
    }
}

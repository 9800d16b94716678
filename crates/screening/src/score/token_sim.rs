//! Similarity of two normalised tokens, in [0, 1], symmetric.
//!
//! This is the innermost loop of screening (every query token against every token of every
//! candidate), so it is built to reject quickly: a pair less similar than
//! [`RELEVANT_SIMILARITY`] is never aligned, its exact value is never observable, and it is
//! reported as 0 as soon as a lower bound on its distance (length difference, letters one side
//! lacks) or a row of the distance table shows it cannot get there.

use std::sync::LazyLock;

use crate::normalize::TokenKind;
use crate::normalize::tables::TABLES;

use super::term::Term;

pub(crate) use super::sketch::Sketch;

/// Similarities below this are reported as 0 (they equal the alignment cut: nothing uses them).
pub(crate) const RELEVANT_SIMILARITY: f64 = 0.5;

/// A phonetic-key agreement lifts a pair to at least this similarity: spellings of one name
/// across transliteration systems ("Poutine", "Putin") often differ by more than a typo.
pub(super) const PHONETIC_FLOOR: f64 = 0.85;
/// The floor for two-consonant keys, which collide more often.
const SHORT_PHONETIC_FLOOR: f64 = 0.8;
/// An initial against a word it could abbreviate.
const INITIAL_SIMILARITY: f64 = 0.9;
/// Different legal forms of the same generic class ("GmbH" and "LLC").
const SAME_GENERIC_FORM: f64 = 0.6;
/// "7th" and "7": the same number written differently.
const SAME_DIGITS: f64 = 0.8;

/// Edit costs in tenths, so the distance table is exact integer arithmetic.
const LOOK_ALIKE: u16 = 4;
const VOWEL_SWAP: u16 = 6;
pub(super) const SOFT_INDEL: u16 = 6;
const TRANSPOSITION: u16 = 7;
pub(super) const PLAIN: u16 = 10;
const DIGIT: u16 = 20;

/// The per-byte-pair substitution cost and per-byte insertion cost, as dense tables: the distance
/// loop consults them for every cell.
pub(super) struct Costs {
    substitution: Box<[[u16; 128]; 128]>,
    indel: [u16; 128],
    /// For each lower-case letter (by `letter & 31`), its class: letters joined by a
    /// substitution cheaper than `PLAIN` (vowels, c/k/q/s/g, v/w/f, n/h, ...). Substituting across
    /// classes costs at least `PLAIN`, which is what makes the letter bound tight.
    pub(super) class_of: [u8; 32],
}

pub(super) static COSTS: LazyLock<Costs> = LazyLock::new(|| {
    let is_vowel = |b: u8| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
    let mut substitution = Box::new([[PLAIN; 128]; 128]);
    let mut indel = [PLAIN; 128];
    for x in 0..128u8 {
        indel[usize::from(x)] = if x.is_ascii_digit() {
            DIGIT
        } else if is_vowel(x) || x == b'h' {
            // Vowels and "h" come and go between transliterations (Mohammed / Muhammad / Mhmd).
            SOFT_INDEL
        } else {
            PLAIN
        };
        for y in 0..128u8 {
            substitution[usize::from(x)][usize::from(y)] = if x == y {
                0
            } else if x.is_ascii_digit() || y.is_ascii_digit() {
                DIGIT
            } else if TABLES.similar_pairs.contains(&(x, y)) {
                LOOK_ALIKE
            } else if is_vowel(x) && is_vowel(y) {
                VOWEL_SWAP
            } else {
                PLAIN
            };
        }
    }
    let mut class_of = [0u8; 32];
    for (slot, class) in class_of.iter_mut().enumerate() {
        *class = slot as u8;
    }
    // Joins classes until every cheap substitution stays inside one (26 letters: a few passes).
    let mut changed = true;
    while changed {
        changed = false;
        for x in b'a'..=b'z' {
            for y in b'a'..=b'z' {
                let cheap = substitution[usize::from(x)][usize::from(y)] < PLAIN;
                let (cx, cy) = (class_of[usize::from(x & 31)], class_of[usize::from(y & 31)]);
                if cheap && cx != cy {
                    let (low, high) = (cx.min(cy), cx.max(cy));
                    for class in class_of.iter_mut().filter(|c| **c == high) {
                        *class = low;
                    }
                    changed = true;
                }
            }
        }
    }
    Costs {
        substitution,
        indel,
        class_of,
    }
});

pub(crate) fn token_similarity(a: &Term<'_>, b: &Term<'_>) -> f64 {
    if a.kind == b.kind && a.text == b.text {
        return 1.0;
    }
    match (a.kind, b.kind) {
        (TokenKind::Word, TokenKind::Word) => word_similarity(
            a.text.as_bytes(),
            b.text.as_bytes(),
            a.key.as_bytes(),
            b.key.as_bytes(),
        ),
        (TokenKind::Initial, TokenKind::Word) => initial_of(&a.text, &b.text),
        (TokenKind::Word, TokenKind::Initial) => initial_of(&b.text, &a.text),
        (TokenKind::Number, TokenKind::Number) => {
            // "7th" and "7" state the same number; any other difference is a different party.
            let same = a
                .text
                .bytes()
                .filter(u8::is_ascii_digit)
                .eq(b.text.bytes().filter(u8::is_ascii_digit));
            if same { SAME_DIGITS } else { 0.0 }
        }
        (TokenKind::LegalForm, TokenKind::LegalForm) => {
            let generic = |t: &str| crate::normalize::legal_form_generic(t);
            match (generic(&a.text), generic(&b.text)) {
                (Some(x), Some(y)) if x == y => SAME_GENERIC_FORM,
                _ => 0.2,
            }
        }
        _ => 0.0,
    }
}

fn initial_of(initial: &str, word: &str) -> f64 {
    if word.as_bytes().first() == initial.as_bytes().first() {
        INITIAL_SIMILARITY
    } else {
        0.0
    }
}

fn word_similarity(a: &[u8], b: &[u8], key_a: &[u8], key_b: &[u8]) -> f64 {
    let longer = a.len().max(b.len());
    if longer == 0 {
        return 0.0;
    }
    let floor = phonetic_floor(a, b, key_a, key_b);
    // Only a similarity above both the floor and the relevance cut needs the exact distance.
    let target = floor.max(RELEVANT_SIMILARITY);
    let budget = distance_budget(target, longer);
    match weighted_distance(a, b, budget) {
        Some(tenths) => {
            let edit = 1.0 - f64::from(tenths) / 10.0 / longer as f64;
            // Convex in the edit ratio: one wrong consonant in a five-letter surname ("Polin" /
            // "Putin") is a different name, one dropped letter in a long one ("Vladimr") a typo.
            convex(edit.clamp(0.0, 1.0)).max(floor)
        }
        None => floor,
    }
}

/// The largest distance, in tenths, at which `convex(1 - d / longer)` still reaches `target`
/// (inverting x^1.5); one tenth of slack keeps the boundary on the exact side.
pub(super) fn distance_budget(target: f64, longer: usize) -> u32 {
    // The targets are a few constants; powf costs more than the rejections it guards.
    let ratio = if target == RELEVANT_SIMILARITY {
        RATIOS.0
    } else if target == SHORT_PHONETIC_FLOOR {
        RATIOS.1
    } else if target == PHONETIC_FLOOR {
        RATIOS.2
    } else {
        1.0 - target.powf(2.0 / 3.0)
    };
    // `as` truncates toward zero and saturates at 0: the floor of a non-negative value, without
    // a libm call.
    (ratio * longer as f64 * 10.0) as u32 + 1
}

static RATIOS: LazyLock<(f64, f64, f64)> = LazyLock::new(|| {
    let ratio = |target: f64| 1.0 - target.powf(2.0 / 3.0);
    (
        ratio(RELEVANT_SIMILARITY),
        ratio(SHORT_PHONETIC_FLOOR),
        ratio(PHONETIC_FLOOR),
    )
});

/// x^1.5
pub(super) fn convex(x: f64) -> f64 {
    let x = x.max(0.0);
    x * x.sqrt()
}

fn phonetic_floor(a: &[u8], b: &[u8], key_a: &[u8], key_b: &[u8]) -> f64 {
    // Lengths first: they rule most pairs out without comparing bytes.
    if key_a.len() < 2 || a.len() < 3 || b.len() < 3 || key_a != key_b {
        0.0
    } else if key_a.len() >= 3 {
        PHONETIC_FLOOR
    } else {
        SHORT_PHONETIC_FLOOR
    }
}

pub(super) const MAX_LEN: usize = 48;

/// A lower bound on the distance from the letters each side lacks. Every surplus letter must be
/// substituted or inserted: a substitution within a letter class costs at least `LOOK_ALIKE` and
/// fixes a surplus letter on each side, one across classes at least `PLAIN`, an insertion at
/// least `SOFT_INDEL`; transpositions move no letter. Pairing within classes first is optimal
/// for the bound, then across classes, then insertions.
fn letter_bound(costs: &Costs, a: &[u8], b: &[u8]) -> u32 {
    let mut counts = [0i16; 32];
    let mut letters_only = true;
    for &c in a {
        letters_only &= c.is_ascii_lowercase();
        if let Some(slot) = counts.get_mut(usize::from(c & 31)) {
            *slot += 1;
        }
    }
    for &c in b {
        letters_only &= c.is_ascii_lowercase();
        if let Some(slot) = counts.get_mut(usize::from(c & 31)) {
            *slot -= 1;
        }
    }
    let mut surplus_a = [0u32; 32];
    let mut surplus_b = [0u32; 32];
    for (slot, &n) in counts.iter().enumerate() {
        // Bytes other than letters may share a slot; one class then keeps the bound valid.
        let class = if letters_only {
            costs.class_of.get(slot).copied().unwrap_or(0)
        } else {
            0
        };
        let (Some(sa), Some(sb)) = (
            surplus_a.get_mut(usize::from(class)),
            surplus_b.get_mut(usize::from(class)),
        ) else {
            continue;
        };
        if n > 0 {
            *sa += u32::from(n.unsigned_abs());
        } else {
            *sb += u32::from(n.unsigned_abs());
        }
    }
    let (mut within, mut left_a, mut left_b) = (0u32, 0u32, 0u32);
    for (&sa, &sb) in surplus_a.iter().zip(surplus_b.iter()) {
        let paired = sa.min(sb);
        within += paired;
        left_a += sa - paired;
        left_b += sb - paired;
    }
    let (cheap, plain, indel) = if letters_only {
        (LOOK_ALIKE, PLAIN, SOFT_INDEL)
    } else {
        (LOOK_ALIKE, LOOK_ALIKE, SOFT_INDEL)
    };
    u32::from(cheap) * within
        + u32::from(plain) * left_a.min(left_b)
        + u32::from(indel) * left_a.abs_diff(left_b)
}

/// Optimal-string-alignment distance in tenths with tiered costs, or `None` once it is certain to
/// exceed `budget`. Tokens longer than `MAX_LEN` bytes are compared on their first `MAX_LEN` bytes
/// plus the length difference.
fn weighted_distance(a: &[u8], b: &[u8], budget: u32) -> Option<u32> {
    let extra = 10 * a.len().abs_diff(b.len()).saturating_sub(MAX_LEN) as u32;
    let a = a.get(..a.len().min(MAX_LEN)).unwrap_or(a);
    let b = b.get(..b.len().min(MAX_LEN)).unwrap_or(b);
    let costs: &Costs = &COSTS;
    if extra + letter_bound(costs, a, b) > budget {
        return None;
    }
    let budget = budget - extra;
    let indel = |c: u8| costs.indel.get(usize::from(c)).copied().unwrap_or(PLAIN);
    let mut b_indel = [0u16; MAX_LEN];
    for (slot, &cb) in b_indel.iter_mut().zip(b) {
        *slot = indel(cb);
    }
    let b_indel = b_indel.get(..b.len()).unwrap_or_default();
    // Three rows, rotated by reference: two back (for transpositions), previous, current.
    let mut storage = [[0u16; MAX_LEN + 1]; 3];
    let [r0, r1, r2] = &mut storage;
    let (mut back, mut previous, mut current) = (r0, r1, r2);
    let mut running = 0;
    for (slot, &cost) in previous.iter_mut().skip(1).zip(b_indel) {
        running += cost;
        *slot = running;
    }
    let budget16 = u16::try_from(budget).unwrap_or(u16::MAX);
    let mut previous_min = 0u16;
    let mut previous_char = None;
    for &ca in a {
        let substitution = costs
            .substitution
            .get(usize::from(ca))
            .unwrap_or(&costs.substitution[0]);
        let delete = indel(ca);
        current[0] = previous[0] + delete;
        let mut row_min = current[0];
        let mut left_char = None;
        for (j, (&cb, &insert)) in b.iter().zip(b_indel).enumerate() {
            let mut best = (previous[j]
                + substitution.get(usize::from(cb)).copied().unwrap_or(PLAIN))
            .min(previous[j + 1] + delete)
            .min(current[j] + insert);
            if ca != cb && previous_char == Some(cb) && left_char == Some(ca) {
                best = best.min(back[j - 1] + TRANSPOSITION);
            }
            current[j + 1] = best;
            row_min = row_min.min(best);
            left_char = Some(cb);
        }
        // Costs never decrease along a path, and every path to the last cell crosses one of any
        // two consecutive rows (a transposition skips one row, never two).
        if row_min > budget16 && previous_min > budget16 {
            return None;
        }
        previous_min = row_min;
        previous_char = Some(ca);
        let spare = back;
        back = previous;
        previous = current;
        current = spare;
    }
    let distance = u32::from(previous[b.len()]);
    (distance <= budget).then_some(distance + extra)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::Token;

    fn sim(a: &str, b: &str) -> f64 {
        let ta = Term::from_token(&Token::classify(a.to_owned()), 1.0);
        let tb = Term::from_token(&Token::classify(b.to_owned()), 1.0);
        token_similarity(&ta, &tb)
    }

    /// The plain dynamic programme, without bounds or early exits.
    fn reference_distance(a: &[u8], b: &[u8]) -> u32 {
        let costs: &Costs = &COSTS;
        let indel = |c: u8| u32::from(costs.indel[usize::from(c)]);
        let sub = |x: u8, y: u8| u32::from(costs.substitution[usize::from(x)][usize::from(y)]);
        let mut d = vec![vec![0u32; b.len() + 1]; a.len() + 1];
        for i in 1..=a.len() {
            d[i][0] = d[i - 1][0] + indel(a[i - 1]);
        }
        for j in 1..=b.len() {
            d[0][j] = d[0][j - 1] + indel(b[j - 1]);
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let (ca, cb) = (a[i - 1], b[j - 1]);
                let mut best = (d[i - 1][j - 1] + sub(ca, cb))
                    .min(d[i - 1][j] + indel(ca))
                    .min(d[i][j - 1] + indel(cb));
                if i > 1 && j > 1 && ca != cb && a[i - 2] == cb && b[j - 2] == ca {
                    best = best.min(d[i - 2][j - 2] + u32::from(TRANSPOSITION));
                }
                d[i][j] = best;
            }
        }
        d[a.len()][b.len()]
    }

    #[test]
    fn tiers() {
        assert_eq!(sim("putin", "putin"), 1.0);
        assert!(sim("vladimr", "vladimir") > 0.85);
        assert!(sim("putni", "putin") > 0.8);
        assert!(sim("putin", "poutine") >= PHONETIC_FLOOR);
        assert!(sim("putin", "turin") < 0.7);
        assert!(sim("bush", "habbash") < 0.5);
        assert_eq!(sim("11420", "11421"), 0.0);
        assert_eq!(sim("7th", "7"), SAME_DIGITS);
        assert_eq!(sim("v", "vladimir"), INITIAL_SIMILARITY);
        assert_eq!(sim("v", "putin"), 0.0);
        assert_eq!(sim("v", "w"), 0.0);
        // look-alike letters are cheaper than other substitutions
        assert!(sim("0mar", "omar") < sim("omar", "omer"));
        assert!(sim("wladimir", "vladimir") > sim("kladimir", "vladimir"));
    }

    #[test]
    fn symmetric() {
        for (a, b) in [
            ("mohammed", "mhmd"),
            ("abc", "acb"),
            ("x", "xylophone"),
            ("a1b", "ab"),
        ] {
            assert_eq!(sim(a, b), sim(b, a));
        }
    }

    #[test]
    fn bounded_distance_agrees_with_the_full_table() {
        let words = [
            "mohammed",
            "muhammad",
            "mhmd",
            "putin",
            "poutine",
            "vladimir",
            "wladimir",
            "abdullah",
            "abdulla",
            "hussein",
            "husayn",
            "ab",
            "ba",
            "aab",
            "abcdefghij",
            "jihgfedcba",
            "tsarnaev",
            "zarnaev",
            "o0o0",
            "alexander",
            "aleksandr",
            "industries",
            "industrial",
            "group",
            "kyong",
            "gyeong",
            "qasim",
            "kasim",
            "wassim",
            "fawaz",
            "yusuf",
            "jusuf",
            "nhan",
        ];
        for a in words {
            for b in words {
                let full = reference_distance(a.as_bytes(), b.as_bytes());
                assert!(
                    letter_bound(&COSTS, a.as_bytes(), b.as_bytes()) <= full,
                    "{a} {b}"
                );
                for budget in [0, 5, 10, 17, 30, 60, 200] {
                    let bounded = weighted_distance(a.as_bytes(), b.as_bytes(), budget);
                    assert_eq!(
                        bounded,
                        (full <= budget).then_some(full),
                        "{a} {b} budget {budget}"
                    );
                }
            }
        }
    }

    #[test]
    fn sketches_rule_out_only_irrelevant_pairs() {
        let words = [
            "mohammed",
            "muhammad",
            "mhmd",
            "putin",
            "poutine",
            "bwtyn",
            "vladimir",
            "vladimr",
            "polin",
            "turin",
            "hassan",
            "hsn",
            "industries",
            "industrial",
            "group",
            "kyong",
            "gyeong",
            "qasim",
            "kasim",
            "wassim",
            "fawaz",
            "yusuf",
            "jusuf",
            "nhan",
            "abdullah",
            "abdel",
            "llh",
            "tsarnaev",
            "zarnaev",
            "x",
            "ab",
            "abcdefghij",
            "jihgfedcba",
        ];
        let mut ruled_out = 0;
        for a in words {
            for b in words {
                let (ta, tb) = (
                    Term::from_token(&Token::classify(a.to_owned()), 1.0),
                    Term::from_token(&Token::classify(b.to_owned()), 1.0),
                );
                if !Sketch::of(&ta).may_be_relevant(&Sketch::of(&tb)) {
                    ruled_out += 1;
                    assert!(token_similarity(&ta, &tb) < RELEVANT_SIMILARITY, "{a} {b}");
                }
            }
        }
        assert!(ruled_out > words.len() * words.len() / 2, "{ruled_out}");
        for a in words {
            for b in words {
                let (ta, tb) = (
                    Term::from_token(&Token::classify(a.to_owned()), 1.0),
                    Term::from_token(&Token::classify(b.to_owned()), 1.0),
                );
                let ceiling = Sketch::of(&ta).ceiling(&Sketch::of(&tb));
                assert!(token_similarity(&ta, &tb) <= ceiling, "{a} {b} {ceiling}");
                for target in [0.6, 0.8, 0.85, 0.95] {
                    if !Sketch::of(&ta).may_reach(&Sketch::of(&tb), target) {
                        assert!(token_similarity(&ta, &tb) < target, "{a} {b} {target}");
                    }
                }
            }
        }
    }

    #[test]
    fn reported_similarities_are_exact_above_the_cut() {
        let words = [
            "mohammed", "muhammad", "mhmd", "putin", "poutine", "bwtyn", "vladimir", "vladimr",
            "polin", "turin", "hassan", "hsn",
        ];
        for a in words {
            for b in words {
                let (x, y) = (a.as_bytes(), b.as_bytes());
                let longer = x.len().max(y.len()) as f64;
                let exact = convex(
                    (1.0 - f64::from(reference_distance(x, y)) / 10.0 / longer).clamp(0.0, 1.0),
                );
                let key = |w: &str| crate::normalize::phonetic_key(w);
                let expected =
                    exact.max(phonetic_floor(x, y, key(a).as_bytes(), key(b).as_bytes()));
                let got = sim(a, b);
                if expected >= RELEVANT_SIMILARITY {
                    assert!(
                        (got - expected).abs() < 1e-12,
                        "{a} {b}: {got} vs {expected}"
                    );
                } else {
                    assert!(got < RELEVANT_SIMILARITY, "{a} {b}: {got}");
                }
            }
        }
    }
}

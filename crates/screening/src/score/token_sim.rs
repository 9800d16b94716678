//! Similarity of two normalised tokens, in [0, 1], symmetric.

use std::sync::LazyLock;

use crate::normalize::TokenKind;
use crate::normalize::tables::TABLES;

/// The look-alike pairs as a dense table: the distance loop consults it for every cell.
static SIMILAR: LazyLock<Box<[[bool; 128]; 128]>> = LazyLock::new(|| {
    let mut table = Box::new([[false; 128]; 128]);
    for &(x, y) in &TABLES.similar_pairs {
        if let Some(cell) = table.get_mut(usize::from(x)).and_then(|row| row.get_mut(usize::from(y))) {
            *cell = true;
        }
    }
    table
});

use super::term::Term;

/// A phonetic-key agreement lifts a pair to at least this similarity: spellings of one name
/// across transliteration systems ("Poutine", "Putin") often differ by more than a typo.
const PHONETIC_FLOOR: f64 = 0.85;
/// The floor for two-consonant keys, which collide more often.
const SHORT_PHONETIC_FLOOR: f64 = 0.8;
/// An initial against a word it could abbreviate.
const INITIAL_SIMILARITY: f64 = 0.9;
/// Different legal forms of the same generic class ("GmbH" and "LLC").
const SAME_GENERIC_FORM: f64 = 0.6;

pub(crate) fn token_similarity(a: &Term<'_>, b: &Term<'_>) -> f64 {
    if a.kind == b.kind && a.text == b.text {
        return 1.0;
    }
    match (a.kind, b.kind) {
        (TokenKind::Word, TokenKind::Word) => word_similarity(&a.text, &b.text, &a.key, &b.key),
        (TokenKind::Initial, TokenKind::Word) => initial_of(&a.text, &b.text),
        (TokenKind::Word, TokenKind::Initial) => initial_of(&b.text, &a.text),
        (TokenKind::Number, TokenKind::Number) => {
            // "7th" and "7" state the same number; any other difference is a different party.
            let digits = |t: &str| t.bytes().filter(u8::is_ascii_digit).collect::<Vec<u8>>();
            if digits(&a.text) == digits(&b.text) { 0.8 } else { 0.0 }
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
    if word.as_bytes().first() == initial.as_bytes().first() { INITIAL_SIMILARITY } else { 0.0 }
}

fn word_similarity(a: &str, b: &str, key_a: &str, key_b: &str) -> f64 {
    let longer = a.len().max(b.len());
    if longer == 0 {
        return 0.0;
    }
    let phonetic_floor = phonetic_floor(a, b, key_a, key_b);
    // Every length difference costs at least one cheap deletion; when even that best case
    // cannot reach the alignment cut, the full distance is not worth computing.
    let best_case = convex(1.0 - 0.6 * a.len().abs_diff(b.len()) as f64 / longer as f64);
    if best_case < 0.45 {
        return phonetic_floor;
    }
    let edit = 1.0 - weighted_distance(a.as_bytes(), b.as_bytes()) / longer as f64;
    // Convex in the edit ratio: one wrong consonant in a five-letter surname ("Polin" / "Putin")
    // is a different name, one dropped letter in a long one ("Vladimr") is a typo.
    let edit = convex(edit.clamp(0.0, 1.0));
    edit.max(phonetic_floor)
}

/// x^1.5
fn convex(x: f64) -> f64 {
    let x = x.max(0.0);
    x * x.sqrt()
}

fn phonetic_floor(a: &str, b: &str, key_a: &str, key_b: &str) -> f64 {
    if key_a != key_b || key_a.len() < 2 || a.len() < 3 || b.len() < 3 {
        0.0
    } else if key_a.len() >= 3 {
        PHONETIC_FLOOR
    } else {
        SHORT_PHONETIC_FLOOR
    }
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

fn substitution_cost(similar: &[[bool; 128]; 128], x: u8, y: u8) -> f64 {
    if x == y {
        0.0
    } else if x.is_ascii_digit() || y.is_ascii_digit() {
        2.0
    } else if similar.get(usize::from(x)).and_then(|row| row.get(usize::from(y))).copied().unwrap_or(false) {
        0.4
    } else if is_vowel(x) && is_vowel(y) {
        0.6
    } else {
        1.0
    }
}

fn indel_cost(x: u8) -> f64 {
    if x.is_ascii_digit() {
        2.0
    } else if is_vowel(x) || x == b'h' {
        // Vowels and "h" come and go between transliterations (Mohammed / Muhammad / Mhmd).
        0.6
    } else {
        1.0
    }
}

const MAX_LEN: usize = 48;

/// Optimal-string-alignment distance with tiered costs. Tokens longer than `MAX_LEN` bytes are
/// compared on their first `MAX_LEN` bytes plus the length difference.
fn weighted_distance(a: &[u8], b: &[u8]) -> f64 {
    let extra = a.len().abs_diff(b.len()).saturating_sub(MAX_LEN) as f64;
    let a = a.get(..a.len().min(MAX_LEN)).unwrap_or(a);
    let b = b.get(..b.len().min(MAX_LEN)).unwrap_or(b);
    let similar: &[[bool; 128]; 128] = &SIMILAR;
    let width = b.len() + 1;
    let mut rows = [[0.0f64; MAX_LEN + 1]; 3];
    // rows[0] = two rows back, rows[1] = previous, rows[2] = current
    for (j, slot) in rows[1].iter_mut().enumerate().take(width) {
        *slot = b.get(..j).map_or(0.0, |p| p.iter().map(|&c| indel_cost(c)).sum());
    }
    for (i, &ca) in a.iter().enumerate() {
        let mut current = [0.0f64; MAX_LEN + 1];
        current[0] = rows[1][0] + indel_cost(ca);
        for (j, &cb) in b.iter().enumerate() {
            let mut best = (rows[1][j] + substitution_cost(similar, ca, cb))
                .min(rows[1][j + 1] + indel_cost(ca))
                .min(current[j] + indel_cost(cb));
            if i > 0 && j > 0 && a.get(i - 1) == Some(&cb) && b.get(j - 1) == Some(&ca) && ca != cb {
                best = best.min(rows[0][j - 1] + 0.7);
            }
            current[j + 1] = best;
        }
        rows[0] = rows[1];
        rows[1] = current;
    }
    rows[1][b.len()] + extra
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

    #[test]
    fn tiers() {
        assert_eq!(sim("putin", "putin"), 1.0);
        assert!(sim("vladimr", "vladimir") > 0.85);
        assert!(sim("putni", "putin") > 0.8);
        assert!(sim("putin", "poutine") >= PHONETIC_FLOOR);
        assert!(sim("putin", "turin") < 0.7);
        assert!(sim("bush", "habbash") < 0.5);
        assert_eq!(sim("11420", "11421"), 0.0);
        assert_eq!(sim("7th", "7"), 0.8);
        assert_eq!(sim("v", "vladimir"), INITIAL_SIMILARITY);
        assert_eq!(sim("v", "putin"), 0.0);
        assert_eq!(sim("v", "w"), 0.0);
        // look-alike letters are cheaper than other substitutions
        assert!(sim("0mar", "omar") < sim("omar", "omer"));
        assert!(sim("wladimir", "vladimir") > sim("kladimir", "vladimir"));
    }

    #[test]
    fn symmetric() {
        for (a, b) in [("mohammed", "mhmd"), ("abc", "acb"), ("x", "xylophone"), ("a1b", "ab")] {
            assert_eq!(sim(a, b), sim(b, a));
        }
    }
}

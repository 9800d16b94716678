//! A consonant-skeleton phonetic key for transliterated names.
//!
//! Transliterations of one name differ mostly in vowels (abjads write none: "mhmd" for
//! Muhammad), in digraphs for one sound (ch, tch, tsch, cz, č all write /tʃ/), and in voicing
//! (Arabic has no /p/: Putin is written "bwtyn"). The key keeps the consonant skeleton with those
//! differences folded, so that "Poutine", "Putin" and "bwtyn" share a key while the edit-distance
//! tier still decides how close two spellings are.

const DIGRAPHS: [(&[u8], u8); 22] = [
    (b"tsch", b'c'),
    (b"dzh", b'j'),
    (b"sch", b's'),
    (b"tch", b'c'),
    (b"tsj", b'c'),
    (b"ch", b'c'),
    (b"cz", b'c'),
    (b"cs", b'c'),
    (b"tj", b'c'),
    (b"sh", b's'),
    (b"sz", b's'),
    (b"zh", b'j'),
    (b"kh", b'h'),
    (b"gh", b'k'),
    (b"ph", b'f'),
    (b"th", b't'),
    (b"dh", b't'),
    (b"ck", b'k'),
    (b"dj", b'j'),
    (b"ks", b'x'),
    (b"ou", b'u'),
    (b"qu", b'k'),
];

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

fn fold(b: u8) -> u8 {
    match b {
        b'b' => b'p',
        b'd' => b't',
        b'g' | b'q' => b'k',
        b'v' | b'w' => b'f',
        b'z' => b's',
        other => other,
    }
}

/// The digraph starting at `at`, if any: its length and symbol. Patterns are tried in table
/// order (longest first where they overlap), compared byte by byte.
fn digraph_at(bytes: &[u8], at: usize) -> Option<(usize, u8)> {
    let first = *bytes.get(at)?;
    // Most letters start no digraph: one comparison instead of a scan of the table.
    if !matches!(
        first,
        b't' | b'd' | b's' | b'c' | b'z' | b'k' | b'g' | b'p' | b'o' | b'q'
    ) {
        return None;
    }
    DIGRAPHS
        .iter()
        .filter(|(pattern, _)| pattern.first() == Some(&first))
        .find(|(pattern, _)| {
            pattern
                .iter()
                .enumerate()
                .all(|(k, c)| bytes.get(at + k) == Some(c))
        })
        .map(|(pattern, symbol)| (pattern.len(), *symbol))
}

/// The key of one word; empty for tokens with digits or without letters.
pub fn phonetic_key(word: &str) -> String {
    let mut key = String::new();
    phonetic_key_into(word, &mut Vec::new(), &mut key);
    key
}

/// [`phonetic_key`] into `key` (cleared first), with `symbols` as working space: scoring calls it
/// in loops and reuses both buffers.
pub(crate) fn phonetic_key_into(word: &str, symbols: &mut Vec<u8>, key: &mut String) {
    key.clear();
    symbols.clear();
    let bytes = word.as_bytes();
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_lowercase) {
        return;
    }
    // First pass: digraphs to one symbol, vowels to '*'.
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if let Some((len, symbol)) = digraph_at(bytes, i) {
            symbols.push(if symbol == b'u' { b'*' } else { symbol });
            i += len;
            continue;
        }
        // A leading "y" before a vowel is a consonant ("Yusuf" / "Jusuf").
        let next_is_vowel = bytes.get(i + 1).copied().is_some_and(is_vowel);
        symbols.push(match b {
            b'y' if i == 0 && next_is_vowel => b'j',
            b if is_vowel(b) => b'*',
            b => b,
        });
        i += 1;
    }
    let mut last: Option<u8> = None;
    for (i, &s) in symbols.iter().enumerate() {
        if s == b'*' {
            continue;
        }
        let previous = i.checked_sub(1).and_then(|p| symbols.get(p)).copied();
        let next = symbols.get(i + 1).copied();
        // "w"/"v" between consonants is a written long vowel in transliterated Arabic and
        // Hebrew ("mhmwd", "bwtyn").
        if matches!(s, b'w' | b'v')
            && previous.is_some_and(|p| p != b'*')
            && next.is_none_or(|n| n != b'*')
        {
            continue;
        }
        // A final "h" is silent or a written vowel ("Abdullah" / "Abdulla" / "llh").
        if s == b'h' && next.is_none() && !key.is_empty() {
            continue;
        }
        if s == b'x' {
            key.push_str("ks");
            last = Some(b's');
            continue;
        }
        let folded = fold(s);
        if last != Some(folded) {
            key.push(char::from(folded));
            last = Some(folded);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transliteration_variants_share_a_key() {
        let same = |a: &str, b: &str| assert_eq!(phonetic_key(a), phonetic_key(b), "{a} / {b}");
        same("putin", "poutine");
        same("putin", "bwtyn");
        same("mohammed", "mhmd");
        same("mahmoud", "mhmwd");
        same("vladimirovich", "wladimirowitsch");
        same("vladimirovich", "vladimirovic");
        same("abdullah", "abdulla");
        same("hassan", "hsn");
        // every digraph's first letter passes the fast path
        for (pattern, _) in DIGRAPHS {
            let first = pattern.first().copied().unwrap_or(b'a');
            assert!(
                matches!(
                    first,
                    b't' | b'd' | b's' | b'c' | b'z' | b'k' | b'g' | b'p' | b'o' | b'q'
                ),
                "{}",
                char::from(first)
            );
        }
        assert_ne!(phonetic_key("putin"), phonetic_key("turin"));
        assert_eq!(phonetic_key("11420"), "");
    }
}

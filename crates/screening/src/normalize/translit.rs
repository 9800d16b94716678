//! Any script to lower-case ASCII Latin.

use unicode_normalization::UnicodeNormalization;

/// Han ideographs: each character is a syllable, and `any_ascii` runs them together
/// ("XiJinPing"); spacing them lets a romanised name align syllable by syllable (the scorer
/// re-joins adjacent syllables when the other side writes "Jinping" as one word). Hangul is not
/// spaced: it mostly writes foreign names phonetically, syllable after syllable.
fn is_syllabic(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF)
}

/// Diacritics that only decorate a base letter (Latin, Greek, Cyrillic accents; Arabic and
/// Hebrew vowel points, which most spellings omit). Indic vowel signs are combining marks too but
/// carry the vowel, so they are left for transliteration.
fn is_decorative_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F | 0x064B..=0x065F | 0x0670 | 0x0591..=0x05C7)
}

fn is_greek(c: char) -> bool {
    matches!(c as u32, 0x0370..=0x03FF | 0x1F00..=0x1FFF)
}

/// Modern Greek spells foreign names with digraphs that `any_ascii` renders letter by letter:
/// "ου" is /u/, word-initial "μπ"/"ντ" are /b/ and /d/ ("Βλαντίμιρ Πούτιν" is Vladimir Putin).
fn greek_digraphs(text: &str) -> String {
    text.replace("ου", "u")
        .replace("Ου", "U")
        .replace("ΟΥ", "U")
        .replace("ντ", "d")
        .replace("ΝΤ", "D")
        .replace("Ντ", "D")
        .replace("μπ", "b")
        .replace("ΜΠ", "B")
        .replace("Μπ", "B")
}

/// Decomposes, drops combining marks, transliterates and lower-cases. The result is ASCII.
pub(crate) fn to_latin(text: &str) -> String {
    // Most names are plain ASCII: decomposition and transliteration leave them unchanged.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut stripped = String::with_capacity(text.len());
    let mut has_greek = false;
    let mut ascii = true;
    for original in text.chars() {
        // Hangul is kept whole: NFKD would split a syllable into jamo.
        if matches!(original as u32, 0xAC00..=0xD7AF) {
            stripped.push(original);
            ascii = false;
            continue;
        }
        if is_syllabic(original) {
            stripped.push(' ');
            stripped.push(original);
            stripped.push(' ');
            ascii = false;
            continue;
        }
        for c in std::iter::once(original).nfkd() {
            if is_decorative_mark(c) {
                continue;
            }
            stripped.push(c);
            has_greek |= is_greek(c);
            ascii &= c.is_ascii();
        }
    }
    if ascii {
        return stripped.to_ascii_lowercase();
    }
    if has_greek {
        stripped = greek_digraphs(&stripped);
    }
    any_ascii::any_ascii(&stripped).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_become_latin() {
        assert_eq!(to_latin("Владимир Путин"), "vladimir putin");
        assert_eq!(to_latin("Vladímír Pútín"), "vladimir putin");
        assert_eq!(to_latin("Βλαντίμιρ Πούτιν"), "vladimir putin");
        assert_eq!(to_latin("김정은"), "gimjeongeun");
        assert_eq!(to_latin("व्लादिमीर पुतिन"), "vladimir putin");
        assert_eq!(
            to_latin("习近平").split_whitespace().collect::<Vec<_>>(),
            ["xi", "jin", "ping"]
        );
        assert_eq!(to_latin("Müller"), "muller");
        assert!(to_latin("محمد علي").is_ascii());
    }
}

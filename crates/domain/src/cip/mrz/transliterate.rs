//! Turning a submitted name into the tokens an MRZ would print (ICAO 9303 Part 3, section 6):
//! Latin letters without diacritics, upper case; apostrophes dropped; hyphens, commas and spaces
//! separate components.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The MRZ tokens of `name`, or `None` when it holds letters ICAO transliteration tables for
/// other scripts would be needed for (Cyrillic, Arabic, Han, ...): those are compared through
/// the other names, which usually carry the Latin form.
///
/// Two spellings come back when they differ, because issuers write `Ä`/`Ö`/`Ü` either as
/// `A`/`O`/`U` or as `AE`/`OE`/`UE`.
pub(super) fn mrz_token_variants(name: &str) -> Option<Vec<Vec<String>>> {
    let plain = transliterate(name, false)?;
    let expanded = transliterate(name, true)?;
    let mut variants = vec![tokens(&plain)];
    if expanded != plain {
        variants.push(tokens(&expanded));
    }
    Some(variants)
}

fn tokens(text: &str) -> Vec<String> {
    text.split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

fn transliterate(name: &str, expand_umlauts: bool) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '\'' | '\u{2019}' | '\u{2018}' | '.' => {}
            '-' | ',' | ' ' | '\u{2010}' | '\u{2011}' => out.push(' '),
            _ if c.is_whitespace() => out.push(' '),
            _ => out.push_str(&letter(c, expand_umlauts)?),
        }
    }
    Some(out)
}

fn letter(c: char, expand_umlauts: bool) -> Option<String> {
    let special = match c {
        'ß' => Some("SS"),
        'Æ' | 'æ' => Some("AE"),
        'Ø' | 'ø' => Some("OE"),
        'Œ' | 'œ' => Some("OE"),
        'Þ' | 'þ' => Some("TH"),
        'Đ' | 'đ' | 'Ð' | 'ð' => Some("D"),
        'Ł' | 'ł' => Some("L"),
        'ı' => Some("I"),
        'Ä' | 'ä' if expand_umlauts => Some("AE"),
        'Ö' | 'ö' if expand_umlauts => Some("OE"),
        'Ü' | 'ü' if expand_umlauts => Some("UE"),
        'Å' | 'å' if expand_umlauts => Some("AA"),
        _ => None,
    };
    if let Some(text) = special {
        return Some(text.to_owned());
    }
    let base: String = c
        .to_string()
        .nfd()
        .filter(|m| !is_combining_mark(*m))
        .collect();
    if base.chars().all(|b| b.is_ascii_alphanumeric()) {
        Some(base.to_ascii_uppercase())
    } else {
        None
    }
}

/// Whether the zone's name components and a submitted name's tokens are the same multiset.
/// When the zone was full (`truncated`), its last component may be a prefix of a submitted
/// token and submitted tokens beyond the cut may be missing.
pub(super) fn tokens_match(mrz: &[&str], submitted: &[String], truncated: bool) -> bool {
    let mut remaining: Vec<&str> = submitted.iter().map(String::as_str).collect();
    let Some((last, leading)) = mrz.split_last() else {
        return false;
    };
    for component in leading {
        match remaining.iter().position(|token| token == component) {
            Some(index) => {
                remaining.swap_remove(index);
            }
            None => return false,
        }
    }
    if truncated {
        remaining.iter().any(|token| token.starts_with(last))
    } else {
        remaining.len() == 1 && remaining.first() == Some(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transliterates_per_icao() {
        assert_eq!(
            mrz_token_variants("Amara Okafor").unwrap(),
            vec![vec!["AMARA", "OKAFOR"]]
        );
        assert_eq!(
            mrz_token_variants("Jürgen Müller-Lüdenscheidt").unwrap(),
            vec![
                vec!["JURGEN", "MULLER", "LUDENSCHEIDT"],
                vec!["JUERGEN", "MUELLER", "LUEDENSCHEIDT"]
            ]
        );
        assert_eq!(
            mrz_token_variants("Seán O'Brien").unwrap(),
            vec![vec!["SEAN", "OBRIEN"]]
        );
        assert_eq!(
            mrz_token_variants("Łukasz Strauß").unwrap(),
            vec![vec!["LUKASZ", "STRAUSS"]]
        );
        assert_eq!(mrz_token_variants("李伟"), None);
    }

    #[test]
    fn matches_in_any_order_and_respects_truncation() {
        let submitted = vec!["ANNA".to_owned(), "MARIA".to_owned(), "ERIKSSON".to_owned()];
        assert!(tokens_match(
            &["ERIKSSON", "ANNA", "MARIA"],
            &submitted,
            false
        ));
        assert!(!tokens_match(&["ERIKSSON", "ANNA"], &submitted, false));
        assert!(tokens_match(&["ERIKSSON", "AN"], &submitted, true));
        assert!(!tokens_match(
            &["ERIKSSON", "ANNA", "MARIA", "X"],
            &submitted,
            false
        ));
        assert!(!tokens_match(&[], &submitted, false));
    }
}

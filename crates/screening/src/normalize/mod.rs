//! Name normalisation: any script to Latin tokens, in one canonical form.

mod mini_yaml;
mod phonetic;
pub(crate) mod tables;
mod tokens;
mod translit;

pub use phonetic::phonetic_key;
pub(crate) use phonetic::phonetic_key_into;
pub use tokens::{Token, TokenKind};

use serde::{Deserialize, Serialize};

use crate::model::Schema;
use tables::{LegalForms, TABLES};
use tokens::split_tokens;
use translit::to_latin;

/// A name after normalisation: its tokens in canonical order. Rendering it with
/// [`NormalizedName::text`] and normalising again yields the same tokens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NormalizedName {
    tokens: Vec<Token>,
}

impl NormalizedName {
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The tokens, by value (no copy of their text).
    pub(crate) fn into_tokens(self) -> Vec<Token> {
        self.tokens
    }

    /// The tokens joined by single spaces.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for token in &self.tokens {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(token.text());
        }
        out
    }
}

/// Normalises a name: NFKD, marks removed, every script transliterated to Latin, lower case,
/// tokenised; "SURNAME, Given" reordered; leading titles dropped where they are noise; legal forms
/// reduced to one canonical class each (not for persons); digits kept as significant tokens.
///
/// `schema` is a hint: `Unknown` treats the name as a person's unless it contains a legal form.
pub fn normalize_name(text: &str, schema: Schema) -> NormalizedName {
    let latin = to_latin(text);
    let forms = &TABLES.legal_forms;
    let mut words = reorder_surname_first(&latin, schema, forms);
    let mut spans = if schema == Schema::Person {
        Vec::new()
    } else {
        legal_form_spans(&words, forms)
    };
    let has_legal_form = !spans.is_empty();
    let (person, org, object) = (
        &TABLES.person_prefixes,
        &TABLES.org_prefixes,
        &TABLES.object_prefixes,
    );
    let prefixes: &[&Vec<Vec<String>>] = match schema {
        Schema::Person => &[person],
        Schema::Unknown if has_legal_form => &[org],
        Schema::Unknown => &[person],
        Schema::Organization => &[org],
        Schema::Vessel | Schema::Aircraft => &[object, org],
    };
    let before = words.len();
    drop_prefixes(&mut words, prefixes);
    // Spans found before a title was dropped point at the wrong words: find them again.
    if words.len() != before && schema != Schema::Person {
        spans = legal_form_spans(&words, forms);
    }
    let mut tokens = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        if let Some((len, class)) = spans
            .iter()
            .find(|(start, _, _)| *start == i)
            .map(|(_, len, class)| (*len, class))
        {
            tokens.push(Token::new(class.clone(), TokenKind::LegalForm));
            i += len;
        } else {
            if let Some(word) = words.get_mut(i) {
                tokens.push(Token::classify(std::mem::take(word)));
            }
            i += 1;
        }
    }
    NormalizedName { tokens }
}

/// "PUTIN, Vladimir Vladimirovich" becomes "vladimir vladimirovich putin". Organisation names
/// keep their order ("ANGLO-CARIBBEAN CO., LTD." has a comma before its legal form).
fn reorder_surname_first(latin: &str, schema: Schema, forms: &LegalForms) -> Vec<String> {
    let mut parts = latin.split(',');
    if let (Some(head), Some(tail), None) = (parts.next(), parts.next(), parts.next())
        && matches!(schema, Schema::Person | Schema::Unknown)
    {
        let head_tokens = split_tokens(head);
        let tail_tokens = split_tokens(tail);
        let tail_is_legal =
            schema != Schema::Person && !legal_form_spans(&tail_tokens, forms).is_empty();
        if !head_tokens.is_empty()
            && !tail_tokens.is_empty()
            && head_tokens.len() <= 4
            && !tail_is_legal
        {
            return tail_tokens.into_iter().chain(head_tokens).collect();
        }
    }
    split_tokens(latin)
}

fn drop_prefixes(words: &mut Vec<String>, tables: &[&Vec<Vec<String>>]) {
    loop {
        // Most names start with no title: one set lookup rules every prefix out.
        if words
            .first()
            .is_none_or(|first| !TABLES.prefix_first_words.contains(first))
        {
            return;
        }
        let matched = tables
            .iter()
            .flat_map(|t| t.iter())
            .find(|prefix| {
                prefix.len() < words.len() && words.get(..prefix.len()) == Some(prefix.as_slice())
            })
            .map(Vec::len);
        match matched {
            Some(len) => {
                words.drain(..len);
            }
            None => return,
        }
    }
}

/// Legal-form phrases in `words` as (start, length, class), longest match first. One- and
/// two-letter forms ("sa", "ag", "in") count only as the last word, where legal forms stand.
fn legal_form_spans(words: &[String], forms: &LegalForms) -> Vec<(usize, usize, String)> {
    let mut spans = Vec::new();
    let mut key = String::new();
    let mut i = 0;
    while let Some(first) = words.get(i) {
        let mut found = None;
        if forms.first_tokens.contains(first) {
            for len in (1..=forms.max_tokens.min(words.len() - i)).rev() {
                let Some(phrase) = words.get(i..i + len) else {
                    continue;
                };
                key.clear();
                for (k, word) in phrase.iter().enumerate() {
                    if k > 0 {
                        key.push(' ');
                    }
                    key.push_str(word);
                }
                let Some(class) = forms.by_phrase.get(&key) else {
                    continue;
                };
                if (key.len() <= 2 || class.len() <= 2) && i + len != words.len() {
                    continue;
                }
                found = Some((len, class.clone()));
                break;
            }
        }
        match found {
            Some((len, class)) => {
                spans.push((i, len, class));
                i += len;
            }
            None => i += 1,
        }
    }
    spans
}

/// The generic class of a canonical legal form ("gmbh" and "llc" are both `LLC`).
pub(crate) fn legal_form_generic(class: &str) -> Option<&'static str> {
    TABLES.legal_forms.generic.get(class).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(text: &str, schema: Schema) -> String {
        normalize_name(text, schema).text()
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(
            norm("PUTIN, Vladimir Vladimirovich", Schema::Person),
            "vladimir vladimirovich putin"
        );
        assert_eq!(norm("Путин, Владимир", Schema::Unknown), "vladimir putin");
        assert_eq!(norm("President Putin", Schema::Unknown), "putin");
        assert_eq!(
            norm("ANGLO-CARIBBEAN CO., LTD.", Schema::Organization),
            "anglo caribbean coltd"
        );
        assert_eq!(
            norm("а С А", Schema::Organization),
            norm("a s a", Schema::Organization)
        );
        assert_eq!(
            norm("Rosneft Public Limited Company", Schema::Organization),
            "rosneft plc"
        );
        assert_eq!(norm("11420 CORP.", Schema::Organization), "11420 company");
        assert_eq!(norm("M/V SEA STAR", Schema::Vessel), "sea star");
    }

    #[test]
    fn kinds_are_assigned() {
        let name = normalize_name("V. Putin 7th Trading LLC", Schema::Unknown);
        let kinds: Vec<TokenKind> = name.tokens().iter().map(Token::kind).collect();
        assert_eq!(
            kinds,
            [
                TokenKind::Initial,
                TokenKind::Word,
                TokenKind::Number,
                TokenKind::Word,
                TokenKind::LegalForm
            ]
        );
    }

    #[test]
    fn idempotent_on_examples() {
        for text in [
            "PUTIN, Vladimir",
            "Mr Dr Smith",
            "The Bank S.A.",
            "GAZPROM NEFT PAO",
            "Ооо Ромашка",
            "in co",
            "SA",
        ] {
            for schema in [
                Schema::Person,
                Schema::Organization,
                Schema::Unknown,
                Schema::Vessel,
            ] {
                let once = norm(text, schema);
                assert_eq!(norm(&once, schema), once, "{text} as {schema}");
            }
        }
    }
}

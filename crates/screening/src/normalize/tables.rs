//! The bundled name tables (OpenSanctions rigour, MIT; see data/names/NOTICE.md), loaded once.

use std::sync::LazyLock;

use rustc_hash::{FxHashMap, FxHashSet};

use super::mini_yaml::{self, Yaml};
use super::tokens::split_tokens;
use super::translit::to_latin;

const ORG_TYPES: &str = include_str!("../../../../data/names/org_types.yml");
const STOPWORDS: &str = include_str!("../../../../data/names/stopwords.yml");
const COMPARE: &str = include_str!("../../../../data/names/compare.yml");
const SYMBOLS: &str = include_str!("../../../../data/names/symbols.yml");

/// Legal forms: a token sequence (joined by one space) to its canonical class text.
#[derive(Debug, Default)]
pub(crate) struct LegalForms {
    pub(crate) by_phrase: FxHashMap<String, String>,
    pub(crate) first_tokens: FxHashSet<String>,
    pub(crate) max_tokens: usize,
    /// Canonical class text to its generic class (`LLC`, `JSC`, ...), for partial credit.
    pub(crate) generic: FxHashMap<String, String>,
}

#[derive(Debug, Default)]
pub(crate) struct Tables {
    pub(crate) legal_forms: LegalForms,
    /// Titles dropped at the start of person names ("mr", "president", "prof dr").
    pub(crate) person_prefixes: Vec<Vec<String>>,
    pub(crate) org_prefixes: Vec<Vec<String>>,
    pub(crate) object_prefixes: Vec<Vec<String>>,
    /// The first word of every prefix of the three tables above.
    pub(crate) prefix_first_words: FxHashSet<String>,
    /// Character pairs that look or sound alike; substituting one for the other is cheap.
    pub(crate) similar_pairs: FxHashSet<(u8, u8)>,
}

fn normalized_tokens(text: &str) -> Vec<String> {
    split_tokens(&to_latin(text))
}

fn phrases(doc: &Yaml, key: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = doc
        .get(key)
        .map(Yaml::strings)
        .unwrap_or_default()
        .into_iter()
        .map(normalized_tokens)
        .filter(|t| !t.is_empty())
        .collect();
    // Longest first so "prof dr" is removed before "prof".
    out.sort_by_key(|p| std::cmp::Reverse(p.len()));
    out.dedup();
    out
}

fn load_legal_forms(doc: &Yaml, symbols: &Yaml) -> LegalForms {
    let mut forms = LegalForms::default();
    let types = doc.get("types").map(Yaml::items).unwrap_or_default();
    let mut pending: Vec<(String, Vec<String>)> = Vec::new();
    for entry in types {
        let aliases = entry.get("aliases").map(Yaml::strings).unwrap_or_default();
        let label = [entry.get("compare"), entry.get("display")]
            .into_iter()
            .flatten()
            .filter_map(Yaml::as_str)
            .find(|s| !s.trim().is_empty())
            .or_else(|| aliases.first().copied());
        let Some(label) = label else { continue };
        let class: String = normalized_tokens(label).concat();
        if class.is_empty() {
            continue;
        }
        if let Some(generic) = entry
            .get("generic")
            .and_then(Yaml::as_str)
            .filter(|g| !g.is_empty())
        {
            forms
                .generic
                .entry(class.clone())
                .or_insert_with(|| generic.to_owned());
        }
        // The canonical text itself must map back to its class, so normalising twice is stable.
        forms.by_phrase.insert(class.clone(), class.clone());
        pending.push((class, aliases.into_iter().map(str::to_owned).collect()));
    }
    for (class, aliases) in pending {
        for alias in aliases {
            let tokens = normalized_tokens(&alias);
            // One- and two-letter aliases ("in", "sa") collide with name words; they are
            // recognised only as the last token (see `normalize`), never created from noise.
            if tokens.is_empty() {
                continue;
            }
            forms.max_tokens = forms.max_tokens.max(tokens.len());
            if let Some(first) = tokens.first() {
                forms.first_tokens.insert(first.clone());
            }
            forms
                .by_phrase
                .entry(tokens.join(" "))
                .or_insert_with(|| class.clone());
        }
    }
    // "Company", "Corp.", "компания" are not legal forms in the strict sense but say as little
    // about identity; the symbol table's `co` group joins them as one class.
    let company = symbols
        .get("org_symbols")
        .and_then(|s| s.get("co"))
        .map(Yaml::strings)
        .unwrap_or_default();
    if !company.is_empty() {
        forms
            .by_phrase
            .entry("company".to_owned())
            .or_insert_with(|| "company".to_owned());
    }
    for alias in company {
        let tokens = normalized_tokens(alias);
        if !tokens.is_empty() {
            forms.max_tokens = forms.max_tokens.max(tokens.len());
            if let Some(first) = tokens.first() {
                forms.first_tokens.insert(first.clone());
            }
            forms
                .by_phrase
                .entry(tokens.join(" "))
                .or_insert_with(|| "company".to_owned());
        }
    }
    for class in forms.by_phrase.values() {
        forms.first_tokens.insert(class.clone());
    }
    forms.max_tokens = forms.max_tokens.max(1);
    forms
}

fn load_similar_pairs(doc: &Yaml) -> FxHashSet<(u8, u8)> {
    let mut pairs = FxHashSet::default();
    let listed = doc
        .get("similar_pairs")
        .map(Yaml::items)
        .unwrap_or_default();
    let ours: [[&str; 2]; 6] = [
        ["v", "w"],
        ["f", "v"],
        ["k", "q"],
        ["c", "s"],
        ["g", "k"],
        ["y", "j"],
    ];
    let all = listed
        .iter()
        .map(Yaml::strings)
        .chain(ours.iter().map(|p| p.to_vec()));
    for pair in all {
        if let [a, b] = pair.as_slice()
            && let ([x], [y]) = (a.as_bytes(), b.as_bytes())
        {
            pairs.insert((*x, *y));
            pairs.insert((*y, *x));
        }
    }
    pairs
}

fn load() -> Tables {
    // The tables are compiled in; a parse failure is a build defect caught by the unit tests,
    // and at run time degrades to "no table" rather than a panic.
    let empty = Yaml::Map(Vec::new());
    let org_types = mini_yaml::parse(ORG_TYPES).unwrap_or_else(|_| empty.clone());
    let stopwords = mini_yaml::parse(STOPWORDS).unwrap_or_else(|_| empty.clone());
    let compare = mini_yaml::parse(COMPARE).unwrap_or_else(|_| empty.clone());
    let symbols = mini_yaml::parse(SYMBOLS).unwrap_or(empty);
    let person_prefixes = phrases(&stopwords, "PERSON_NAME_PREFIXES");
    let org_prefixes = phrases(&stopwords, "ORG_NAME_PREFIXES");
    let object_prefixes = phrases(&stopwords, "OBJ_NAME_PREFIXES");
    let prefix_first_words = [&person_prefixes, &org_prefixes, &object_prefixes]
        .into_iter()
        .flatten()
        .filter_map(|p| p.first().cloned())
        .collect();
    Tables {
        legal_forms: load_legal_forms(&org_types, &symbols),
        person_prefixes,
        org_prefixes,
        object_prefixes,
        prefix_first_words,
        similar_pairs: load_similar_pairs(&compare),
    }
}

pub(crate) static TABLES: LazyLock<Tables> = LazyLock::new(load);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_tables_parse() {
        assert!(mini_yaml::parse(ORG_TYPES).is_ok());
        assert!(mini_yaml::parse(STOPWORDS).is_ok());
        assert!(mini_yaml::parse(COMPARE).is_ok());
        assert!(mini_yaml::parse(SYMBOLS).is_ok());
        let t = &*TABLES;
        assert!(t.legal_forms.by_phrase.len() > 1000);
        assert_eq!(
            t.legal_forms
                .by_phrase
                .get("public limited company")
                .map(String::as_str),
            Some("plc")
        );
        assert!(t.person_prefixes.iter().any(|p| p == &["president"]));
        assert_eq!(
            t.legal_forms.by_phrase.get("corp").map(String::as_str),
            Some("company")
        );
        assert!(t.similar_pairs.contains(&(b'o', b'0')));
    }
}

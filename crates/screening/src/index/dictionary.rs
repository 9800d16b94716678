//! The token dictionary: interned tokens, their postings and rarity, and the fuzzy lookups
//! (one-edit deletion neighbourhood, phonetic keys) that find near tokens without scanning.

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};

use crate::normalize::{Token, TokenKind, phonetic_key};
use crate::score::term::Term;

#[derive(Debug, Default)]
pub(crate) struct Dictionary {
    texts: Vec<Box<str>>,
    kinds: Vec<TokenKind>,
    keys: Vec<Box<str>>,
    weights: Vec<f32>,
    by_text: FxHashMap<Box<str>, u32>,
    /// token id -> ids of the names containing it (sorted, unique)
    postings: Vec<Vec<u32>>,
    /// (hash of the token or of one of its one-character deletions, token id), sorted
    deletions: Vec<(u64, u32)>,
    /// (hash of the phonetic key, token id), sorted
    phonetic: Vec<(u64, u32)>,
    names: u32,
}

fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut hasher = FxHasher::default();
    bytes.hash(&mut hasher);
    hasher.finish()
}

/// Words shorter than this get no deletion neighbourhood: one edit in three letters is a
/// different name, and the phonetic key still covers them.
const MIN_FUZZY_LEN: usize = 4;

impl Dictionary {
    pub(crate) fn intern(&mut self, token: &Token) -> u32 {
        let lookup_key = dictionary_key(token.text(), token.kind());
        if let Some(&id) = self.by_text.get(lookup_key.as_str()) {
            return id;
        }
        let id = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
        let key = if token.kind() == TokenKind::Word { phonetic_key(token.text()) } else { String::new() };
        self.texts.push(token.text().into());
        self.kinds.push(token.kind());
        self.keys.push(key.into());
        self.weights.push(0.0);
        self.postings.push(Vec::new());
        self.by_text.insert(lookup_key.into(), id);
        id
    }

    pub(crate) fn add_posting(&mut self, token: u32, name: u32) {
        if let Some(list) = self.postings.get_mut(token as usize)
            && list.last() != Some(&name)
        {
            list.push(name);
        }
    }

    /// Computes weights and the fuzzy maps once every name is in.
    pub(crate) fn finish(&mut self, names: u32) {
        self.names = names;
        for (id, postings) in self.postings.iter_mut().enumerate() {
            postings.shrink_to_fit();
            let kind = self.kinds.get(id).copied().unwrap_or(TokenKind::Word);
            let df = u32::try_from(postings.len()).unwrap_or(u32::MAX);
            if let Some(w) = self.weights.get_mut(id) {
                *w = crate::score::rarity_weight(kind, names, df) as f32;
            }
        }
        let mut deletions = Vec::new();
        let mut phonetic = Vec::new();
        for (id, text) in self.texts.iter().enumerate() {
            let id = id as u32;
            if self.kinds.get(id as usize) != Some(&TokenKind::Word) {
                continue;
            }
            if let Some(key) = self.keys.get(id as usize).filter(|k| k.len() >= 2) {
                phonetic.push((hash_bytes(key.as_bytes()), id));
            }
            let bytes = text.as_bytes();
            if bytes.len() >= MIN_FUZZY_LEN {
                deletions.push((hash_bytes(bytes), id));
                for_each_deletion(bytes, |d| deletions.push((hash_bytes(d), id)));
            }
        }
        deletions.sort_unstable();
        deletions.dedup();
        phonetic.sort_unstable();
        self.deletions = deletions;
        self.phonetic = phonetic;
        self.by_text.shrink_to_fit();
    }

    pub(crate) fn lookup(&self, text: &str, kind: TokenKind) -> Option<u32> {
        self.by_text.get(dictionary_key(text, kind).as_str()).copied()
    }

    pub(crate) fn postings(&self, id: u32) -> &[u32] {
        self.postings.get(id as usize).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn weight_of(&self, id: u32) -> f64 {
        f64::from(self.weights.get(id as usize).copied().unwrap_or(0.0))
    }

    pub(crate) fn name_count(&self) -> u32 {
        self.names
    }

    pub(crate) fn term(&self, id: u32) -> Term<'_> {
        let idx = id as usize;
        Term {
            text: std::borrow::Cow::Borrowed(self.texts.get(idx).map_or("", |t| t)),
            kind: self.kinds.get(idx).copied().unwrap_or(TokenKind::Word),
            key: std::borrow::Cow::Borrowed(self.keys.get(idx).map_or("", |k| k)),
            weight: self.weight_of(id),
            id: Some(id),
        }
    }

    /// Tokens within one edit of `word` or sharing its phonetic key (may include false
    /// candidates from hash collisions; the caller scores them).
    pub(crate) fn near(&self, word: &str, key: &str, out: &mut Vec<u32>) {
        let bytes = word.as_bytes();
        let probe = |hash: u64, table: &[(u64, u32)], out: &mut Vec<u32>| {
            let start = table.partition_point(|(h, _)| *h < hash);
            out.extend(table.get(start..).unwrap_or_default().iter().take_while(|(h, _)| *h == hash).map(|(_, id)| *id));
        };
        if bytes.len() >= MIN_FUZZY_LEN {
            probe(hash_bytes(bytes), &self.deletions, out);
            for_each_deletion(bytes, |d| probe(hash_bytes(d), &self.deletions, out));
        }
        if key.len() >= 2 {
            probe(hash_bytes(key.as_bytes()), &self.phonetic, out);
        }
        out.sort_unstable();
        out.dedup();
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        let texts: usize = self.texts.iter().map(|t| t.len() * 2 + 40).sum::<usize>() * 2;
        let postings: usize = self.postings.iter().map(|p| p.capacity() * 4 + 24).sum();
        texts + postings + (self.deletions.capacity() + self.phonetic.capacity()) * 16 + self.weights.capacity() * 5
    }
}

/// "pao" the legal form and "pao" the word are different tokens.
fn dictionary_key(text: &str, kind: TokenKind) -> String {
    let tag = match kind {
        TokenKind::Word => 'w',
        TokenKind::Number => 'n',
        TokenKind::Initial => 'i',
        TokenKind::LegalForm => 'l',
    };
    let mut key = String::with_capacity(text.len() + 1);
    key.push(tag);
    key.push_str(text);
    key
}

fn for_each_deletion(bytes: &[u8], mut visit: impl FnMut(&[u8])) {
    let mut buffer = Vec::with_capacity(bytes.len());
    for skip in 0..bytes.len() {
        // Deleting either letter of a doubled pair gives the same string.
        if skip > 0 && bytes.get(skip) == bytes.get(skip - 1) {
            continue;
        }
        buffer.clear();
        buffer.extend(bytes.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, b)| *b));
        visit(&buffer);
    }
}

//! The token dictionary: interned tokens, their postings and rarity, and the fuzzy lookups
//! (one-edit deletion neighbourhood, phonetic keys) that find near tokens without scanning.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};

use crate::normalize::{Token, TokenKind, phonetic_key};
use crate::score::term::Term;
use crate::score::token_sim::{RELEVANT_SIMILARITY, Sketch, token_similarity};

/// Token ids grouped by a hash (of a deletion variant or a phonetic key): one hash-map probe
/// gives the slice of ids sharing it.
#[derive(Debug, Default)]
struct HashGroups {
    ranges: FxHashMap<u64, (u32, u32)>,
    ids: Vec<u32>,
}

impl HashGroups {
    fn from_pairs(mut pairs: Vec<(u64, u32)>) -> Self {
        pairs.sort_unstable();
        pairs.dedup();
        let mut groups = HashGroups {
            ranges: FxHashMap::default(),
            ids: Vec::with_capacity(pairs.len()),
        };
        for chunk in pairs.chunk_by(|x, y| x.0 == y.0) {
            let start = u32::try_from(groups.ids.len()).unwrap_or(u32::MAX);
            let len = u32::try_from(chunk.len()).unwrap_or(u32::MAX);
            if let Some(&(hash, _)) = chunk.first() {
                groups.ranges.insert(hash, (start, len));
            }
            groups.ids.extend(chunk.iter().map(|&(_, id)| id));
        }
        groups.ranges.shrink_to_fit();
        groups
    }

    fn get(&self, hash: u64) -> &[u32] {
        self.ranges
            .get(&hash)
            .and_then(|&(start, len)| self.ids.get(start as usize..start as usize + len as usize))
            .unwrap_or_default()
    }

    fn heap_bytes(&self) -> usize {
        self.ids.capacity() * 4 + self.ranges.capacity() * 24
    }
}

#[derive(Debug, Default)]
pub(crate) struct Dictionary {
    texts: Vec<Box<str>>,
    kinds: Vec<TokenKind>,
    keys: Vec<Box<str>>,
    weights: Vec<f32>,
    sketches: Vec<Sketch>,
    /// One map per token kind: "pao" the legal form and "pao" the word are different tokens.
    by_text: [FxHashMap<Box<str>, u32>; 4],
    /// token id -> ids of the names containing it (sorted, unique)
    postings: Vec<Vec<u32>>,
    deletions: HashGroups,
    phonetic: HashGroups,
    /// Tokens by their consonant skeleton (see [`skeleton`]).
    skeletons: HashGroups,
    /// Names by the joined spelling (and its phonetic key) of two or three adjacent words, so a
    /// query writing "alharamain" finds the list's "al haramain".
    joined: HashGroups,
    pending_joined: Vec<(u64, u32)>,
    /// For every token, the tokens [`Dictionary::near`] finds for it with a relevant similarity
    /// (itself included), sorted by id: `near_pairs[near_offsets[id]..near_offsets[id + 1]]`.
    /// A query token the lists know needs no lookup and no distance at query time.
    near_offsets: Vec<u32>,
    near_pairs: Vec<(u32, f64)>,
    names: u32,
}

fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut hasher = FxHasher::default();
    bytes.hash(&mut hasher);
    hasher.finish()
}

/// Hashes joined spellings and their keys apart from each other and from single tokens.
fn hash_tagged(tag: u8, bytes: &[u8]) -> u64 {
    let mut hasher = FxHasher::default();
    tag.hash(&mut hasher);
    bytes.hash(&mut hasher);
    hasher.finish()
}

const JOINED_TEXT: u8 = 1;
const JOINED_KEY: u8 = 2;

fn kind_slot(kind: TokenKind) -> usize {
    match kind {
        TokenKind::Word => 0,
        TokenKind::Number => 1,
        TokenKind::Initial => 2,
        TokenKind::LegalForm => 3,
    }
}

/// Words shorter than this get no deletions (two letters say little, and one deletion leaves a
/// letter).
const MIN_FUZZY_LEN: usize = 3;

impl Dictionary {
    pub(crate) fn intern(&mut self, token: &Token) -> u32 {
        if let Some(id) = self.lookup(token.text(), token.kind()) {
            return id;
        }
        let id = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
        let key = if token.kind() == TokenKind::Word {
            phonetic_key(token.text())
        } else {
            String::new()
        };
        self.texts.push(token.text().into());
        self.kinds.push(token.kind());
        self.keys.push(key.into());
        self.weights.push(0.0);
        self.postings.push(Vec::new());
        if let Some(map) = self.by_text.get_mut(kind_slot(token.kind())) {
            map.insert(token.text().into(), id);
        }
        id
    }

    pub(crate) fn add_posting(&mut self, token: u32, name: u32) {
        if let Some(list) = self.postings.get_mut(token as usize)
            && list.last() != Some(&name)
        {
            list.push(name);
        }
    }

    /// Registers the joined spellings of adjacent words of name `name` (its token ids in order).
    pub(crate) fn add_joined(&mut self, name: u32, tokens: &[u32]) {
        let mut joined = String::new();
        let (mut symbols, mut key) = (Vec::new(), String::new());
        for start in 0..tokens.len() {
            joined.clear();
            for (len, &token) in tokens.iter().skip(start).take(3).enumerate() {
                let kind = self.kinds.get(token as usize).copied();
                if !matches!(kind, Some(TokenKind::Word | TokenKind::Initial)) {
                    break;
                }
                joined.push_str(self.texts.get(token as usize).map_or("", |t| t));
                if len == 0 {
                    continue;
                }
                self.pending_joined
                    .push((hash_tagged(JOINED_TEXT, joined.as_bytes()), name));
                crate::normalize::phonetic_key_into(&joined, &mut symbols, &mut key);
                if key.len() >= 3 {
                    self.pending_joined
                        .push((hash_tagged(JOINED_KEY, key.as_bytes()), name));
                }
            }
        }
    }

    /// Names holding `word` split in two or three adjacent words: spelt exactly, and with the
    /// same phonetic key.
    pub(crate) fn joined_names(&self, word: &str, key: &str) -> (&[u32], &[u32]) {
        let exact = self.joined.get(hash_tagged(JOINED_TEXT, word.as_bytes()));
        let phonetic = if key.len() >= 3 {
            self.joined.get(hash_tagged(JOINED_KEY, key.as_bytes()))
        } else {
            &[]
        };
        (exact, phonetic)
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
        self.sketches = (0..self.texts.len())
            .map(|id| Sketch::of(&self.term(id as u32)))
            .collect();
        let mut deletions = Vec::new();
        let mut phonetic = Vec::new();
        let mut skeletons = Vec::new();
        let mut buffer = Vec::new();
        for (id, text) in self.texts.iter().enumerate() {
            let id = id as u32;
            if self.kinds.get(id as usize) != Some(&TokenKind::Word) {
                continue;
            }
            if let Some(key) = self.keys.get(id as usize).filter(|k| k.len() >= 2) {
                phonetic.push((hash_bytes(key.as_bytes()), id));
            }
            skeleton(text.as_bytes(), &mut buffer);
            if buffer.len() >= MIN_SKELETON_LEN {
                skeletons.push((hash_bytes(&buffer), id));
            }
            // Every word is reachable by one deletion from a longer one ("alh" finds "al"); only
            // words of three letters or more get deletions of their own.
            let bytes = text.as_bytes();
            deletions.push((hash_bytes(bytes), id));
            if bytes.len() >= MIN_FUZZY_LEN {
                for_each_deletion(bytes, |d| deletions.push((hash_bytes(d), id)));
            }
        }
        self.deletions = HashGroups::from_pairs(deletions);
        self.joined = HashGroups::from_pairs(std::mem::take(&mut self.pending_joined));
        self.phonetic = HashGroups::from_pairs(phonetic);
        self.skeletons = HashGroups::from_pairs(skeletons);
        self.precompute_near();
        for map in &mut self.by_text {
            map.shrink_to_fit();
        }
    }

    pub(crate) fn lookup(&self, text: &str, kind: TokenKind) -> Option<u32> {
        self.by_text
            .get(kind_slot(kind))
            .and_then(|map| map.get(text))
            .copied()
    }

    pub(crate) fn postings(&self, id: u32) -> &[u32] {
        self.postings.get(id as usize).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn weight_of(&self, id: u32) -> f64 {
        f64::from(self.weights.get(id as usize).copied().unwrap_or(0.0))
    }

    fn precompute_near(&mut self) {
        let mut offsets = Vec::with_capacity(self.texts.len() + 1);
        let mut pairs = Vec::new();
        let mut near = Vec::new();
        for id in 0..u32::try_from(self.texts.len()).unwrap_or(u32::MAX) {
            offsets.push(u32::try_from(pairs.len()).unwrap_or(u32::MAX));
            let term = self.term(id);
            near.clear();
            near.push(id);
            if term.kind == TokenKind::Word {
                self.near(&term.text, &term.key, &mut near);
            }
            near.sort_unstable();
            near.dedup();
            let sketch = self.sketch(id).copied();
            for &other in &near {
                if other == id {
                    pairs.push((id, 1.0));
                    continue;
                }
                if sketch
                    .zip(self.sketch(other))
                    .is_some_and(|(a, b)| !a.may_be_relevant(b))
                {
                    continue;
                }
                let s = token_similarity(&term, &self.term(other));
                if s >= RELEVANT_SIMILARITY {
                    pairs.push((other, s));
                }
            }
        }
        offsets.push(u32::try_from(pairs.len()).unwrap_or(u32::MAX));
        pairs.shrink_to_fit();
        self.near_offsets = offsets;
        self.near_pairs = pairs;
    }

    /// The precomputed near tokens of token `id` with their similarities, sorted by token id.
    pub(crate) fn known_near(&self, id: u32) -> &[(u32, f64)] {
        let at = |i: usize| self.near_offsets.get(i).map(|&o| o as usize);
        match (at(id as usize), at(id as usize + 1)) {
            (Some(start), Some(end)) => self.near_pairs.get(start..end).unwrap_or_default(),
            _ => &[],
        }
    }

    pub(crate) fn sketch(&self, id: u32) -> Option<&Sketch> {
        self.sketches.get(id as usize)
    }

    pub(crate) fn name_count(&self) -> u32 {
        self.names
    }

    pub(crate) fn term(&self, id: u32) -> Term<'_> {
        let idx = id as usize;
        Term {
            text: Cow::Borrowed(self.texts.get(idx).map_or("", |t| t)),
            kind: self.kinds.get(idx).copied().unwrap_or(TokenKind::Word),
            key: Cow::Borrowed(self.keys.get(idx).map_or("", |k| k)),
            weight: self.weight_of(id),
            id: Some(id),
        }
    }

    /// Tokens within one edit of `word`, sharing its phonetic key or its consonant skeleton,
    /// appended to `out` (may include false candidates from hash collisions and repeats; the
    /// caller scores them).
    pub(crate) fn near(&self, word: &str, key: &str, out: &mut Vec<u32>) {
        let bytes = word.as_bytes();
        let mut buffer = Vec::with_capacity(bytes.len());
        skeleton(bytes, &mut buffer);
        if buffer.len() >= MIN_SKELETON_LEN {
            out.extend_from_slice(self.skeletons.get(hash_bytes(&buffer)));
        }
        if bytes.len() >= MIN_FUZZY_LEN {
            out.extend_from_slice(self.deletions.get(hash_bytes(bytes)));
            for_each_deletion(bytes, |d| {
                out.extend_from_slice(self.deletions.get(hash_bytes(d)))
            });
        }
        if key.len() >= 2 {
            out.extend_from_slice(self.phonetic.get(hash_bytes(key.as_bytes())));
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        let texts: usize = self.texts.iter().map(|t| t.len() * 2 + 40).sum::<usize>() * 2;
        let postings: usize = self.postings.iter().map(|p| p.capacity() * 4 + 24).sum();
        texts
            + postings
            + self.deletions.heap_bytes()
            + self.phonetic.heap_bytes()
            + self.skeletons.heap_bytes()
            + self.joined.heap_bytes()
            + self.weights.capacity() * 5
            + self.sketches.capacity() * std::mem::size_of::<Sketch>()
            + self.near_offsets.capacity() * 4
            + self.near_pairs.capacity() * 16
    }
}

/// Skeletons shorter than this find too many unrelated words to be worth probing.
const MIN_SKELETON_LEN: usize = 3;

/// The consonant skeleton of a word: its letters without vowels and "h", runs collapsed
/// ("mukhlis" and "moklis" are both "mkls"). Those are exactly the cheap edits of token
/// similarity (vowel swaps, vowel and "h" insertions), which transliterations of one name differ
/// by more than once, beyond the one-edit neighbourhood.
fn skeleton(word: &[u8], out: &mut Vec<u8>) {
    out.clear();
    for &b in word {
        if !matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y' | b'h') && out.last() != Some(&b) {
            out.push(b);
        }
    }
}

/// Calls `visit` with every string made by deleting one byte of `bytes` (words are ASCII).
fn for_each_deletion(bytes: &[u8], mut visit: impl FnMut(&[u8])) {
    let mut buffer = [0u8; 64];
    let mut heap = Vec::new();
    for skip in 0..bytes.len() {
        // Deleting either letter of a doubled pair gives the same string.
        if skip > 0 && bytes.get(skip) == bytes.get(skip - 1) {
            continue;
        }
        let (head, tail) = (
            bytes.get(..skip).unwrap_or_default(),
            bytes.get(skip + 1..).unwrap_or_default(),
        );
        let len = head.len() + tail.len();
        if let Some(out) = buffer.get_mut(..len) {
            let (left, right) = out.split_at_mut(head.len());
            left.copy_from_slice(head);
            right.copy_from_slice(tail);
            visit(out);
        } else {
            heap.clear();
            heap.extend_from_slice(head);
            heap.extend_from_slice(tail);
            visit(&heap);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skeletons_drop_vowels_and_h() {
        let of = |w: &str| {
            let mut out = Vec::new();
            skeleton(w.as_bytes(), &mut out);
            String::from_utf8_lossy(&out).into_owned()
        };
        assert_eq!(of("mukhlis"), of("moklis"));
        assert_eq!(of("saifullah"), "sfl");
        assert_ne!(of("putin"), of("turin"));
    }

    #[test]
    fn deletions_skip_doubled_letters() {
        let mut seen = Vec::new();
        for_each_deletion(b"anna", |d| {
            seen.push(String::from_utf8_lossy(d).into_owned())
        });
        assert_eq!(seen, ["nna", "ana", "ann"]);
    }
}

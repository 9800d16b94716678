//! The token dictionary: interned tokens, their postings and rarity, and the fuzzy lookups
//! (one-edit deletion neighbourhood, phonetic keys) that find near tokens without scanning.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};

use crate::normalize::{Token, TokenKind, phonetic_key};
use crate::score::term::Term;
use crate::score::token_sim::{RELEVANT_SIMILARITY, Sketch, token_similarity};

/// Token ids grouped by a hash (of a deletion variant or a phonetic key): one probe gives the
/// slice of ids sharing it. The hashes are already well mixed, so the table is a plain
/// open-addressing array (linear probing, at most three quarters full): a lookup usually reads
/// one slot, where a general hash map reads a control group and then a bucket.
#[derive(Debug, Default)]
struct HashGroups {
    /// (hash, start in `ids`, length); a length of 0 marks an empty slot.
    slots: Vec<(u64, u32, u32)>,
    /// log2 of `slots.len()`.
    bits: u32,
    ids: Vec<u32>,
}

impl HashGroups {
    fn from_pairs(mut pairs: Vec<(u64, u32)>) -> Self {
        pairs.sort_unstable();
        pairs.dedup();
        let groups = pairs.chunk_by(|x, y| x.0 == y.0).count();
        let size = (groups * 4 / 3 + 1).next_power_of_two().max(16);
        let mut table = HashGroups {
            slots: vec![(0, 0, 0); size],
            bits: size.trailing_zeros(),
            ids: Vec::with_capacity(pairs.len()),
        };
        for chunk in pairs.chunk_by(|x, y| x.0 == y.0) {
            let start = u32::try_from(table.ids.len()).unwrap_or(u32::MAX);
            let len = u32::try_from(chunk.len()).unwrap_or(u32::MAX);
            table.ids.extend(chunk.iter().map(|&(_, id)| id));
            if let Some(&(hash, _)) = chunk.first() {
                table.insert(hash, start, len);
            }
        }
        table
    }

    fn home(&self, hash: u64) -> usize {
        // Fibonacci hashing: the top bits of the product are the best mixed.
        (hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - self.bits.max(1))) as usize
    }

    fn insert(&mut self, hash: u64, start: u32, len: u32) {
        let mask = self.slots.len().wrapping_sub(1);
        let mut at = self.home(hash);
        for _ in 0..self.slots.len() {
            match self.slots.get_mut(at) {
                Some(slot) if slot.2 == 0 => {
                    *slot = (hash, start, len);
                    return;
                }
                _ => at = (at + 1) & mask,
            }
        }
    }

    fn get(&self, hash: u64) -> &[u32] {
        let mask = self.slots.len().wrapping_sub(1);
        let mut at = self.home(hash);
        for _ in 0..self.slots.len() {
            match self.slots.get(at) {
                Some(&(h, start, len)) if len != 0 => {
                    if h == hash {
                        let start = start as usize;
                        return self
                            .ids
                            .get(start..start + len as usize)
                            .unwrap_or_default();
                    }
                    at = (at + 1) & mask;
                }
                _ => return &[],
            }
        }
        &[]
    }

    fn heap_bytes(&self) -> usize {
        self.ids.capacity() * 4 + self.slots.capacity() * 16
    }
}

/// What screening reads about one token, in one place: a near token costs one record read (plus
/// its bytes in the arena) instead of a pointer chase per field.
#[derive(Debug, Clone, Copy)]
struct TokenRecord {
    weight: f32,
    /// The text is `arena[start..start + text_len]`, the phonetic key follows it.
    start: u32,
    text_len: u32,
    key_len: u32,
    postings_start: u32,
    postings_len: u32,
    near_start: u32,
    near_len: u32,
    kind: TokenKind,
}

/// A near token of a dictionary token with its similarity, and what walking its postings needs
/// (its weight and where its postings are), so the walk reads no token record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NearToken {
    pub(crate) token: u32,
    pub(crate) weight: f32,
    pub(crate) similarity: f64,
    postings_start: u32,
    pub(crate) postings_len: u32,
}

#[derive(Debug, Default)]
pub(crate) struct Dictionary {
    /// Build-time token data; `finish` moves it into `records` and `arena`.
    texts: Vec<Box<str>>,
    kinds: Vec<TokenKind>,
    keys: Vec<Box<str>>,
    /// token id -> ids of the names containing it (sorted, unique), while building.
    postings: Vec<Vec<u32>>,
    records: Vec<TokenRecord>,
    /// Every token's text and phonetic key, back to back.
    arena: String,
    /// Every token's postings, back to back (see [`TokenRecord`]).
    posting_ids: Vec<u32>,
    sketches: Vec<Sketch>,
    /// One map per token kind: "pao" the legal form and "pao" the word are different tokens.
    by_text: [FxHashMap<Box<str>, u32>; 4],
    deletions: HashGroups,
    phonetic: HashGroups,
    /// Tokens by their consonant skeleton (see [`skeleton`]).
    skeletons: HashGroups,
    /// Names by the joined spelling (and its phonetic key) of two or three adjacent words, so a
    /// query writing "alharamain" finds the list's "al haramain".
    joined: HashGroups,
    pending_joined: Vec<(u64, u32)>,
    /// For every token, the tokens [`Dictionary::near`] finds for it with a relevant similarity
    /// (itself included), sorted by id (each token's run is located by its record). A query
    /// token the lists know needs no lookup and no distance at query time.
    near_pairs: Vec<NearToken>,
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
        let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let postings = std::mem::take(&mut self.postings);
        self.posting_ids = Vec::with_capacity(postings.iter().map(Vec::len).sum());
        self.records = Vec::with_capacity(self.texts.len());
        for (id, names_of) in postings.iter().enumerate() {
            let kind = self.kinds.get(id).copied().unwrap_or(TokenKind::Word);
            let df = to_u32(names_of.len());
            let text = self.texts.get(id).map_or("", |t| t);
            let key = self.keys.get(id).map_or("", |k| k);
            self.records.push(TokenRecord {
                weight: crate::score::rarity_weight(kind, names, df) as f32,
                start: to_u32(self.arena.len()),
                text_len: to_u32(text.len()),
                key_len: to_u32(key.len()),
                postings_start: to_u32(self.posting_ids.len()),
                postings_len: df,
                near_start: 0,
                near_len: 0,
                kind,
            });
            self.arena.push_str(text);
            self.arena.push_str(key);
            self.posting_ids.extend_from_slice(names_of);
        }
        drop(postings);
        self.arena.shrink_to_fit();
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
        // Everything screening reads is in the records and the arena now.
        self.texts = Vec::new();
        self.kinds = Vec::new();
        self.keys = Vec::new();
    }

    pub(crate) fn lookup(&self, text: &str, kind: TokenKind) -> Option<u32> {
        self.by_text
            .get(kind_slot(kind))
            .and_then(|map| map.get(text))
            .copied()
    }

    #[inline]
    pub(crate) fn weight_of(&self, id: u32) -> f64 {
        f64::from(self.records.get(id as usize).map_or(0.0, |r| r.weight))
    }

    fn precompute_near(&mut self) {
        let mut spans = Vec::with_capacity(self.records.len());
        let mut pairs = Vec::new();
        let mut near = Vec::new();
        for id in 0..u32::try_from(self.records.len()).unwrap_or(u32::MAX) {
            let start = pairs.len();
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
            spans.push((start, pairs.len() - start));
        }
        let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        for (record, (start, len)) in self.records.iter_mut().zip(spans) {
            record.near_start = to_u32(start);
            record.near_len = to_u32(len);
        }
        self.near_pairs = pairs
            .iter()
            .map(|&(token, similarity)| self.near_token(token, similarity))
            .collect();
    }

    /// `token` at `similarity`, with its weight and postings.
    pub(crate) fn near_token(&self, token: u32, similarity: f64) -> NearToken {
        let record = self.records.get(token as usize);
        NearToken {
            token,
            weight: record.map_or(0.0, |r| r.weight),
            similarity,
            postings_start: record.map_or(0, |r| r.postings_start),
            postings_len: record.map_or(0, |r| r.postings_len),
        }
    }

    /// The postings of a near token.
    #[inline]
    pub(crate) fn near_postings(&self, near: &NearToken) -> &[u32] {
        let start = near.postings_start as usize;
        self.posting_ids
            .get(start..start + near.postings_len as usize)
            .unwrap_or_default()
    }

    /// The precomputed near tokens of token `id` with their similarities, sorted by token id.
    #[inline]
    pub(crate) fn known_near(&self, id: u32) -> &[NearToken] {
        self.records
            .get(id as usize)
            .and_then(|r| {
                let start = r.near_start as usize;
                self.near_pairs.get(start..start + r.near_len as usize)
            })
            .unwrap_or_default()
    }

    #[inline]
    pub(crate) fn sketch(&self, id: u32) -> Option<&Sketch> {
        self.sketches.get(id as usize)
    }

    /// How many distinct tokens the dictionary holds (ids are `0..token_count`).
    pub(crate) fn token_count(&self) -> usize {
        self.records.len()
    }

    pub(crate) fn name_count(&self) -> u32 {
        self.names
    }

    #[inline]
    pub(crate) fn term(&self, id: u32) -> Term<'_> {
        let Some(record) = self.records.get(id as usize) else {
            return Term {
                text: Cow::Borrowed(""),
                kind: TokenKind::Word,
                key: Cow::Borrowed(""),
                weight: 0.0,
                id: Some(id),
            };
        };
        let start = record.start as usize;
        let middle = start + record.text_len as usize;
        let end = middle + record.key_len as usize;
        Term {
            text: Cow::Borrowed(self.arena.get(start..middle).unwrap_or_default()),
            kind: record.kind,
            key: Cow::Borrowed(self.arena.get(middle..end).unwrap_or_default()),
            weight: f64::from(record.weight),
            id: Some(id),
        }
    }

    /// Tokens within one edit of `word`, sharing its phonetic key or its consonant skeleton,
    /// appended to `out` (may include false candidates from hash collisions and repeats; the
    /// caller scores them).
    pub(crate) fn near(&self, word: &str, key: &str, out: &mut Vec<u32>) {
        let bytes = word.as_bytes();
        let mut stack = [0u8; 64];
        let mut heap = Vec::new();
        let skeleton = skeleton_of(bytes, &mut stack, &mut heap);
        if skeleton.len() >= MIN_SKELETON_LEN {
            out.extend_from_slice(self.skeletons.get(hash_bytes(skeleton)));
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
        let maps: usize = self
            .by_text
            .iter()
            .map(|m| m.capacity() * 24 + m.keys().map(|k| k.len()).sum::<usize>())
            .sum();
        let texts = self.arena.capacity()
            + self.records.capacity() * std::mem::size_of::<TokenRecord>()
            + maps;
        let postings = self.posting_ids.capacity() * 4;
        texts
            + postings
            + self.deletions.heap_bytes()
            + self.phonetic.heap_bytes()
            + self.skeletons.heap_bytes()
            + self.joined.heap_bytes()
            + self.sketches.capacity() * std::mem::size_of::<Sketch>()
            + self.near_pairs.capacity() * std::mem::size_of::<NearToken>()
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

/// [`skeleton`] without allocating for words of up to 64 bytes: written into `stack` when it
/// fits, into `heap` otherwise.
fn skeleton_of<'b>(word: &[u8], stack: &'b mut [u8; 64], heap: &'b mut Vec<u8>) -> &'b [u8] {
    if word.len() > stack.len() {
        skeleton(word, heap);
        return heap;
    }
    let mut len = 0usize;
    for &b in word {
        let last = len.checked_sub(1).and_then(|at| stack.get(at)).copied();
        if !matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y' | b'h') && last != Some(b) {
            if let Some(slot) = stack.get_mut(len) {
                *slot = b;
            }
            len += 1;
        }
    }
    stack.get(..len).unwrap_or_default()
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
    fn hash_groups_find_every_group() {
        let pairs: Vec<(u64, u32)> = (0..500u32)
            .flat_map(|i| [(u64::from(i % 97) * 0x1_0000_0001, i), (u64::from(i), i)])
            .collect();
        let table = HashGroups::from_pairs(pairs.clone());
        for hash in (0..500u64).chain((0..97).map(|k| k * 0x1_0000_0001)) {
            let mut expected: Vec<u32> =
                pairs.iter().filter(|p| p.0 == hash).map(|p| p.1).collect();
            expected.sort_unstable();
            expected.dedup();
            assert_eq!(table.get(hash), expected.as_slice(), "{hash}");
        }
        assert!(table.get(12_345_678_901).is_empty());
        assert!(HashGroups::default().get(7).is_empty());
    }

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
    fn stack_skeletons_agree() {
        for w in ["mukhlis", "saifullah", "", "hhh", &"abc".repeat(30)] {
            let mut expected = Vec::new();
            skeleton(w.as_bytes(), &mut expected);
            let (mut stack, mut heap) = ([0u8; 64], Vec::new());
            assert_eq!(skeleton_of(w.as_bytes(), &mut stack, &mut heap), expected);
        }
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

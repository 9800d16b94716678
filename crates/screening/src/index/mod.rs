//! The immutable in-memory index over list snapshots.
//!
//! Built once per set of snapshots and never mutated, so a server can hold it in an `Arc` and
//! swap in a rebuilt one atomically when a list changes (readers keep the old one until they
//! finish).

mod candidates;
mod dictionary;
mod evidence;
mod screen;

pub use screen::{EntityRef, Hit, ScreenOptions};

use rustc_hash::FxHashMap;

use crate::model::{Entity, ListSnapshot, ListVersion, NameKind};
use crate::normalize::normalize_name;
use dictionary::Dictionary;

#[derive(Debug)]
struct IndexedName {
    entity: u32,
    kind: NameKind,
    /// The list's spelling, for explanations.
    original_index: u16,
    /// Its token ids are `name_tokens[token_start..token_start + token_len]`.
    token_start: u32,
    token_len: u16,
}

#[derive(Debug)]
struct IndexedEntity {
    list: u16,
    entity: Entity,
    /// Its names are `names[first_name..next entity's first_name]` (names are stored in entity
    /// order).
    first_name: u32,
}

/// Every name of every entity of the given snapshots, ready to screen.
#[derive(Debug)]
pub struct Index {
    dictionary: Dictionary,
    names: Vec<IndexedName>,
    /// The token ids of every name, one after the other (one allocation, read in order).
    name_tokens: Vec<u32>,
    /// Per name, the sum of its token weights (for the candidate bound), dense so the bound pass
    /// over the found names reads a few cache lines.
    name_weights: Vec<f32>,
    entities: Vec<IndexedEntity>,
    lists: Vec<ListVersion>,
    /// identifier value -> entities carrying it
    identifiers: FxHashMap<String, Vec<u32>>,
}

impl Index {
    /// Builds the index. Names that normalise to nothing (punctuation only) are skipped.
    pub fn build(snapshots: &[ListSnapshot]) -> Index {
        let mut dictionary = Dictionary::default();
        let mut names = Vec::new();
        let mut name_tokens: Vec<u32> = Vec::new();
        let mut entities = Vec::new();
        let mut identifiers: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        for (list_no, snapshot) in snapshots.iter().enumerate() {
            for entity in snapshot.entities() {
                let entity_no = u32::try_from(entities.len()).unwrap_or(u32::MAX);
                let first_name = u32::try_from(names.len()).unwrap_or(u32::MAX);
                for (name_no, name) in entity.names.iter().enumerate() {
                    let normalized = normalize_name(&name.text, entity.schema);
                    if normalized.is_empty() {
                        continue;
                    }
                    let name_id = u32::try_from(names.len()).unwrap_or(u32::MAX);
                    let start = name_tokens.len();
                    for token in normalized.tokens() {
                        let id = dictionary.intern(token);
                        dictionary.add_posting(id, name_id);
                        name_tokens.push(id);
                    }
                    dictionary.add_joined(name_id, name_tokens.get(start..).unwrap_or_default());
                    names.push(IndexedName {
                        entity: entity_no,
                        kind: name.kind,
                        original_index: u16::try_from(name_no).unwrap_or(u16::MAX),
                        token_start: u32::try_from(start).unwrap_or(u32::MAX),
                        token_len: u16::try_from(name_tokens.len() - start).unwrap_or(u16::MAX),
                    });
                }
                for id in &entity.identifiers {
                    let holders = identifiers.entry(id.value().to_owned()).or_default();
                    if holders.last() != Some(&entity_no) {
                        holders.push(entity_no);
                    }
                }
                entities.push(IndexedEntity {
                    list: u16::try_from(list_no).unwrap_or(u16::MAX),
                    entity: entity.clone(),
                    first_name,
                });
            }
        }
        dictionary.finish(u32::try_from(names.len()).unwrap_or(u32::MAX));
        names.shrink_to_fit();
        name_tokens.shrink_to_fit();
        let name_weights = names
            .iter()
            .map(|name| {
                let start = name.token_start as usize;
                name_tokens
                    .get(start..start + usize::from(name.token_len))
                    .unwrap_or_default()
                    .iter()
                    .map(|&t| dictionary.weight_of(t))
                    .sum::<f64>() as f32
            })
            .collect();
        Index {
            dictionary,
            names,
            name_tokens,
            name_weights,
            entities,
            lists: snapshots.iter().map(ListSnapshot::version_info).collect(),
            identifiers,
        }
    }

    /// The token ids of indexed name `name_id`.
    fn tokens_of(&self, name_id: u32) -> &[u32] {
        self.names
            .get(name_id as usize)
            .and_then(|name| {
                let start = name.token_start as usize;
                self.name_tokens
                    .get(start..start + usize::from(name.token_len))
            })
            .unwrap_or_default()
    }

    /// The ids of the indexed names of entity `entity_no`.
    fn names_of(&self, entity_no: u32) -> std::ops::Range<u32> {
        let start = self
            .entities
            .get(entity_no as usize)
            .map_or(0, |e| e.first_name);
        let end = self
            .entities
            .get(entity_no as usize + 1)
            .map_or(u32::try_from(self.names.len()).unwrap_or(u32::MAX), |e| {
                e.first_name
            });
        start..end.max(start)
    }

    /// The list versions this index was built from, for recording with results.
    pub fn list_versions(&self) -> &[ListVersion] {
        &self.lists
    }

    pub fn entity_count(&self) -> usize {
        self.entities.len()
    }

    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    /// The handle of the entity at `position` (0..entity_count), for walking the index.
    pub fn entity_ref(&self, position: usize) -> Option<EntityRef> {
        (position < self.entities.len())
            .then(|| EntityRef(u32::try_from(position).unwrap_or(u32::MAX)))
    }

    pub fn entity(&self, entity: EntityRef) -> Option<&Entity> {
        self.entities.get(entity.0 as usize).map(|e| &e.entity)
    }

    /// An estimate of the index's own heap use in bytes (the entities are counted by their
    /// strings); the benchmark measures the process's resident memory for the real figure.
    pub fn approximate_heap_bytes(&self) -> usize {
        let names = self.names.capacity() * std::mem::size_of::<IndexedName>()
            + self.name_tokens.capacity() * 4
            + self.name_weights.capacity() * 4;
        let entities: usize = self
            .entities
            .iter()
            .map(|e| {
                let e = &e.entity;
                200 + e.names.iter().map(|n| n.text.len() + 32).sum::<usize>()
                    + e.addresses.iter().map(|a| a.len() + 24).sum::<usize>()
                    + e.identifiers.len() * 48
            })
            .sum();
        self.dictionary.heap_bytes() + names + entities + self.identifiers.len() * 64
    }
}

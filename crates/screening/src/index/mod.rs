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
    tokens: Box<[u32]>,
    /// Sum of the token weights, for the candidate bound.
    total_weight: f32,
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
                    let mut tokens = Vec::with_capacity(normalized.tokens().len());
                    for token in normalized.tokens() {
                        let id = dictionary.intern(token);
                        dictionary.add_posting(id, name_id);
                        tokens.push(id);
                    }
                    dictionary.add_joined(name_id, &tokens);
                    names.push(IndexedName {
                        entity: entity_no,
                        kind: name.kind,
                        original_index: u16::try_from(name_no).unwrap_or(u16::MAX),
                        tokens: tokens.into_boxed_slice(),
                        total_weight: 0.0,
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
        for name in &mut names {
            name.total_weight = name
                .tokens
                .iter()
                .map(|&t| dictionary.weight_of(t))
                .sum::<f64>() as f32;
        }
        names.shrink_to_fit();
        Index {
            dictionary,
            names,
            entities,
            lists: snapshots.iter().map(ListSnapshot::version_info).collect(),
            identifiers,
        }
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
        let names: usize = self.names.iter().map(|n| 40 + n.tokens.len() * 4).sum();
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

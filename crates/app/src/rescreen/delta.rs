//! The delta-aware core of continuous screening (pure: no I/O, no clock).
//!
//! A list change is reduced to the list entities it added, changed or removed, each keyed by list
//! and entity id and compared by a hash of the entity's whole record. Re-screening a customer
//! then asks only "could one of those entities be a hit?": its stored hits are checked against
//! the changed and removed keys, and its names are screened against a small index of the added
//! and changed entities. The small index's own scores mean little (its token rarities are not
//! the lists'), so it screens at a very low threshold only to find candidates, and each
//! candidate name is then scored with the token rarities of the whole index in force against
//! the lowest name score the qualifiers could lift to the threshold (less a slack). Only a customer that passes
//! is screened again in full, against the index in force, which decides exactly; every other
//! customer costs a few lookups in a tiny dictionary.

use std::collections::{BTreeMap, BTreeSet};

use cloudkyc_screening::{
    Entity, Index, ListId, ListSnapshot, Query, Rarity, ScreenOptions, SnapshotMeta, Token,
    normalize_name, score_pair_with,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The threshold the small index screens at: it only finds candidates. Its scores say little:
/// among a few entities every listed token is rare, and a query word it does not know weighs the
/// most, so "Mohammed Ali Zarqawi" scores 0.34 against "Zarqawi" there and 0.87 in the full
/// index. Any candidate sharing a near token is checked with the full index's rarities instead.
pub const CANDIDATE_THRESHOLD: f64 = 0.05;

/// How far below the lowest name score that can reach the threshold a candidate pair may score
/// (with the full index's rarities) and still be screened in full: pair scoring and the index's
/// scoring of a name differ slightly (the index normalises the list's name under the entity's
/// schema and joins split words per candidate).
pub const PAIR_SLACK: f64 = 0.1;

/// The lowest name score the date-of-birth (+20 % of the gap) and country (+10 %) qualifiers can
/// lift to `threshold`, as the engine computes it.
fn lowest_name_score(threshold: f64, query: &Query) -> f64 {
    let mut gap_kept = 1.0;
    if query.birth_date.is_some() {
        gap_kept *= 0.8;
    }
    if !query.countries.is_empty() {
        gap_kept *= 0.9;
    }
    if !query.identifiers.is_empty() {
        return 0.0;
    }
    (1.0 - (1.0 - threshold) / gap_kept).max(0.0)
}

/// A list entity, by list and the list's own id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EntityKey {
    pub list: String,
    pub entity_id: String,
}

impl EntityKey {
    pub fn new(list: impl Into<String>, entity_id: impl Into<String>) -> Self {
        Self {
            list: list.into(),
            entity_id: entity_id.into(),
        }
    }
}

/// SHA-256 (hex) of the entity's whole record as parsed: any change in a name, date, country,
/// identifier, address or program gives another hash.
pub fn entity_hash(entity: &Entity) -> String {
    let bytes = serde_json::to_vec(entity).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

/// Every entity of `index` with its list, in index order. The index stores the entities of its
/// snapshots one list after the other, and each list version counts its entities.
pub fn entities_of(index: &Index) -> Vec<(&ListId, &Entity)> {
    let mut out = Vec::with_capacity(index.entity_count());
    let mut position = 0;
    for version in index.list_versions() {
        for _ in 0..version.entity_count {
            if let Some(entity) = index.entity_ref(position).and_then(|r| index.entity(r)) {
                out.push((&version.list, entity));
            }
            position += 1;
        }
    }
    out
}

/// Every entity of `index` by key, with its record hash.
pub fn entity_hashes(index: &Index) -> BTreeMap<EntityKey, String> {
    entities_of(index)
        .into_iter()
        .map(|(list, e)| (EntityKey::new(list.as_str(), &e.id), entity_hash(e)))
        .collect()
}

/// What a list change did to the entities in force.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListDelta {
    /// Entities that are new or whose record changed.
    pub changed: BTreeSet<EntityKey>,
    /// Entities no longer on any list in force.
    pub removed: BTreeSet<EntityKey>,
}

impl ListDelta {
    /// The entities that differ between the index before and after a change.
    pub fn between(old: &Index, new: &Index) -> Self {
        Self::between_hashes(&entity_hashes(old), &entity_hashes(new))
    }

    pub fn between_hashes(
        old: &BTreeMap<EntityKey, String>,
        new: &BTreeMap<EntityKey, String>,
    ) -> Self {
        let changed = new
            .iter()
            .filter(|(key, hash)| old.get(*key) != Some(*hash))
            .map(|(key, _)| key.clone())
            .collect();
        let removed = old
            .keys()
            .filter(|key| !new.contains_key(*key))
            .cloned()
            .collect();
        Self { changed, removed }
    }

    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.removed.is_empty()
    }

    pub fn len(&self) -> usize {
        self.changed.len() + self.removed.len()
    }

    /// Whether `key` was added, changed or removed.
    pub fn touches(&self, key: &EntityKey) -> bool {
        self.changed.contains(key) || self.removed.contains(key)
    }
}

/// A delta ready to screen against: the small index of the changed entities as the index in
/// force holds them.
#[derive(Debug)]
pub struct DeltaScreen {
    delta: ListDelta,
    small: Index,
    /// Token rarities over every name of the index in force.
    rarity: Rarity,
    /// Every customer is screened in full (the lists before the change are unknown, or the
    /// change was too large to carry).
    full: bool,
}

impl DeltaScreen {
    /// Builds the small index from `current`'s records of the changed entities (an entity the
    /// delta names but `current` no longer holds counts as removed).
    pub fn new(mut delta: ListDelta, current: &Index) -> Self {
        let mut by_list: BTreeMap<&ListId, Vec<Entity>> = BTreeMap::new();
        let mut found = BTreeSet::new();
        let mut names: Vec<Vec<Token>> = Vec::with_capacity(current.name_count());
        for (list, entity) in entities_of(current) {
            names.extend(entity.names.iter().filter_map(|n| {
                let tokens = normalize_name(&n.text, entity.schema).tokens().to_vec();
                (!tokens.is_empty()).then_some(tokens)
            }));
            let key = EntityKey::new(list.as_str(), &entity.id);
            if delta.changed.contains(&key) {
                by_list.entry(list).or_default().push(entity.clone());
                found.insert(key);
            }
        }
        let gone: Vec<EntityKey> = delta.changed.difference(&found).cloned().collect();
        for key in gone {
            delta.changed.remove(&key);
            delta.removed.insert(key);
        }
        let snapshots: Vec<ListSnapshot> = current
            .list_versions()
            .iter()
            .filter_map(|version| {
                let entities = by_list.remove(&version.list)?;
                let mut meta = SnapshotMeta::new(version.list.clone());
                meta.version = Some(version.version.clone());
                Some(ListSnapshot::new(
                    &meta,
                    version.content_hash.clone(),
                    version.published,
                    entities,
                ))
            })
            .collect();
        Self {
            small: Index::build(&snapshots),
            delta,
            rarity: Rarity::from_token_lists(names.iter().map(Vec::as_slice)),
            full: false,
        }
    }

    /// A change of unknown extent: every customer is screened in full, and every hit counts as
    /// one on a changed entity.
    pub fn full() -> Self {
        Self {
            delta: ListDelta::default(),
            small: Index::build(&[]),
            rarity: Rarity::default(),
            full: true,
        }
    }

    /// Whether a hit on `key` is a hit on an entity the change added or changed.
    pub fn counts_as_changed(&self, key: &EntityKey) -> bool {
        self.full || self.delta.changed.contains(key)
    }

    pub fn delta(&self) -> &ListDelta {
        &self.delta
    }

    /// Whether a subject screened with `queries` (each with the threshold its schema takes),
    /// whose stored hits are `stored_hits`, needs a full screen: a stored hit on an entity the
    /// change touched, or a name that may hit a changed entity.
    pub fn needs_full_screen<'a>(
        &self,
        queries: &[(Query, f64)],
        mut stored_hits: impl Iterator<Item = &'a EntityKey>,
    ) -> bool {
        if self.full || stored_hits.any(|key| self.delta.touches(key)) {
            return true;
        }
        if self.small.entity_count() == 0 {
            return false;
        }
        queries.iter().any(|(query, threshold)| {
            let options = ScreenOptions {
                threshold: CANDIDATE_THRESHOLD,
                limit: 50,
                lists: Vec::new(),
            };
            let floor = lowest_name_score(*threshold, query) - PAIR_SLACK;
            self.small.screen(query, &options).iter().any(|hit| {
                self.small.entity(hit.entity).is_some_and(|entity| {
                    entity.names.iter().any(|name| {
                        score_pair_with(&self.rarity, &query.name, &name.text, query.schema).score
                            >= floor
                    })
                })
            })
        })
    }
}

//! The pure delta: which entities a change touched, and which customers it can concern.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use cloudkyc_screening::{
    ContentHash, CountryCode, Entity, Index, ListId, ListSnapshot, NameKind, PartialDate, Query,
    Schema, ScreenOptions, SnapshotMeta,
};

use super::delta::{DeltaScreen, EntityKey, ListDelta, entity_hash};

fn person(id: &str, name: &str) -> Entity {
    let mut e = Entity::new(id, Schema::Person);
    e.add_name(name, NameKind::Primary);
    e
}

fn index(lists: &[(&str, Vec<Entity>)]) -> Index {
    let snapshots: Vec<ListSnapshot> = lists
        .iter()
        .map(|(list, entities)| {
            let meta = SnapshotMeta::new(ListId::new(list).unwrap());
            let hash = ContentHash::of(format!("{list}{}", entities.len()).as_bytes());
            ListSnapshot::new(&meta, hash, None, entities.clone())
        })
        .collect();
    Index::build(&snapshots)
}

fn key(list: &str, id: &str) -> EntityKey {
    EntityKey::new(list, id)
}

fn query(name: &str) -> (Query, f64) {
    let query = Query::name(name)
        .with_schema(Schema::Person)
        .with_country(CountryCode::from_code_or_name("DE").unwrap())
        .with_birth_date(PartialDate::parse_iso("1980-01-02").unwrap());
    (query, 0.8)
}

/// A few hundred common names, so token rarities mean something.
fn crowd() -> Vec<Entity> {
    let given = [
        "Mohammed", "Ali", "Ahmed", "Hassan", "Omar", "Yusuf", "Ibrahim", "Khalid",
    ];
    let family = [
        "Rahman", "Karimi", "Haddad", "Nasser", "Saleh", "Mansour", "Farouk",
    ];
    let mut out = Vec::new();
    for (i, g) in given.iter().enumerate() {
        for (j, f) in family.iter().enumerate() {
            out.push(person(&format!("c{i}-{j}"), &format!("{g} {f}")));
            out.push(person(&format!("d{i}-{j}"), &format!("{g} Ali {f}")));
        }
    }
    out
}

#[test]
fn the_delta_names_added_changed_and_removed_entities_by_list() {
    let mut moved = person("2", "Ivan Petrov");
    moved.add_address("1 Quay Street");
    let old = index(&[
        (
            "alpha",
            vec![
                person("1", "Zoltan Krasnapolsky"),
                person("2", "Ivan Petrov"),
            ],
        ),
        ("beta", vec![person("1", "Henrietta Vulpius")]),
    ]);
    let new = index(&[
        (
            "alpha",
            vec![
                person("1", "Zoltan Krasnapolsky"),
                moved,
                person("3", "Ana Lima"),
            ],
        ),
        ("beta", Vec::new()),
    ]);
    let delta = ListDelta::between(&old, &new);
    assert_eq!(
        delta.changed,
        BTreeSet::from([key("alpha", "2"), key("alpha", "3")])
    );
    assert_eq!(
        delta.removed,
        BTreeSet::from([key("beta", "1")]),
        "ids are per list"
    );
    assert!(ListDelta::between(&new, &new).is_empty());
    assert_ne!(
        entity_hash(&person("2", "Ivan Petrov")),
        entity_hash(&person("2", "Ivan Petrova"))
    );
}

#[test]
fn only_customers_the_change_can_concern_are_screened_in_full() {
    let mut before = crowd();
    before.push(person("z", "Ivan Petrov"));
    let mut after = before.clone();
    let mut zarqawi = person("new", "Zarqawi");
    zarqawi.add_birth_date(PartialDate::parse_iso("1980-01-02").unwrap());
    zarqawi.add_nationality(CountryCode::from_code_or_name("DE").unwrap());
    after.push(zarqawi);
    let (old, new) = (index(&[("alpha", before)]), index(&[("alpha", after)]));
    let screen = DeltaScreen::new(ListDelta::between(&old, &new), &new);
    assert_eq!(
        screen.delta().changed,
        BTreeSet::from([key("alpha", "new")])
    );
    let none = std::iter::empty();
    // Every name the full index finds the new entry for is flagged, although the small index
    // alone scores them far below (its rarities are not the lists').
    for name in [
        "Mohammed Ali Zarqawi",
        "Mohammed Ali Hassan Zarqawi",
        "Zarqawi",
        "Zarkawi",
    ] {
        let (q, t) = query(name);
        let options = ScreenOptions {
            threshold: t,
            limit: 5,
            lists: Vec::new(),
        };
        assert!(
            new.screen(&q, &options)
                .iter()
                .any(|h| h.entity_id == "new"),
            "{name}"
        );
        assert!(
            screen.needs_full_screen(&[query(name)], none.clone()),
            "{name}"
        );
    }
    assert!(screen.needs_full_screen(&[query("Jo Example"), query("Zarqawi")], none.clone()));
    // Names hitting only unchanged entries, or sharing only common words with the new one.
    for name in [
        "Mohammed Rahman",
        "Ivan Petrov",
        "Mohammed Ali",
        "Jo Example",
    ] {
        assert!(
            !screen.needs_full_screen(&[query(name)], none.clone()),
            "{name}"
        );
    }
    let stored = [key("alpha", "new")];
    assert!(screen.needs_full_screen(&[query("Jo Example")], stored.iter()));
    let stored = [key("alpha", "z")];
    assert!(!screen.needs_full_screen(&[query("Jo Example")], stored.iter()));
}

#[test]
fn an_entity_gone_from_the_index_in_force_counts_as_removed() {
    let current = index(&[("alpha", vec![person("1", "Ana Lima")])]);
    let delta = ListDelta {
        changed: BTreeSet::from([key("alpha", "1"), key("alpha", "9")]),
        removed: BTreeSet::new(),
    };
    let screen = DeltaScreen::new(delta, &current);
    assert_eq!(screen.delta().changed, BTreeSet::from([key("alpha", "1")]));
    assert_eq!(screen.delta().removed, BTreeSet::from([key("alpha", "9")]));
}

#[test]
fn a_change_of_unknown_extent_screens_everyone_in_full() {
    let screen = DeltaScreen::full();
    assert!(screen.needs_full_screen(&[query("Jo Example")], std::iter::empty()));
    assert!(screen.counts_as_changed(&key("alpha", "1")));
}

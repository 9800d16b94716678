use cloudkyc_screening::{Index, Query, Schema, ScreenOptions, normalize_name, score_pair};
use proptest::prelude::*;

use super::hits::INDEX;

fn schema() -> impl Strategy<Value = Schema> {
    prop_oneof![
        Just(Schema::Person),
        Just(Schema::Organization),
        Just(Schema::Vessel),
        Just(Schema::Unknown)
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,40}",
        "[A-Za-z ,.'-]{1,40}",
        "[А-Яа-я ]{1,30}",
        "[0-9A-Z &,.]{1,30}",
        Just("PUTIN, Vladimir Vladimirovich".to_owned()),
        Just("Public Limited Company".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn normalisation_is_idempotent(text in name(), schema in schema()) {
        let once = normalize_name(&text, schema);
        let twice = normalize_name(&once.text(), schema);
        prop_assert_eq!(once, twice);
    }

    #[test]
    fn pair_scores_are_symmetric_and_bounded(a in name(), b in name()) {
        let ab = score_pair(&a, &b, None).score;
        let ba = score_pair(&b, &a, None).score;
        prop_assert!((0.0..=1.0).contains(&ab));
        prop_assert!((ab - ba).abs() < 1e-9, "{} vs {}", ab, ba);
        if normalize_name(&a, Schema::Unknown).is_empty() {
            prop_assert_eq!(ab, 0.0);
        }
    }

    #[test]
    fn every_alias_matches_its_own_entity_at_one(pick in 0usize..1_000_000) {
        let index: &Index = &INDEX;
        let entity_no = pick % index.entity_count();
        let hit_for = |name: &str, schema: Schema| {
            let options = ScreenOptions { threshold: 0.0, limit: usize::MAX, lists: Vec::new() };
            index.screen(&Query::name(name).with_schema(schema), &options)
        };
        let handle = entity_ref(index, entity_no);
        let Some(entity) = index.entity(handle).cloned() else { return Ok(()) };
        for alias in &entity.names {
            if normalize_name(&alias.text, entity.schema).is_empty() {
                continue;
            }
            let hits = hit_for(&alias.text, entity.schema);
            let own = hits.iter().find(|h| h.entity == handle);
            prop_assert!(own.is_some_and(|h| h.score == 1.0), "alias {:?} of {} scored {:?}", alias.text, entity.id, own.map(|h| h.score));
        }
    }
}

fn entity_ref(index: &Index, position: usize) -> cloudkyc_screening::EntityRef {
    index
        .entity_ref(position)
        .expect("position within the index")
}

#![no_main]
//! Normalisation must not panic, must be idempotent, and pair scores must stay in [0, 1].
use cloudkyc_screening::{Schema, normalize_name, score_pair_with, Rarity};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for schema in [Schema::Person, Schema::Organization, Schema::Vessel, Schema::Unknown] {
        let once = normalize_name(&text, schema);
        assert_eq!(normalize_name(&once.text(), schema), once);
    }
    let (a, b) = text.split_at(text.char_indices().nth(text.chars().count() / 2).map_or(0, |(i, _)| i));
    let score = score_pair_with(&Rarity::default(), a, b, None).score;
    assert!((0.0..=1.0).contains(&score));
});

use std::sync::LazyLock;

use cloudkyc_screening::bundled::default_snapshots;
use cloudkyc_screening::{
    ALGORITHM_VERSION, DEFAULT_THRESHOLD, IdKind, Identifier, Index, PartialDate, Qualifier, Query,
    Schema, ScreenOptions, score_pair,
};

pub(crate) static INDEX: LazyLock<Index> =
    LazyLock::new(|| Index::build(&default_snapshots().expect("bundled lists parse")));

#[test]
fn exact_sdn_name_is_a_certain_hit_with_explanation() {
    let hits = INDEX.screen(
        &Query::name("Banco Nacional de Cuba"),
        &ScreenOptions::default(),
    );
    let top = hits.first().expect("a hit");
    assert_eq!(
        (top.list.as_str(), top.entity_id.as_str()),
        ("ofac_sdn", "306")
    );
    assert_eq!(top.score, 1.0);
    let pairs: Vec<(&str, &str)> = top
        .explanation
        .name
        .pairs
        .iter()
        .map(|p| (p.query.as_str(), p.candidate.as_str()))
        .collect();
    assert_eq!(pairs.len(), 4, "{pairs:?}");
    assert!(pairs.contains(&("cuba", "cuba")));
    assert!(top.explanation.name.unmatched_query.is_empty());
    assert!(!ALGORITHM_VERSION.is_empty());
}

#[test]
fn reordered_and_misspelled_names_still_hit_below_one() {
    let hits = INDEX.screen(
        &Query::name("Banko Nacional de Kuba"),
        &ScreenOptions::default(),
    );
    let top = hits.first().expect("a hit");
    assert_eq!(top.entity_id, "306");
    assert!(
        top.score < 1.0 && top.score >= DEFAULT_THRESHOLD,
        "score {}",
        top.score
    );
    assert!(
        top.explanation
            .name
            .pairs
            .iter()
            .any(|p| p.similarity < 1.0)
    );
}

#[test]
fn cyrillic_query_finds_the_latin_entry() {
    // ABU TEIR (OFAC consolidated) written in Arabic script would be too hard; a Cyrillic
    // transliteration of a UN entry is the realistic cross-script case.
    let hits = INDEX.screen(&Query::name("Эрик Бадеге"), &ScreenOptions::default());
    assert!(
        hits.iter().any(|h| h.primary_name == "ERIC BADEGE"),
        "{hits:?}"
    );
}

#[test]
fn identifiers_short_circuit() {
    let passport = Identifier::new(IdKind::Passport, "836238033", None).expect("id");
    let hits = INDEX.screen(
        &Query::name("Someone Else Entirely").with_identifier(passport),
        &ScreenOptions::default(),
    );
    let top = hits.first().expect("identifier hit");
    assert_eq!(top.entity_id, "52291");
    assert_eq!(top.score, 1.0);
    assert!(
        top.explanation
            .qualifiers
            .iter()
            .any(|q| q.qualifier == Qualifier::IdentifierMatch)
    );
}

#[test]
fn qualifiers_move_the_score_and_are_explained() {
    let options = ScreenOptions {
        threshold: 0.0,
        ..ScreenOptions::default()
    };
    let base = Query::name("HANIYA, Ismail Abdul Salah").with_schema(Schema::Person);
    let plain = INDEX.screen(&base, &options);
    let wrong_dob = INDEX.screen(
        &base
            .clone()
            .with_birth_date(PartialDate::year(1990).expect("date")),
        &options,
    );
    let find = |hits: &[cloudkyc_screening::Hit]| {
        hits.iter()
            .find(|h| h.entity_id == "9639")
            .map(|h| (h.score, h.explanation.qualifiers.clone()))
    };
    let (plain_score, _) = find(&plain).expect("plain hit");
    let (dob_score, effects) = find(&wrong_dob).expect("dob hit");
    assert_eq!(plain_score, 1.0);
    assert!(dob_score < plain_score);
    assert!(
        effects
            .iter()
            .any(|e| e.qualifier == Qualifier::BirthDateMismatch)
    );
    let as_org = INDEX.screen(
        &Query::name("HANIYA, Ismail Abdul Salah").with_schema(Schema::Organization),
        &options,
    );
    let (org_score, org_effects) = find(&as_org).expect("org hit");
    assert!(
        org_score < 1.0
            && org_effects
                .iter()
                .any(|e| e.qualifier == Qualifier::SchemaMismatch)
    );
}

#[test]
fn field_failures_of_other_engines_do_not_repeat() {
    // digits are significant
    assert!(score_pair("BELLETECH CORP", "11420 CORP.", None).score < 0.3);
    assert!(score_pair("7TH OF TIR", "8TH OF TIR", None).score < DEFAULT_THRESHOLD);
    // common words and legal forms do not carry the score
    assert!(score_pair("EMMA LLC", "emma daniels", None).score < DEFAULT_THRESHOLD);
    assert!(score_pair("George Bush", "George Habbash", None).score < DEFAULT_THRESHOLD);
    // exact is 1, near is below 1 and ordered by evidence
    assert_eq!(
        score_pair("PUTIN, Vladimir", "Vladimir Putin", None).score,
        1.0
    );
    let typo = score_pair("VLADIMR PUTIN", "Vladimir Putin", None).score;
    let other = score_pair("VLADIMIR PUTIN", "Vladimir Turin", None).score;
    assert!(typo < 1.0 && typo > other, "typo {typo}, other {other}");
}

#[test]
fn no_list_is_silently_missing() {
    let ids: Vec<&str> = INDEX
        .list_versions()
        .iter()
        .map(|v| v.list.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "ofac_sdn",
            "ofac_cons",
            "un_sc",
            "bis_dpl",
            "csl",
            "csl_2019"
        ]
    );
    assert!(
        INDEX
            .list_versions()
            .iter()
            .all(|v| v.entity_count > 0 && v.content_hash.as_str().len() == 64)
    );
}

//! Evidence beyond the name: identifiers, schema, date of birth, country.
//!
//! Penalties multiply the name score; confirmations close part of the remaining gap to 1, so a
//! confirmed non-exact name still scores below 1 and an exact name stays at 1.

use crate::model::{DateAgreement, Entity};

use super::explain::{Qualifier, QualifierEffect};
use super::query::Query;

pub(crate) const SCHEMA_MISMATCH_FACTOR: f64 = 0.7;
pub(crate) const DOB_MISMATCH_FACTOR: f64 = 0.7;
pub(crate) const DOB_NEAR_FACTOR: f64 = 0.95;
pub(crate) const DOB_MATCH_GAP_CLOSED: f64 = 0.2;
pub(crate) const COUNTRY_MISMATCH_FACTOR: f64 = 0.9;
pub(crate) const COUNTRY_MATCH_GAP_CLOSED: f64 = 0.1;

/// The lowest name score that the query's qualifiers could still lift to `threshold` (a date of
/// birth and a country can each close part of the gap to 1; an identifier can make any name a
/// certain match). Candidates whose name score is certainly below it need no exact score.
pub(crate) fn lowest_name_score_reaching(threshold: f64, query: &Query) -> f64 {
    if !query.identifiers.is_empty() {
        return 0.0;
    }
    let mut gap_kept = 1.0;
    if query.birth_date.is_some() {
        gap_kept *= 1.0 - DOB_MATCH_GAP_CLOSED;
    }
    if !query.countries.is_empty() {
        gap_kept *= 1.0 - COUNTRY_MATCH_GAP_CLOSED;
    }
    // A hair below, so rounding never drops a name that reaches the threshold exactly.
    (1.0 - (1.0 - threshold) / gap_kept - 1e-9).max(0.0)
}

/// The schema qualifier alone (what [`apply`] does when the query has nothing else).
pub(crate) fn schema_factor(query: &Query, entity: &Entity) -> f64 {
    match query.schema {
        Some(schema) if schema.conflicts_with(entity.schema) => SCHEMA_MISMATCH_FACTOR,
        _ => 1.0,
    }
}

pub(crate) fn apply(
    name_score: f64,
    query: &Query,
    entity: &Entity,
) -> (f64, Vec<QualifierEffect>) {
    qualify(name_score, query, entity, true)
}

/// The qualified score alone: [`apply`] without writing the effects' details (screening
/// qualifies every entity found, and explains only the hits it returns).
pub(crate) fn score(name_score: f64, query: &Query, entity: &Entity) -> f64 {
    qualify(name_score, query, entity, false).0
}

/// The one implementation of both: `explain` decides only whether the effects are recorded.
fn qualify(
    name_score: f64,
    query: &Query,
    entity: &Entity,
    explain: bool,
) -> (f64, Vec<QualifierEffect>) {
    let mut effects = Vec::new();
    let mut score = name_score;
    let mut record =
        |qualifier: Qualifier, detail: &dyn Fn() -> String, after: f64, score: &mut f64| {
            if explain {
                effects.push(QualifierEffect {
                    qualifier,
                    detail: detail(),
                    before: *score,
                    after,
                });
            }
            *score = after;
        };
    if let Some(id) = query.identifiers.iter().find(|q| {
        entity
            .identifiers
            .iter()
            .any(|e| e.matches(q) && (q.kind().is_decisive() || e.kind().is_decisive()))
    }) {
        record(
            Qualifier::IdentifierMatch,
            &|| format!("{:?} {} is on the list entry", id.kind(), id.value()),
            1.0,
            &mut score,
        );
        return (score, effects);
    }
    if let Some(schema) = query.schema
        && schema.conflicts_with(entity.schema)
    {
        let after = score * SCHEMA_MISMATCH_FACTOR;
        record(
            Qualifier::SchemaMismatch,
            &|| format!("query is a {schema}, list entry a {}", entity.schema),
            after,
            &mut score,
        );
    }
    if let Some(dob) = query.birth_date
        && !entity.birth_dates.is_empty()
    {
        let best = entity
            .birth_dates
            .iter()
            .map(|d| dob.agreement(d))
            .min_by_key(|a| match a {
                DateAgreement::Same => 0,
                DateAgreement::Near => 1,
                DateAgreement::Different => 2,
            })
            .unwrap_or(DateAgreement::Different);
        let listed = || {
            entity
                .birth_dates
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (qualifier, after) = match best {
            DateAgreement::Same => (
                Qualifier::BirthDateMatch,
                score + (1.0 - score) * DOB_MATCH_GAP_CLOSED,
            ),
            DateAgreement::Near => (Qualifier::BirthDateNear, score * DOB_NEAR_FACTOR),
            DateAgreement::Different => (Qualifier::BirthDateMismatch, score * DOB_MISMATCH_FACTOR),
        };
        record(
            qualifier,
            &|| format!("query {dob}, listed {}", listed()),
            after,
            &mut score,
        );
    }
    // Most queries name no country: the entity's countries are not even collected.
    let listed: Vec<_> = if query.countries.is_empty() {
        Vec::new()
    } else {
        entity.all_countries().collect()
    };
    if !query.countries.is_empty() && !listed.is_empty() {
        let overlap = query.countries.iter().find(|c| listed.contains(c));
        let listed_text = || {
            listed
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match overlap {
            Some(c) => {
                let after = score + (1.0 - score) * COUNTRY_MATCH_GAP_CLOSED;
                record(
                    Qualifier::CountryMatch,
                    &|| format!("{c} is among {}", listed_text()),
                    after,
                    &mut score,
                );
            }
            None => {
                let after = score * COUNTRY_MISMATCH_FACTOR;
                record(
                    Qualifier::CountryMismatch,
                    &|| format!("none of the query's countries among {}", listed_text()),
                    after,
                    &mut score,
                );
            }
        }
    }
    (score.clamp(0.0, 1.0), effects)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        CountryCode, EntityName, IdKind, Identifier, NameKind, PartialDate, Schema,
    };

    #[test]
    fn the_score_alone_is_the_explained_score() {
        let country = |c: &str| CountryCode::from_alpha2(c).expect("country");
        let entity = Entity {
            id: "1".to_owned(),
            schema: Schema::Person,
            names: vec![EntityName {
                text: "Ivan Petrov".to_owned(),
                kind: NameKind::Primary,
            }],
            birth_dates: vec![PartialDate::year(1970).expect("date")],
            nationalities: vec![country("RU")],
            countries: vec![country("CY")],
            identifiers: vec![Identifier::new(IdKind::Passport, "AB123456", None).expect("id")],
            addresses: Vec::new(),
            programs: Vec::new(),
        };
        let base = Query::name("Ivan Petrov");
        let queries = [
            base.clone(),
            base.clone().with_schema(Schema::Organization),
            base.clone()
                .with_birth_date(PartialDate::year(1970).expect("date")),
            base.clone()
                .with_birth_date(PartialDate::year(1990).expect("date"))
                .with_country(country("CY")),
            base.clone().with_country(country("FR")),
            base.with_identifier(Identifier::new(IdKind::Passport, "ab-123456", None).expect("id")),
        ];
        for query in &queries {
            for name_score in [0.0, 0.55, 0.8, 0.97, 1.0] {
                let (explained, effects) = apply(name_score, query, &entity);
                assert_eq!(score(name_score, query, &entity), explained, "{query:?}");
                let last = effects.last().map_or(name_score, |e| e.after);
                assert!((last - explained).abs() < 1e-12, "{query:?} {effects:?}");
            }
        }
        // the qualifiers do move the scores in these cases
        assert!(apply(0.8, &queries[1], &entity).0 < 0.8);
        assert!(apply(0.8, &queries[2], &entity).0 > 0.8);
        assert_eq!(apply(0.5, &queries[5], &entity).0, 1.0);
    }
}

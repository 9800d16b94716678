//! Comparison of a parsed zone with what the customer submitted: every check digit, then each
//! field. Each comparison is one [`CheckResult`] named `mrz_*`.

use chrono::NaiveDate;

use super::Mrz;
use super::transliterate::{mrz_token_variants, tokens_match};
use crate::cip::check::CheckResult;
use crate::cip::country::{CountryCode, describe_countries};
use crate::cip::document::{DocumentKind, DocumentNumber};
use crate::cip::name::PersonName;

/// The submitted facts a zone is compared with: the document's own fields and its holder's.
#[derive(Debug, Clone, Copy)]
pub struct SubmittedDocument<'a> {
    pub kind: DocumentKind,
    pub number: &'a DocumentNumber,
    pub issuing_country: CountryCode,
    pub expires: Option<NaiveDate>,
    pub holder_name: &'a PersonName,
    pub holder_date_of_birth: Option<NaiveDate>,
    pub holder_nationalities: &'a [CountryCode],
}

/// All checks of `mrz` against `submitted`, in a fixed order: check digits, document type,
/// number, issuing country, nationality, birth date, expiry date (and that the zone's expiry
/// has not passed on `today`), name.
pub fn compare_with_submitted(
    mrz: &Mrz,
    submitted: &SubmittedDocument<'_>,
    today: NaiveDate,
) -> Vec<CheckResult> {
    let mut results: Vec<CheckResult> = mrz
        .check_digits()
        .iter()
        .map(|digit| {
            let name = format!("mrz_check_digit_{}", digit.field.as_str());
            let detail = format!("printed {}, computed {}", digit.printed, digit.computed);
            CheckResult::pass_if(digit.valid, &name, detail)
        })
        .collect();
    results.push(CheckResult::pass_if(
        submitted.kind.accepts_mrz_code(mrz.document_code()),
        "mrz_document_type",
        format!(
            "zone document code {:?}; submitted as {}",
            mrz.document_code(),
            submitted.kind
        ),
    ));
    results.push(CheckResult::pass_if(
        mrz.document_number() == submitted.number.as_str(),
        "mrz_document_number",
        format!(
            "zone {}; submitted {}",
            mrz.document_number(),
            submitted.number
        ),
    ));
    results.push(country_check(
        "mrz_issuing_country",
        mrz.issuing_state(),
        std::slice::from_ref(&submitted.issuing_country),
    ));
    results.push(if submitted.holder_nationalities.is_empty() {
        CheckResult::not_applicable(
            "mrz_nationality",
            format!(
                "no nationality submitted; the zone states {}",
                mrz.nationality().code()
            ),
        )
    } else {
        country_check(
            "mrz_nationality",
            mrz.nationality(),
            submitted.holder_nationalities,
        )
    });
    results.push(match submitted.holder_date_of_birth {
        None => CheckResult::not_applicable("mrz_birth_date", "no date of birth submitted"),
        Some(born) => CheckResult::pass_if(
            mrz.birth_date().agrees_with(born),
            "mrz_birth_date",
            format!("zone {}; submitted {born}", mrz.birth_date().raw()),
        ),
    });
    results.push(match submitted.expires {
        None => CheckResult::not_applicable("mrz_expiry_date", "no expiry date submitted"),
        Some(expires) => CheckResult::pass_if(
            mrz.expiry_date().agrees_with(expires),
            "mrz_expiry_date",
            format!("zone {}; submitted {expires}", mrz.expiry_date().raw()),
        ),
    });
    results.push(match mrz.expiry_date().as_expiry_date(today) {
        None => CheckResult::fail(
            "mrz_not_expired",
            format!("zone expiry {} is not a date", mrz.expiry_date().raw()),
        ),
        Some(expiry) => CheckResult::pass_if(
            expiry >= today,
            "mrz_not_expired",
            format!("zone expiry {expiry}; checked on {today}"),
        ),
    });
    results.push(name_check(mrz, submitted.holder_name));
    results
}

fn country_check(
    name: &str,
    printed: &super::MrzCountry,
    submitted: &[CountryCode],
) -> CheckResult {
    let detail = format!(
        "zone {}; submitted {}",
        printed.code(),
        describe_countries(submitted)
    );
    match printed.country() {
        Some(country) => CheckResult::pass_if(submitted.contains(&country), name, detail),
        None => CheckResult::fail(
            name,
            format!("{detail}; the zone's code names no ISO country"),
        ),
    }
}

/// The zone's name against the submitted full name, the given + family names and every other
/// name: one of them must match.
fn name_check(mrz: &Mrz, name: &PersonName) -> CheckResult {
    const CHECK: &str = "mrz_name";
    let zone = mrz.name();
    let components: Vec<&str> = zone.components().collect();
    let mut candidates: Vec<String> = vec![name.full().as_str().to_owned()];
    if let (Some(given), Some(family)) = (name.given(), name.family()) {
        candidates.push(format!("{given} {family}"));
    }
    candidates.extend(
        name.other_names()
            .iter()
            .map(|other| other.as_str().to_owned()),
    );
    let detail_zone = format!("zone {} / {}", zone.primary, zone.secondary);
    let mut comparable = false;
    for candidate in &candidates {
        let Some(variants) = mrz_token_variants(candidate) else {
            continue;
        };
        comparable = true;
        if variants
            .iter()
            .any(|tokens| tokens_match(&components, tokens, zone.truncated))
        {
            return CheckResult::pass(
                CHECK,
                format!("{detail_zone}; matches submitted \"{candidate}\""),
            );
        }
    }
    if comparable {
        CheckResult::fail(
            CHECK,
            format!(
                "{detail_zone}; submitted \"{}\" and its other names differ",
                name.full()
            ),
        )
    } else {
        CheckResult::cannot_run(
            CHECK,
            format!(
                "{detail_zone}; no submitted name is written in Latin script, so none can be compared"
            ),
        )
    }
}

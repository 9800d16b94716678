//! Validation of the pieces a customer and its owners share: names, addresses, contacts,
//! documents and personal facts. Each function records its problems and returns what parsed.

use chrono::NaiveDate;

use crate::cip::address::Address;
use crate::cip::country::CountryCode;
use crate::cip::customer::{ContactDetails, PersonFacts};
use crate::cip::dates::DateOfBirth;
use crate::cip::document::{DocumentNumber, ExpiryDate, IdentityDocument};
use crate::cip::draft::{AddressDraft, DocumentDraft, NameDraft};
use crate::cip::email::Email;
use crate::cip::field_error::{ErrorCode, Path, Problems};
use crate::cip::mrz::Mrz;
use crate::cip::name::{
    MAX_FULL_NAME_CHARS, MAX_NAME_PART_CHARS, MAX_OTHER_NAMES, NameText, PersonName,
};
use crate::cip::phone::PhoneNumber;
use crate::cip::text::{MAX_TEXT_CHARS, ShortText};

use super::limits::{MAX_ADDRESSES, MAX_CONTACTS, MAX_DOCUMENTS, MAX_NATIONALITIES};

/// The items of `list` up to `max`, recording one problem for the excess so that a hostile body
/// with a million entries costs no more than one with `max`.
pub(super) fn bounded<'a, T>(
    list: &'a [T],
    max: usize,
    path: &Path,
    problems: &mut Problems,
) -> &'a [T] {
    if list.len() > max {
        problems.push(
            path,
            ErrorCode::TooMany,
            format!("has {} entries; at most {max} are accepted", list.len()),
        );
    }
    list.get(..max).unwrap_or(list)
}

pub(super) fn optional_text(
    value: Option<&String>,
    max: usize,
    path: &Path,
    problems: &mut Problems,
) -> Option<ShortText> {
    value.and_then(|text| problems.take(path, ShortText::parse(text, max)))
}

pub(super) fn required_text(
    value: &str,
    max: usize,
    path: &Path,
    problems: &mut Problems,
) -> Option<ShortText> {
    problems.take(path, ShortText::parse(value, max))
}

/// `given` and `family` exist only for people; for an entity they are refused.
pub(super) fn name(
    draft: &NameDraft,
    is_person: bool,
    path: &Path,
    problems: &mut Problems,
) -> Option<PersonName> {
    let full = problems.take(
        &path.key("full"),
        NameText::parse(&draft.full, MAX_FULL_NAME_CHARS),
    );
    let mut part = |value: Option<&String>, key: &str| -> Option<NameText> {
        let value = value?;
        let part_path = path.key(key);
        if !is_person {
            problems.push(
                &part_path,
                ErrorCode::NotAllowed,
                "applies to individuals only; give an entity's name in full",
            );
            return None;
        }
        problems.take(&part_path, NameText::parse(value, MAX_NAME_PART_CHARS))
    };
    let given = part(draft.given.as_ref(), "given");
    let family = part(draft.family.as_ref(), "family");
    let others_path = path.key("other_names");
    let others: Vec<NameText> =
        bounded(&draft.other_names, MAX_OTHER_NAMES, &others_path, problems)
            .iter()
            .enumerate()
            .filter_map(|(i, other)| {
                problems.take(
                    &others_path.index(i),
                    NameText::parse(other, MAX_NAME_PART_CHARS),
                )
            })
            .collect();
    PersonName::new(full?, given, family, others).ok()
}

pub(super) fn country(value: &str, path: &Path, problems: &mut Problems) -> Option<CountryCode> {
    problems.take(path, CountryCode::parse(value))
}

/// Repeated countries are merged silently: saying "NG" twice is not an error worth a 422.
pub(super) fn countries(
    values: &[String],
    path: &Path,
    problems: &mut Problems,
) -> Vec<CountryCode> {
    let mut parsed: Vec<CountryCode> = Vec::new();
    for (i, value) in bounded(values, MAX_NATIONALITIES, path, problems)
        .iter()
        .enumerate()
    {
        if let Some(code) = country(value, &path.index(i), problems)
            && !parsed.contains(&code)
        {
            parsed.push(code);
        }
    }
    parsed
}

fn address(draft: &AddressDraft, path: &Path, problems: &mut Problems) -> Option<Address> {
    let line1 = required_text(&draft.line1, MAX_TEXT_CHARS, &path.key("line1"), problems);
    let line2 = optional_text(
        draft.line2.as_ref(),
        MAX_TEXT_CHARS,
        &path.key("line2"),
        problems,
    );
    let city = required_text(&draft.city, MAX_TEXT_CHARS, &path.key("city"), problems);
    let region = optional_text(
        draft.region.as_ref(),
        MAX_TEXT_CHARS,
        &path.key("region"),
        problems,
    );
    let postal_code = optional_text(
        draft.postal_code.as_ref(),
        32,
        &path.key("postal_code"),
        problems,
    );
    let country = country(&draft.country, &path.key("country"), problems);
    Some(Address {
        line1: line1?,
        line2,
        city: city?,
        region,
        postal_code,
        country: country?,
    })
}

fn document(
    draft: &DocumentDraft,
    today: NaiveDate,
    path: &Path,
    problems: &mut Problems,
) -> Option<IdentityDocument> {
    let number = problems.take(&path.key("number"), DocumentNumber::parse(&draft.number));
    let issuing_country = country(
        &draft.issuing_country,
        &path.key("issuing_country"),
        problems,
    );
    let expires_path = path.key("expires");
    let expires = match &draft.expires {
        Some(text) => problems.take(&expires_path, ExpiryDate::parse(text, today)),
        None if draft.kind.requires_expiry() => {
            problems.push(
                &expires_path,
                ErrorCode::Required,
                format!("is required for a {}", draft.kind),
            );
            None
        }
        None => None,
    };
    let mrz = draft
        .mrz
        .as_ref()
        .and_then(|lines| problems.take(&path.key("mrz"), Mrz::parse(lines)));
    Some(IdentityDocument {
        kind: draft.kind,
        number: number?,
        issuing_country: issuing_country?,
        expires,
        mrz,
    })
}

/// The draft's contact lists, validated under `path` (the customer root or an owner).
pub(super) struct ContactDrafts<'a> {
    pub addresses: &'a [AddressDraft],
    pub emails: &'a [String],
    pub phones: &'a [String],
    pub documents: &'a [DocumentDraft],
}

pub(super) fn contact(
    drafts: &ContactDrafts<'_>,
    today: NaiveDate,
    path: &Path,
    problems: &mut Problems,
) -> ContactDetails {
    let addresses_path = path.key("addresses");
    let addresses = bounded(drafts.addresses, MAX_ADDRESSES, &addresses_path, problems)
        .iter()
        .enumerate()
        .filter_map(|(i, draft)| address(draft, &addresses_path.index(i), problems))
        .collect();
    let emails_path = path.key("emails");
    let mut emails: Vec<Email> = Vec::new();
    for (i, text) in bounded(drafts.emails, MAX_CONTACTS, &emails_path, problems)
        .iter()
        .enumerate()
    {
        if let Some(email) = problems.take(&emails_path.index(i), Email::parse(text))
            && !emails.contains(&email)
        {
            emails.push(email);
        }
    }
    let phones_path = path.key("phones");
    let mut phones: Vec<PhoneNumber> = Vec::new();
    for (i, text) in bounded(drafts.phones, MAX_CONTACTS, &phones_path, problems)
        .iter()
        .enumerate()
    {
        if let Some(phone) = problems.take(&phones_path.index(i), PhoneNumber::parse(text))
            && !phones.contains(&phone)
        {
            phones.push(phone);
        }
    }
    let documents_path = path.key("documents");
    let documents = bounded(drafts.documents, MAX_DOCUMENTS, &documents_path, problems)
        .iter()
        .enumerate()
        .filter_map(|(i, draft)| document(draft, today, &documents_path.index(i), problems))
        .collect();
    ContactDetails {
        addresses,
        emails,
        phones,
        documents,
    }
}

pub(super) fn person_facts(
    date_of_birth: Option<&String>,
    nationalities: &[String],
    us_permanent_resident: Option<bool>,
    today: NaiveDate,
    path: &Path,
    problems: &mut Problems,
) -> PersonFacts {
    let date_of_birth = date_of_birth.and_then(|text| {
        problems.take(&path.key("date_of_birth"), DateOfBirth::parse(text, today))
    });
    let nationalities = countries(nationalities, &path.key("nationalities"), problems);
    PersonFacts {
        date_of_birth,
        nationalities,
        us_permanent_resident,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_truncates_and_reports_once() {
        let mut problems = Problems::default();
        let list = vec![1, 2, 3, 4];
        assert_eq!(
            bounded(&list, 2, &Path::root().key("xs"), &mut problems),
            &[1, 2]
        );
        assert_eq!(
            bounded(&list, 9, &Path::root().key("ys"), &mut problems),
            &[1, 2, 3, 4]
        );
        let errors = problems.into_vec();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].path.as_str(), errors[0].code),
            ("/xs", ErrorCode::TooMany)
        );
    }

    #[test]
    fn countries_merge_duplicates_and_report_bad_entries_by_index() {
        let mut problems = Problems::default();
        let values: Vec<String> = ["ng", "NG", "ZZ", "AE"].map(String::from).to_vec();
        let parsed = countries(&values, &Path::root().key("nationalities"), &mut problems);
        assert_eq!(
            parsed.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["NG", "AE"]
        );
        let errors = problems.into_vec();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, "/nationalities/2");
    }

    #[test]
    fn entity_names_refuse_person_parts() {
        let mut problems = Problems::default();
        let draft = NameDraft {
            full: "Helios Compute FZ-LLC".into(),
            given: None,
            family: Some("Compute".into()),
            other_names: vec!["Helios".into()],
        };
        assert!(name(&draft, false, &Path::root().key("name"), &mut problems).is_some());
        let errors = problems.into_vec();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].path.as_str(), errors[0].code),
            ("/name/family", ErrorCode::NotAllowed)
        );
    }
}

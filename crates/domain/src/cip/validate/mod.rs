//! From draft to [`ValidatedCustomer`]: every value parsed into its type, every problem reported
//! at once with its JSON-pointer path.
//!
//! What is checked here is what makes a value *wrong*: syntax, existence (countries, dates),
//! plausibility (dates of birth, expiry), checksums (wallets), fields that do not apply to the
//! kind of customer or instrument, duplicates, and list limits. What makes a body *incomplete*
//! for a given program (must an individual give a date of birth? a document?) is the rule
//! pack's field list, checked by the caller against the validated customer.
//!
//! A machine-readable zone is checked for layout here; its check digits and its agreement with
//! the other fields are verification evidence (see [`crate::cip::mrz`]).

mod accounts;
mod fields;
pub mod limits;
mod owners;

use chrono::NaiveDate;

use super::customer::{BeneficialOwner, EntityFacts, Incorporation, Party, ValidatedCustomer};
use super::dates::PastDate;
use super::draft::{BeneficialOwnerDraft, CustomerDraft, CustomerKind, IncorporationDraft};
use super::field_error::{ErrorCode, FieldError, Path, Problems};
use super::text::MAX_REFERENCE_CHARS;

use fields::{ContactDrafts, contact, country, name, optional_text, person_facts};

/// Validates a customer body as of `today` (dates of birth must not be after it, documents must
/// not have expired before it). Returns every problem found, in body order.
pub fn validate(
    draft: &CustomerDraft,
    today: NaiveDate,
) -> Result<ValidatedCustomer, Vec<FieldError>> {
    let mut problems = Problems::default();
    let root = Path::root();
    let is_person = draft.kind == CustomerKind::Individual;
    let customer_name = name(&draft.name, is_person, &root.key("name"), &mut problems);
    let party = match draft.kind {
        CustomerKind::Individual => {
            refuse_entity_fields(draft, &root, &mut problems);
            Party::Individual(person_facts(
                draft.date_of_birth.as_ref(),
                &draft.nationalities,
                draft.us_permanent_resident,
                today,
                &root,
                &mut problems,
            ))
        }
        CustomerKind::Entity => {
            refuse_individual_fields(draft, &root, &mut problems);
            let incorporation = draft.incorporation.as_ref().and_then(|inc| {
                incorporation(inc, today, &root.key("incorporation"), &mut problems)
            });
            Party::Entity(EntityFacts { incorporation })
        }
    };
    let contact_drafts = ContactDrafts {
        addresses: &draft.addresses,
        emails: &draft.emails,
        phones: &draft.phones,
        documents: &draft.documents,
    };
    let contact = contact(&contact_drafts, today, &root, &mut problems);
    let accounts = accounts::accounts(&draft.accounts, &root.key("accounts"), &mut problems);
    let beneficial_owners = owners::beneficial_owners(
        &draft.beneficial_owners,
        today,
        &root.key("beneficial_owners"),
        &mut problems,
    );
    match customer_name {
        Some(name) if problems.is_empty() => Ok(ValidatedCustomer {
            name,
            party,
            contact,
            accounts,
            beneficial_owners,
        }),
        _ => Err(problems.into_vec()),
    }
}

/// Validates a full replacement list of beneficial owners (a change notice) exactly as
/// [`validate`] validates a customer's, with the same paths (`/beneficial_owners/N/...`).
pub fn validate_beneficial_owners(
    drafts: &[BeneficialOwnerDraft],
    today: NaiveDate,
) -> Result<Vec<BeneficialOwner>, Vec<FieldError>> {
    let mut problems = Problems::default();
    let path = Path::root().key("beneficial_owners");
    let owners = owners::beneficial_owners(drafts, today, &path, &mut problems);
    if problems.is_empty() {
        Ok(owners)
    } else {
        Err(problems.into_vec())
    }
}

fn refuse_entity_fields(draft: &CustomerDraft, root: &Path, problems: &mut Problems) {
    if draft.incorporation.is_some() {
        problems.push(
            &root.key("incorporation"),
            ErrorCode::NotAllowed,
            "applies to entities only",
        );
    }
}

fn refuse_individual_fields(draft: &CustomerDraft, root: &Path, problems: &mut Problems) {
    const MESSAGE: &str =
        "applies to individuals only; an entity's jurisdiction is its incorporation country";
    if draft.date_of_birth.is_some() {
        problems.push(
            &root.key("date_of_birth"),
            ErrorCode::NotAllowed,
            "applies to individuals only; an entity has an incorporation date",
        );
    }
    if !draft.nationalities.is_empty() {
        problems.push(&root.key("nationalities"), ErrorCode::NotAllowed, MESSAGE);
    }
    if draft.us_permanent_resident.is_some() {
        problems.push(
            &root.key("us_permanent_resident"),
            ErrorCode::NotAllowed,
            "applies to individuals only",
        );
    }
}

fn incorporation(
    draft: &IncorporationDraft,
    today: NaiveDate,
    path: &Path,
    problems: &mut Problems,
) -> Option<Incorporation> {
    let jurisdiction = country(&draft.country, &path.key("country"), problems);
    let date = draft
        .date
        .as_ref()
        .and_then(|text| problems.take(&path.key("date"), PastDate::parse(text, today)));
    let registration_number = optional_text(
        draft.registration_number.as_ref(),
        MAX_REFERENCE_CHARS,
        &path.key("registration_number"),
        problems,
    );
    Some(Incorporation {
        country: jurisdiction?,
        date,
        registration_number,
    })
}

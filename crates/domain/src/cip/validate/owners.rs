//! Validation of beneficial owners.

use chrono::NaiveDate;

use crate::cip::customer::{BeneficialOwner, OwnershipPercent, OwnershipStake};
use crate::cip::draft::BeneficialOwnerDraft;
use crate::cip::field_error::{ErrorCode, Path, Problems};
use crate::cip::text::ShortText;

use super::fields::{ContactDrafts, bounded, contact, name, person_facts};
use super::limits::MAX_BENEFICIAL_OWNERS;

/// Shares are stated in percent with decimals; a little slack keeps 33.33 + 33.33 + 33.34 and
/// rounding noise from being refused.
const SHARE_TOTAL_TOLERANCE: f64 = 0.01;
const MAX_CONTROL_ROLE_CHARS: usize = 100;

pub(super) fn beneficial_owners(
    drafts: &[BeneficialOwnerDraft],
    today: NaiveDate,
    path: &Path,
    problems: &mut Problems,
) -> Vec<BeneficialOwner> {
    let owners: Vec<BeneficialOwner> = bounded(drafts, MAX_BENEFICIAL_OWNERS, path, problems)
        .iter()
        .enumerate()
        .filter_map(|(i, draft)| owner(draft, today, &path.index(i), problems))
        .collect();
    let total: f64 = owners
        .iter()
        .filter_map(|owner| owner.stake.percent())
        .map(|p| p.value())
        .sum();
    if total > 100.0 + SHARE_TOTAL_TOLERANCE {
        problems.push(
            path,
            ErrorCode::OutOfRange,
            format!("ownership percentages add up to {total} %, more than 100 %"),
        );
    }
    owners
}

fn owner(
    draft: &BeneficialOwnerDraft,
    today: NaiveDate,
    path: &Path,
    problems: &mut Problems,
) -> Option<BeneficialOwner> {
    let owner_name = name(&draft.name, true, &path.key("name"), problems);
    let facts = person_facts(
        draft.date_of_birth.as_ref(),
        &draft.nationalities,
        draft.us_permanent_resident,
        today,
        path,
        problems,
    );
    let drafts = ContactDrafts {
        addresses: &draft.addresses,
        emails: &draft.emails,
        phones: &draft.phones,
        documents: &draft.documents,
    };
    let contact = contact(&drafts, today, path, problems);
    let stake = stake(draft, path, problems);
    Some(BeneficialOwner {
        name: owner_name?,
        facts,
        contact,
        stake: stake?,
    })
}

fn stake(
    draft: &BeneficialOwnerDraft,
    path: &Path,
    problems: &mut Problems,
) -> Option<OwnershipStake> {
    let percent = draft.ownership_percent.and_then(|value| {
        problems.take(&path.key("ownership_percent"), OwnershipPercent::new(value))
    });
    let role = draft.control.as_ref().and_then(|text| {
        problems.take(
            &path.key("control"),
            ShortText::parse(text, MAX_CONTROL_ROLE_CHARS),
        )
    });
    match (
        draft.ownership_percent.is_some() || draft.control.is_some(),
        percent,
        role,
    ) {
        (false, _, _) => {
            problems.push(
                path,
                ErrorCode::Required,
                "a beneficial owner needs ownership_percent, control, or both",
            );
            None
        }
        (true, Some(percent), Some(role)) => {
            Some(OwnershipStake::OwnershipAndControl { percent, role })
        }
        (true, Some(percent), None) if draft.control.is_none() => {
            Some(OwnershipStake::Ownership { percent })
        }
        (true, None, Some(role)) if draft.ownership_percent.is_none() => {
            Some(OwnershipStake::Control { role })
        }
        // One of the two was given but invalid; its problem is already recorded.
        (true, _, _) => None,
    }
}

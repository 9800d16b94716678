//! Beneficial-owner change notices (issue 3, item 7): the customer sends its full new owner
//! list; it is validated like onboarding's, compared with the stored one, and the customer is
//! decided again with the new owners (a new owner may make the customer foreign, or need
//! verifying, or be a screening hit).
//!
//! Owners are matched by their normalised name (the screening normaliser: any script, case,
//! accents, "SURNAME, Given" order) and date of birth, so a corrected address is a *changed*
//! owner while a different person is one removed and one added.

use chrono::NaiveDate;
use cloudkyc_domain::Permission;
use cloudkyc_domain::cip::{BeneficialOwner, BeneficialOwnerDraft, validate_beneficial_owners};
use cloudkyc_screening::model::Schema;
use cloudkyc_screening::normalize_name;
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::ownership::OwnershipReplacement;

use super::redecide::Redecision;
use super::{CustomerRecord, field_errors, record};
use crate::{App, AppResult};

/// The audit action of an owner change notice.
pub const OWNERS_CHANGED: &str = "customer.owners_changed";

/// Who an owner is, for matching an old list with a new one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct OwnerKey {
    name: String,
    date_of_birth: Option<NaiveDate>,
}

fn key(owner: &BeneficialOwner) -> OwnerKey {
    OwnerKey {
        name: normalize_name(owner.name.full().as_str(), Schema::Person).text(),
        date_of_birth: owner.facts.date_of_birth.map(|d| d.date()),
    }
}

/// How a new owner list differs from the old one, by position in each list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnerDiff {
    /// Positions in the new list of owners not in the old one.
    pub added: Vec<usize>,
    /// Positions in the old list of owners not in the new one.
    pub removed: Vec<usize>,
    /// Positions in the new list of owners also in the old one, with other details changed.
    pub changed: Vec<usize>,
    /// Owners in both lists exactly as they were.
    pub unchanged: usize,
}

impl OwnerDiff {
    /// Whether the notice changes nothing.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// The notice in words, for the decision reasons and the logs: counts only, never a name.
    pub fn reason(&self) -> String {
        format!(
            "beneficial-owner change notice: {} added, {} removed, {} changed, {} unchanged",
            self.added.len(),
            self.removed.len(),
            self.changed.len(),
            self.unchanged
        )
    }
}

/// Compares two owner lists. Owners with the same key pair up in list order, so two people of
/// the same name and birth date still count one for one.
pub fn diff_owners(old: &[BeneficialOwner], new: &[BeneficialOwner]) -> OwnerDiff {
    let old_keys: Vec<OwnerKey> = old.iter().map(key).collect();
    let mut taken = vec![false; old.len()];
    let mut diff = OwnerDiff::default();
    for (i, owner) in new.iter().enumerate() {
        let k = key(owner);
        let partner = (0..old.len()).find(|&j| !taken[j] && old_keys[j] == k);
        match partner {
            Some(j) => {
                taken[j] = true;
                if old[j] == *owner {
                    diff.unchanged += 1;
                } else {
                    diff.changed.push(i);
                }
            }
            None => diff.added.push(i),
        }
    }
    diff.removed = (0..old.len()).filter(|&j| !taken[j]).collect();
    diff
}

/// The answer to an owner change notice.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnersChanged {
    pub diff: OwnerDiff,
    pub customer: CustomerRecord,
}

impl App {
    /// Records a beneficial-owner change notice: validates `drafts` (the full new list) as
    /// onboarding does, compares it with the stored owners, and decides the customer again
    /// (determination, risk, verification, screening) with the new owners. A notice that
    /// changes nothing still re-decides (the customer asked for it), with the reason saying so.
    pub async fn change_beneficial_owners(
        &self,
        scope: &TenantScope,
        id: CustomerId,
        drafts: &[BeneficialOwnerDraft],
    ) -> AppResult<OwnersChanged> {
        self.change_owners_with(scope, id, drafts, None).await
    }

    /// The owner change, with the ownership structure the owners were computed from when
    /// there is one: stored in the same transaction as the customer's new owners.
    pub(crate) async fn change_owners_with(
        &self,
        scope: &TenantScope,
        id: CustomerId,
        drafts: &[BeneficialOwnerDraft],
        structure: Option<OwnershipReplacement>,
    ) -> AppResult<OwnersChanged> {
        Self::require(scope, Permission::WriteCustomers)?;
        let today = self.now().date_naive();
        let owners = validate_beneficial_owners(drafts, today).map_err(field_errors)?;
        let current = record(self.store().customer(scope, id).await?)?;
        let diff = diff_owners(&current.customer.beneficial_owners, &owners);
        tracing::info!(
            customer = %id,
            added = diff.added.len(),
            removed = diff.removed.len(),
            changed = diff.changed.len(),
            "beneficial-owner change notice"
        );
        let mut customer = current.customer.clone();
        customer.beneficial_owners = owners;
        let mut change = Redecision::new(OWNERS_CHANGED, diff.reason());
        change.customer = Some(customer);
        change.access_countries = self.access_countries(scope, &current).await?;
        change.ownership = structure;
        let customer = self.redecide(scope, current, change).await?;
        Ok(OwnersChanged { diff, customer })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn owners(list: serde_json::Value) -> Vec<BeneficialOwner> {
        let drafts: Vec<BeneficialOwnerDraft> = serde_json::from_value(list).expect("drafts");
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).expect("date");
        validate_beneficial_owners(&drafts, today).expect("valid owners")
    }

    fn owner(name: &str, born: &str, percent: f64) -> serde_json::Value {
        json!({
            "name": {"full": name},
            "date_of_birth": born,
            "nationalities": ["DE"],
            "ownership_percent": percent,
        })
    }

    #[test]
    fn owners_are_matched_by_normalised_name_and_birth_date() {
        let old = owners(json!([
            owner("Jürgen Weber", "1970-04-02", 40.0),
            owner("Ana Lima", "1985-09-12", 30.0),
            owner("Kenji Sato", "1990-01-30", 20.0),
            owner("Chen Mei", "1968-12-01", 5.0),
        ]));
        // Case, accents and "SURNAME, Given" order do not make a new person (the spelling is a
        // change of the owner's data); a new share is a change too; the same name born on
        // another day is someone else.
        let new = owners(json!([
            owner("WEBER, Jurgen", "1970-04-02", 40.0),
            owner("Ana Lima", "1985-09-12", 35.0),
            owner("Chen Mei", "1968-12-01", 5.0),
            owner("Kenji Sato", "1991-01-30", 15.0),
            owner("Zainab Musa", "1979-06-15", 5.0),
        ]));
        let diff = diff_owners(&old, &new);
        assert_eq!(diff.added, vec![3, 4]);
        assert_eq!(diff.removed, vec![2]);
        assert_eq!(diff.changed, vec![0, 1]);
        assert_eq!(diff.unchanged, 1);
        assert!(!diff.is_empty());
        assert_eq!(
            diff.reason(),
            "beneficial-owner change notice: 2 added, 1 removed, 2 changed, 1 unchanged"
        );
        assert!(!diff.reason().contains("Lima"), "counts only, never a name");
    }

    #[test]
    fn namesakes_pair_up_one_for_one_and_the_same_list_is_no_change() {
        let twice = owners(json!([
            owner("Ana Lima", "1985-09-12", 30.0),
            owner("Ana Lima", "1985-09-12", 30.0),
        ]));
        let once = owners(json!([owner("Ana Lima", "1985-09-12", 30.0)]));
        let diff = diff_owners(&twice, &once);
        assert_eq!((diff.removed, diff.unchanged), (vec![1], 1));
        assert!(diff_owners(&twice, &twice).is_empty());
        let gone = diff_owners(&once, &[]);
        assert_eq!(gone.removed, vec![0]);
        assert_eq!(diff_owners(&[], &once).added, vec![0]);
    }
}

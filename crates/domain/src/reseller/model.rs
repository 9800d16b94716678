//! A foreign reseller: who it is, the agreement it runs its CIP under, its attestations and
//! reviews, and where it stands.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::status::{
    ResellerEvent, ResellerStatus, Review, StatusName, TransitionError, next_status,
};
use crate::TenantId;
use crate::cip::CountryCode;
use crate::ownership::PartyRef;
use crate::rule_pack::{DownstreamAction, Resellers};

/// SHA-256 of a document, as 64 lower-case hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DocumentDigest(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a document digest is the SHA-256 of the file in 64 hexadecimal digits")]
pub struct DigestError;

impl DocumentDigest {
    pub fn parse(text: &str) -> Result<Self, DigestError> {
        if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(text.to_ascii_lowercase()))
        } else {
            Err(DigestError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DocumentDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for DocumentDigest {
    type Error = DigestError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<DocumentDigest> for String {
    fn from(digest: DocumentDigest) -> Self {
        digest.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgreementKind {
    /// The reseller keeps a CIP of its own meeting the same requirements.
    OwnCip,
    /// By written agreement the reseller adopts (or references) the provider's CIP.
    AdoptsProviderCip,
}

impl AgreementKind {
    /// The wire name (`own_cip`, `adopts_provider_cip`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OwnCip => "own_cip",
            Self::AdoptsProviderCip => "adopts_provider_cip",
        }
    }
}

/// The written agreement under which the reseller runs its CIP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agreement {
    pub kind: AgreementKind,
    pub document_sha256: DocumentDigest,
    pub signed_on: NaiveDate,
}

/// A statement the reseller made about its program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attestation {
    pub on: NaiveDate,
    /// Who signed it (name and role at the reseller).
    pub by: String,
    pub statement: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResellerDraft {
    /// The reseller's tenant, under the provider's.
    pub tenant: TenantId,
    /// The party record of the reseller's legal identity, screened and verified like a
    /// customer.
    pub legal_identity: PartyRef,
    pub country: CountryCode,
    pub agreement: Agreement,
    pub registered_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ResellerError {
    #[error("agreement.signed_on {signed_on} is after the registration on {registered_on}")]
    AgreementAfterRegistration {
        signed_on: NaiveDate,
        registered_on: NaiveDate,
    },
    #[error("a foreign reseller cannot be organised in the United States")]
    NotForeign,
    #[error("attestation: {field} cannot be blank")]
    BlankAttestation { field: String },
    #[error("attestation dated {on} is before the registration on {registered_on}")]
    AttestationBeforeRegistration {
        on: NaiveDate,
        registered_on: NaiveDate,
    },
    #[error("the reseller was terminated; nothing more can be recorded")]
    Terminated,
    #[error(transparent)]
    Transition(#[from] TransitionError),
}

/// One step of the reseller's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub on: NaiveDate,
    pub from: StatusName,
    pub to: StatusName,
    pub event: ResellerEvent,
}

/// What termination means for the reseller's customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownstreamDecision {
    pub action: DownstreamAction,
    pub on: NaiveDate,
}

/// A registered foreign reseller. Changes go through [`Reseller::apply`] and
/// [`Reseller::attest`], so the status and the history always agree. Deserialising trusts a
/// stored value: store what these methods produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reseller {
    tenant: TenantId,
    legal_identity: PartyRef,
    country: CountryCode,
    agreement: Agreement,
    registered_on: NaiveDate,
    attestations: Vec<Attestation>,
    reviews: Vec<Review>,
    status: ResellerStatus,
    history: Vec<StatusChange>,
}

impl Reseller {
    /// Registers a reseller, `active` from `registered_on`.
    pub fn register(draft: ResellerDraft) -> Result<Self, ResellerError> {
        if draft.country.is_us() {
            return Err(ResellerError::NotForeign);
        }
        if draft.agreement.signed_on > draft.registered_on {
            return Err(ResellerError::AgreementAfterRegistration {
                signed_on: draft.agreement.signed_on,
                registered_on: draft.registered_on,
            });
        }
        Ok(Self {
            tenant: draft.tenant,
            legal_identity: draft.legal_identity,
            country: draft.country,
            agreement: draft.agreement,
            registered_on: draft.registered_on,
            attestations: Vec::new(),
            reviews: Vec::new(),
            status: ResellerStatus::Active,
            history: Vec::new(),
        })
    }

    /// Applies an event of the status machine and returns the recorded change.
    pub fn apply(
        &mut self,
        event: ResellerEvent,
        pack: &Resellers,
    ) -> Result<StatusChange, ResellerError> {
        let next = next_status(&self.status, &event, self.last_change(), pack)?;
        if let ResellerEvent::CompleteReview { review } = &event {
            self.reviews.push(review.clone());
        }
        let change = StatusChange {
            on: event.on(),
            from: self.status.name(),
            to: next.name(),
            event,
        };
        self.status = next;
        self.history.push(change.clone());
        Ok(change)
    }

    pub fn attest(&mut self, attestation: Attestation) -> Result<(), ResellerError> {
        if matches!(self.status, ResellerStatus::Terminated { .. }) {
            return Err(ResellerError::Terminated);
        }
        for (field, text) in [
            ("by", &attestation.by),
            ("statement", &attestation.statement),
        ] {
            if text.trim().is_empty() {
                return Err(ResellerError::BlankAttestation {
                    field: field.to_owned(),
                });
            }
        }
        if attestation.on < self.registered_on {
            return Err(ResellerError::AttestationBeforeRegistration {
                on: attestation.on,
                registered_on: self.registered_on,
            });
        }
        self.attestations.push(attestation);
        Ok(())
    }

    /// The date of the last status change (the registration before any).
    pub fn last_change(&self) -> NaiveDate {
        self.history.last().map_or(self.registered_on, |c| c.on)
    }

    /// When the next periodic review is due: the pack's interval after the last completed
    /// review, or after registration.
    pub fn next_review_due(&self, pack: &Resellers) -> NaiveDate {
        let since = self.reviews.last().map_or(self.registered_on, |r| r.on);
        since
            .checked_add_months(pack.review_every_months.as_chrono())
            .unwrap_or(NaiveDate::MAX)
    }

    /// Whether a review is overdue on `today` (never once terminated or while one runs).
    pub fn is_review_overdue(&self, today: NaiveDate, pack: &Resellers) -> bool {
        matches!(self.status, ResellerStatus::Active) && today > self.next_review_due(pack)
    }

    /// The downstream accounts' fate, once terminated.
    pub fn downstream(&self) -> Option<DownstreamDecision> {
        match self.status {
            ResellerStatus::Terminated { on, downstream, .. } => Some(DownstreamDecision {
                action: downstream,
                on,
            }),
            _ => None,
        }
    }

    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    pub fn legal_identity(&self) -> &PartyRef {
        &self.legal_identity
    }

    pub fn country(&self) -> CountryCode {
        self.country
    }

    pub fn agreement(&self) -> &Agreement {
        &self.agreement
    }

    pub fn registered_on(&self) -> NaiveDate {
        self.registered_on
    }

    pub fn attestations(&self) -> &[Attestation] {
        &self.attestations
    }

    pub fn reviews(&self) -> &[Review] {
        &self.reviews
    }

    pub fn status(&self) -> &ResellerStatus {
        &self.status
    }

    pub fn history(&self) -> &[StatusChange] {
        &self.history
    }
}

//! Foreign resellers (issue 6, items 6-8): the registry row of a reseller, linked to the child
//! tenant its API keys act in.
//!
//! A reseller's legal name, its screening result (which repeats the name) and its attestations
//! (which name the people who signed them) are sealed like customers' personal fields: AES-GCM
//! with tenant / `resellers` / row / column as associated data. The status, its history, the
//! reviews and the termination due date are kept in clear: they are the oversight record an
//! examiner reads. The agreement document's bytes are sealed in `reseller_agreements`; its
//! SHA-256 stays in clear as the evidence fingerprint.
//!
//! The registry row belongs to the tenant that registered the reseller (the provider): the
//! reseller's own keys, scoped to the child tenant, never see it. Every change appends one audit
//! event on the registering tenant's chain in the same transaction, and is refused with
//! `Conflict` when the row changed since the caller read it (`expected_updated_at`).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_domain::cip::CountryCode;
use cloudkyc_domain::reseller::{
    AgreementKind, Attestation, DocumentDigest, ResellerStatus, Review, StatusChange, StatusName,
};
use serde::{Deserialize, Serialize};

use crate::audit::NewAuditEvent;
use crate::crypto::{Aad, KeyRing};
use crate::customers::CustomerId;
use crate::documents::{MediaType, sha256_hex, uuid_id};
use crate::{StoreError, StoreResult, TenantScope};

mod columns;

pub use columns::{AgreementRow, ResellerColumns, ResellerRow, seal_agreement};

pub const RESELLERS_TABLE: &str = "resellers";
pub const RESELLER_AGREEMENTS_TABLE: &str = "reseller_agreements";
pub const RESELLER_SUBJECT: &str = "reseller";

/// Audit actions (a status change is `reseller.<event>`, e.g. `reseller.find_non_compliance`).
pub const RESELLER_REGISTER: &str = "reseller.register";
pub const RESELLER_AGREEMENT: &str = "reseller.agreement";
pub const RESELLER_AGREEMENT_READ: &str = "reseller.agreement_read";
pub const RESELLER_ATTEST: &str = "reseller.attest";
pub const RESELLER_REMIND: &str = "reseller.remind";
pub const RESELLER_DOWNSTREAM: &str = "reseller.downstream";
pub const RESELLER_LEGAL_ENTITY: &str = "reseller.legal_entity";

uuid_id!(
    /// A registered foreign reseller.
    ResellerId
);

/// A reseller to register.
#[derive(Clone, PartialEq)]
pub struct NewReseller {
    /// The legal name (sealed).
    pub name: String,
    pub country: CountryCode,
    pub agreement: AgreementKind,
    pub registered_on: NaiveDate,
    /// The screening of the name, as the application made it (sealed: it repeats the name).
    pub screening: serde_json::Value,
}

impl std::fmt::Debug for NewReseller {
    // The name may be a person's: never in a debug print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewReseller")
            .field("country", &self.country)
            .field("agreement", &self.agreement)
            .finish_non_exhaustive()
    }
}

/// The stored agreement document: everything but its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementDocument {
    pub sha256: DocumentDigest,
    pub media_type: MediaType,
    pub size: u64,
    pub signed_on: NaiveDate,
    pub uploaded_at: DateTime<Utc>,
    pub uploaded_by: String,
}

/// An agreement document to store.
#[derive(Clone, PartialEq, Eq)]
pub struct NewAgreementDocument {
    pub media_type: MediaType,
    pub signed_on: NaiveDate,
    pub content: Vec<u8>,
}

impl std::fmt::Debug for NewAgreementDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAgreementDocument")
            .field("media_type", &self.media_type)
            .field("signed_on", &self.signed_on)
            .field("size", &self.content.len())
            .finish()
    }
}

/// A stored reseller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResellerRecord {
    pub id: ResellerId,
    /// The tenant that registered the reseller (whose chain records its changes).
    pub tenant: TenantId,
    /// The reseller's own tenant, a child of `tenant`.
    pub reseller_tenant: TenantId,
    pub name: String,
    pub country: CountryCode,
    pub agreement: AgreementKind,
    pub agreement_document: Option<AgreementDocument>,
    pub registered_on: NaiveDate,
    pub screening: serde_json::Value,
    pub attestations: Vec<Attestation>,
    pub reviews: Vec<Review>,
    pub status: ResellerStatus,
    pub history: Vec<StatusChange>,
    /// The running termination clock's deadline, if any.
    pub termination_due: Option<NaiveDate>,
    /// The last day up to which termination reminders were sent.
    pub reminded_through: Option<NaiveDate>,
    /// The customer record (in `tenant`) the reseller's legal entity is verified as, once
    /// submitted: its CIP status is the reseller's verification status.
    #[serde(default)]
    pub legal_entity: Option<CustomerId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A change of a stored reseller; the application computed it with the domain's rules.
#[derive(Debug, Clone, PartialEq)]
pub enum ResellerChange {
    /// A (new) agreement document; the latest one is the agreement in force.
    Agreement(NewAgreementDocument),
    Attest(Attestation),
    /// A status change; a completed review in `change.event` is added to the reviews.
    Transition {
        status: ResellerStatus,
        change: StatusChange,
    },
    /// Reminders up to `through` were sent.
    Reminded {
        through: NaiveDate,
    },
    /// The downstream rule was carried out for `customers` accounts (a record, no state).
    Downstream {
        action: String,
        customers: u32,
    },
    /// The reseller's legal entity is verified as this customer record.
    LegalEntity {
        customer: CustomerId,
    },
}

/// The answer to reading an agreement document's bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct AgreementContent {
    pub document: AgreementDocument,
    pub content: Vec<u8>,
}

impl std::fmt::Debug for AgreementContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgreementContent")
            .field("document", &self.document)
            .finish_non_exhaustive()
    }
}

impl ResellerRecord {
    /// The record as it stands after `change`, and the audit event that records it. Both
    /// backends call this, so that they agree on what a change means.
    pub fn changed(
        &self,
        change: &ResellerChange,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<(ResellerRecord, NewAuditEvent)> {
        let mut next = self.clone();
        next.updated_at = crate::customer_updates::next_updated_at(now, self.updated_at);
        let action = match change {
            ResellerChange::Agreement(new) => {
                next.agreement_document = Some(AgreementDocument {
                    sha256: DocumentDigest::parse(&sha256_hex(&new.content))
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    media_type: new.media_type,
                    size: u64::try_from(new.content.len()).unwrap_or(u64::MAX),
                    signed_on: new.signed_on,
                    uploaded_at: next.updated_at,
                    uploaded_by: actor.to_owned(),
                });
                RESELLER_AGREEMENT.to_owned()
            }
            ResellerChange::Attest(attestation) => {
                next.attestations.push(attestation.clone());
                RESELLER_ATTEST.to_owned()
            }
            ResellerChange::Transition { status, change } => {
                if let cloudkyc_domain::reseller::ResellerEvent::CompleteReview { review } =
                    &change.event
                {
                    next.reviews.push(review.clone());
                }
                next.termination_due = status.clock().map(|c| c.deadline);
                if status.clock().is_none() {
                    next.reminded_through = None;
                }
                next.status = status.clone();
                next.history.push(change.clone());
                format!("reseller.{}", change.event.name())
            }
            ResellerChange::Reminded { through } => {
                next.reminded_through = Some(*through);
                RESELLER_REMIND.to_owned()
            }
            ResellerChange::Downstream { .. } => RESELLER_DOWNSTREAM.to_owned(),
            ResellerChange::LegalEntity { customer } => {
                next.legal_entity = Some(*customer);
                RESELLER_LEGAL_ENTITY.to_owned()
            }
        };
        let event = NewAuditEvent::new(
            &action,
            RESELLER_SUBJECT,
            self.id,
            Some(&self.digestable()),
            Some(&next.digestable()),
        );
        Ok((next, event))
    }

    /// The audit event of the registration.
    pub fn registered_event(&self) -> NewAuditEvent {
        NewAuditEvent::new(
            RESELLER_REGISTER,
            RESELLER_SUBJECT,
            self.id,
            None::<&serde_json::Value>,
            Some(&self.digestable()),
        )
    }

    pub fn status_name(&self) -> StatusName {
        self.status.name()
    }

    /// What the audit digests cover: the whole record (a digest, so no plaintext leaves).
    fn digestable(&self) -> &Self {
        self
    }
}

pub(crate) fn aad<'a>(tenant: TenantId, table: &'a str, row: &'a str, column: &'a str) -> Aad<'a> {
    Aad {
        tenant,
        table,
        row,
        column,
    }
}

pub(crate) fn open_json<T: serde::de::DeserializeOwned>(
    ring: &KeyRing,
    aad: Aad<'_>,
    ciphertext: &[u8],
) -> StoreResult<T> {
    let bytes = ring.decrypt(ciphertext, aad)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| StoreError::Corrupt(format!("{}.{}: {e}", aad.table, aad.column)))
}

#[async_trait]
pub trait ResellerStore: Send + Sync {
    /// Registers a reseller under the scope's tenant: creates its child tenant (kind
    /// `reseller`, named after its country only, so the legal name stays sealed) and the registry
    /// row in one transaction, with the `tenant.create` and `reseller.register` events.
    async fn create_reseller(
        &self,
        scope: &TenantScope,
        new: NewReseller,
        now: DateTime<Utc>,
    ) -> StoreResult<ResellerRecord>;
    /// The resellers registered by tenants the scope can see, oldest first.
    async fn resellers(&self, scope: &TenantScope) -> StoreResult<Vec<ResellerRecord>>;
    /// One reseller registered by a tenant the scope can see; `NotFound` otherwise.
    async fn reseller(&self, scope: &TenantScope, id: ResellerId) -> StoreResult<ResellerRecord>;
    /// Applies `change` (see [`ResellerRecord::changed`]) with its audit event; `Conflict` when
    /// the row's `updated_at` is no longer `expected_updated_at`.
    async fn update_reseller(
        &self,
        scope: &TenantScope,
        id: ResellerId,
        change: ResellerChange,
        expected_updated_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<ResellerRecord>;
    /// The opened bytes of the agreement in force, with a `reseller.agreement_read` event;
    /// `NotFound` when none was uploaded.
    async fn agreement_content(
        &self,
        scope: &TenantScope,
        id: ResellerId,
        now: DateTime<Utc>,
    ) -> StoreResult<AgreementContent>;
}

/// The refusal of a change whose reseller moved since it was read.
pub fn stale(id: ResellerId) -> StoreError {
    StoreError::Conflict(format!(
        "reseller {id} was changed by someone else since it was read; read it again and retry"
    ))
}

//! A reseller record to and from its columns, the same for both backends: the SQL crates only
//! bind and read these values.

use chrono::{DateTime, NaiveDate, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_domain::cip::CountryCode;

use super::{
    AgreementContent, AgreementDocument, RESELLER_AGREEMENTS_TABLE, RESELLERS_TABLE, ResellerId,
    ResellerRecord, aad, open_json,
};
use crate::crypto::KeyRing;
use crate::customers::CustomerId;
use crate::customers::{enum_text, parse_enum};
use crate::{StoreError, StoreResult};

/// The columns of a `resellers` row besides its ids and times, as both backends bind them.
#[derive(Debug, Clone)]
pub struct ResellerColumns {
    pub name_ct: Vec<u8>,
    pub country: String,
    pub agreement_kind: String,
    /// JSON of [`AgreementDocument`], `None` until one is uploaded.
    pub agreement_document: Option<String>,
    /// `YYYY-MM-DD`, like every date column of the table (sorts as text).
    pub registered_on: String,
    pub screening_ct: Vec<u8>,
    pub attestations_ct: Vec<u8>,
    /// JSON arrays / objects of the domain types.
    pub reviews: String,
    pub status: String,
    pub state: String,
    pub history: String,
    pub termination_due: Option<String>,
    pub reminded_through: Option<String>,
    /// The legal entity's customer id, as text.
    pub legal_entity_customer_id: Option<String>,
}

fn json<T: serde::Serialize>(column: &str, value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn parse<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("column {column}: {e}")))
}

fn date(column: &str, text: &str) -> StoreResult<NaiveDate> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("column {column}: {text:?} is not a date")))
}

impl ResellerColumns {
    /// Seals the personal fields of `record` for its row.
    pub fn seal(ring: &KeyRing, record: &ResellerRecord) -> StoreResult<Self> {
        let row = record.id.to_string();
        let at = |column| aad(record.tenant, RESELLERS_TABLE, &row, column);
        let attestations = serde_json::to_vec(&record.attestations)
            .map_err(|e| StoreError::Corrupt(format!("attestations: {e}")))?;
        let screening = serde_json::to_vec(&record.screening)
            .map_err(|e| StoreError::Corrupt(format!("screening: {e}")))?;
        Ok(Self {
            name_ct: ring.encrypt_str(&record.name, at("name"))?,
            country: record.country.as_str().to_owned(),
            agreement_kind: enum_text(&record.agreement)?,
            agreement_document: record
                .agreement_document
                .as_ref()
                .map(|d| json("agreement_document", d))
                .transpose()?,
            registered_on: record.registered_on.to_string(),
            screening_ct: ring.encrypt(&screening, at("screening"))?,
            attestations_ct: ring.encrypt(&attestations, at("attestations"))?,
            reviews: json("reviews", &record.reviews)?,
            status: record.status.name().to_string(),
            state: json("state", &record.status)?,
            history: json("history", &record.history)?,
            termination_due: record.termination_due.map(|d| d.to_string()),
            reminded_through: record.reminded_through.map(|d| d.to_string()),
            legal_entity_customer_id: record.legal_entity.map(|id| id.to_string()),
        })
    }
}

/// A `resellers` row as read back.
#[derive(Debug, Clone)]
pub struct ResellerRow {
    pub id: ResellerId,
    pub tenant: TenantId,
    pub reseller_tenant: TenantId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub columns: ResellerColumns,
}

impl ResellerRow {
    pub fn open(self, ring: &KeyRing) -> StoreResult<ResellerRecord> {
        let row = self.id.to_string();
        let at = |column| aad(self.tenant, RESELLERS_TABLE, &row, column);
        let c = self.columns;
        Ok(ResellerRecord {
            id: self.id,
            tenant: self.tenant,
            reseller_tenant: self.reseller_tenant,
            name: ring.decrypt_str(&c.name_ct, at("name"))?,
            country: CountryCode::parse(&c.country)
                .map_err(|e| StoreError::Corrupt(format!("column country: {e}")))?,
            agreement: parse_enum("agreement_kind", &c.agreement_kind)?,
            agreement_document: c
                .agreement_document
                .as_deref()
                .map(|text| parse::<AgreementDocument>("agreement_document", text))
                .transpose()?,
            registered_on: date("registered_on", &c.registered_on)?,
            screening: open_json(ring, at("screening"), &c.screening_ct)?,
            attestations: open_json(ring, at("attestations"), &c.attestations_ct)?,
            reviews: parse("reviews", &c.reviews)?,
            status: parse("state", &c.state)?,
            history: parse("history", &c.history)?,
            termination_due: c
                .termination_due
                .as_deref()
                .map(|d| date("termination_due", d))
                .transpose()?,
            reminded_through: c
                .reminded_through
                .as_deref()
                .map(|d| date("reminded_through", d))
                .transpose()?,
            legal_entity: c
                .legal_entity_customer_id
                .as_deref()
                .map(|id| {
                    id.parse::<CustomerId>().map_err(|_| {
                        StoreError::Corrupt(format!("column legal_entity_customer_id: {id:?}"))
                    })
                })
                .transpose()?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The associated-data row of an agreement's bytes: one per reseller and digest.
fn agreement_row(reseller: ResellerId, sha256: &str) -> String {
    format!("{reseller}:{sha256}")
}

/// Seals an agreement document's bytes for `reseller_agreements`.
pub fn seal_agreement(
    ring: &KeyRing,
    tenant: TenantId,
    reseller: ResellerId,
    sha256: &str,
    content: &[u8],
) -> StoreResult<Vec<u8>> {
    let row = agreement_row(reseller, sha256);
    ring.encrypt(
        content,
        aad(tenant, RESELLER_AGREEMENTS_TABLE, &row, "content"),
    )
}

/// The sealed bytes of an agreement as read back.
#[derive(Debug, Clone)]
pub struct AgreementRow {
    pub content_ct: Vec<u8>,
}

impl AgreementRow {
    pub fn open(self, ring: &KeyRing, record: &ResellerRecord) -> StoreResult<AgreementContent> {
        let document = record
            .agreement_document
            .clone()
            .ok_or_else(|| StoreError::not_found("agreement document"))?;
        let row = agreement_row(record.id, document.sha256.as_str());
        let content = ring.decrypt(
            &self.content_ct,
            aad(record.tenant, RESELLER_AGREEMENTS_TABLE, &row, "content"),
        )?;
        Ok(AgreementContent { document, content })
    }
}

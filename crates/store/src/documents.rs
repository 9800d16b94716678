//! Document images (issue 3, documentary verification): what the store keeps of an uploaded
//! passport scan, selfie or proof of address.
//!
//! The bytes are sealed whole with the key ring (AES-256-GCM, associated data tenant /
//! `documents` / row / `content`), so a copied ciphertext opens for no other row. The SHA-256 of
//! the plaintext is kept in clear beside it: it is the evidence fingerprint an examiner compares
//! with a file handed to them, and it identifies a re-upload of the same bytes. Reading the bytes
//! back is a disclosure of personal data, so it is audited like a write.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cloudkyc_domain::TenantId;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::crypto::{Aad, KeyRing};
use crate::customers::{CustomerId, enum_text, parse_enum};
use crate::{StoreResult, TenantScope};

/// The audit action of an upload, and of a read of the bytes (a disclosure).
pub const DOCUMENT_UPLOAD: &str = "document.upload";
pub const DOCUMENT_READ: &str = "document.read";
pub const DOCUMENT_SUBJECT: &str = "document";

/// The table whose rows the sealed content is bound to.
pub const DOCUMENTS_TABLE: &str = "documents";

/// An identifier type over a UUID v7 (sorts by creation time), for the store's own records.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7())
            }

            pub const fn from_uuid(id: uuid::Uuid) -> Self {
                Self(id)
            }

            pub const fn as_uuid(&self) -> &uuid::Uuid {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s).map(Self)
            }
        }
    };
}
pub(crate) use uuid_id;

uuid_id!(
    /// An uploaded document image.
    DocumentId
);

/// What an upload shows. The identity-document kinds are those of
/// `cloudkyc_domain::cip::DocumentKind`; `selfie` and `proof_of_address` are the other evidence
/// a documentary check may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    Passport,
    NationalId,
    DrivingLicence,
    ResidencePermit,
    Selfie,
    ProofOfAddress,
}

impl EvidenceKind {
    pub const ALL: [EvidenceKind; 6] = [
        EvidenceKind::Passport,
        EvidenceKind::NationalId,
        EvidenceKind::DrivingLicence,
        EvidenceKind::ResidencePermit,
        EvidenceKind::Selfie,
        EvidenceKind::ProofOfAddress,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Passport => "passport",
            EvidenceKind::NationalId => "national_id",
            EvidenceKind::DrivingLicence => "driving_licence",
            EvidenceKind::ResidencePermit => "residence_permit",
            EvidenceKind::Selfie => "selfie",
            EvidenceKind::ProofOfAddress => "proof_of_address",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// The media types an upload may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MediaType {
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "application/pdf")]
    Pdf,
}

impl MediaType {
    pub const ALL: [MediaType; 3] = [MediaType::Jpeg, MediaType::Png, MediaType::Pdf];

    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::Pdf => "application/pdf",
        }
    }

    /// The media type named by a `Content-Type` essence (case-insensitive, no parameters).
    pub fn parse(essence: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(essence))
    }
}

/// An upload to store.
#[derive(Clone, PartialEq, Eq)]
pub struct NewDocument {
    pub customer: CustomerId,
    pub kind: EvidenceKind,
    pub media_type: MediaType,
    /// The plaintext bytes, validated by the caller (type, size). Sealed before storage.
    pub content: Vec<u8>,
}

impl std::fmt::Debug for NewDocument {
    // The bytes are personal data: never in a debug print (and so never in a log).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewDocument")
            .field("customer", &self.customer)
            .field("kind", &self.kind)
            .field("media_type", &self.media_type)
            .field("size", &self.content.len())
            .finish_non_exhaustive()
    }
}

/// A stored document's metadata: everything but the bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub id: DocumentId,
    /// The customer's tenant.
    pub tenant: TenantId,
    pub customer: CustomerId,
    pub kind: EvidenceKind,
    pub media_type: MediaType,
    pub size: u64,
    /// Lowercase hex SHA-256 of the plaintext bytes.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
    /// The audit name of the actor who uploaded it (`key:<id>`, `operator`, ...).
    pub uploaded_by: String,
}

/// The answer to an upload: the document and whether the same bytes were already stored for the
/// customer (then it is the first record, and nothing was written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDocument {
    pub document: Document,
    pub replayed: bool,
}

/// A document with its opened bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct DocumentContent {
    pub document: Document,
    pub content: Vec<u8>,
}

impl std::fmt::Debug for DocumentContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentContent")
            .field("document", &self.document)
            .finish_non_exhaustive()
    }
}

#[async_trait]
pub trait DocumentStore: Send + Sync {
    /// Stores the sealed bytes of a document of a customer visible to the scope (`NotFound`
    /// otherwise), with one `document.upload` audit event on the customer's tenant's chain, in
    /// one transaction. The same bytes (same SHA-256) already stored for the customer return the
    /// first record with `replayed: true`, and nothing is written.
    async fn add_document(
        &self,
        scope: &TenantScope,
        new: NewDocument,
        now: DateTime<Utc>,
    ) -> StoreResult<StoredDocument>;
    /// The documents of a customer visible to the scope, oldest first; `NotFound` for a customer
    /// the scope cannot see.
    async fn documents(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
    ) -> StoreResult<Vec<Document>>;
    /// The opened bytes of one document of the customer, and a `document.read` audit event
    /// (the disclosure is recorded before the bytes are returned, in one transaction).
    async fn document_content(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        id: DocumentId,
        now: DateTime<Utc>,
    ) -> StoreResult<DocumentContent>;
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn aad(tenant: TenantId, row: &str) -> Aad<'_> {
    Aad {
        tenant,
        table: DOCUMENTS_TABLE,
        row,
        column: "content",
    }
}

/// The bytes sealed for their row.
pub fn seal_content(
    ring: &KeyRing,
    tenant: TenantId,
    id: DocumentId,
    content: &[u8],
) -> StoreResult<Vec<u8>> {
    ring.encrypt(content, aad(tenant, &id.to_string()))
}

/// A document row as read back, before parsing.
#[derive(Debug)]
pub struct DocumentRow {
    pub id: DocumentId,
    pub tenant: TenantId,
    pub customer: CustomerId,
    pub kind: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
    pub uploaded_by: String,
}

impl DocumentRow {
    pub fn parse(self) -> StoreResult<Document> {
        Ok(Document {
            id: self.id,
            tenant: self.tenant,
            customer: self.customer,
            kind: parse_enum("kind", &self.kind)?,
            media_type: parse_enum("media_type", &self.media_type)?,
            size: u64::try_from(self.size).map_err(|_| {
                crate::StoreError::Corrupt(format!("column size: {} is negative", self.size))
            })?,
            sha256: self.sha256,
            uploaded_at: self.uploaded_at,
            uploaded_by: self.uploaded_by,
        })
    }

    /// The metadata and the opened bytes of `content_ct`, sealed for this row.
    pub fn open(self, ring: &KeyRing, content_ct: &[u8]) -> StoreResult<DocumentContent> {
        let content = ring.decrypt(content_ct, aad(self.tenant, &self.id.to_string()))?;
        Ok(DocumentContent {
            document: self.parse()?,
            content,
        })
    }
}

/// The column text of the document's kind and media type.
pub fn column_texts(new: &NewDocument) -> StoreResult<(String, String)> {
    Ok((enum_text(&new.kind)?, enum_text(&new.media_type)?))
}

/// The audit event of an upload: the after-digest covers the metadata, SHA-256 included, so the
/// chain proves which bytes were stored without holding them.
pub fn upload_event(document: &Document) -> crate::audit::NewAuditEvent {
    crate::audit::NewAuditEvent::new(
        DOCUMENT_UPLOAD,
        DOCUMENT_SUBJECT,
        document.id,
        None::<&Document>,
        Some(document),
    )
}

/// The audit event of a read of the bytes: who saw which document, when.
pub fn read_event(document: &Document) -> crate::audit::NewAuditEvent {
    crate::audit::NewAuditEvent::new(
        DOCUMENT_READ,
        DOCUMENT_SUBJECT,
        document.id,
        None::<&Document>,
        Some(document),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_media_types_round_trip_through_their_text() {
        for kind in EvidenceKind::ALL {
            assert_eq!(EvidenceKind::parse(kind.as_str()), Some(kind));
            assert_eq!(enum_text(&kind).ok().as_deref(), Some(kind.as_str()));
        }
        for media in MediaType::ALL {
            assert_eq!(MediaType::parse(media.as_str()), Some(media));
            assert_eq!(enum_text(&media).ok().as_deref(), Some(media.as_str()));
        }
        assert_eq!(MediaType::parse("IMAGE/PNG"), Some(MediaType::Png));
        assert_eq!(MediaType::parse("image/gif"), None);
        assert_eq!(EvidenceKind::parse("id_card"), None);
    }

    #[test]
    fn sha256_is_lowercase_hex_of_the_bytes() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn debug_never_prints_the_bytes() {
        let new = NewDocument {
            customer: CustomerId::new(),
            kind: EvidenceKind::Passport,
            media_type: MediaType::Png,
            content: b"SECRET-BYTES".to_vec(),
        };
        assert!(!format!("{new:?}").contains("SECRET"));
    }
}

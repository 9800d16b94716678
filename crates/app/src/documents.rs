//! Document images (issue 3, documentary verification): upload, list, read back.
//!
//! An upload is checked before it is stored: a known evidence kind, a non-empty body of at most
//! [`MAX_DOCUMENT_BYTES`], and leading bytes that match the declared media type (a file renamed
//! to `.png` is refused, not stored as evidence). The store seals the bytes and records their
//! SHA-256; the same bytes uploaded again for the same customer answer the first record.
//!
//! Who may read the bytes back: `ReadDocumentImages` (admin, officer, analyst), the people who
//! verify a document against the submitted data. Machine keys (integration, reseller) upload and
//! list but never read images back: they sent the file, and a leaked machine key should not
//! become a bulk export of passports. Auditors see the metadata and the SHA-256, which prove
//! what was stored and when, and the audit trail of who read which image; data minimisation
//! keeps the images themselves from them. Every read is an audit event. Nothing here logs the
//! bytes or the hash.

use cloudkyc_domain::Permission;
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::CustomerId;
use cloudkyc_store::documents::NewDocument;

use crate::{App, AppError, AppResult, FieldError};

pub use cloudkyc_store::documents::{
    Document, DocumentContent, DocumentId, EvidenceKind, MediaType, StoredDocument,
};

/// The largest document accepted: 10 MiB holds a 600 dpi colour scan of a passport page or a
/// multi-page PDF, and keeps one upload's sealing and storage cheap.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// Whether `bytes` start with the signature of `media_type`.
pub fn magic_matches(media_type: MediaType, bytes: &[u8]) -> bool {
    match media_type {
        MediaType::Jpeg => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        MediaType::Png => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        MediaType::Pdf => bytes.starts_with(b"%PDF-"),
    }
}

/// Every problem of an upload at once: the kind (a query parameter, so `/kind`) and the body.
fn validate(
    kind: Option<&str>,
    media_type: MediaType,
    content: &[u8],
) -> Result<EvidenceKind, Vec<FieldError>> {
    let mut errors = Vec::new();
    let expected = || {
        EvidenceKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let kind = match kind {
        None => {
            errors.push(FieldError::new(
                "/kind",
                format!("is required: one of {}", expected()),
            ));
            None
        }
        Some(text) => {
            let parsed = EvidenceKind::parse(text);
            if parsed.is_none() {
                errors.push(FieldError::new(
                    "/kind",
                    format!("unknown kind; expected one of {}", expected()),
                ));
            }
            parsed
        }
    };
    if content.is_empty() {
        errors.push(FieldError::new("/body", "the document is empty"));
    } else if content.len() > MAX_DOCUMENT_BYTES {
        errors.push(FieldError::new(
            "/body",
            format!("the document is larger than {MAX_DOCUMENT_BYTES} bytes"),
        ));
    } else if !magic_matches(media_type, content) {
        errors.push(FieldError::new(
            "/body",
            format!("the content is not {} data", media_type.as_str()),
        ));
    }
    match kind {
        Some(kind) if errors.is_empty() => Ok(kind),
        _ => Err(errors),
    }
}

impl App {
    /// Refuses early (before the body is examined) a caller that may not upload documents.
    pub fn can_upload_documents(scope: &TenantScope) -> AppResult<()> {
        Self::require(scope, Permission::WriteCustomers)
    }

    /// Stores a document of a customer of the caller's tenants (`WriteCustomers`). `kind` is the
    /// evidence kind as the caller wrote it; `media_type` the declared type the bytes must match.
    /// The same bytes already stored for the customer answer the first record (`replayed`).
    pub async fn upload_document(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        kind: Option<&str>,
        media_type: MediaType,
        content: Vec<u8>,
    ) -> AppResult<StoredDocument> {
        Self::can_upload_documents(scope)?;
        let kind = validate(kind, media_type, &content).map_err(AppError::Invalid)?;
        let new = NewDocument {
            customer,
            kind,
            media_type,
            content,
        };
        Ok(self.store().add_document(scope, new, self.now()).await?)
    }

    /// The documents of a customer, metadata only, oldest first (`ReadCustomers`).
    pub async fn documents(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
    ) -> AppResult<Vec<Document>> {
        Self::require(scope, Permission::ReadCustomers)?;
        Ok(self.store().documents(scope, customer).await?)
    }

    /// The bytes of one document (`ReadDocumentImages`); the read is an audit event.
    pub async fn document_content(
        &self,
        scope: &TenantScope,
        customer: CustomerId,
        id: DocumentId,
    ) -> AppResult<DocumentContent> {
        Self::require(scope, Permission::ReadDocumentImages)?;
        Ok(self
            .store()
            .document_content(scope, customer, id, self.now())
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n rest";

    #[test]
    fn magic_bytes_must_match_the_declared_type() {
        assert!(magic_matches(MediaType::Png, PNG));
        assert!(magic_matches(MediaType::Jpeg, &[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(magic_matches(MediaType::Pdf, b"%PDF-1.7\n"));
        assert!(!magic_matches(MediaType::Jpeg, PNG));
        assert!(!magic_matches(MediaType::Pdf, b"%PD"));
    }

    #[test]
    fn every_problem_of_an_upload_is_reported_at_once() {
        assert_eq!(
            validate(Some("selfie"), MediaType::Png, PNG),
            Ok(EvidenceKind::Selfie)
        );
        let errors = validate(Some("id_card"), MediaType::Jpeg, PNG).unwrap_err();
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, vec!["/kind", "/body"]);
        assert!(errors[1].message.contains("image/jpeg"), "{errors:?}");
        let errors = validate(None, MediaType::Png, b"").unwrap_err();
        assert!(errors[0].message.starts_with("is required"));
        assert_eq!(errors[1].message, "the document is empty");
        let big = [PNG, &vec![0_u8; MAX_DOCUMENT_BYTES]].concat();
        let errors = validate(Some("passport"), MediaType::Png, &big).unwrap_err();
        assert!(errors[0].message.contains("larger than"));
    }
}

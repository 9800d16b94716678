//! Evidence files on a case: sealed by the store, their SHA-256 on the timeline.
//!
//! An upload is one command: the file is stored and an `evidence_added` entry naming it
//! (`attachment:<id>`) with its digest is appended, in one transaction, so the timeline cannot
//! point at a file that was not stored nor a file exist that the timeline does not mention.
//! Reading the bytes back needs `ReadDocumentImages` and is audited.

use cloudkyc_domain::Permission;
use cloudkyc_domain::cases::{CaseId, Command, Evidence, Note, Sha256Digest};
use cloudkyc_store::TenantScope;
use cloudkyc_store::cases::{Attachment, AttachmentContent, AttachmentId, NewAttachment};
use cloudkyc_store::documents::sha256_hex;

use super::case_error;
use crate::documents::{MAX_DOCUMENT_BYTES, MediaType, magic_matches};
use crate::{App, AppError, AppResult, FieldError};

/// A file to attach, as the caller sent it.
#[derive(Clone, PartialEq, Eq)]
pub struct AttachFile {
    pub file_name: String,
    pub media_type: MediaType,
    pub description: String,
    pub content: Vec<u8>,
}

impl std::fmt::Debug for AttachFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachFile")
            .field("media_type", &self.media_type)
            .field("size", &self.content.len())
            .finish_non_exhaustive()
    }
}

const MAX_FILE_NAME_CHARS: usize = 255;

fn validate(file: &AttachFile) -> Result<Note, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = file.file_name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_FILE_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        errors.push(FieldError::new(
            "/file_name",
            "must be 1 to 255 characters without control characters",
        ));
    }
    let description = Note::parse(&file.description)
        .map_err(|e| errors.push(FieldError::new("/description", e.to_string())))
        .ok();
    if file.content.is_empty() {
        errors.push(FieldError::new("/body", "the file is empty"));
    } else if file.content.len() > MAX_DOCUMENT_BYTES {
        errors.push(FieldError::new(
            "/body",
            format!("the file is larger than {MAX_DOCUMENT_BYTES} bytes"),
        ));
    } else if !magic_matches(file.media_type, &file.content) {
        errors.push(FieldError::new(
            "/body",
            format!("the bytes are not {}", file.media_type.as_str()),
        ));
    }
    match description {
        Some(note) if errors.is_empty() => Ok(note),
        _ => Err(errors),
    }
}

impl App {
    /// Stores `file` on the case and records it as evidence. Needs `WorkCases`; refused on a
    /// closed case (`Conflict`).
    pub async fn attach_to_case(
        &self,
        scope: &TenantScope,
        case: CaseId,
        file: AttachFile,
    ) -> AppResult<(Attachment, i64)> {
        Self::require(scope, Permission::WorkCases)?;
        let description = validate(&file).map_err(AppError::Invalid)?;
        let id = AttachmentId::new();
        let digest = sha256_hex(&file.content);
        let evidence = Evidence {
            description,
            reference: Some(Note::parse(&format!("attachment:{id}")).map_err(case_error)?),
            sha256: Some(Sha256Digest::parse(&digest).map_err(case_error)?),
        };
        let new = NewAttachment {
            id,
            file_name: file.file_name.trim().to_owned(),
            media_type: file.media_type,
            content: file.content,
        };
        let record = self
            .apply_case_command(
                scope,
                case,
                None,
                Command::AddEvidence { evidence },
                Some(new),
            )
            .await?;
        let attachment = self
            .store()
            .case_attachments(scope, case)
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| AppError::Internal("a stored attachment was not found".into()))?;
        Ok((attachment, record.version))
    }

    /// The attachments of a case (metadata and SHA-256). Needs `ReadAudit`.
    pub async fn case_attachments(
        &self,
        scope: &TenantScope,
        case: CaseId,
    ) -> AppResult<Vec<Attachment>> {
        Self::require(scope, Permission::ReadAudit)?;
        Ok(self.store().case_attachments(scope, case).await?)
    }

    /// The bytes of one attachment; the read is audited. Needs `ReadDocumentImages`.
    pub async fn case_attachment_content(
        &self,
        scope: &TenantScope,
        case: CaseId,
        id: AttachmentId,
    ) -> AppResult<AttachmentContent> {
        Self::require(scope, Permission::ReadDocumentImages)?;
        Ok(self
            .store()
            .case_attachment_content(scope, case, id, self.now())
            .await?)
    }
}

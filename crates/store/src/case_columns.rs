//! What both SQL backends do to a case that is not SQL: the clear columns derived from it, the
//! sealing of its state, entries and attachments, and its audit events.

use chrono::{DateTime, NaiveDate, Utc};
use cloudkyc_domain::TenantId;
use cloudkyc_domain::cases::{Case, CaseId, TimelineEntry};

use crate::audit::NewAuditEvent;
use crate::cases::{
    Attachment, AttachmentId, CASE_ATTACHMENT_READ, CASE_ATTACHMENTS_TABLE, CASE_EVENTS_TABLE,
    CASE_SUBJECT, CASES_TABLE,
};
use crate::crypto::{Aad, KeyRing};
use crate::{StoreError, StoreResult};

/// The columns of a `cases` row kept in clear for filtering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseColumns {
    pub kind: &'static str,
    pub status: &'static str,
    pub subject_type: &'static str,
    pub subject_ref: String,
    pub assignee: Option<String>,
    pub priority: &'static str,
    pub due: Option<NaiveDate>,
    pub opened_at: DateTime<Utc>,
}

impl CaseColumns {
    pub fn of(case: &Case) -> Self {
        Self {
            kind: case.kind().as_str(),
            status: case.status().as_str(),
            subject_type: case.subject().type_name(),
            subject_ref: case.subject().reference().as_str().to_owned(),
            assignee: case.assignee().map(|a| a.as_str().to_owned()),
            priority: case.priority().as_str(),
            due: case.due(),
            opened_at: case.opened_at(),
        }
    }
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn case_aad(tenant: TenantId, row: &str) -> Aad<'_> {
    Aad {
        tenant,
        table: CASES_TABLE,
        row,
        column: "state",
    }
}

/// The case's state without its timeline (the entries are rows of their own), sealed.
pub fn seal_state(ring: &KeyRing, tenant: TenantId, case: &Case) -> StoreResult<Vec<u8>> {
    let mut state = serde_json::to_value(case).map_err(|e| corrupt("case state", e))?;
    if let Some(object) = state.as_object_mut() {
        object.remove("timeline");
    }
    let text = serde_json::to_string(&state).map_err(|e| corrupt("case state", e))?;
    ring.encrypt_str(&text, case_aad(tenant, &case.id().to_string()))
}

/// The case read back from its sealed state and its (opened) entries in order.
pub fn open_state(
    ring: &KeyRing,
    tenant: TenantId,
    id: CaseId,
    state_ct: &[u8],
    timeline: Vec<TimelineEntry>,
) -> StoreResult<Case> {
    let text = ring.decrypt_str(state_ct, case_aad(tenant, &id.to_string()))?;
    let mut state: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| corrupt("case state", e))?;
    let entries = serde_json::to_value(timeline).map_err(|e| corrupt("case timeline", e))?;
    match state.as_object_mut() {
        Some(object) => object.insert("timeline".to_owned(), entries),
        None => return Err(corrupt("case state", "not a JSON object")),
    };
    serde_json::from_value(state).map_err(|e| corrupt("case state", e))
}

fn entry_row(case: CaseId, seq: i64) -> String {
    format!("{case}/{seq}")
}

/// One timeline entry sealed for its row (`seq` counts from 1 per case).
pub fn seal_entry(
    ring: &KeyRing,
    tenant: TenantId,
    case: CaseId,
    seq: i64,
    entry: &TimelineEntry,
) -> StoreResult<Vec<u8>> {
    let text = serde_json::to_string(entry).map_err(|e| corrupt("case entry", e))?;
    let row = entry_row(case, seq);
    ring.encrypt_str(
        &text,
        Aad {
            tenant,
            table: CASE_EVENTS_TABLE,
            row: &row,
            column: "entry",
        },
    )
}

pub fn open_entry(
    ring: &KeyRing,
    tenant: TenantId,
    case: CaseId,
    seq: i64,
    entry_ct: &[u8],
) -> StoreResult<TimelineEntry> {
    let row = entry_row(case, seq);
    let text = ring.decrypt_str(
        entry_ct,
        Aad {
            tenant,
            table: CASE_EVENTS_TABLE,
            row: &row,
            column: "entry",
        },
    )?;
    serde_json::from_str(&text).map_err(|e| corrupt("case entry", e))
}

fn attachment_aad<'a>(tenant: TenantId, row: &'a str, column: &'static str) -> Aad<'a> {
    Aad {
        tenant,
        table: CASE_ATTACHMENTS_TABLE,
        row,
        column,
    }
}

/// `(file_name_ct, content_ct)` of an attachment.
pub fn seal_attachment(
    ring: &KeyRing,
    tenant: TenantId,
    id: AttachmentId,
    file_name: &str,
    content: &[u8],
) -> StoreResult<(Vec<u8>, Vec<u8>)> {
    let row = id.to_string();
    Ok((
        ring.encrypt_str(file_name, attachment_aad(tenant, &row, "file_name"))?,
        ring.encrypt(content, attachment_aad(tenant, &row, "content"))?,
    ))
}

/// The opened file name, or the opened bytes, of an attachment row.
pub fn open_attachment(
    ring: &KeyRing,
    tenant: TenantId,
    id: AttachmentId,
    file_name_ct: &[u8],
    content_ct: Option<&[u8]>,
) -> StoreResult<(String, Option<Vec<u8>>)> {
    let row = id.to_string();
    let name = ring.decrypt_str(file_name_ct, attachment_aad(tenant, &row, "file_name"))?;
    let content = content_ct
        .map(|ct| ring.decrypt(ct, attachment_aad(tenant, &row, "content")))
        .transpose()?;
    Ok((name, content))
}

/// The audit event of a transition: `case.<command>`, digests of the states before and after.
pub fn transition_event(command: &str, before: Option<&Case>, after: &Case) -> NewAuditEvent {
    NewAuditEvent::new(
        &format!("case.{command}"),
        CASE_SUBJECT,
        after.id(),
        before,
        Some(after),
    )
}

/// The audit event of a read of an attachment's bytes.
pub fn attachment_read_event(attachment: &Attachment) -> NewAuditEvent {
    NewAuditEvent::new(
        CASE_ATTACHMENT_READ,
        CASE_SUBJECT,
        attachment.case,
        None::<&Attachment>,
        Some(attachment),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::MasterKey;
    use cloudkyc_domain::cases::{
        ActorId, CaseKind, CaseRules, NewCase, Note, Subject, SubjectRef,
    };

    #[test]
    fn a_sealed_state_hides_the_summary_and_opens_only_for_its_case() {
        let (ring, _) = KeyRing::bootstrap(&MasterKey::generate(), Utc::now())
            .unwrap_or_else(|e| panic!("{e}"));
        use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
        let pack = RulePack::bundled(DEFAULT_PACK_ID).unwrap_or_else(|| panic!("bundled pack"));
        let rules = CaseRules::from_pack(&pack);
        let new = NewCase {
            kind: CaseKind::ScreeningHit,
            subject: Subject::Customer(SubjectRef::parse("c-1").unwrap_or_else(|e| panic!("{e}"))),
            summary: Note::parse("Ada Lovelace matched SDN").unwrap_or_else(|e| panic!("{e}")),
            risk: None,
            knowledge_date: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default(),
            due: None,
        };
        let opened = Case::open(new, &rules, ActorId::system(), Utc::now())
            .unwrap_or_else(|e| panic!("{e}"));
        let tenant = TenantId::new();
        let sealed = seal_state(&ring, tenant, &opened.case).unwrap_or_else(|e| panic!("{e}"));
        assert!(!sealed.windows(3).any(|w| w == b"Ada"));
        let back = open_state(
            &ring,
            tenant,
            opened.case.id(),
            &sealed,
            opened.entries.clone(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, opened.case);
        assert!(open_state(&ring, tenant, CaseId::new(), &sealed, vec![]).is_err());
        let entry = seal_entry(&ring, tenant, back.id(), 1, &opened.entries[0])
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(open_entry(&ring, tenant, back.id(), 2, &entry).is_err());
    }
}

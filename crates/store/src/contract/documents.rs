//! Document images: sealed bytes with their SHA-256 in clear, one upload per customer and hash,
//! an audit event per upload and per read of the bytes, and the customer's tenant scope.

use std::sync::Arc;

use cloudkyc_domain::TenantId;
use cloudkyc_domain::cip::{CustomerKind, PersonStatus};
use cloudkyc_domain::rule_pack::RiskTier;
use serde_json::json;

use super::ContractDatabase;
use super::support::{reseller, scope_of, setup, t0};
use crate::audit::state_digest;
use crate::customers::{AccountAccess, CipStatus, CustomerDecision, CustomerId, NewCustomer};
use crate::documents::{
    DOCUMENT_READ, DOCUMENT_SUBJECT, DOCUMENT_UPLOAD, DocumentId, EvidenceKind, MediaType,
    NewDocument, sha256_hex,
};
use crate::{Store, StoreError, TenantScope};

/// A PNG signature followed by a marker that must never reach the database in clear.
fn png(marker: &str) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(marker.as_bytes());
    bytes
}

pub(super) async fn customer(
    store: &Arc<dyn Store>,
    scope: &TenantScope,
    tenant: TenantId,
    account: &str,
) -> CustomerId {
    let new = NewCustomer {
        tenant,
        idempotency_key: None,
        kind: CustomerKind::Individual,
        decision: CustomerDecision {
            person_status: PersonStatus::Foreign,
            cip_status: CipStatus::Pending,
            account_access: AccountAccess::Restricted,
            risk_tier: RiskTier::Medium,
            policy_id: "bis-cip".into(),
            policy_version: "2024.1".into(),
            reasons: vec![],
        },
        personal: json!({"name": {"full": "Document Holder"}}),
        lookups: vec![],
        accounts: vec![account.to_owned()],
    };
    store
        .create_customer(scope, new, t0())
        .await
        .expect("customer created")
        .customer
        .id
}

fn upload(customer: CustomerId, kind: EvidenceKind, content: Vec<u8>) -> NewDocument {
    NewDocument {
        customer,
        kind,
        media_type: MediaType::Png,
        content,
    }
}

pub async fn documents_are_stored_once_per_hash_with_their_events(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let tenant = s.provider.id;
    let holder = customer(&s.store, &s.operator, tenant, "acct-doc-1").await;
    let bytes = png("passport page one");
    let first = s
        .store
        .add_document(
            &s.operator,
            upload(holder, EvidenceKind::Passport, bytes.clone()),
            t0(),
        )
        .await
        .expect("stored");
    assert!(!first.replayed);
    let doc = &first.document;
    assert_eq!(doc.customer, holder);
    assert_eq!(doc.tenant, tenant);
    assert_eq!(doc.kind, EvidenceKind::Passport);
    assert_eq!(doc.media_type, MediaType::Png);
    assert_eq!(doc.size, bytes.len() as u64);
    assert_eq!(doc.sha256, sha256_hex(&bytes));
    assert_eq!(doc.uploaded_by, "operator");

    // The same bytes again, even declared as another kind, are the first record.
    let again = s
        .store
        .add_document(
            &s.operator,
            upload(holder, EvidenceKind::Selfie, bytes.clone()),
            t0(),
        )
        .await
        .expect("replayed");
    assert!(again.replayed);
    assert_eq!(&again.document, doc);

    let other = s
        .store
        .add_document(
            &s.operator,
            upload(holder, EvidenceKind::ProofOfAddress, png("utility bill")),
            t0(),
        )
        .await
        .expect("other bytes");
    assert!(!other.replayed);
    let listed = s
        .store
        .documents(&s.operator, holder)
        .await
        .expect("listed");
    assert_eq!(
        listed,
        vec![doc.clone(), other.document.clone()],
        "oldest first, read back exactly"
    );

    let opened = s
        .store
        .document_content(&s.operator, holder, doc.id, t0())
        .await
        .expect("opened");
    assert_eq!(opened.content, bytes);
    assert_eq!(&opened.document, doc);

    let events = s
        .store
        .audit_events(&s.operator, tenant, 0, 100)
        .await
        .expect("events");
    let document_events: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e.subject_kind == DOCUMENT_SUBJECT)
        .map(|e| (e.action.as_str(), e.subject_id.as_str()))
        .collect();
    let first_id = doc.id.to_string();
    let other_id = other.document.id.to_string();
    assert_eq!(
        document_events,
        vec![
            (DOCUMENT_UPLOAD, first_id.as_str()),
            (DOCUMENT_UPLOAD, other_id.as_str()),
            (DOCUMENT_READ, first_id.as_str()),
        ],
        "one event per upload (none for the replay) and one per read of the bytes"
    );
    let upload_event = events
        .iter()
        .find(|e| e.action == DOCUMENT_UPLOAD)
        .expect("upload event");
    assert_eq!(upload_event.after_digest, Some(state_digest(doc)));

    assert!(matches!(
        s.store
            .document_content(&s.operator, holder, DocumentId::new(), t0())
            .await,
        Err(StoreError::NotFound { .. })
    ));
    let stranger = customer(&s.store, &s.operator, tenant, "acct-doc-2").await;
    assert!(
        matches!(
            s.store
                .document_content(&s.operator, stranger, doc.id, t0())
                .await,
            Err(StoreError::NotFound { .. })
        ),
        "a document is read only through its own customer"
    );
    assert!(matches!(
        s.store
            .add_document(
                &s.operator,
                upload(CustomerId::new(), EvidenceKind::Passport, png("x")),
                t0(),
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));
}

pub async fn documents_are_scoped_to_the_customers_tenant(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    let b = reseller(&s.store, &s.operator, s.provider.id, "B").await;
    let a_scope = scope_of(&s.store, a.id).await;
    let b_scope = scope_of(&s.store, b.id).await;
    let whole = scope_of(&s.store, s.provider.id).await;
    let holder = customer(&s.store, &a_scope, a.id, "acct-a").await;
    let doc = s
        .store
        .add_document(
            &a_scope,
            upload(holder, EvidenceKind::NationalId, png("id card")),
            t0(),
        )
        .await
        .expect("stored")
        .document;
    assert_eq!(doc.tenant, a.id);

    assert!(matches!(
        s.store.documents(&b_scope, holder).await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.store
            .document_content(&b_scope, holder, doc.id, t0())
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.store
            .add_document(
                &b_scope,
                upload(holder, EvidenceKind::Selfie, png("intruder")),
                t0()
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        s.store.documents(&whole, holder).await.expect("ancestor"),
        vec![doc.clone()]
    );
    // The provider's read is recorded on the reseller's chain, where the document lives.
    s.store
        .document_content(&whole, holder, doc.id, t0())
        .await
        .expect("ancestor reads");
    let a_events = s
        .store
        .audit_events(&whole, a.id, 0, 100)
        .await
        .expect("events");
    assert!(
        a_events
            .iter()
            .any(|e| e.action == DOCUMENT_READ && e.subject_id == doc.id.to_string())
    );
    let b_events = s
        .store
        .audit_events(&whole, b.id, 0, 100)
        .await
        .expect("events");
    assert!(b_events.iter().all(|e| e.subject_kind != DOCUMENT_SUBJECT));
}

pub async fn document_bytes_are_never_stored_in_plaintext(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let holder = customer(&s.store, &s.operator, s.provider.id, "acct-raw").await;
    let bytes = png("MRZ-P<UTOERIKSSON<<ANNA<MARIA");
    let doc = s
        .store
        .add_document(
            &s.operator,
            upload(holder, EvidenceKind::Passport, bytes),
            t0(),
        )
        .await
        .expect("stored")
        .document;
    assert!(
        db.raw_contains(&doc.sha256).await,
        "the fingerprint is kept in clear, and the search finds it"
    );
    assert!(
        !db.raw_contains("ERIKSSON<<ANNA").await,
        "the bytes are found in plaintext"
    );
}

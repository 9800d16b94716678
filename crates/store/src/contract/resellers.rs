//! Foreign resellers: registered with their child tenant in one transaction, visible only to the
//! registering tenant's subtree, changed with one audit event each and never from a stale read,
//! with the name, attestations and agreement bytes sealed.

use chrono::NaiveDate;
use cloudkyc_domain::TenantKind;
use cloudkyc_domain::cip::CountryCode;
use cloudkyc_domain::reseller::{
    AgreementKind, Attestation, ResellerEvent, ResellerStatus, StatusName, next_status,
};
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use serde_json::json;

use super::ContractDatabase;
use super::support::{scope_of, setup, t0};
use crate::backend::actions;
use crate::documents::{MediaType, sha256_hex};
use crate::resellers::{
    NewAgreementDocument, RESELLER_AGREEMENT, RESELLER_AGREEMENT_READ, RESELLER_ATTEST,
    RESELLER_LEGAL_ENTITY, RESELLER_REGISTER, ResellerChange, ResellerRecord,
};
use crate::{StoreError, TenantScope};

const NAME: &str = "Zebulon Reseller Pte Ltd";

fn date(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

fn new_reseller(name: &str) -> crate::resellers::NewReseller {
    crate::resellers::NewReseller {
        name: name.to_owned(),
        country: CountryCode::parse("SG").expect("a country"),
        agreement: AgreementKind::AdoptsProviderCip,
        registered_on: date("2025-03-14"),
        screening: json!({"status": "clear", "hits": [], "screened": name}),
    }
}

async fn actions_of(s: &super::support::Setup) -> Vec<String> {
    s.store
        .audit_events(&s.operator, s.provider.id, 0, 100)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

pub async fn resellers_are_registered_with_their_tenant_and_events(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let before = actions_of(&s).await.len();
    let record = s
        .store
        .create_reseller(&s.operator, new_reseller(NAME), t0())
        .await
        .expect("registered");
    assert_eq!(record.tenant, s.provider.id);
    assert_eq!(record.name, NAME);
    assert_eq!(record.status, ResellerStatus::Active);
    // A scope lists the subtree as it was when it was made: take a fresh one.
    let operator = scope_of(&s.store, s.provider.id).await;
    let child = s
        .store
        .tenant(&operator, record.reseller_tenant)
        .await
        .expect("child tenant");
    assert_eq!(child.parent, Some(s.provider.id));
    assert_eq!(child.kind, TenantKind::Reseller);
    assert!(
        !child.name.contains("Zebulon"),
        "the tenant name is not the legal name"
    );
    let read = s
        .store
        .reseller(&s.operator, record.id)
        .await
        .expect("read");
    assert_eq!(read, record);
    assert_eq!(
        s.store.resellers(&s.operator).await.expect("list"),
        vec![record]
    );
    let after = actions_of(&s).await;
    assert_eq!(
        &after[before..],
        [actions::TENANT_CREATE, RESELLER_REGISTER]
    );
    assert!(
        !db.raw_contains("Zebulon").await,
        "the legal name is sealed"
    );
}

pub async fn resellers_are_visible_only_to_the_registering_subtree(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let one = s
        .store
        .create_reseller(&s.operator, new_reseller("One Ltd"), t0())
        .await
        .expect("one");
    let two = s
        .store
        .create_reseller(&s.operator, new_reseller("Two Ltd"), t0())
        .await
        .expect("two");
    // A reseller's own scope sees neither its registry row nor its sibling's.
    let own: TenantScope = scope_of(&s.store, one.reseller_tenant).await;
    assert!(s.store.resellers(&own).await.expect("list").is_empty());
    for id in [one.id, two.id] {
        let err = s.store.reseller(&own, id).await.expect_err("hidden");
        assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
        let change = ResellerChange::Attest(Attestation {
            on: date("2025-03-15"),
            by: "Someone".into(),
            statement: "we comply".into(),
        });
        let err = s
            .store
            .update_reseller(&own, id, change, one.updated_at, t0())
            .await
            .expect_err("hidden");
        assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
        let err = s
            .store
            .agreement_content(&own, id, t0())
            .await
            .expect_err("hidden");
        assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    }
    // Registering from the reseller's scope puts the new one under the reseller, not the provider.
    let nested = s
        .store
        .create_reseller(&own, new_reseller("Nested Ltd"), t0())
        .await
        .expect("nested");
    assert_eq!(nested.tenant, one.reseller_tenant);
    let operator = scope_of(&s.store, s.provider.id).await;
    let all = s.store.resellers(&operator).await.expect("all");
    assert_eq!(
        all.len(),
        3,
        "the provider sees its descendants' registrations"
    );
}

fn find_non_compliance(record: &ResellerRecord) -> ResellerChange {
    let pack = RulePack::bundled(DEFAULT_PACK_ID).expect("bundled pack");
    let event = ResellerEvent::FindNonCompliance {
        on: date("2025-04-01"),
        reference: "review 2025-04".into(),
    };
    let status = next_status(
        &record.status,
        &event,
        record.registered_on,
        pack.resellers(),
    )
    .expect("allowed");
    ResellerChange::Transition {
        change: cloudkyc_domain::reseller::StatusChange {
            on: event.on(),
            from: record.status.name(),
            to: status.name(),
            event,
        },
        status,
    }
}

pub async fn changes_are_audited_guarded_and_sealed(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let record = s
        .store
        .create_reseller(&s.operator, new_reseller(NAME), t0())
        .await
        .expect("registered");
    let later = t0() + chrono::Duration::seconds(1);
    let attest = ResellerChange::Attest(Attestation {
        on: date("2025-03-20"),
        by: "Quillon Signatory, CEO".into(),
        statement: "we keep a CIP".into(),
    });
    let attested = s
        .store
        .update_reseller(
            &s.operator,
            record.id,
            attest.clone(),
            record.updated_at,
            later,
        )
        .await
        .expect("attested");
    assert_eq!(attested.attestations.len(), 1);
    assert!(attested.updated_at > record.updated_at);
    // A change from the first read is stale now, and writes nothing.
    let events = actions_of(&s).await.len();
    let err = s
        .store
        .update_reseller(&s.operator, record.id, attest, record.updated_at, later)
        .await
        .expect_err("stale");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(actions_of(&s).await.len(), events);

    let found = s
        .store
        .update_reseller(
            &s.operator,
            record.id,
            find_non_compliance(&attested),
            attested.updated_at,
            later,
        )
        .await
        .expect("finding");
    assert_eq!(found.status.name(), StatusName::NonCompliant);
    assert_eq!(found.termination_due, Some(date("2025-05-01")));
    assert_eq!(found.history.len(), 1);

    let bytes = b"%PDF-1.7 agreement Quillon clause".to_vec();
    let upload = ResellerChange::Agreement(NewAgreementDocument {
        media_type: MediaType::Pdf,
        signed_on: date("2025-03-01"),
        content: bytes.clone(),
    });
    let uploaded = s
        .store
        .update_reseller(&s.operator, record.id, upload, found.updated_at, later)
        .await
        .expect("agreement");
    let document = uploaded.agreement_document.clone().expect("document");
    assert_eq!(document.sha256.as_str(), sha256_hex(&bytes));
    let content = s
        .store
        .agreement_content(&s.operator, record.id, later)
        .await
        .expect("content");
    assert_eq!(content.content, bytes);
    assert_eq!(
        s.store
            .reseller(&s.operator, record.id)
            .await
            .expect("read"),
        uploaded
    );
    let all = actions_of(&s).await;
    let tail: Vec<&str> = all.iter().rev().take(4).rev().map(String::as_str).collect();
    assert_eq!(
        tail,
        [
            RESELLER_ATTEST,
            "reseller.find_non_compliance",
            RESELLER_AGREEMENT,
            RESELLER_AGREEMENT_READ
        ]
    );
    assert!(
        !db.raw_contains("Quillon").await,
        "signers and agreement bytes are sealed"
    );
}

/// The legal entity's customer record is linked with its own audit event and read back.
pub async fn the_legal_entity_link_is_stored_with_its_event(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let record = s
        .store
        .create_reseller(&s.operator, new_reseller(NAME), t0())
        .await
        .expect("registered");
    assert_eq!(record.legal_entity, None);
    let customer = crate::customers::CustomerId::new();
    let change = ResellerChange::LegalEntity { customer };
    let linked = s
        .store
        .update_reseller(&s.operator, record.id, change, record.updated_at, t0())
        .await
        .expect("linked");
    assert_eq!(linked.legal_entity, Some(customer));
    let read = s
        .store
        .reseller(&s.operator, record.id)
        .await
        .expect("read");
    assert_eq!(read, linked);
    let actions = actions_of(&s).await;
    assert_eq!(
        actions.last().map(String::as_str),
        Some(RESELLER_LEGAL_ENTITY)
    );
    // A stale read cannot link another record.
    let again = ResellerChange::LegalEntity {
        customer: crate::customers::CustomerId::new(),
    };
    let refused = s
        .store
        .update_reseller(&s.operator, record.id, again, record.updated_at, t0())
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
}

//! Restricted-party list snapshots: stored once per content hash, one in force per list, update
//! attempts recorded without touching the snapshot in force, audited on the provider's chain,
//! written only by the provider.

use chrono::{Duration, NaiveDate};

use super::ContractDatabase;
use super::support::{reseller, scope_of, setup, t0};
use crate::StoreError;
use crate::lists::{LIST_ACTIVATE, LIST_SUBJECT, LIST_UPDATE, ListAttempt, NewListSnapshot};

fn snapshot(list: &str, content: &[u8], entities: u64) -> NewListSnapshot {
    use sha2::{Digest, Sha256};
    NewListSnapshot {
        list: list.to_owned(),
        format: r#"{"format":"un_xml"}"#.to_owned(),
        content_sha256: hex::encode(Sha256::digest(content)),
        published: NaiveDate::from_ymd_opt(2026, 2, 27),
        version: format!("2026-02-27+{entities}"),
        entity_count: entities,
        content: content.to_vec(),
    }
}

pub async fn snapshots_are_stored_once_per_hash_and_one_is_in_force(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let first = snapshot("un_sc", b"<list>first</list>", 2);
    let imported = s
        .store
        .import_list_snapshot(&s.operator, first.clone(), t0())
        .await
        .expect("imported");
    assert!(imported.created && imported.activated);
    assert_eq!(imported.snapshot.loaded_at, t0().with_nanosecond_micros());
    assert_eq!(imported.snapshot.size_bytes, 18);
    assert_eq!(imported.snapshot.published, first.published);

    // The same bytes again: nothing new, nothing audited.
    let again = s
        .store
        .import_list_snapshot(&s.operator, first.clone(), t0() + Duration::hours(1))
        .await
        .expect("imported again");
    assert!(!again.created && !again.activated);
    assert_eq!(again.snapshot, imported.snapshot);

    let second = snapshot("un_sc", b"<list>second</list>", 3);
    let later = t0() + Duration::hours(2);
    let replaced = s
        .store
        .import_list_snapshot(&s.operator, second.clone(), later)
        .await
        .expect("second imported");
    assert!(replaced.created && replaced.activated);
    let other = s
        .store
        .import_list_snapshot(&s.operator, snapshot("bis_dpl", b"a\tb\n", 1), later)
        .await
        .expect("other list");
    assert!(other.activated);

    let active = s
        .store
        .active_list_snapshots(&s.operator)
        .await
        .expect("active");
    let found: Vec<(&str, &[u8])> = active
        .iter()
        .map(|a| (a.info.list.as_str(), a.content.as_slice()))
        .collect();
    assert_eq!(
        found,
        vec![
            ("bis_dpl", b"a\tb\n".as_slice()),
            ("un_sc", b"<list>second</list>".as_slice())
        ]
    );

    // Going back to the first bytes reuses the stored snapshot and puts it in force again.
    let back = s
        .store
        .import_list_snapshot(&s.operator, first.clone(), later + Duration::hours(1))
        .await
        .expect("back");
    assert!(!back.created && back.activated);
    assert_eq!(back.snapshot.loaded_at, imported.snapshot.loaded_at);
    let statuses = s.store.list_statuses(&s.operator).await.expect("statuses");
    let un = statuses.iter().find(|x| x.list == "un_sc").expect("un_sc");
    assert_eq!(
        un.active.as_ref().map(|a| a.content_sha256.as_str()),
        Some(first.content_sha256.as_str())
    );
    assert_eq!(
        un.activated_at,
        Some((later + Duration::hours(1)).with_nanosecond_micros())
    );

    let events = s
        .store
        .audit_events(&s.operator, s.provider.id, 0, 100)
        .await
        .expect("events");
    let list_events: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e.subject_kind == LIST_SUBJECT)
        .map(|e| (e.action.as_str(), e.subject_id.as_str()))
        .collect();
    assert_eq!(
        list_events,
        vec![
            (LIST_ACTIVATE, "un_sc"),
            (LIST_ACTIVATE, "un_sc"),
            (LIST_ACTIVATE, "bis_dpl"),
            (LIST_ACTIVATE, "un_sc"),
        ]
    );
    assert!(s.store.verify_audit().await.expect("verify").intact());
}

pub async fn failed_attempts_keep_the_snapshot_in_force(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let good = snapshot("ofac_sdn", b"1,\"A\",-0-\n", 1);
    s.store
        .import_list_snapshot(&s.operator, good.clone(), t0())
        .await
        .expect("imported");
    let ok_at = t0() + Duration::hours(1);
    let ok = s
        .store
        .record_list_attempt(&s.operator, "ofac_sdn", ListAttempt::Succeeded, ok_at)
        .await
        .expect("success recorded");
    assert_eq!(ok.last_success_at, Some(ok_at.with_nanosecond_micros()));
    assert_eq!(ok.last_error, None);
    assert_eq!(ok.failures, 0);

    let failed_at = t0() + Duration::hours(2);
    let failed = s
        .store
        .record_list_attempt(
            &s.operator,
            "ofac_sdn",
            ListAttempt::Failed("HTTP 500".to_owned()),
            failed_at,
        )
        .await
        .expect("failure recorded");
    assert_eq!(
        failed.last_attempt_at,
        Some(failed_at.with_nanosecond_micros())
    );
    assert_eq!(failed.last_success_at, ok.last_success_at);
    assert_eq!(failed.last_error.as_deref(), Some("HTTP 500"));
    assert_eq!(failed.failures, 1);
    assert_eq!(
        failed.active.as_ref().map(|a| a.content_sha256.as_str()),
        Some(good.content_sha256.as_str())
    );

    // A list never imported can still fail (its bundled copy stays in force).
    let never = s
        .store
        .record_list_attempt(
            &s.operator,
            "un_sc",
            ListAttempt::Failed("truncated".to_owned()),
            failed_at,
        )
        .await
        .expect("failure of an unknown list");
    assert_eq!(never.active, None);
    assert_eq!(never.failures, 1);
    let again = s
        .store
        .record_list_attempt(&s.operator, "un_sc", ListAttempt::Succeeded, failed_at)
        .await
        .expect("then success");
    assert_eq!((again.failures, again.last_error), (1, None));

    let statuses = s.store.list_statuses(&s.operator).await.expect("statuses");
    let ids: Vec<&str> = statuses.iter().map(|x| x.list.as_str()).collect();
    assert_eq!(ids, vec!["ofac_sdn", "un_sc"]);
    let updates = s
        .store
        .audit_events(&s.operator, s.provider.id, 0, 100)
        .await
        .expect("events")
        .iter()
        .filter(|e| e.action == LIST_UPDATE)
        .count();
    assert_eq!(updates, 4);
}

pub async fn only_the_provider_writes_lists_and_everyone_reads_them(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let child = reseller(&s.store, &s.operator, s.provider.id, "Reseller").await;
    let child_scope = scope_of(&s.store, child.id).await;
    let refused = s
        .store
        .import_list_snapshot(&child_scope, snapshot("un_sc", b"x", 1), t0())
        .await;
    assert!(
        matches!(refused, Err(StoreError::Forbidden(_))),
        "{refused:?}"
    );
    let refused = s
        .store
        .record_list_attempt(&child_scope, "un_sc", ListAttempt::Succeeded, t0())
        .await;
    assert!(
        matches!(refused, Err(StoreError::Forbidden(_))),
        "{refused:?}"
    );
    assert!(
        s.store
            .list_statuses(&child_scope)
            .await
            .expect("read")
            .is_empty()
    );

    let mut bad = snapshot("UN SC", b"x", 1);
    assert!(matches!(
        s.store
            .import_list_snapshot(&s.operator, bad.clone(), t0())
            .await,
        Err(StoreError::Conflict(_))
    ));
    bad.list = "un_sc".to_owned();
    bad.content_sha256 = "abc".to_owned();
    assert!(matches!(
        s.store.import_list_snapshot(&s.operator, bad, t0()).await,
        Err(StoreError::Conflict(_))
    ));

    s.store
        .import_list_snapshot(&s.operator, snapshot("un_sc", b"<x/>", 1), t0())
        .await
        .expect("provider writes");
    let seen = s
        .store
        .active_list_snapshots(&child_scope)
        .await
        .expect("reseller reads");
    assert_eq!(seen.len(), 1);
    assert!(
        s.store
            .audit_events(&child_scope, child.id, 0, 100)
            .await
            .expect("child chain")
            .iter()
            .all(|e| e.subject_kind != LIST_SUBJECT)
    );
}

trait Micros {
    fn with_nanosecond_micros(self) -> Self;
}

impl Micros for chrono::DateTime<chrono::Utc> {
    /// Both databases keep microseconds.
    fn with_nanosecond_micros(self) -> Self {
        crate::audit::truncate_to_micros(self)
    }
}

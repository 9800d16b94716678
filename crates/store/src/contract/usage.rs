//! Usage records and reservations: idempotent on (tenant, id), duplicates counted, one audit
//! event per batch, listed in insertion order, never across tenants.

use chrono::Duration;

use super::ContractDatabase;
use super::support::{reseller, scope_of, setup, t0};
use crate::audit::{state_digest, truncate_to_micros};
use crate::usage::{ComputeRecord, ComputeRecordKind, USAGE_INGEST};

fn record(id: &str, account: &str) -> ComputeRecord {
    ComputeRecord {
        id: id.to_owned(),
        account: account.to_owned(),
        accelerator: "H100".to_owned(),
        accelerator_resolved: "H100 SXM5 80GB".to_owned(),
        count: Some(4096),
        start: truncate_to_micros(t0()),
        end: truncate_to_micros(t0() + Duration::days(30)),
        cluster: Some("dc7-pg-12".to_owned()),
        datacenter: Some("dc7".to_owned()),
        fabric_gbps: Some(3200.0),
        details: Some(serde_json::json!({"purpose": "training", "telemetry": {"ofu": 0.4}})),
    }
}

fn ids(records: &[&str]) -> Vec<String> {
    records.iter().map(|s| (*s).to_owned()).collect()
}

pub async fn usage_batches_are_idempotent_on_the_record_id(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let batch = vec![
        record("u-1", "acct-1"),
        record("u-2", "acct-2"),
        record("u-1", "acct-1"),
    ];
    let first = s
        .store
        .insert_compute_records(&s.operator, ComputeRecordKind::Usage, &batch, t0())
        .await
        .expect("inserted");
    assert_eq!(first.accepted, ids(&["u-1", "u-2"]));
    assert_eq!(
        first.duplicate,
        ids(&["u-1"]),
        "a repeat inside the batch is a duplicate"
    );

    let replay = s
        .store
        .insert_compute_records(&s.operator, ComputeRecordKind::Usage, &batch, t0())
        .await
        .expect("replayed");
    assert!(replay.accepted.is_empty());
    assert_eq!(replay.duplicate, ids(&["u-1", "u-2", "u-1"]));

    let listed = s
        .store
        .compute_records(&s.operator, ComputeRecordKind::Usage)
        .await
        .expect("listed");
    assert_eq!(listed.len(), 2);
    assert_eq!(
        listed[0].record, batch[0],
        "every field reads back as written"
    );
    assert_eq!(listed[1].record, batch[1]);
    assert!(listed.iter().all(|r| r.tenant == s.provider.id));
    // Usage and reservations are separate tables: the same id is new in the other.
    let reservations = s
        .store
        .insert_compute_records(
            &s.operator,
            ComputeRecordKind::Reservation,
            &batch[..1],
            t0(),
        )
        .await
        .expect("reserved");
    assert_eq!(reservations.accepted, ids(&["u-1"]));
}

pub async fn one_audit_event_per_batch_with_the_accepted_ids(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let before = s
        .store
        .audit_events(&s.operator, s.provider.id, 0, 100)
        .await
        .expect("events")
        .len();
    let batch: Vec<ComputeRecord> = (0..5).map(|i| record(&format!("u-{i}"), "a")).collect();
    let out = s
        .store
        .insert_compute_records(&s.operator, ComputeRecordKind::Usage, &batch, t0())
        .await
        .expect("inserted");
    s.store
        .insert_compute_records(&s.operator, ComputeRecordKind::Usage, &batch, t0())
        .await
        .expect("replayed");
    let events = s
        .store
        .audit_events(&s.operator, s.provider.id, 0, 100)
        .await
        .expect("events");
    assert_eq!(
        events.len(),
        before + 1,
        "one event for the batch, none for the pure replay"
    );
    let last = events.last().expect("an event");
    assert_eq!(last.action, USAGE_INGEST);
    assert_eq!(last.subject_kind, "usage_batch");
    assert_eq!(last.after_digest, Some(state_digest(&out.accepted)));
    let report = s.store.verify_audit().await.expect("verified");
    assert!(report.intact(), "{report:?}");
}

pub async fn tenants_do_not_share_records(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let a = reseller(&s.store, &s.operator, s.provider.id, "A").await;
    let b = reseller(&s.store, &s.operator, s.provider.id, "B").await;
    let a_scope = scope_of(&s.store, a.id).await;
    let b_scope = scope_of(&s.store, b.id).await;
    let batch = vec![record("u-1", "acct-1")];
    let in_a = s
        .store
        .insert_compute_records(&a_scope, ComputeRecordKind::Usage, &batch, t0())
        .await
        .expect("a");
    let in_b = s
        .store
        .insert_compute_records(&b_scope, ComputeRecordKind::Usage, &batch, t0())
        .await
        .expect("b");
    assert_eq!(in_a.accepted, ids(&["u-1"]));
    assert_eq!(
        in_b.accepted,
        ids(&["u-1"]),
        "ids are unique per tenant, not globally"
    );

    let seen_by_b = s
        .store
        .compute_records(&b_scope, ComputeRecordKind::Usage)
        .await
        .expect("b lists");
    assert_eq!(seen_by_b.len(), 1);
    assert_eq!(seen_by_b[0].tenant, b.id);
    let whole = scope_of(&s.store, s.provider.id).await;
    let seen_by_provider = s
        .store
        .compute_records(&whole, ComputeRecordKind::Usage)
        .await
        .expect("provider lists");
    let mut tenants: Vec<_> = seen_by_provider.iter().map(|r| r.tenant).collect();
    tenants.sort();
    let mut expected = vec![a.id, b.id];
    expected.sort();
    assert_eq!(
        tenants, expected,
        "an ancestor sees its descendants' records"
    );
}

fn record_ids(records: &[crate::usage::StoredComputeRecord]) -> Vec<String> {
    records.iter().map(|r| r.record.id.clone()).collect()
}

/// What an instance's engine follows (issue 9): the records past a cursor, both kinds, the
/// scope's tenants only, the caller's own writes left out when named.
pub async fn changes_past_a_cursor_are_read_without_named_writes(db: &dyn ContractDatabase) {
    let s = setup(db).await;
    let other = reseller(&s.store, &s.operator, s.provider.id, "Other").await;
    let other_scope = scope_of(&s.store, other.id).await;
    let first = vec![record("u-1", "acct-1"), record("u-2", "acct-2")];
    s.store
        .insert_compute_records(&s.operator, ComputeRecordKind::Usage, &first, t0())
        .await
        .expect("first");
    s.store
        .insert_compute_records(
            &s.operator,
            ComputeRecordKind::Reservation,
            &[record("r-1", "acct-1")],
            t0(),
        )
        .await
        .expect("reserved");
    // The provider alone: its scope from `scope_of` would see the reseller's records too.
    let own = crate::TenantScope::operator(s.provider.id, vec![s.provider.id]);
    let all = s
        .store
        .compute_changes(&own, None, &[])
        .await
        .expect("everything");
    assert_eq!(record_ids(&all.usage), ids(&["u-1", "u-2"]));
    assert_eq!(record_ids(&all.reservations), ids(&["r-1"]));

    let later = vec![record("u-3", "acct-3")];
    let written = s
        .store
        .insert_compute_records(&s.operator, ComputeRecordKind::Usage, &later, t0())
        .await
        .expect("later");
    s.store
        .insert_compute_records(
            &other_scope,
            ComputeRecordKind::Usage,
            &[record("u-9", "x")],
            t0(),
        )
        .await
        .expect("another tenant's");
    let next = s
        .store
        .compute_changes(&own, Some(all.cursor), &[])
        .await
        .expect("changes");
    let usage = record_ids(&next.usage);
    assert!(usage.contains(&"u-3".to_owned()), "{usage:?}");
    // A backend may return records again (a window behind the cursor), never another tenant's.
    assert!(
        next.usage.iter().all(|r| r.tenant == s.provider.id),
        "{usage:?}"
    );
    assert_eq!(
        next.cursor,
        next.cursor.latest(all.cursor),
        "a cursor never goes back"
    );
    if let Some(mark) = written.write {
        let skipped = s
            .store
            .compute_changes(&own, Some(all.cursor), &[mark])
            .await
            .expect("changes without the own write");
        assert!(
            !record_ids(&skipped.usage).contains(&"u-3".to_owned()),
            "the named write is left out"
        );
    }
    let replay = s
        .store
        .insert_compute_records(&s.operator, ComputeRecordKind::Usage, &later, t0())
        .await
        .expect("replayed");
    assert_eq!(replay.write, None, "a batch with nothing new wrote nothing");
}

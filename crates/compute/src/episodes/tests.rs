use super::*;
use crate::catalog::Catalog;
use crate::params::RecordLimits;
use crate::usage::UsageRecordInput;

const DAY: i64 = 86_400;

fn record(
    catalog: &Catalog,
    id: &str,
    account: &str,
    count: i64,
    start_day: f64,
    end_day: f64,
    cluster: &str,
) -> UsageRecord {
    let at = |d: f64| {
        chrono::DateTime::from_timestamp(1_790_000_000 + (d * DAY as f64) as i64, 0).unwrap()
    };
    let input = UsageRecordInput {
        id: id.into(),
        account: account.into(),
        accelerator: "H100".into(),
        count,
        start: at(start_day),
        end: at(end_day),
        cluster: Some(cluster.into()),
        datacenter: Some("dc1".into()),
        fabric_gbps: Some(3200.0),
        reservation: None,
        telemetry: None,
        purpose: None,
    };
    UsageRecord::validate(&input, catalog, &RecordLimits::default()).unwrap()
}

fn tracker() -> EpisodeTracker {
    EpisodeTracker::new(&EpisodeParams::default(), 1.0, 100.0)
}

#[test]
fn gaps_under_48h_stay_in_one_episode_and_longer_gaps_split() {
    let c = Catalog::bundled().unwrap();
    let peaks = c.training_peaks(c.resolve("H100").unwrap()).unwrap();
    let mut t = tracker();
    let a = t.ingest(&record(&c, "r1", "acct", 64, 0.0, 1.0, "pg1"), peaks);
    let b = t.ingest(&record(&c, "r2", "acct", 64, 2.5, 3.0, "pg1"), peaks); // 36 h gap
    let c3 = t.ingest(&record(&c, "r3", "acct", 64, 6.0, 7.0, "pg1"), peaks); // 72 h gap
    let (
        IngestOutcome::Accepted {
            episode: e1,
            created: true,
            ..
        },
        IngestOutcome::Accepted {
            episode: e2,
            created: false,
            ..
        },
    ) = (&a, &b)
    else {
        panic!("{a:?} {b:?}")
    };
    assert_eq!(e1, e2);
    assert!(matches!(c3, IngestOutcome::Accepted { created: true, .. }));
    let episodes = t.episodes_of("acct");
    assert_eq!(episodes.len(), 2);
    assert_eq!(episodes[0].chip_seconds(), 64 * DAY as u128 * 3 / 2);
}

#[test]
fn a_bridging_record_merges_episodes_and_duplicates_are_ignored() {
    let c = Catalog::bundled().unwrap();
    let peaks = c.training_peaks(c.resolve("H100").unwrap()).unwrap();
    let mut t = tracker();
    t.ingest(&record(&c, "r1", "acct", 8, 0.0, 1.0, "pg1"), peaks);
    t.ingest(&record(&c, "r2", "acct", 8, 5.0, 6.0, "pg1"), peaks);
    assert_eq!(t.episodes_of("acct").len(), 2);
    let out = t.ingest(&record(&c, "r3", "acct", 8, 2.0, 4.0, "pg1"), peaks);
    let IngestOutcome::Accepted { absorbed, .. } = out else {
        panic!()
    };
    assert_eq!(absorbed.len(), 1);
    assert_eq!(t.episodes_of("acct").len(), 1);
    assert_eq!(
        t.ingest(&record(&c, "r3", "acct", 8, 2.0, 4.0, "pg1"), peaks),
        IngestOutcome::Duplicate
    );
    assert_eq!(t.episodes_of("acct")[0].records, 3);
}

#[test]
fn other_placements_and_accounts_are_other_episodes() {
    let c = Catalog::bundled().unwrap();
    let peaks = c.training_peaks(c.resolve("H100").unwrap()).unwrap();
    let mut t = tracker();
    t.ingest(&record(&c, "r1", "acct", 8, 0.0, 1.0, "pg1"), peaks);
    t.ingest(&record(&c, "r2", "acct", 8, 0.0, 1.0, "pg2"), peaks);
    t.ingest(&record(&c, "r3", "other", 8, 0.0, 1.0, "pg1"), peaks);
    assert_eq!(t.episodes().count(), 3);
    let placement = Placement::new(Some("dc1"), Some("pg1"));
    let timeline = t.timeline("acct", &placement).unwrap();
    assert_eq!(timeline.peaks().chips.value, 8);
    assert_eq!(
        timeline.peaks().fast_ops_max.value,
        8 * 1_979_000_000_000_000
    );
    assert_eq!(t.placements_of("acct").len(), 2);
}

#[test]
fn arrival_order_does_not_change_the_episodes() {
    let c = Catalog::bundled().unwrap();
    let peaks = c.training_peaks(c.resolve("H100").unwrap()).unwrap();
    let records: Vec<UsageRecord> = (0..20)
        .map(|i| {
            record(
                &c,
                &format!("r{i}"),
                "acct",
                8 + i,
                f64::from(i as i32) * 1.5,
                f64::from(i as i32) * 1.5 + 0.5,
                "pg1",
            )
        })
        .collect();
    let shape = |t: &EpisodeTracker| -> Vec<(i64, i64, u128, u64)> {
        let mut v: Vec<_> = t
            .episodes()
            .map(|e| (e.start, e.end, e.chip_seconds(), e.records))
            .collect();
        v.sort();
        v
    };
    let mut forward = tracker();
    records.iter().for_each(|r| drop(forward.ingest(r, peaks)));
    let mut backward = tracker();
    records
        .iter()
        .rev()
        .for_each(|r| drop(backward.ingest(r, peaks)));
    assert_eq!(shape(&forward), shape(&backward));
}

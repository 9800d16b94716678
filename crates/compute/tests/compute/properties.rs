//! Property tests: estimator invariants and monotonicity, aggregation laws.

use cloudkyc_compute::{
    Catalog, Estimator, EstimatorParams, FormatPin, IngestOutcome, Link, LinkKind, OwnerFacts,
    PersonStatus, TrainingPeaks, UsageMix,
};
use proptest::prelude::*;

use super::fixtures::*;

fn estimator() -> Estimator {
    Estimator::new(EstimatorParams::default()).unwrap()
}

fn pin() -> impl Strategy<Value = FormatPin> {
    prop_oneof![
        Just(FormatPin::Unknown),
        Just(FormatPin::Fp8),
        Just(FormatPin::SixteenBit)
    ]
}

#[derive(Debug, Clone)]
enum Part {
    Billing(u64, f64, FormatPin),
    Measured(u64, f64, FormatPin),
}

fn part() -> impl Strategy<Value = Part> {
    prop_oneof![
        (1..10_u64.pow(13), 0.01..1.0_f64, pin()).prop_map(|(c, d, p)| Part::Billing(c, d, p)),
        (1..10_u64.pow(13), 0.0..1.0_f64, pin()).prop_map(|(c, o, p)| Part::Measured(c, o, p)),
    ]
}

fn mix(parts: &[Part]) -> UsageMix {
    let mut m = UsageMix::default();
    for p in parts {
        match *p {
            Part::Billing(c, d, pin) => m.add_billing(u128::from(c), d, pin),
            Part::Measured(c, o, pin) => m.add_measured(u128::from(c), o, pin),
        }
    }
    m
}

fn peaks() -> impl Strategy<Value = TrainingPeaks> {
    (
        10_u64.pow(12)..5 * 10_u64.pow(15),
        proptest::option::of(1.0..2.5_f64),
    )
        .prop_map(|(sixteen, fp8)| TrainingPeaks {
            sixteen_bit: sixteen,
            sixteen_bit_format: cloudkyc_compute::NumberFormat::Bf16,
            fp8: fp8.map(|r| (sixteen as f64 * r) as u64),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn quantiles_are_ordered_and_under_the_ceiling(peaks in peaks(), parts in prop::collection::vec(part(), 1..5)) {
        let est = estimator();
        let profile = est.profile(peaks, None).unwrap();
        let e = est.estimate("x", &profile, &mix(&parts));
        prop_assert!(e.ops_p05 <= e.ops_p50 && e.ops_p50 <= e.ops_p95 && e.ops_p95 <= e.ops_ceiling, "{e:?}");
        prop_assert!(e.ops_p05 >= 0.0);
    }

    #[test]
    fn monotone_in_chip_seconds(peaks in peaks(), parts in prop::collection::vec(part(), 1..4), extra in part()) {
        let est = estimator();
        let profile = est.profile(peaks, None).unwrap();
        let small = est.estimate("x", &profile, &mix(&parts));
        let mut more = parts.clone();
        more.push(extra);
        let big = est.estimate("x", &profile, &mix(&more));
        for (a, b) in [(small.ops_p05, big.ops_p05), (small.ops_p50, big.ops_p50), (small.ops_p95, big.ops_p95), (small.ops_ceiling, big.ops_ceiling)] {
            prop_assert!(b >= a * (1.0 - 1e-12), "{a:e} -> {b:e}");
        }
    }

    #[test]
    fn monotone_in_peak(peaks in peaks(), factor in 1.0..3.0_f64, parts in prop::collection::vec(part(), 1..4)) {
        let est = estimator();
        let faster = TrainingPeaks {
            sixteen_bit: (peaks.sixteen_bit as f64 * factor) as u64,
            sixteen_bit_format: peaks.sixteen_bit_format,
            fp8: peaks.fp8.map(|f| (f as f64 * factor) as u64),
        };
        let usage = mix(&parts);
        let slow = est.estimate("x", &est.profile(peaks, None).unwrap(), &usage);
        let fast = est.estimate("x", &est.profile(faster, None).unwrap(), &usage);
        for (a, b) in [(slow.ops_p05, fast.ops_p05), (slow.ops_p50, fast.ops_p50), (slow.ops_p95, fast.ops_p95), (slow.ops_ceiling, fast.ops_ceiling)] {
            prop_assert!(b >= a * (1.0 - 1e-12), "{a:e} -> {b:e}");
        }
    }

    #[test]
    fn aggregation_is_commutative_and_associative(a in prop::collection::vec(part(), 0..3), b in prop::collection::vec(part(), 0..3), c in prop::collection::vec(part(), 0..3)) {
        let (ma, mb, mc) = (mix(&a), mix(&b), mix(&c));
        let mut ab = ma; ab.merge(&mb);
        let mut ba = mb; ba.merge(&ma);
        prop_assert_eq!(ab, ba);
        let mut ab_c = ab; ab_c.merge(&mc);
        let mut bc = mb; bc.merge(&mc);
        let mut a_bc = ma; a_bc.merge(&bc);
        prop_assert_eq!(ab_c, a_bc);
    }

    #[test]
    fn record_order_does_not_change_the_group_totals(seed in any::<u64>(), n in 2..40_usize) {
        let records: Vec<_> = (0..n).map(|i| {
            let i = i as i64;
            let start = EPOCH + (seed as i64 % 7 + i * 37) % 50 * 3600 * 11;
            usage(format!("p{i}"), if i % 3 == 0 { "acct-x" } else { "acct-y" }, "H100", 8 + i % 5 * 8, start, start + 3600 * (1 + i % 30), "dc1-pg", 400.0)
        }).collect();
        let mut shuffled = records.clone();
        let len = shuffled.len();
        for i in 0..len { shuffled.swap(i, (seed as usize).wrapping_mul(i + 7) % len); }
        let facts = OwnerFacts::with_status(PersonStatus::Foreign);
        let totals = |recs: &[cloudkyc_compute::UsageRecordInput]| {
            let mut e = engine();
            for r in recs {
                let accepted = matches!(e.ingest_input(r), Ok(IngestOutcome::Accepted { .. }));
                prop_assert!(accepted, "record rejected");
            }
            e.link(Link { a: "acct-x".into(), b: "acct-y".into(), kind: LinkKind::OrgTrust, detail: String::new() });
            let a = e.assess("acct-x", &facts, EPOCH + 100 * DAY);
            let mut episodes: Vec<(i64, i64, u128)> = a.view.episodes.iter().map(|g| (g.start, g.end, g.chip_seconds())).collect();
            episodes.sort();
            Ok((episodes, a.view.clusters.iter().map(|c| c.peaks).collect::<Vec<_>>()))
        };
        prop_assert_eq!(totals(&records)?, totals(&shuffled)?);
    }

    #[test]
    fn merging_accounts_never_lowers_an_aggregate(chips_a in 1..4_000_i64, chips_b in 1..4_000_i64, days_a in 1..60_i64, days_b in 1..60_i64, offset in 0..30_i64) {
        let mut e = engine();
        for r in frontier_like("m-a", chips_a, days_a, EPOCH).into_iter().chain(frontier_like("m-b", chips_b, days_b, EPOCH + offset * DAY)) {
            e.ingest_input(&r).unwrap();
        }
        let facts = OwnerFacts::with_status(PersonStatus::Foreign);
        let now = EPOCH + 100 * DAY;
        let before = [e.assess("m-a", &facts, now), e.assess("m-b", &facts, now)];
        e.link(Link { a: "m-a".into(), b: "m-b".into(), kind: LinkKind::ParentEntity, detail: "parent".into() });
        let after = e.assess("m-a", &facts, now);
        let max_p50 = |a: &cloudkyc_compute::Assessment| a.view.lineages.iter().map(|l| l.estimate.ops_p50).fold(0.0, f64::max);
        let total_cs = |a: &cloudkyc_compute::Assessment| a.view.lineages.iter().map(|l| l.usage.chip_seconds()).sum::<u128>();
        let peak = |a: &cloudkyc_compute::Assessment| a.view.clusters.iter().map(|c| c.ops_per_s_max).fold(0.0, f64::max);
        for b in &before {
            prop_assert!(max_p50(&after) >= max_p50(b));
            prop_assert!(total_cs(&after) >= total_cs(b));
            prop_assert!(peak(&after) >= peak(b));
        }
        prop_assert_eq!(total_cs(&after), total_cs(&before[0]) + total_cs(&before[1]));
    }
}

fn frontier_like(
    account: &str,
    chips: i64,
    days: i64,
    start: i64,
) -> Vec<cloudkyc_compute::UsageRecordInput> {
    (0..days)
        .map(|d| {
            usage(
                format!("{account}-{d}"),
                account,
                "H100",
                chips,
                start + d * DAY,
                start + (d + 1) * DAY,
                "dc7-pg-12",
                3200.0,
            )
        })
        .collect()
}

#[test]
fn catalog_peaks_are_all_positive() {
    let c = Catalog::bundled().unwrap();
    assert!(c.len() > 700);
    for a in c.iter() {
        if let Some(p) = a.training_peaks() {
            assert!(
                p.sixteen_bit > 0 && p.max().1 >= p.sixteen_bit,
                "{}",
                a.name()
            );
        }
    }
}

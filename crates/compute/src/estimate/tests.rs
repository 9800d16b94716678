use super::*;
use crate::catalog::Catalog;

fn setup(name: &str) -> (Estimator, TrainingPeaks) {
    let catalog = Catalog::bundled().unwrap();
    let peaks = catalog
        .training_peaks(catalog.resolve(name).unwrap())
        .unwrap();
    (Estimator::new(EstimatorParams::default()).unwrap(), peaks)
}

fn allocation(
    count: u64,
    hours: f64,
    utilization: Option<f64>,
    format: Option<NumberFormat>,
) -> AllocationQuery {
    AllocationQuery {
        count,
        seconds: (hours * 3600.0) as u64,
        utilization,
        format,
    }
}

#[test]
fn a100_run_at_utilization_034_is_about_2_2e25() {
    let (est, peaks) = setup("A100");
    let e = est
        .estimate_allocation(
            "A100",
            peaks,
            &allocation(25_000, 2_280.0, Some(0.34), None),
        )
        .unwrap();
    assert_eq!(e.chip_seconds, 25_000 * 2_280 * 3600);
    for q in [e.ops_p05, e.ops_p50, e.ops_p95] {
        assert!((2.1e25..2.3e25).contains(&q), "{q:e}");
    }
    assert_eq!(e.method.fp8_probability, 0.0, "A100 has no FP8");
    assert_eq!(
        e.ops_ceiling,
        (25_000_u128 * 2_280 * 3600 * 312_000_000_000_000) as f64
    );
}

#[test]
fn a100_run_from_billing_alone_brackets_the_published_figure_within_x2_5() {
    let (est, peaks) = setup("A100");
    let e = est
        .estimate_allocation("A100", peaks, &allocation(25_000, 2_280.0, None, None))
        .unwrap();
    let published = 2.1e25;
    assert!(e.ops_p05 < published && published < e.ops_p95, "{e:?}");
    assert!(
        (e.ops_p50 / published - 1.0).abs() < 0.1,
        "p50 {:e}",
        e.ops_p50
    );
    let (up, down) = (e.ops_p95 / e.ops_p50, e.ops_p50 / e.ops_p05);
    assert!(
        (1.5..=2.5).contains(&up) && (1.5..=2.5).contains(&down),
        "x{up} / x{down}"
    );
}

#[test]
fn h100_405b_run_lands_10_to_25_percent_above_published() {
    let (est, peaks) = setup("H100");
    // Reported MFU of that run: 38-43 % at BF16; billed hours include restarts.
    for u in [0.40, 0.43] {
        let q = allocation(1, 30.84e6, Some(u), Some(NumberFormat::Bf16));
        let e = est.estimate_allocation("H100", peaks, &q).unwrap();
        let above = e.ops_p50 / 3.8e25 - 1.0;
        assert!((0.10..=0.25).contains(&above), "U={u}: {above}");
        assert_eq!(e.method.pinned_format, Some(NumberFormat::Bf16));
    }
}

#[test]
fn h100_fp8_frontier_run_spans_2_5e26_to_4_9e26() {
    let (est, peaks) = setup("H100");
    let hours = 91.0 * 24.0;
    let low = est
        .estimate_allocation(
            "H100",
            peaks,
            &allocation(80_000, hours, Some(0.2), Some(NumberFormat::Fp8)),
        )
        .unwrap();
    let high = est
        .estimate_allocation(
            "H100",
            peaks,
            &allocation(80_000, hours, Some(0.4), Some(NumberFormat::Fp8)),
        )
        .unwrap();
    assert!((2.4e26..2.6e26).contains(&low.ops_p50), "{:e}", low.ops_p50);
    assert!(
        (4.8e26..5.0e26).contains(&high.ops_p50),
        "{:e}",
        high.ops_p50
    );
    let prior = est
        .estimate_allocation("H100", peaks, &allocation(80_000, hours, None, None))
        .unwrap();
    assert!(
        prior.ops_p05 < 3.5e26 && 3.5e26 < prior.ops_p95,
        "{prior:?}"
    );
    assert_eq!(prior.peak_ops_per_s_max, 1.979e15);
    assert_eq!(prior.peak_ops_per_s_16bit, 989.4e12);
}

#[test]
fn telemetry_tier_is_much_tighter_and_centred_on_ofu() {
    let (est, peaks) = setup("H100");
    let profile = est.profile(peaks, None).unwrap();
    let cs = 1_000_000_u128 * 3600;
    let mut billing = UsageMix::default();
    billing.add_billing(cs, 1.0, FormatPin::SixteenBit);
    let mut measured = UsageMix::default();
    measured.add_measured(cs, 0.30, FormatPin::SixteenBit);
    let b = est.estimate("H100", &profile, &billing);
    let m = est.estimate("H100", &profile, &measured);
    assert_eq!(m.method.tier, Tier::Telemetry);
    assert_eq!(b.method.tier, Tier::Billing);
    let spread = |e: &Estimate| e.ops_p95 / e.ops_p05;
    assert!(
        spread(&m) < 1.7 && spread(&b) > 3.0,
        "{} vs {}",
        spread(&m),
        spread(&b)
    );
    let expected = cs as f64 * 989.4e12 * 0.30;
    assert!((m.ops_p50 / expected - 1.0).abs() < 0.01);
    let mut mixed = billing;
    mixed.merge(&measured);
    let x = est.estimate("H100", &profile, &mixed);
    assert_eq!(x.method.tier, Tier::Mixed);
    assert!((x.ops_p50 - (b.ops_p50 + m.ops_p50)).abs() / x.ops_p50 < 1e-12);
}

#[test]
fn duty_scales_the_billing_tier() {
    let (est, peaks) = setup("H100");
    let profile = est.profile(peaks, None).unwrap();
    let mut full = UsageMix::default();
    full.add_billing(1_000_000, 1.0, FormatPin::Unknown);
    let mut half = UsageMix::default();
    half.add_billing(1_000_000, 0.5, FormatPin::Unknown);
    let (f, h) = (
        est.estimate("x", &profile, &full),
        est.estimate("x", &profile, &half),
    );
    assert!((h.ops_p50 / f.ops_p50 - 0.5).abs() < 1e-9);
    assert_eq!(h.ops_ceiling, f.ops_ceiling, "the ceiling ignores duty");
}

#[test]
fn cross_check_flags_divergence_over_3x() {
    let (est, peaks) = setup("H100");
    let mut e = est
        .estimate_allocation("H100", peaks, &allocation(16_384, 54.0 * 24.0, None, None))
        .unwrap();
    let close = est.cross_check(&mut e, 405e9, 15.6e12).unwrap();
    assert!(!close.divergent, "{close:?}");
    let far = est.cross_check(&mut e, 7e9, 1e12).unwrap();
    assert!(far.divergent && far.ratio_to_p50 < 1.0 / 3.0);
    assert!(est.cross_check(&mut e, -1.0, 1e12).is_err());
    let json = serde_json::to_value(&e).unwrap();
    assert!(json["cross_check"]["divergent"].as_bool().unwrap());
}

#[test]
fn json_has_the_fields_the_cli_must_print() {
    let (est, peaks) = setup("H100");
    let e = est
        .estimate_allocation(
            "NVIDIA H100 SXM5 80GB",
            peaks,
            &allocation(8, 24.0, None, None),
        )
        .unwrap();
    let json = serde_json::to_value(&e).unwrap();
    for field in [
        "accelerator",
        "chip_seconds",
        "ops_p05",
        "ops_p50",
        "ops_p95",
        "ops_ceiling",
        "peak_ops_per_s_16bit",
        "peak_ops_per_s_max",
        "method",
        "params",
    ] {
        assert!(json.get(field).is_some(), "missing {field}");
    }
    assert_eq!(json["chip_seconds"], 8 * 24 * 3600);
    assert_eq!(json["method"]["tier"], "billing");
    let back: Estimate = serde_json::from_value(json).unwrap();
    assert_eq!(back, e);
}

#[test]
fn rejects_bad_utilization_and_params() {
    let (est, peaks) = setup("H100");
    assert!(
        est.estimate_allocation("H100", peaks, &allocation(1, 1.0, Some(1.5), None))
            .is_err()
    );
    assert!(
        est.estimate_allocation("H100", peaks, &allocation(1, 1.0, Some(f64::NAN), None))
            .is_err()
    );
    let params = EstimatorParams {
        utilization_sigma: 0.0,
        ..EstimatorParams::default()
    };
    assert!(Estimator::new(params).is_err());
}

use super::*;

fn input(json: serde_json::Value) -> UsageRecordInput {
    serde_json::from_value(json).unwrap()
}

fn example() -> serde_json::Value {
    serde_json::json!({"id": "u-1", "account": "acct-2001", "accelerator": "H100", "count": 4096,
        "start": "2026-10-01T00:00:00Z", "end": "2026-10-31T00:00:00Z", "cluster": "dc7-pg-12",
        "datacenter": "dc7", "fabric_gbps": 3200})
}

#[test]
fn accepts_the_documented_example() {
    let catalog = Catalog::bundled().unwrap();
    let r = UsageRecord::validate(&input(example()), &catalog, &RecordLimits::default()).unwrap();
    assert_eq!(r.count(), 4096);
    assert_eq!(r.seconds(), 30 * 86_400);
    assert_eq!(r.chip_seconds(), 4096 * 30 * 86_400);
    assert_eq!(r.accelerator_name(), "NVIDIA H100 SXM5 80GB");
    assert_eq!(r.placement().cluster(), "dc7-pg-12");
    assert_eq!(r.fabric_gbps(), Some(3200.0));
}

#[test]
fn accepts_optional_fields() {
    let catalog = Catalog::bundled().unwrap();
    let mut json = example();
    json["reservation"] = "r-1".into();
    json["telemetry"] = serde_json::json!({"duty": 0.9, "ofu": 0.35, "precision": "fp8"});
    json["purpose"] = "inference".into();
    let r = UsageRecord::validate(&input(json), &catalog, &RecordLimits::default()).unwrap();
    assert_eq!(r.reservation(), Some("r-1"));
    assert_eq!(r.telemetry().unwrap().precision(), Some(NumberFormat::Fp8));
    assert_eq!(r.purpose(), Some(Purpose::Inference));
}

#[test]
fn reports_every_problem_with_its_field() {
    let catalog = Catalog::bundled().unwrap();
    let json = serde_json::json!({"id": "u-9", "account": " ", "accelerator": "Z9000", "count": -4,
        "start": "2026-10-31T00:00:00Z", "end": "2026-10-01T00:00:00Z", "fabric_gbps": -1,
        "telemetry": {"ofu": 1.7, "precision": "fp4"}});
    let err = UsageRecord::validate(&input(json), &catalog, &RecordLimits::default()).unwrap_err();
    assert_eq!(err.id.as_deref(), Some("u-9"));
    let fields: Vec<&str> = err.problems.iter().map(RecordProblem::field).collect();
    assert_eq!(
        fields,
        [
            "account",
            "accelerator",
            "count",
            "end",
            "fabric_gbps",
            "telemetry.ofu",
            "telemetry.precision"
        ]
    );
    assert!(err.to_string().contains("unknown accelerator"), "{err}");
}

#[test]
fn rejects_absurd_durations_and_counts() {
    let catalog = Catalog::bundled().unwrap();
    let limits = RecordLimits::default();
    let mut json = example();
    json["end"] = "2028-01-01T00:00:00Z".into();
    let err = UsageRecord::validate(&input(json), &catalog, &limits).unwrap_err();
    assert!(matches!(
        err.problems[..],
        [RecordProblem::DurationTooLong { max: 400, .. }]
    ));
    let mut json = example();
    json["count"] = 10_000_001.into();
    let err = UsageRecord::validate(&input(json), &catalog, &limits).unwrap_err();
    assert!(matches!(
        err.problems[..],
        [RecordProblem::CountTooLarge { .. }]
    ));
    let mut json = example();
    json["count"] = 0.into();
    assert!(UsageRecord::validate(&input(json), &catalog, &limits).is_err());
}

//! Scenarios built on the real traces in shared/data/telemetry, plus the public-run fixtures.

use cloudkyc_compute::{
    AllocationQuery, Catalog, ComputeEngine, Estimator, EstimatorParams, FlagId, IngestOutcome,
    Link, LinkKind, NumberFormat, Outcome, OwnerFacts, PersonStatus,
};

use super::fixtures::*;

fn ingest_all(engine: &mut ComputeEngine, records: &[cloudkyc_compute::UsageRecordInput]) {
    for r in records {
        engine.ingest_input(r).unwrap_or_else(|e| panic!("{e}"));
    }
}

fn background(engine: &mut ComputeEngine) -> Vec<String> {
    let openb = openb_background(40);
    let dlrm = alibaba_inference(20);
    assert!(openb.len() > 6_000, "{}", openb.len());
    assert!(dlrm.len() > 3_000, "{}", dlrm.len());
    ingest_all(engine, &openb);
    ingest_all(engine, &dlrm);
    // Four owner groups among the trace accounts, linked by payment instrument.
    for i in 0..40 {
        engine.link(Link {
            a: format!("openb-{:02}", i % 4),
            b: format!("openb-{i:02}"),
            kind: LinkKind::PaymentInstrument,
            detail: "card".into(),
        });
    }
    let mut groups: Vec<String> = (0..4).map(|i| format!("openb-{i:02}")).collect();
    groups.extend((0..20).map(|i| format!("dlrm-{i:02}")));
    groups
}

fn foreign() -> OwnerFacts {
    OwnerFacts::with_status(PersonStatus::Foreign)
}

const NOW: i64 = EPOCH + 160 * DAY;

#[test]
fn background_load_produces_no_report_outcome() {
    let mut engine = engine();
    for account in background(&mut engine) {
        let a = engine.assess(&account, &foreign(), NOW);
        assert_eq!(a.report_cases().count(), 0, "{account}: {:?}", a.flags);
        assert!(
            a.flags.iter().all(|f| f.flag != FlagId::M1),
            "no telemetry, no training signature"
        );
        for lineage in &a.view.lineages {
            assert!(
                lineage.estimate.ops_ceiling < 1e25,
                "{account}: {:e}",
                lineage.estimate.ops_ceiling
            );
        }
    }
    let group = engine.assess("openb-07", &foreign(), NOW);
    assert_eq!(group.group, "openb-03");
    assert_eq!(group.accounts.len(), 10);
    assert_eq!(group.merges.len(), 9);
}

#[test]
fn replaying_the_trace_is_idempotent() {
    let mut engine = engine();
    let records = openb_background(40);
    ingest_all(&mut engine, &records);
    let before = engine.assess("openb-01", &foreign(), NOW);
    for r in &records {
        assert_eq!(engine.ingest_input(r).unwrap(), IngestOutcome::Duplicate);
    }
    assert_eq!(engine.assess("openb-01", &foreign(), NOW), before);
}

fn frontier_engine(link: bool) -> ComputeEngine {
    let mut engine = engine();
    background(&mut engine);
    ingest_all(
        &mut engine,
        &frontier_run(&["helios-a", "helios-b"], 16_384, 100, EPOCH + 20 * DAY),
    );
    if link {
        let owner = Link {
            a: "helios-a".into(),
            b: "helios-b".into(),
            kind: LinkKind::BeneficialOwner,
            detail: "owner bo-77 (60 %)".into(),
        };
        assert!(engine.link(owner).is_some());
    }
    engine
}

#[test]
fn foreign_frontier_run_split_over_two_linked_accounts_opens_a_report_case() {
    let engine = frontier_engine(true);
    let a = engine.assess("helios-b", &foreign(), NOW);
    assert_eq!(a.accounts, ["helios-a", "helios-b"]);
    let t1: Vec<_> = a.flags.iter().filter(|f| f.flag == FlagId::T1).collect();
    assert_eq!(t1.len(), 1, "{:#?}", a.flags);
    assert_eq!(t1[0].outcome, Outcome::ReportCase);
    assert_eq!(t1[0].inputs["knowledge_date"], NOW);
    assert!(
        a.flags
            .iter()
            .any(|f| f.flag == FlagId::S1 && f.outcome == Outcome::Aggregate),
        "crosses only together"
    );
    let lineage = &a.view.lineages[0];
    assert!(lineage.estimate.ops_p50 > 1e26);
    assert!(
        lineage.by_account.values().all(|e| e.ops_p50 < 1e26),
        "each account alone stays under"
    );
    let cluster = a
        .view
        .clusters
        .iter()
        .find(|c| c.placement.cluster() == "dc7-pg-12")
        .unwrap();
    assert_eq!(cluster.ops_per_s_16bit, 32_768.0 * 989.4e12);
    assert_eq!(cluster.ops_per_s_max, 32_768.0 * 1979e12);
    // 6.5e19 ops/s: under the 1e20 cluster threshold, above a quarter of it.
    assert!(
        a.flags
            .iter()
            .any(|f| f.flag == FlagId::T4 && f.outcome == Outcome::Review)
    );
}

#[test]
fn the_same_run_unlinked_stays_under_the_report_threshold() {
    let engine = frontier_engine(false);
    let a = engine.assess("helios-a", &foreign(), NOW);
    assert_eq!(a.report_cases().count(), 0, "{:#?}", a.flags);
    assert!(
        a.flags.iter().any(|f| f.flag == FlagId::T3),
        "but it is large enough for due diligence"
    );
}

#[test]
fn the_same_run_by_a_us_customer_opens_no_report_case() {
    let engine = frontier_engine(true);
    let a = engine.assess("helios-a", &OwnerFacts::with_status(PersonStatus::Us), NOW);
    assert_eq!(a.report_cases().count(), 0, "{:#?}", a.flags);
    assert!(
        a.flags
            .iter()
            .all(|f| !matches!(f.flag, FlagId::T1 | FlagId::T2 | FlagId::T4 | FlagId::R1))
    );
    let undetermined = engine.assess(
        "helios-a",
        &OwnerFacts::with_status(PersonStatus::Undetermined),
        NOW,
    );
    assert!(
        undetermined
            .flags
            .iter()
            .any(|f| f.flag == FlagId::T1 && f.outcome == Outcome::Review)
    );
}

#[test]
fn reservations_that_could_result_in_a_large_run_project_past_the_threshold() {
    let mut engine = engine();
    let start = EPOCH + 30 * DAY;
    assert!(engine.add_reservation(reservation(&engine, "r-1", "nimbus", 24_576, start, 181)));
    assert!(
        !engine.add_reservation(reservation(&engine, "r-1", "nimbus", 24_576, start, 181)),
        "duplicate id"
    );
    assert!(engine.add_reservation(reservation(&engine, "r-small", "tiny", 512, start, 30)));
    let big = engine.assess("nimbus", &foreign(), EPOCH);
    let t2 = big.flags.iter().find(|f| f.flag == FlagId::T2).expect("T2");
    assert_eq!(t2.outcome, Outcome::ReportCase);
    assert!(
        big.flags
            .iter()
            .any(|f| f.flag == FlagId::R1 && f.outcome == Outcome::DueDiligence)
    );
    assert_eq!(
        big.projections[0].reserved_chip_seconds,
        24_576 * 181 * DAY as u128
    );
    let small = engine.assess("tiny", &foreign(), EPOCH);
    assert!(small.flags.is_empty(), "{:#?}", small.flags);
}

#[test]
fn a_held_allocation_is_projected_over_the_horizon() {
    let mut engine = engine();
    // 16,384 H100 for 20 days so far, still running at `now`: p50 alone is far under 1e26,
    // held for 180 more days it crosses.
    ingest_all(&mut engine, &frontier_run(&["kestrel"], 16_384, 20, EPOCH));
    let now = EPOCH + 20 * DAY;
    let a = engine.assess("kestrel", &foreign(), now);
    assert!(a.view.lineages[0].estimate.ops_p50 < 1e26);
    let p = &a.projections[0];
    assert_eq!(p.reserved_chip_seconds, 0);
    assert!((p.held_chip_seconds as f64 / (16_384.0 * 180.0 * DAY as f64) - 1.0).abs() < 1e-6);
    assert!(
        a.flags
            .iter()
            .any(|f| f.flag == FlagId::T2 && f.outcome == Outcome::ReportCase)
    );
}

#[test]
fn back_to_back_reservations_and_structuring_are_flagged() {
    let mut engine = engine();
    let start = EPOCH;
    for (i, id) in ["s-1", "s-2", "s-3"].iter().enumerate() {
        // Each just under 5,000 H100-equivalents, 20 days, one after another.
        let r = reservation(&engine, id, "smurf", 4_800, start + i as i64 * 20 * DAY, 20);
        engine.add_reservation(r);
    }
    let a = engine.assess("smurf", &foreign(), start);
    assert!(
        a.flags.iter().filter(|f| f.flag == FlagId::R2).count() >= 2,
        "{:#?}",
        a.flags
    );
    assert!(
        a.flags
            .iter()
            .any(|f| f.flag == FlagId::S3 && f.outcome == Outcome::Inquiry)
    );
}

#[test]
fn customer_flags_fire_on_their_facts() {
    let engine = engine();
    let mut facts = foreign();
    facts.entity_age_days = Some(90);
    facts.virtual_office = true;
    facts.owner_jurisdictions = vec!["KP".into()];
    facts.customer_country = Some("AE".into());
    facts.payments = vec![cloudkyc_compute::PaymentFact {
        kind: cloudkyc_compute::PaymentKind::Crypto,
        third_party: true,
        payer_country: Some("SC".into()),
        prepayment_usd: Some(5e6),
    }];
    let a = engine.assess("shell-co", &facts, EPOCH);
    let ids: Vec<FlagId> = a.flags.iter().map(|f| f.flag).collect();
    assert_eq!(ids, [FlagId::K1, FlagId::K2, FlagId::P1]);
    assert!(a.flags[2].reason.contains("third-party payer"));
}

#[test]
fn a_special_measure_reaching_a_party_is_k2_with_its_evidence() {
    let engine = engine();
    let mut facts = foreign();
    // NG is on no high-risk list: only the measure can make K2 fire.
    facts.customer_country = Some("NG".into());
    assert!(
        engine
            .assess("measured", &facts, EPOCH)
            .flags
            .iter()
            .all(|f| f.flag != FlagId::K2)
    );
    facts.special_measures = vec![cloudkyc_compute::SpecialMeasureFact {
        measure_id: "sm-ng".into(),
        jurisdiction: "NG".into(),
        role: "customer".into(),
        party: "customer c-1".into(),
        evidence: vec!["address in Lagos (NG)".into()],
    }];
    let a = engine.assess("measured", &facts, EPOCH);
    let k2 = a
        .flags
        .iter()
        .find(|f| f.flag == FlagId::K2)
        .unwrap_or_else(|| panic!("{:#?}", a.flags));
    assert_eq!(k2.outcome, Outcome::RiskHigh);
    assert!(
        k2.reason.contains("sm-ng") && k2.reason.contains("address in Lagos (NG)"),
        "{}",
        k2.reason
    );
    assert_eq!(k2.inputs["special_measures"][0]["measure_id"], "sm-ng");
}

#[test]
fn declared_model_below_the_hardware_estimate_is_an_inquiry() {
    let mut engine = engine();
    ingest_all(&mut engine, &frontier_run(&["decl"], 4_096, 30, EPOCH));
    let mut facts = foreign();
    facts.declared_model = Some(cloudkyc_compute::DeclaredModel {
        parameters: 7e9,
        tokens: 1e12,
    });
    let a = engine.assess("decl", &facts, EPOCH + 31 * DAY);
    assert!(
        a.flags.iter().any(|f| f.flag == FlagId::M2),
        "{:#?}",
        a.flags
    );
}

#[test]
fn public_run_fixtures() {
    let catalog = Catalog::bundled().unwrap();
    let est = Estimator::new(EstimatorParams::default()).unwrap();
    let peaks = |n: &str| catalog.training_peaks(catalog.resolve(n).unwrap()).unwrap();
    let q = |count: u64, hours: f64, u: Option<f64>, f: Option<NumberFormat>| AllocationQuery {
        count,
        seconds: (hours * 3600.0) as u64,
        utilization: u,
        format: f,
    };
    let a100 = est
        .estimate_allocation("A100", peaks("A100"), &q(25_000, 2_280.0, Some(0.34), None))
        .unwrap();
    assert!(
        (a100.ops_p50 / 2.2e25 - 1.0).abs() < 0.05,
        "{:e}",
        a100.ops_p50
    );
    let llama = est
        .estimate_allocation(
            "H100",
            peaks("H100"),
            &q(1, 30.84e6, Some(0.41), Some(NumberFormat::Bf16)),
        )
        .unwrap();
    assert!(
        (1.10..=1.25).contains(&(llama.ops_p50 / 3.8e25)),
        "{:e}",
        llama.ops_p50
    );
    let grok = |u| {
        est.estimate_allocation(
            "H100",
            peaks("H100"),
            &q(80_000, 90.0 * 24.0, Some(u), Some(NumberFormat::Fp8)),
        )
        .unwrap()
        .ops_p50
    };
    assert!(
        grok(0.2) >= 2.45e26 && grok(0.4) <= 4.95e26,
        "{:e} {:e}",
        grok(0.2),
        grok(0.4)
    );
}

//! The bundled default pack carries the values of the January 2024 proposal.

use chrono::NaiveDate;

use super::super::*;
use super::{default_text, edited};

fn pack() -> RulePack {
    RulePack::from_toml_str(default_text()).unwrap()
}

#[test]
fn every_bundled_pack_loads_and_validates() {
    assert_eq!(RulePack::bundled_ids(), vec![DEFAULT_PACK_ID]);
    for id in RulePack::bundled_ids() {
        let pack = RulePack::bundled(id).unwrap();
        assert_eq!(pack.info().id, id);
    }
    assert!(RulePack::bundled("no-such-pack").is_none());
    assert!(RulePack::bundled_source("no-such-pack").is_none());
}

#[test]
fn identity_and_policy_reference() {
    let pack = pack();
    let info = pack.info();
    assert_eq!(info.id, "bis-2024-nprm");
    assert_eq!(info.version, "1.0.0");
    assert!(info.title.contains("29 January 2024"));
    assert_eq!(
        info.effective_date.date(),
        NaiveDate::from_ymd_opt(2024, 1, 29).unwrap()
    );
    assert!(info.source.contains("89 FR 5698"));
    assert_eq!(
        pack.policy_ref(),
        PolicyRef {
            id: "bis-2024-nprm".into(),
            version: "1.0.0".into()
        }
    );
}

#[test]
fn terms() {
    let pack = pack();
    let terms = pack.terms();
    assert_eq!(terms.beneficial_ownership_percent.get(), 25.0);
    assert_eq!(terms.beneficial_ownership_percent.as_fraction(), 0.25);
    use ControlKind::*;
    assert_eq!(
        terms.substantial_control,
        [Voting, Appointment, Management, Contractual, Trust, Nominee]
    );
    assert!(terms.is_substantial_control(Nominee));
    assert_eq!(terms.listed_aggregate_ownership_percent.get(), 50.0);
    assert!(terms.undetermined_is_foreign);
}

#[test]
fn cip_field_lists() {
    let pack = pack();
    let cip = pack.cip();
    use CipField::*;
    let rule_list = [
        Name,
        Address,
        Email,
        Phone,
        PaymentMeans,
        PaymentSource,
        AccessIpLog,
    ];
    for field in rule_list {
        assert!(cip.individual.requires(field), "individual {field}");
        assert!(cip.entity.requires(field), "entity {field}");
    }
    assert!(cip.entity.requires(BeneficialOwners));
    for field in [Name, Address, Email, Phone] {
        assert!(cip.beneficial_owner.requires(field), "owner {field}");
    }
    // Not on the rule's list: collected only where the pack asks, never required by default.
    for field in [DateOfBirth, NationalId] {
        assert!(!cip.individual.requires(field) && cip.individual.collects(field));
        assert!(!cip.beneficial_owner.requires(field) && cip.beneficial_owner.collects(field));
    }
    assert!(!cip.individual.collects(IncorporationDate));
    assert!(cip.entity.collects(JurisdictionOfOrganization));
}

#[test]
fn verification_per_tier() {
    let pack = pack();
    let v = pack.verification();
    assert_eq!(v.when_in_doubt_apply, RiskTier::High);
    assert_eq!(
        v.for_tier(RiskTier::High).reverify_after_months,
        Months::new(12)
    );
    assert_eq!(
        v.for_tier(RiskTier::Medium).reverify_after_months,
        Months::new(24)
    );
    assert_eq!(
        v.for_tier(RiskTier::Low).reverify_after_months,
        Months::new(36)
    );
    let high = v.for_tier(RiskTier::High);
    assert!(high.methods.contains(&VerificationMethod::Documentary));
    assert!(high.checks.contains(&VerificationCheck::DocumentMrz));
    assert!(high.checks.contains(&VerificationCheck::IpGeolocation));
    assert!(
        !v.low
            .checks
            .iter()
            .any(|c| c.method() == VerificationMethod::Documentary)
    );
}

#[test]
fn account_access() {
    let pack = pack();
    let access = pack.access();
    assert!(
        access
            .not_opened_when
            .contains(&NotOpenedCondition::SpecialMeasureProhibition)
    );
    assert!(
        access
            .not_opened_when
            .contains(&NotOpenedCondition::RequiredInformationMissing)
    );
    let pending = &access.pending;
    assert!(pending.allowed);
    assert!(
        pending
            .products
            .contains(&ProductId::new("virtual_machines"))
    );
    assert!(
        !pending
            .products
            .iter()
            .any(|p| pack.products().is_accelerator(p))
    );
    assert_eq!(pending.max_concurrent_accelerators, 0);
    assert_eq!(pending.max_monthly_spend_usd, Usd::new(1000));
    assert_eq!(pending.max_days, Days::new(30));
    assert_eq!(access.failed.action, FailureAction::Close);
    let redress = &access.redress;
    assert!(redress.resubmission_allowed && redress.officer_override);
    assert!(redress.override_needs_four_eyes(RiskTier::High));
    assert!(!redress.override_needs_four_eyes(RiskTier::Low));
}

#[test]
fn risk_model_and_jurisdictions() {
    let pack = pack();
    let risk = pack.risk();
    assert_eq!(risk.young_entity_months, Months::new(24));
    assert_eq!(risk.points.foreign_person, RiskPoints::new(30));
    assert_eq!(risk.points.high_risk_jurisdiction, RiskPoints::new(40));
    assert_eq!(
        risk.points.payment.get(&PaymentRisk::Crypto),
        Some(&RiskPoints::new(25))
    );
    assert_eq!(
        (risk.tier_from.medium.get(), risk.tier_from.high.get()),
        (30, 60)
    );
    assert_eq!(risk.tier_for(0), RiskTier::Low);
    assert_eq!(risk.tier_for(29), RiskTier::Low);
    assert_eq!(risk.tier_for(30), RiskTier::Medium);
    // A foreign person in a high-risk jurisdiction is high risk on those two factors alone.
    assert_eq!(risk.tier_for(30 + 40), RiskTier::High);
    assert_eq!(
        risk.max_score(),
        30 + 40 + 15 + 20 + 10 + 25 + 20 + 20 + 10 + 10
    );
    let jurisdictions = pack.jurisdictions();
    let listed: Vec<String> = jurisdictions
        .high_risk()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(listed, ["BY", "CU", "IR", "KP", "MM", "RU", "SY"]);
    let iran = crate::cip::CountryCode::parse("IR").unwrap();
    assert!(jurisdictions.is_high_risk(iran));
    assert!(!jurisdictions.is_high_risk(crate::cip::CountryCode::US));
}

#[test]
fn records_reporting_certification() {
    let pack = pack();
    let records = pack.records();
    assert_eq!(records.retention_years, Years::new(2));
    assert_eq!(records.retention_from, RetentionAnchor::Later);
    assert_eq!(
        records.cip_production,
        Deadline {
            days: Days::new(10),
            count: DayCount::Calendar
        }
    );
    assert_eq!(
        pack.reporting().ai_training,
        Deadline {
            days: Days::new(15),
            count: DayCount::Calendar
        }
    );
    let cert = pack.certification();
    assert_eq!(
        cert.initial,
        InitialCertification::BeforeFirstForeignCustomer
    );
    assert_eq!(cert.existing_provider_compliance_days, Days::new(365));
    assert_eq!(
        cert.annual_due.in_year(2026),
        NaiveDate::from_ymd_opt(2026, 1, 31)
    );
    assert_eq!(cert.sample_case_files, 10);
}

#[test]
fn resellers_and_special_measures() {
    let pack = pack();
    let resellers = pack.resellers();
    assert_eq!(
        resellers.termination,
        Deadline {
            days: Days::new(30),
            count: DayCount::Calendar
        }
    );
    assert_eq!(
        resellers.reminder_days_before,
        [21, 14, 7, 3, 1].map(Days::new)
    );
    assert_eq!(
        resellers.downstream_on_termination,
        DownstreamAction::Suspend
    );
    assert_eq!(resellers.review_every_months, Months::new(12));
    let measures = pack.special_measures();
    assert_eq!(measures.max_duration_days, Days::new(365));
    assert_eq!(measures.earliest_effect_days, Days::new(180));
    assert_eq!(measures.location_evidence.len(), 4);
    let no_accelerators = &measures.conditions["no_accelerators"];
    assert!(
        no_accelerators
            .blocked_products
            .contains(&ProductId::new("accelerated_instances"))
    );
}

#[test]
fn compute_thresholds_episodes_and_priors() {
    let pack = pack();
    let compute = pack.compute();
    assert!(compute.review_us_persons);
    assert_eq!(compute.training.threshold_ops.get(), 1e26);
    assert_eq!(compute.training.bio_sequence_threshold_ops.get(), 1e23);
    assert_eq!(compute.cluster.networking_gbit_per_s.get(), 100.0);
    assert_eq!(compute.cluster.peak_ops_per_s.get(), 1e20);
    assert!(compute.cluster.dense_peaks_only && compute.cluster.co_located_only);
    let episodes = compute.episodes;
    assert_eq!(episodes.gap_hours, Hours::new(48));
    assert_eq!(episodes.lineage_window_days, Days::new(7));
    assert_eq!(episodes.projection_horizon_days, Days::new(180));
    assert_eq!(episodes.rolling_total_days, Days::new(365));
    let e = compute.estimator;
    assert_eq!(e.utilization_median.get(), 0.33);
    assert_eq!(e.utilization_sigma.get(), 0.39);
    assert_eq!(
        (e.utilization_min.get(), e.utilization_max.get()),
        (0.05, 0.75)
    );
    assert_eq!(e.fp8_probability.get(), 0.5);
    assert_eq!(e.ofu_sigma.get(), 0.15);
    assert_eq!(e.cross_check_divergence_factor.get(), 3.0);
}

#[test]
fn red_flag_numbers() {
    let pack = pack();
    let f = &pack.compute().red_flags;
    assert!(f.disabled.is_empty());
    assert!(f.is_enabled(RedFlagId::S3));
    assert_eq!(f.t3.p50_fraction_of_threshold.get(), 0.1);
    assert_eq!(f.t4.review_fraction_of_peak.get(), 0.25);
    assert_eq!(f.r1.h100_equivalents, 5000);
    assert_eq!(f.r1.h100_peak_ops_per_s.get(), 989e12);
    assert_eq!(f.r1.min_days, Days::new(30));
    assert_eq!(f.r2.max_gap_hours, Hours::new(48));
    assert_eq!(f.m1.min_hours, Hours::new(72));
    assert_eq!(f.m2.fraction_of_hardware_p05.get(), 1.0 / 3.0);
    assert_eq!(f.m4.bio_p50_ops.get(), 1e22);
    assert_eq!(f.s2.window_days, Days::new(7));
    assert_eq!(
        (
            f.s3.min_requests,
            f.s3.band_fraction.get(),
            f.s3.window_days
        ),
        (3, 0.1, Days::new(90))
    );
    assert_eq!(f.k1.entity_younger_than_months, Months::new(12));
    assert_eq!(f.k1.min_indicators, 2);
    use PaymentRisk::*;
    assert_eq!(
        f.p1.payment_kinds,
        [
            ThirdParty,
            PayerCountryMismatch,
            LargePrepayment,
            Crypto,
            Prepaid
        ]
    );
    assert_eq!(f.p1.large_prepayment_usd, Usd::new(100_000));
}

#[test]
fn screening_thresholds() {
    let pack = pack();
    let s = pack.screening();
    assert_eq!(s.match_threshold(ScreeningSchema::Person).get(), 0.85);
    assert_eq!(s.match_threshold(ScreeningSchema::Organization).get(), 0.88);
    assert_eq!(s.match_threshold(ScreeningSchema::Vessel).get(), 0.9);
    assert_eq!(s.match_threshold(ScreeningSchema::Aircraft).get(), 0.9);
    assert_eq!(s.review_threshold.get(), 0.75);
}

#[test]
fn a_pack_with_another_id_and_version_loads_and_is_cited_as_such() {
    let text = edited(&[
        ("id = \"bis-2024-nprm\"", "id = \"acme-strict\""),
        ("version = \"1.0.0\"", "version = \"2.1.0-rc.1+build.7\""),
        ("threshold_ops = 1e26", "threshold_ops = 1e25"),
    ]);
    let pack = RulePack::from_toml_str(&text).unwrap();
    assert_eq!(
        pack.policy_ref().to_string(),
        "acme-strict@2.1.0-rc.1+build.7"
    );
    assert_eq!(pack.compute().training.threshold_ops.get(), 1e25);
}

#[test]
fn json_round_trip_keeps_every_value_and_the_digest() {
    let pack = pack();
    let json = serde_json::to_string(&pack).unwrap();
    let back: RulePack = serde_json::from_str(&json).unwrap();
    assert_eq!(back, pack);
    assert_eq!(back.content_sha256(), pack.content_sha256());
}

#[test]
fn the_digest_follows_values_not_comments() {
    let pack = pack();
    let recommented = edited(&[("[records]\n", "[records] # retention and production\n")]);
    assert_eq!(
        RulePack::from_toml_str(&recommented)
            .unwrap()
            .content_sha256(),
        pack.content_sha256()
    );
    let changed = edited(&[(
        "max_monthly_spend_usd = 1000",
        "max_monthly_spend_usd = 999",
    )]);
    assert_ne!(
        RulePack::from_toml_str(&changed).unwrap().content_sha256(),
        pack.content_sha256()
    );
    assert_eq!(pack.content_sha256().len(), 64);
}

#[test]
fn names_shown_to_people_are_the_names_written_in_packs() {
    fn same<T: serde::Serialize + std::fmt::Display>(values: &[T]) {
        for value in values {
            assert_eq!(
                serde_json::to_string(value).unwrap(),
                format!("\"{value}\"")
            );
        }
    }
    use CipField::*;
    same(&[
        Name,
        OtherNames,
        Address,
        Email,
        Phone,
        PaymentMeans,
        PaymentSource,
        AccessIpLog,
        DateOfBirth,
        Nationality,
        NationalId,
        IdentityDocument,
        TaxId,
        IncorporationDate,
        JurisdictionOfOrganization,
        RegistrationNumber,
        BeneficialOwners,
    ]);
    use VerificationCheck as C;
    same(&[
        C::DocumentMrz,
        C::DocumentDataMatch,
        C::DocumentNotExpired,
        C::DocumentNumberPattern,
        C::PhoneCountry,
        C::PaymentCountry,
        C::IpGeolocation,
        C::EmailDomain,
        C::VendorVerdict,
    ]);
    use VerificationMethod as M;
    same(&[M::Documentary, M::NonDocumentary, M::Vendor]);
    use ControlKind as K;
    same(&[
        K::Voting,
        K::Appointment,
        K::Management,
        K::Contractual,
        K::Trust,
        K::Nominee,
    ]);
    use PaymentRisk as P;
    same(&[
        P::Crypto,
        P::Prepaid,
        P::ThirdParty,
        P::PayerCountryMismatch,
        P::LargePrepayment,
    ]);
    use NotOpenedCondition as N;
    same(&[
        N::RequiredInformationMissing,
        N::SpecialMeasureProhibition,
        N::ConfirmedRestrictedParty,
        N::UnresolvedScreeningHit,
    ]);
    use LocationEvidence as L;
    same(&[
        L::Address,
        L::NationalityOrOrganization,
        L::PaymentCountry,
        L::AccessIpCountry,
    ]);
    same(&RiskTier::ALL);
    same(&ScreeningSchema::ALL);
    same(&[RedFlagId::T1, RedFlagId::M4, RedFlagId::P1]);
}

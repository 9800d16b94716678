//! One filled-in report of each kind, built the way the app will build them.

use chrono::{DateTime, NaiveDate, Utc};
use cloudkyc_domain::rule_pack::RulePack;
use cloudkyc_reports::{
    AdpCriterion, AdpCriterionEvidence, AdpPackage, AiTrainingReport, Amendment, CaseFileSample,
    CertificationFigures, CertificationType, CipCertification, ClusterEvidence, ComputeEstimate,
    ContactPerson, CountryCount, EvidenceRef, FailedVerificationEntry, Figure, HardwareEvidence,
    IpAccessSummary, OutOfCycleTrigger, PartyIdentity, PartyKind, PaymentRecord,
    ProductionManifest, ProductionRequest, ProgramSummary, RedFlagEntry, ReportKind, ReportMeta,
    ResellerEntry, SignOff, Transaction, TransactionStatus, WrittenCip,
};

pub const PROVIDER: &str = "Example Cloud Inc.";

pub fn pack() -> RulePack {
    RulePack::bundled("bis-2024-nprm").unwrap()
}

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn meta(kind: ReportKind) -> ReportMeta {
    ReportMeta::new(kind, PROVIDER, &pack(), at("2026-11-20T10:00:00Z"))
}

pub fn officer(statement: &str) -> SignOff {
    SignOff {
        officer_name: "Olivia Officer".into(),
        officer_title: "Chief Compliance Officer".into(),
        statement: statement.into(),
        signed_at: at("2026-11-20T09:30:00Z"),
    }
}

pub fn contact() -> ContactPerson {
    ContactPerson {
        name: "Olivia Officer".into(),
        title: "Chief Compliance Officer".into(),
        email: "cip@example.com".into(),
        phone: "+1 202 555 0100".into(),
    }
}

pub fn ai_training() -> AiTrainingReport {
    AiTrainingReport {
        meta: meta(ReportKind::AiTraining),
        case_id: "0194c3a0-0000-7000-8000-000000000001".into(),
        foreign_person: PartyIdentity {
            party: PartyKind::Entity,
            name: "Helios Compute FZ-LLC".into(),
            other_names: vec![],
            countries: vec!["AE".into()],
            addresses: vec!["Unit 4, Cluster X, Dubai, AE".into()],
            payments: vec![PaymentRecord {
                account: "acct-2001".into(),
                means: "bank account (AE)".into(),
                source: "customer".into(),
            }],
            emails: vec!["ops@helioscompute.example".into()],
            phones: vec!["+97145550199".into()],
            ip_addresses: vec![IpAccessSummary {
                ip: "94.200.12.7".into(),
                first_seen: at("2026-09-01T08:00:00Z"),
                last_seen: at("2026-11-01T08:15:00Z"),
                accesses: 412,
                country: Some("AE".into()),
            }],
        },
        beneficial_owners: vec![PartyIdentity {
            party: PartyKind::Individual,
            name: "Li Wei".into(),
            other_names: vec![],
            countries: vec!["CN".into()],
            addresses: vec!["8 Jianguo Road, Beijing, CN".into()],
            payments: vec![],
            emails: vec![],
            phones: vec![],
            ip_addresses: vec![],
        }],
        transaction: Transaction {
            description: "Reservation of 24,576 H100 accelerators for six months on one cluster."
                .into(),
            accounts: vec!["acct-2001".into()],
            reseller: None,
            status: TransactionStatus::Planned,
            agreed_on: Some(day(2026, 10, 28)),
            start: day(2026, 11, 1),
            end: Some(day(2027, 5, 1)),
            knowledge_date: day(2026, 11, 2),
            due_date: day(2026, 11, 17),
        },
        compute: ComputeEstimate {
            p05_ops: 6.1e25,
            p50_ops: 1.3e26,
            p95_ops: 2.4e26,
            ceiling_ops: 3.8e26,
            threshold_ops: 1e26,
            method: "cloudkyc-compute estimator 1.0 (log-normal utilisation prior, median 0.33)"
                .into(),
            assumptions: vec!["BF16 dense peak 989 TFLOP/s per H100".into()],
        },
        hardware: vec![HardwareEvidence {
            accelerator: "H100 SXM".into(),
            count: 24576,
            peak_ops_per_s: 9.89e14,
            start: at("2026-11-01T00:00:00Z"),
            end: at("2027-05-01T00:00:00Z"),
            cluster: "dc7-pg-12".into(),
            datacenter: "dc7".into(),
        }],
        cluster: ClusterEvidence {
            cluster: "dc7-pg-12".into(),
            datacenter: "dc7".into(),
            co_located: true,
            networking_gbit_per_s: 3200.0,
            peak_ops_per_s: 2.43e19,
            meets_cluster_condition: false,
        },
        red_flags: vec![RedFlagEntry {
            id: "R1".into(),
            severity: "high".into(),
            description: "Single reservation above 5,000 H100-equivalents for 30 days or more"
                .into(),
            evidence: "reservation r-1".into(),
        }],
        evidence: vec![EvidenceRef {
            description: "Reservation record".into(),
            reference: "reservation r-1".into(),
            sha256: Some("ab".repeat(32)),
        }],
        attestation: officer(
            "I attest that this report is accurate and complete to the best of my knowledge.",
        ),
        amendments: vec![Amendment {
            number: 1,
            filed_at: at("2026-11-10T12:00:00Z"),
            previous_sha256: "cd".repeat(32),
            reason: "Reservation extended by two months".into(),
        }],
    }
}

pub fn certification(kind: CertificationType) -> CipCertification {
    let mut attestations = CipCertification::standard_attestations(kind);
    for a in &mut attestations {
        a.affirmed = true;
    }
    CipCertification {
        meta: meta(kind.kind()),
        certification: kind,
        period_start: Some(day(2026, 1, 31)),
        period_end: day(2026, 11, 20),
        out_of_cycle_reason: (kind == CertificationType::OutOfCycle)
            .then(|| "New CIP contact appointed".into()),
        out_of_cycle_trigger: (kind == CertificationType::OutOfCycle)
            .then_some(OutOfCycleTrigger::NewContact),
        program: ProgramSummary {
            identity_verification:
                "Documentary checks of passports (MRZ) and non-documentary consistency checks."
                    .into(),
            malicious_activity_detection:
                "Abuse desk, compute monitoring and restricted-party screening.".into(),
            reseller_oversight: "Written agreements adopting the provider's CIP; annual reviews."
                .into(),
        },
        contact: contact(),
        figures: CertificationFigures {
            customers_total: 5,
            customers_by_country: vec![
                CountryCount {
                    country: "NG".into(),
                    count: 2,
                },
                CountryCount {
                    country: "US".into(),
                    count: 3,
                },
            ],
            foreign_beneficial_owners_by_country: vec![CountryCount {
                country: "CN".into(),
                count: 1,
            }],
            foreign_resellers: vec![ResellerEntry {
                name: "Nimbus Cloud Pte Ltd".into(),
                country: "SG".into(),
                cip_agreement: "adopts_provider_cip".into(),
                status: "active".into(),
            }],
            foreign_accounts_not_verified: 1,
            failed_verifications: vec![FailedVerificationEntry {
                customer: "cust-17".into(),
                failed_on: day(2026, 6, 3),
                resolution: "Resubmitted a valid passport; verified".into(),
                resolved_on: Some(day(2026, 6, 9)),
            }],
        },
        attestations,
        sign_off: officer("I certify the statements above."),
        sampled_cases: vec![CaseFileSample {
            case_id: "case-42".into(),
            kind: "screening_hit".into(),
            opened_on: day(2026, 3, 1),
            closed_on: Some(day(2026, 3, 4)),
            outcome: Some("false_positive".into()),
            decided_by: Some("ann".into()),
            approved_by: Some("olivia".into()),
            timeline_entries: 6,
            summary: "OFAC SDN candidate, different date of birth".into(),
        }],
    }
}

pub fn written_cip() -> WrittenCip {
    WrittenCip::from_pack(
        &pack(),
        PROVIDER,
        Some(contact()),
        at("2026-11-20T10:00:00Z"),
    )
}

pub fn adp() -> AdpPackage {
    AdpPackage {
        meta: meta(ReportKind::Adp),
        scope: "All accounts of the provider".into(),
        program_description: "Abuse desk staffed around the clock with automated detection.".into(),
        criteria: AdpCriterion::ALL
            .iter()
            .map(|criterion| AdpCriterionEvidence {
                criterion: *criterion,
                narrative: format!("How the program meets: {}", criterion.title()),
                figures: vec![Figure {
                    label: "Cases closed in the period".into(),
                    value: "128".into(),
                }],
                evidence: vec![EvidenceRef {
                    description: "Case export".into(),
                    reference: "export-2026-11".into(),
                    sha256: None,
                }],
            })
            .collect(),
        contact: contact(),
        sign_off: officer("I attest that the program described is in operation."),
    }
}

pub fn production() -> ProductionManifest {
    let mut manifest = ProductionManifest {
        meta: meta(ReportKind::Production),
        request: ProductionRequest {
            reference: "BIS-REQ-2026-7".into(),
            requested_by: "Department of Commerce, BIS".into(),
            requested_on: day(2026, 11, 15),
            due_on: day(2026, 11, 25),
        },
        customers: vec!["cust-1".into()],
        files: vec![],
        sign_off: Some(officer("The archive holds the records requested.")),
    };
    manifest.add_file(
        "written-cip.pdf",
        "The written CIP",
        "application/pdf",
        b"bytes of the written CIP",
    );
    manifest.add_file(
        "customers/cust-1.json",
        "Records of customer cust-1",
        "application/json",
        b"{}",
    );
    manifest
}

//! Reports out of the records: every kind generated from a demo data set in SQLite, its figures
//! checked against the customers it counts, its digest in the audit chain, its files kept and
//! every read of them logged.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use cloudkyc_app::customers::{CipStatus, CustomerRecord};
use cloudkyc_app::demo::{self, DemoSpec};
use cloudkyc_app::keys::CreateKey;
use cloudkyc_app::reports::{ReportRequest, country_of_customer, tar};
use cloudkyc_app::resellers::RegisterReseller;
use cloudkyc_app::{App, AppError, ManualClock};
use cloudkyc_domain::Role;
use cloudkyc_domain::cases::{
    CaseKind, Command, Decision, NewCase, Note, Outcome, Subject, SubjectRef,
};
use cloudkyc_domain::cip::PersonStatus;
use cloudkyc_domain::reseller::AgreementKind;
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_reports::{
    AiTrainingReport, CertificationType, CipCertification, OutOfCycleTrigger, ProductionManifest,
    ReportKind, WrittenCip,
};
use cloudkyc_store::TenantScope;
use cloudkyc_store::crypto::MasterKey;
use cloudkyc_store::documents::MediaType;
use cloudkyc_store::report_figures::{REPORT_DISCLOSE, REPORT_GENERATE, ReportFile};
use cloudkyc_store_sqlite::SqliteStore;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

async fn seeded() -> (App, TenantScope, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cloudkyc.db").display());
    let store = Arc::new(
        SqliteStore::open(&url, &MasterKey::generate())
            .await
            .unwrap(),
    );
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).single().unwrap(),
    ));
    let policy = Arc::new(RulePack::bundled(DEFAULT_PACK_ID).unwrap());
    let app = App::new(store, clock, policy);
    let spec = DemoSpec {
        seed: demo::DEFAULT_SEED,
        count: 40,
        year: 2026,
    };
    demo::seed_with(&app, &spec).await.unwrap();
    let scope = app.operator_scope(demo::DEMO_PROVIDER).await.unwrap();
    (app, scope, dir)
}

async fn every_customer(app: &App, scope: &TenantScope) -> Vec<CustomerRecord> {
    let mut out: Vec<CustomerRecord> = Vec::new();
    loop {
        let page = app
            .list_customers(scope, out.last().map(|c| c.id), 500)
            .await
            .unwrap();
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

async fn scope_with_role(app: &App, scope: &TenantScope, role: Role) -> TenantScope {
    let created = app
        .create_key(
            scope,
            CreateKey {
                role,
                tenant: None,
                name: format!("{role} key"),
                expires_at: None,
            },
        )
        .await
        .unwrap();
    app.store()
        .authenticate(created.secret.expose(), app.now())
        .await
        .unwrap()
        .unwrap()
}

/// The PDF's text, whitespace squashed (extraction breaks lines between text objects).
fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).unwrap();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn request(kind: ReportKind) -> ReportRequest {
    ReportRequest::new(kind)
}

#[tokio::test]
async fn certifications_count_the_records_and_are_kept_with_their_digest() {
    let (app, scope, _dir) = seeded().await;
    let customers = every_customer(&app, &scope).await;
    assert_eq!(customers.len(), 43);

    // A screening hit worked to a decision: the certification samples the closed case file.
    let officer = scope_with_role(&app, &scope, Role::Officer).await;
    let case = app
        .open_case(
            &officer,
            NewCase {
                kind: CaseKind::ScreeningHit,
                subject: Subject::Customer(
                    SubjectRef::parse(&customers[0].id.to_string()).unwrap(),
                ),
                summary: Note::parse("SDN candidate, score 0.91").unwrap(),
                risk: None,
                knowledge_date: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
                due: None,
            },
        )
        .await
        .unwrap();
    let decision = Command::ProposeDecision {
        decision: Decision {
            outcome: Outcome::FalsePositive,
            rationale: Note::parse("different date of birth").unwrap(),
            cip_override: false,
        },
    };
    app.work_case(&officer, case.case.id(), None, decision)
        .await
        .unwrap();

    let reseller = RegisterReseller {
        name: "Nimbus Cloud Pte Ltd".into(),
        country: "SG".into(),
        cip_agreement: AgreementKind::AdoptsProviderCip,
    };
    app.register_reseller(&scope, reseller).await.unwrap();

    let initial = app
        .generate_report(&scope, request(ReportKind::CertificationInitial))
        .await
        .unwrap();
    let report: CipCertification = serde_json::from_slice(&initial.rendered.json).unwrap();
    let f = &report.figures;
    assert_eq!(f.customers_total, 43);
    let mut by_country: BTreeMap<String, u64> = BTreeMap::new();
    for c in &customers {
        *by_country
            .entry(country_of_customer(&c.customer))
            .or_default() += 1;
    }
    let printed: BTreeMap<String, u64> = f
        .customers_by_country
        .iter()
        .map(|c| (c.country.clone(), c.count))
        .collect();
    assert_eq!(printed, by_country);
    assert!(printed.contains_key("NG"), "Amara Okafor is Nigerian");
    let foreign_unverified: u64 = customers
        .iter()
        .filter(|c| {
            c.decision.person_status == PersonStatus::Foreign
                && matches!(
                    c.decision.cip_status,
                    CipStatus::Pending | CipStatus::Failed
                )
        })
        .map(|c| c.accounts.len() as u64)
        .sum();
    assert_eq!(f.foreign_accounts_not_verified, foreign_unverified);
    let failed: Vec<String> = customers
        .iter()
        .filter(|c| c.decision.cip_status == CipStatus::Failed)
        .map(|c| c.id.to_string())
        .collect();
    assert!(!failed.is_empty(), "the demo set has failed verifications");
    for id in &failed {
        let entry = f
            .failed_verifications
            .iter()
            .find(|e| &e.customer == id)
            .expect("every failed customer is listed");
        assert!(entry.resolution.starts_with("not verified"), "{entry:?}");
    }
    assert!(
        !f.foreign_beneficial_owners_by_country.is_empty(),
        "Helios Compute has foreign owners"
    );
    let listed: Vec<_> = f
        .foreign_resellers
        .iter()
        .map(|r| {
            (
                r.name.as_str(),
                r.country.as_str(),
                r.cip_agreement.as_str(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![("Nimbus Cloud Pte Ltd", "SG", "adopts_provider_cip")]
    );
    assert!(report.attestations.iter().all(|a| a.affirmed));
    assert_eq!(report.sampled_cases.len(), 1);
    let sample = &report.sampled_cases[0];
    assert_eq!(sample.case_id, case.case.id().to_string());
    assert_eq!(sample.outcome.as_deref(), Some("false_positive"));
    assert!(
        sample.decided_by.is_some() && sample.closed_on.is_some(),
        "{sample:?}"
    );
    assert!(
        !sample.summary.contains("SDN candidate"),
        "free text is not copied"
    );
    let printed = pdf_text(&initial.rendered.pdf);
    assert!(printed.contains("Initial certification"), "{printed}");
    assert!(printed.contains("Customers by country"), "{printed}");
    assert_eq!(initial.report.sha256, initial.rendered.sha256);
    assert!(!initial.report.personal);

    let annual = app
        .generate_report(
            &scope,
            ReportRequest {
                year: Some(2026),
                ..request(ReportKind::CertificationAnnual)
            },
        )
        .await
        .unwrap();
    let annual_report: CipCertification = serde_json::from_slice(&annual.rendered.json).unwrap();
    assert_eq!(
        annual_report.period_start,
        NaiveDate::from_ymd_opt(2026, 1, 1)
    );
    assert_eq!(annual_report.figures.customers_total, 43);
    let earlier = app
        .generate_report(
            &scope,
            ReportRequest {
                year: Some(2025),
                ..request(ReportKind::CertificationAnnual)
            },
        )
        .await
        .unwrap();
    let earlier: CipCertification = serde_json::from_slice(&earlier.rendered.json).unwrap();
    assert_eq!(
        earlier.figures.customers_total, 0,
        "nobody was onboarded before 2026"
    );

    let events = app
        .store()
        .audit_events(&scope, scope.tenant(), 0, 1_000)
        .await
        .unwrap();
    let generated: Vec<Option<String>> = events
        .iter()
        .filter(|e| e.action == REPORT_GENERATE)
        .map(|e| e.after_digest.clone())
        .collect();
    assert_eq!(generated.len(), 3);
    assert_eq!(generated[0], Some(initial.rendered.sha256.clone()));
    assert_eq!(app.list_reports(&scope, 10).await.unwrap().len(), 3);
}

fn out_of_cycle(reason: Option<&str>, trigger: Option<OutOfCycleTrigger>) -> ReportRequest {
    ReportRequest {
        reason: reason.map(str::to_owned),
        trigger,
        ..request(ReportKind::CertificationOutOfCycle)
    }
}

#[tokio::test]
async fn an_out_of_cycle_update_states_its_change_and_counts_since_the_last_certification() {
    let (app, scope, _dir) = seeded().await;
    let reason = "Ngozi Adeyemi replaces the former CIP contact from 1 November 2026.";

    // Before any certification the update covers the program from its start.
    let first = app
        .generate_report(
            &scope,
            out_of_cycle(Some(reason), Some(OutOfCycleTrigger::NewContact)),
        )
        .await
        .unwrap();
    let report: CipCertification = serde_json::from_slice(&first.rendered.json).unwrap();
    assert_eq!(report.certification, CertificationType::OutOfCycle);
    assert_eq!(report.meta.kind, ReportKind::CertificationOutOfCycle);
    assert_eq!(report.period_start, None);
    assert_eq!(report.out_of_cycle_reason.as_deref(), Some(reason));
    assert_eq!(
        report.out_of_cycle_trigger,
        Some(OutOfCycleTrigger::NewContact)
    );
    assert_eq!(report.figures.customers_total, 43, "the annual figures");
    let ids: Vec<&str> = report.attestations.iter().map(|a| a.id.as_str()).collect();
    for id in [
        "change_described",
        "program_updated",
        "reviewed",
        "failed_resolutions",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    assert!(report.attestations.iter().all(|a| a.affirmed));
    assert_eq!(first.report.parameters["trigger"], "new_contact");
    let printed = pdf_text(&first.rendered.pdf);
    for expected in [
        "Out-of-cycle update",
        reason,
        "a new contact person responsible for the program (new_contact)",
        "Customers by country",
    ] {
        assert!(printed.contains(expected), "{expected:?} not in {printed}");
    }

    // After a certification the next update covers only the time since, and the trigger
    // defaults to `other`.
    app.generate_report(&scope, request(ReportKind::CertificationInitial))
        .await
        .unwrap();
    let second = app
        .generate_report(
            &scope,
            out_of_cycle(Some("  Merged into Example Holdings.  "), None),
        )
        .await
        .unwrap();
    let report: CipCertification = serde_json::from_slice(&second.rendered.json).unwrap();
    assert_eq!(report.period_start, NaiveDate::from_ymd_opt(2026, 11, 1));
    assert_eq!(
        report.out_of_cycle_reason.as_deref(),
        Some("Merged into Example Holdings.")
    );
    assert_eq!(report.out_of_cycle_trigger, Some(OutOfCycleTrigger::Other));

    let long = "x".repeat(2001);
    for (bad, field) in [
        (out_of_cycle(None, None), "/reason"),
        (out_of_cycle(Some("   "), None), "/reason"),
        (out_of_cycle(Some(&long), None), "/reason"),
        (out_of_cycle(Some("bell \u{7} rings"), None), "/reason"),
        (
            ReportRequest {
                reason: Some("not an update".into()),
                ..request(ReportKind::CertificationAnnual)
            },
            "/reason",
        ),
        (
            ReportRequest {
                trigger: Some(OutOfCycleTrigger::ProgramChange),
                ..request(ReportKind::WrittenCip)
            },
            "/trigger",
        ),
    ] {
        let refused = app.generate_report(&scope, bad).await;
        match refused {
            Err(AppError::Invalid(errors)) => {
                assert!(
                    errors.iter().any(|e| e.path == field),
                    "{field}: {errors:?}"
                );
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    assert_eq!(app.list_reports(&scope, 10).await.unwrap().len(), 3);
}

#[tokio::test]
async fn written_cip_and_adp_come_from_the_pack_and_reads_are_logged() {
    let (app, scope, _dir) = seeded().await;
    let cip = app
        .generate_report(&scope, request(ReportKind::WrittenCip))
        .await
        .unwrap();
    let model: WrittenCip = serde_json::from_slice(&cip.rendered.json).unwrap();
    assert_eq!(model.meta.provider, demo::DEMO_PROVIDER);
    assert_eq!(model.meta.policy.id, DEFAULT_PACK_ID);
    assert!(cip.rendered.pdf.starts_with(b"%PDF"));

    let adp = app
        .generate_report(&scope, request(ReportKind::Adp))
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&adp.rendered.json).unwrap();
    let criteria = json["criteria"].as_array().unwrap();
    assert_eq!(criteria.len(), 5);
    let size = &criteria[0]["figures"][0];
    assert_eq!(
        (size["label"].as_str(), size["value"].as_str()),
        (Some("Customers"), Some("43"))
    );

    let auditor = scope_with_role(&app, &scope, Role::Auditor).await;
    let (meta, pdf) = app
        .disclose_report(&auditor, cip.report.id, ReportFile::Pdf)
        .await
        .unwrap();
    assert_eq!((meta.id, pdf), (cip.report.id, cip.rendered.pdf.clone()));
    assert!(matches!(
        app.disclose_report(&auditor, adp.report.id, ReportFile::Archive)
            .await,
        Err(AppError::NotFound(_))
    ));
    let events = app
        .store()
        .audit_events(&scope, scope.tenant(), 0, 1_000)
        .await
        .unwrap();
    let disclosed = events
        .iter()
        .filter(|e| e.action == REPORT_DISCLOSE)
        .collect::<Vec<_>>();
    assert_eq!(disclosed.len(), 1);
    assert_eq!(
        disclosed[0].after_digest,
        Some(hex::encode(Sha256::digest(&cip.rendered.pdf)))
    );

    // Generating is an officer's act; an integration key may not, nor read reports.
    let integration = scope_with_role(&app, &scope, Role::Integration).await;
    assert!(matches!(
        app.generate_report(&integration, request(ReportKind::WrittenCip))
            .await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        app.list_reports(&integration, 10).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        app.generate_report(&auditor, request(ReportKind::Adp))
            .await,
        Err(AppError::Forbidden(_))
    ));
}

#[tokio::test]
async fn a_production_archives_the_named_customers_with_a_manifest_of_digests() {
    let (app, scope, _dir) = seeded().await;
    let customers = every_customer(&app, &scope).await;
    // One of the reseller's customers too: the provider produces its resellers' records.
    let resold = customers
        .iter()
        .find(|c| c.tenant != scope.tenant())
        .unwrap()
        .id;
    let own = customers
        .iter()
        .find(|c| c.tenant == scope.tenant())
        .unwrap()
        .id;
    let named = vec![own, resold, own];
    // Each foreign reseller's CIP: the signed agreement, or a note that none is on file.
    let register = |name: &str| RegisterReseller {
        name: name.into(),
        country: "SG".into(),
        cip_agreement: AgreementKind::OwnCip,
    };
    let signed = app
        .register_reseller(&scope, register("Nimbus Cloud Pte Ltd"))
        .await
        .unwrap()
        .record
        .id;
    let unsigned = app
        .register_reseller(&scope, register("Stratus Compute Pte Ltd"))
        .await
        .unwrap()
        .record
        .id;
    let agreement = b"%PDF-1.4\nreseller CIP agreement\n%%EOF\n".to_vec();
    let signed_on = NaiveDate::from_ymd_opt(2026, 10, 1);
    app.upload_reseller_agreement(&scope, signed, MediaType::Pdf, signed_on, agreement.clone())
        .await
        .unwrap();
    let produced = app
        .generate_report(
            &scope,
            ReportRequest {
                customers: named,
                reference: Some("BIS-2026-0042".into()),
                ..request(ReportKind::Production)
            },
        )
        .await
        .unwrap();
    assert!(produced.report.personal);
    let manifest: ProductionManifest = serde_json::from_slice(&produced.rendered.json).unwrap();
    assert_eq!(manifest.request.reference, "BIS-2026-0042");
    let printed = pdf_text(&produced.rendered.pdf);
    assert!(printed.contains("BIS-2026-0042"), "{printed}");
    assert!(
        printed.contains(&produced.rendered.sha256),
        "the footer prints the digest"
    );
    assert_eq!(
        manifest.customers.len(),
        2,
        "a customer named twice is produced once"
    );
    // The written CIP (JSON and PDF), one file per reseller and three per customer.
    assert_eq!(manifest.files.len(), 10);
    let files: BTreeMap<String, Vec<u8>> = tar::read(produced.archive.as_deref().unwrap())
        .unwrap()
        .into_iter()
        .collect();
    for listed in &manifest.files {
        let content = files.get(&listed.path).expect("listed file is archived");
        assert_eq!(
            hex::encode(Sha256::digest(content)),
            listed.sha256,
            "{}",
            listed.path
        );
        assert_eq!(content.len() as u64, listed.bytes);
    }
    assert_eq!(files.get("manifest.json"), Some(&produced.rendered.json));
    let customer_file = &files[&format!("customers/{own}/customer.json")];
    let customer: serde_json::Value = serde_json::from_slice(customer_file).unwrap();
    assert_eq!(customer["id"], own.to_string());
    assert!(files.contains_key(&format!("customers/{resold}/access-events.json")));
    assert_eq!(
        files.get(&format!("resellers/{signed}/agreement.pdf")),
        Some(&agreement)
    );
    assert!(files.contains_key(&format!("resellers/{unsigned}/agreement-missing.json")));

    let (_, archive) = app
        .disclose_report(&scope, produced.report.id, ReportFile::Archive)
        .await
        .unwrap();
    assert_eq!(Some(archive), produced.archive);

    let empty = app
        .generate_report(&scope, request(ReportKind::Production))
        .await;
    assert!(matches!(empty, Err(AppError::Invalid(_))));
}

const USAGE: &str = r#"[{"id": "u-1", "account": "acct-1001", "accelerator": "H100", "count": 4096,
    "start": "2026-10-01T00:00:00Z", "end": "2026-10-31T00:00:00Z", "cluster": "dc7-pg-12",
    "datacenter": "dc7", "fabric_gbps": 3200}]"#;

#[tokio::test]
async fn an_ai_training_report_is_built_from_a_case_and_the_compute_estimate() {
    let (app, scope, _dir) = seeded().await;
    let amara = every_customer(&app, &scope)
        .await
        .into_iter()
        .find(|c| c.accounts.contains(&"acct-1001".to_owned()))
        .unwrap();
    // No usage yet: there is nothing to estimate.
    let early = app
        .generate_report(
            &scope,
            ReportRequest {
                customers: vec![amara.id],
                ..request(ReportKind::AiTraining)
            },
        )
        .await;
    assert!(matches!(early, Err(AppError::Conflict(_))), "{early:?}");

    app.ingest_usage(&scope, USAGE.as_bytes()).await.unwrap();
    let case = app
        .open_case(
            &scope,
            NewCase {
                kind: CaseKind::AiTrainingReport,
                subject: Subject::Customer(SubjectRef::parse(&amara.id.to_string()).unwrap()),
                summary: Note::parse("H100 run above the training threshold").unwrap(),
                risk: None,
                knowledge_date: NaiveDate::from_ymd_opt(2026, 10, 20).unwrap(),
                due: None,
            },
        )
        .await
        .unwrap();
    let case_id = case.case.id().to_string();
    let first = app
        .generate_report(
            &scope,
            ReportRequest {
                case: Some(case_id.clone()),
                ..request(ReportKind::AiTraining)
            },
        )
        .await
        .unwrap();
    assert!(first.report.personal);
    let report: AiTrainingReport = serde_json::from_slice(&first.rendered.json).unwrap();
    assert_eq!(report.case_id, case_id);
    assert_eq!(report.foreign_person.name, "Amara Okafor");
    assert_eq!(report.foreign_person.countries, vec!["NG".to_owned()]);
    assert_eq!(
        report.transaction.knowledge_date,
        NaiveDate::from_ymd_opt(2026, 10, 20).unwrap()
    );
    assert!(report.transaction.due_date > report.transaction.knowledge_date);
    let c = &report.compute;
    assert!(c.p05_ops > 0.0 && c.p05_ops <= c.p50_ops && c.p95_ops <= c.ceiling_ops);
    assert!(report.hardware[0].accelerator.contains("H100"));
    assert_eq!(report.hardware[0].count, 4096);
    assert_eq!(report.cluster.cluster, "dc7-pg-12");
    assert!(report.amendments.is_empty());
    let printed = pdf_text(&first.rendered.pdf);
    for expected in ["Amara Okafor", case_id.as_str(), "dc7-pg-12"] {
        assert!(printed.contains(expected), "{expected:?} not in {printed}");
    }

    let second = app
        .generate_report(
            &scope,
            ReportRequest {
                case: Some(case_id.clone()),
                ..request(ReportKind::AiTraining)
            },
        )
        .await
        .unwrap();
    let amended: AiTrainingReport = serde_json::from_slice(&second.rendered.json).unwrap();
    assert_eq!(amended.amendments.len(), 1);
    assert_eq!(amended.amendments[0].previous_sha256, first.rendered.sha256);

    let bad = app
        .generate_report(
            &scope,
            ReportRequest {
                case: Some("not-a-case".into()),
                ..request(ReportKind::AiTraining)
            },
        )
        .await;
    assert!(matches!(bad, Err(AppError::Invalid(_))), "{bad:?}");
}

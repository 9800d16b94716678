//! The integration tests of cloudkyc-reports: every report renders to JSON that validates
//! against its published schema and to a PDF whose text reads back, with the font embedded.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "reports/fixtures.rs"]
mod fixtures;

use std::collections::BTreeSet;

use cloudkyc_domain::rule_pack::RulePack;
use cloudkyc_reports::{
    AdpCriterion, AnyReport, CertificationType, Report, ReportError, ReportKind, json_schema,
    render, schema_file_name,
};
use fixtures::*;
use lopdf::Object;

fn every_report() -> Vec<AnyReport> {
    vec![
        ai_training().into(),
        certification(CertificationType::Initial).into(),
        certification(CertificationType::Annual).into(),
        certification(CertificationType::OutOfCycle).into(),
        written_cip().into(),
        adp().into(),
        production().into(),
    ]
}

/// All the text of a PDF, pages in order, as lopdf decodes it through the ToUnicode maps.
fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).expect("the PDF parses");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    assert!(!pages.is_empty());
    doc.extract_text(&pages).expect("text extracts")
}

/// Whitespace-insensitive: extraction inserts line breaks between text objects.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_kind_has_a_report_here() {
    let kinds: BTreeSet<&str> = every_report().iter().map(|r| r.kind().as_str()).collect();
    let all: BTreeSet<&str> = ReportKind::NAMES.into_iter().collect();
    assert_eq!(kinds, all);
}

#[test]
fn json_validates_against_the_published_schema() {
    for report in every_report() {
        let rendered = report.render().unwrap();
        let schema = json_schema(report.kind());
        let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
        let instance: serde_json::Value = serde_json::from_slice(&rendered.json).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", report.kind());
        assert_eq!(instance["schema_version"], report.kind().schema_version());
        assert_eq!(instance["kind"], report.kind().as_str());

        // The schema does reject what the model would not write.
        let mut broken = instance.clone();
        broken.as_object_mut().unwrap().remove("provider");
        assert!(
            !validator.is_valid(&broken),
            "{}: missing provider accepted",
            report.kind()
        );
        let mut extra = instance.clone();
        extra
            .as_object_mut()
            .unwrap()
            .insert("surprise".into(), 1.into());
        assert!(
            !validator.is_valid(&extra),
            "{}: unknown field accepted",
            report.kind()
        );
    }
}

#[test]
fn published_schema_files_match_the_models() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas");
    for kind in ReportKind::ALL {
        let path = format!("{dir}/{}", schema_file_name(kind));
        let generated = serde_json::to_string_pretty(&json_schema(kind)).unwrap() + "\n";
        if std::env::var_os("CLOUDKYC_UPDATE_SCHEMAS").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let published = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            published == generated,
            "{path} is out of date: run `CLOUDKYC_UPDATE_SCHEMAS=1 cargo test -p cloudkyc-reports published_schema`"
        );
    }
}

#[test]
fn json_round_trips_through_the_models() {
    let report = ai_training();
    let rendered = render(&report).unwrap();
    let back: cloudkyc_reports::AiTrainingReport = serde_json::from_slice(&rendered.json).unwrap();
    assert_eq!(back, report);
}

#[test]
fn pdf_text_reads_back_with_the_digest_and_page_numbers() {
    let expectations: Vec<(AnyReport, Vec<&str>)> = vec![
        (
            ai_training().into(),
            vec![
                "Helios Compute FZ-LLC",
                "ops@helioscompute.example",
                "94.200.12.7",
                "Li Wei",
                "1.30e26",
                "2.40e26",
                "3.80e26",
                "dc7-pg-12",
                "R1",
                "Olivia Officer",
                "Amendment history",
                "Reservation extended by two",
            ],
        ),
        (
            certification(CertificationType::Annual).into(),
            vec![
                "Annual certification",
                "Nimbus Cloud Pte Ltd",
                "cust-17",
                "updated for changes in the threat landscape",
                "case-42",
                "cip@example.com",
            ],
        ),
        (
            certification(CertificationType::OutOfCycle).into(),
            vec![
                "Out-of-cycle update",
                "New CIP contact appointed",
                "a new contact person responsible for the program (new_contact)",
                "The significant change in operations",
                "updated for changes in the threat landscape",
            ],
        ),
        (
            written_cip().into(),
            vec![
                "Customer Identification Program of Example Cloud Inc.",
                "within 15 calendar days",
                "at least 25 percent",
                "re-verified every 12 months",
                "within 10 calendar days",
                "within 30 calendar days",
                "bis-2024-nprm@1.0.0",
            ],
        ),
        (
            adp().into(),
            vec![
                "Criterion 5: Participation in privacy-preserving data sharing",
                "Cooperation with law enforcement",
                "export-2026-11",
            ],
        ),
        (
            production().into(),
            vec!["BIS-REQ-2026-7", "customers/cust-1.json", "2026-11-25"],
        ),
    ];
    for (report, needles) in expectations {
        let rendered = report.render().unwrap();
        assert!(rendered.pdf.starts_with(b"%PDF-"));
        let text = squash(&pdf_text(&rendered.pdf));
        for needle in needles {
            assert!(
                text.contains(needle),
                "{}: {needle:?} not in {text}",
                report.kind()
            );
        }
        assert!(
            text.contains(&format!("SHA-256 of the JSON report: {}", rendered.sha256)),
            "{}: footer digest missing",
            report.kind()
        );
        assert!(
            text.contains("Page 1 of"),
            "{}: page number missing",
            report.kind()
        );
    }
}

#[test]
fn the_digest_is_the_sha256_of_the_json_bytes() {
    use sha2::Digest;
    let rendered = render(&production()).unwrap();
    assert_eq!(
        rendered.sha256,
        hex::encode(sha2::Sha256::digest(&rendered.json))
    );
    assert_eq!(rendered.kind, ReportKind::Production);
}

#[test]
fn the_font_is_embedded_as_a_subset_with_a_unicode_map() {
    let rendered = written_cip().into_any().render().unwrap();
    let doc = lopdf::Document::load_mem(&rendered.pdf).unwrap();
    let mut font_files = Vec::new();
    let mut type0 = 0;
    for object in doc.objects.values() {
        let dict = match object {
            Object::Dictionary(d) => d,
            Object::Stream(s) => &s.dict,
            _ => continue,
        };
        if dict.get(b"Subtype").and_then(|s| s.as_name()).ok() == Some(b"Type0".as_slice()) {
            type0 += 1;
            assert!(
                dict.get(b"ToUnicode").is_ok(),
                "Type0 font without ToUnicode"
            );
        }
        if let Ok(file) = dict.get(b"FontFile2") {
            let id = file.as_reference().unwrap();
            let stream = doc.get_object(id).unwrap().as_stream().unwrap();
            let length1 = stream.dict.get(b"Length1").unwrap().as_i64().unwrap();
            font_files.push(length1);
            let name = dict.get(b"FontName").unwrap().as_name().unwrap();
            assert_eq!(name.get(6), Some(&b'+'), "subset fonts are tagged ABCDEF+");
        }
    }
    assert_eq!(type0, 2, "regular and bold");
    assert_eq!(font_files.len(), 2);
    // Subsets: far smaller than the 700+ KB faces they come from.
    assert!(
        font_files.iter().all(|len| *len > 1_000 && *len < 150_000),
        "{font_files:?}"
    );
}

#[test]
fn characters_beyond_latin_print_when_the_font_has_them() {
    let mut report = ai_training();
    report.beneficial_owners[0].name = "Иван Петров".into();
    report.beneficial_owners[0].other_names = vec!["李伟".into()];
    let rendered = render(&report).unwrap();
    let text = pdf_text(&rendered.pdf);
    assert!(text.contains("Иван Петров"), "Cyrillic is in DejaVu Sans");
    // CJK is not: it prints as `?`, while the JSON keeps the exact name.
    assert!(text.contains("??"));
    assert!(String::from_utf8(rendered.json).unwrap().contains("李伟"));
}

#[test]
fn long_reports_break_pages_and_number_them() {
    let mut manifest = production();
    for i in 0..150 {
        manifest.add_file(
            format!("customers/cust-{i:03}/records.json"),
            format!("Records of customer cust-{i:03}, with a description long enough to wrap onto a second line of its cell"),
            "application/json",
            format!("{i}").as_bytes(),
        );
    }
    let rendered = render(&manifest).unwrap();
    let doc = lopdf::Document::load_mem(&rendered.pdf).unwrap();
    let pages = doc.get_pages().len();
    assert!(pages >= 4, "only {pages} pages");
    let text = squash(&pdf_text(&rendered.pdf));
    assert!(text.contains(&format!("Page {pages} of {pages}")));
    // Long cells wrap, so the path and the description come out line by line.
    assert!(text.contains("customers/cust-149/record"));
    assert!(text.contains("cust-149, with a"));
    // The table header repeats on every page the table runs onto.
    assert_eq!(
        text.matches("Path Description Bytes SHA-256").count(),
        pages
    );
}

#[test]
fn rendering_is_deterministic() {
    let a = render(&ai_training()).unwrap();
    let b = render(&ai_training()).unwrap();
    assert_eq!(a, b);
}

#[test]
fn the_written_cip_follows_the_pack() {
    let source = RulePack::bundled_source("bis-2024-nprm").unwrap();
    let changed = source
        .replace(
            "ai_training = { days = 15, count = \"calendar\" }",
            "ai_training = { days = 12, count = \"business\" }",
        )
        .replace("action = \"close\"", "action = \"restrict\"");
    assert_ne!(changed, source);
    let pack = RulePack::from_toml_str(&changed).unwrap();
    let cip =
        cloudkyc_reports::WrittenCip::from_pack(&pack, PROVIDER, None, at("2026-11-20T10:00:00Z"));
    let text = squash(&cip.document().plain_text());
    assert!(text.contains("within 12 business days"), "{text}");
    assert!(!text.contains("within 15 calendar days"));
    assert!(text.contains("stays restricted as if verification were pending"));
    let ids: Vec<&str> = cip.sections.iter().map(|s| s.id.as_str()).collect();
    for needed in [
        "identification",
        "verification",
        "pending",
        "not_opened",
        "failed",
        "redress",
        "beneficial_owners",
        "resellers",
        "records",
        "special_measures",
        "ai_training",
    ] {
        assert!(ids.contains(&needed), "section {needed} missing");
    }
}

#[test]
fn reports_that_break_their_rules_are_refused() {
    let mut bounds = ai_training();
    bounds.compute.p95_ops = 5e26; // above the ceiling
    assert!(matches!(render(&bounds), Err(ReportError::Invalid { .. })));

    let mut nan = ai_training();
    nan.compute.p05_ops = f64::NAN;
    assert!(matches!(render(&nan), Err(ReportError::Invalid { .. })));

    let mut version = ai_training();
    version.meta.schema_version = "0.9.0".into();
    assert!(matches!(render(&version), Err(ReportError::Invalid { .. })));

    let mut kind = ai_training();
    kind.meta.kind = ReportKind::Adp;
    assert!(matches!(render(&kind), Err(ReportError::Invalid { .. })));

    let mut unaffirmed = certification(CertificationType::Annual);
    unaffirmed.attestations[2].affirmed = false;
    let error = render(&unaffirmed).unwrap_err().to_string();
    assert!(error.contains("updated_threats"), "{error}");

    let mut totals = certification(CertificationType::Initial);
    totals.figures.customers_total = 9;
    assert!(matches!(render(&totals), Err(ReportError::Invalid { .. })));

    let mut missing = adp();
    missing
        .criteria
        .retain(|c| c.criterion != AdpCriterion::DataSharing);
    let error = render(&missing).unwrap_err().to_string();
    assert!(error.contains("data_sharing"), "{error}");

    let mut twice = production();
    twice.add_file("customers/cust-1.json", "again", "application/json", b"{}");
    assert!(matches!(render(&twice), Err(ReportError::Invalid { .. })));

    let mut escape = production();
    escape.add_file("../etc/passwd", "outside", "text/plain", b"x");
    assert!(matches!(render(&escape), Err(ReportError::Invalid { .. })));

    let mut no_reason = certification(CertificationType::OutOfCycle);
    no_reason.out_of_cycle_reason = None;
    assert!(matches!(
        render(&no_reason),
        Err(ReportError::Invalid { .. })
    ));
    let mut no_trigger = certification(CertificationType::OutOfCycle);
    no_trigger.out_of_cycle_trigger = None;
    assert!(matches!(
        render(&no_trigger),
        Err(ReportError::Invalid { .. })
    ));
    let mut annual_with_reason = certification(CertificationType::Annual);
    annual_with_reason.out_of_cycle_reason = Some("not an update".into());
    assert!(matches!(
        render(&annual_with_reason),
        Err(ReportError::Invalid { .. })
    ));
}

#[test]
fn kinds_parse_from_cli_names() {
    assert_eq!(
        "ai-training".parse::<ReportKind>().unwrap(),
        ReportKind::AiTraining
    );
    assert_eq!(ReportKind::AiTraining.json_file_name(), "ai-training.json");
    assert_eq!(ReportKind::AiTraining.pdf_file_name(), "ai-training.pdf");
    let error = "nope".parse::<ReportKind>().unwrap_err().to_string();
    assert!(error.contains("certification-annual"), "{error}");
}

trait IntoAny {
    fn into_any(self) -> AnyReport;
}

impl<T: Into<AnyReport>> IntoAny for T {
    fn into_any(self) -> AnyReport {
        self.into()
    }
}

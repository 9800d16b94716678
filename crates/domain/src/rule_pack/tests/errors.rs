//! Bad packs are refused with every problem named by its TOML path and line.

use super::super::*;
use super::{edited, line_of};

fn shape_problem(text: &str) -> Problem {
    match RulePack::from_toml_str(text) {
        Err(RulePackError::Shape(problem)) => problem,
        other => panic!("expected a shape error, got {other:?}"),
    }
}

fn invalid_problems(text: &str) -> Vec<Problem> {
    match RulePack::from_toml_str(text) {
        Err(RulePackError::Invalid(problems)) => problems,
        other => panic!("expected invalid values, got {other:?}"),
    }
}

fn find<'a>(problems: &'a [Problem], path: &str) -> &'a Problem {
    problems
        .iter()
        .find(|p| p.path == path)
        .unwrap_or_else(|| panic!("no problem at `{path}` in {problems:#?}"))
}

#[test]
fn an_unknown_field_is_refused_with_its_path_and_line() {
    let text = edited(&[("ofu_sigma = 0.15\n", "ofu_sigma = 0.15\nofu_sigmaa = 0.2\n")]);
    let problem = shape_problem(&text);
    assert_eq!(problem.path, "compute.estimator.ofu_sigmaa");
    assert!(
        problem.message.contains("unknown field `ofu_sigmaa`"),
        "{}",
        problem.message
    );
    assert_eq!(
        problem.location.map(|l| l.line),
        Some(line_of(&text, "ofu_sigmaa"))
    );
}

#[test]
fn unknown_fields_are_found_in_inline_tables_and_at_the_top() {
    let text = edited(&[(
        "cip_production = { days = 10, count = \"calendar\" }",
        "cip_production = { days = 10, count = \"calendar\", hours = 2 }",
    )]);
    assert_eq!(shape_problem(&text).path, "records.cip_production.hours");

    let text = format!("{}\n[extras]\nx = 1\n", super::default_text());
    assert_eq!(shape_problem(&text).path, "extras");

    let text = format!("{}\n[compute.extras]\nx = 1\n", super::default_text());
    assert_eq!(shape_problem(&text).path, "compute.extras");

    let text = format!(
        "{}\n[screening.match_threshold.screening]\nx = 1\n",
        super::default_text()
    );
    assert_eq!(
        shape_problem(&text).path,
        "screening.match_threshold.screening"
    );

    let text = edited(&[(
        "[compute.red_flags.t4]\n",
        "[compute.red_flags.t4]\nt4 = 1\n",
    )]);
    assert_eq!(shape_problem(&text).path, "compute.red_flags.t4.t4");
}

#[test]
fn a_missing_field_is_named_with_its_table() {
    let text = edited(&[("fp8_probability = 0.5\n", "")]);
    let problem = shape_problem(&text);
    assert_eq!(problem.path, "compute.estimator.fp8_probability");
    assert!(
        problem.message.contains("missing field"),
        "{}",
        problem.message
    );
}

#[test]
fn a_wrong_type_or_unknown_choice_names_the_value() {
    let text = edited(&[("retention_years = 2", "retention_years = \"two\"")]);
    let problem = shape_problem(&text);
    assert_eq!(problem.path, "records.retention_years");
    assert_eq!(
        problem.location.map(|l| l.line),
        Some(line_of(&text, "retention_years"))
    );

    let text = edited(&[("retention_from = \"later\"", "retention_from = \"earlier\"")]);
    let problem = shape_problem(&text);
    assert_eq!(problem.path, "records.retention_from");
    assert!(
        problem.message.contains("last_access"),
        "lists the choices: {}",
        problem.message
    );

    let text = edited(&[("action = \"close\"", "action = \"delete\"")]);
    assert_eq!(shape_problem(&text).path, "access.failed.action");

    let text = edited(&[("  \"RU\", # Russia", "  7, # Russia")]);
    assert_eq!(shape_problem(&text).path, "jurisdictions.high_risk[5]");
}

#[test]
fn a_bad_value_names_its_path_line_and_the_rule_it_breaks() {
    let text = edited(&[("utilization_median = 0.33", "utilization_median = 0.9")]);
    let problems = invalid_problems(&text);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    let problem = find(&problems, "compute.estimator.utilization_median");
    assert!(
        problem.message.contains("utilization_max"),
        "{}",
        problem.message
    );
    assert_eq!(
        problem.location.map(|l| l.line),
        Some(line_of(&text, "utilization_median"))
    );
    let shown = RulePack::from_toml_str(&text).unwrap_err().to_string();
    assert!(
        shown.contains("compute.estimator.utilization_median"),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("line {}", line_of(&text, "utilization_median"))),
        "{shown}"
    );
}

#[test]
fn every_bad_value_is_reported_at_once() {
    let text = edited(&[
        ("version = \"1.0.0\"", "version = \"1.0\""),
        (
            "beneficial_ownership_percent = 25.0",
            "beneficial_ownership_percent = 125.0",
        ),
        ("  \"IR\", # Iran", "  \"ir\", # Iran"),
        ("  \"MM\", # Myanmar", "  \"UK\", # not a code"),
        ("  \"SY\", # Syria", "  \"ZZ\", # not assigned"),
        (
            "[risk.tier_from]\nmedium = 30\nhigh = 60",
            "[risk.tier_from]\nmedium = 70\nhigh = 60",
        ),
        ("threshold_ops = 1e26", "threshold_ops = -1.0"),
        ("fp8_probability = 0.5", "fp8_probability = 1.5"),
        (
            "reminder_days_before = [21, 14, 7, 3, 1]",
            "reminder_days_before = [21, 14, 45, 3, 3]",
        ),
        ("person = 0.85", "person = 0.7"),
        (
            "annual_due = { month = 1, day = 31 }",
            "annual_due = { month = 2, day = 30 }",
        ),
        ("reverify_after_months = 12", "reverify_after_months = 48"),
    ]);
    let problems = invalid_problems(&text);
    for path in [
        "pack.version",
        "terms.beneficial_ownership_percent",
        "jurisdictions.high_risk[2]",
        "jurisdictions.high_risk[4]",
        "jurisdictions.high_risk[6]",
        "risk.tier_from.high",
        "compute.training.threshold_ops",
        "compute.estimator.fp8_probability",
        "resellers.reminder_days_before[2]",
        "resellers.reminder_days_before[4]",
        "screening.review_threshold",
        "certification.annual_due.day",
        "verification.high.reverify_after_months",
    ] {
        let problem = find(&problems, path);
        assert!(problem.location.is_some(), "no line for {path}");
    }
    assert!(
        find(&problems, "jurisdictions.high_risk[2]")
            .message
            .contains("\"IR\"")
    );
    assert!(
        find(&problems, "jurisdictions.high_risk[4]")
            .message
            .contains("\"GB\"")
    );
    assert!(
        find(&problems, "resellers.reminder_days_before[4]")
            .message
            .contains("twice")
    );
    assert!(
        find(&problems, "jurisdictions.high_risk[6]")
            .message
            .contains("not an assigned")
    );
    assert!(
        find(&problems, "compute.training.threshold_ops")
            .message
            .contains("-1")
    );
}

#[test]
fn cross_references_between_sections_are_checked() {
    let text = edited(&[
        (
            "products = [\"virtual_machines\", \"object_storage\"",
            "products = [\"virtual_machines\", \"gpu_vms\"",
        ),
        (
            "checks = [\n  \"document_mrz\",",
            "checks = [\n  \"vendor_verdict\",\n  \"document_mrz\",",
        ),
        (
            "methods = [\"documentary\", \"non_documentary\", \"vendor\"]",
            "methods = [\"non_documentary\", \"vendor\"]",
        ),
        (
            "[special_measures.conditions.no_accelerators]",
            "[special_measures.conditions.No_Accelerators]",
        ),
        ("bio_p50_ops = 1e22", "bio_p50_ops = 1e24"),
        (
            "four_eyes_override_at = [\"high\"]",
            "four_eyes_override_at = []",
        ),
        (
            "required = [\"name\", \"address\", \"email\", \"phone\"]",
            "required = [\"name\", \"address\", \"email\", \"phone\", \"access_ip_log\"]",
        ),
    ]);
    let problems = invalid_problems(&text);
    let unknown_product = find(&problems, "access.pending.products[1]");
    assert!(unknown_product.message.contains("gpu_vms"));
    // The high tier lost `documentary`, so each documentary check is reported.
    assert!(
        find(&problems, "verification.high.checks[1]")
            .message
            .contains("documentary")
    );
    find(&problems, "special_measures.conditions.No_Accelerators");
    find(&problems, "compute.red_flags.m4.bio_p50_ops");
    find(&problems, "access.redress.four_eyes_override_at");
    assert!(
        find(&problems, "cip.beneficial_owner.required[4]")
            .message
            .contains("per account")
    );
}

#[test]
fn a_field_list_without_name_or_with_overlaps_is_refused() {
    let text = edited(&[(
        "required = [\"name\", \"address\", \"email\", \"phone\"]",
        "required = [\"address\", \"email\", \"phone\", \"date_of_birth\"]",
    )]);
    let problems = invalid_problems(&text);
    assert!(
        find(&problems, "cip.beneficial_owner.required")
            .message
            .contains("`name`")
    );
    assert!(
        find(&problems, "cip.beneficial_owner.optional[1]")
            .message
            .contains("already required")
    );
}

#[test]
fn a_syntax_error_gives_line_and_column() {
    let text = edited(&[("[compute.cluster]", "[compute.cluster")]);
    let error = RulePack::from_toml_str(&text).unwrap_err();
    let RulePackError::Syntax {
        location: Some(location),
        message,
    } = &error
    else {
        panic!("expected a syntax error, got {error:?}");
    };
    assert_eq!(location.line, line_of(&text, "[compute.cluster"));
    assert!(!message.contains('\n'));
    assert!(
        error
            .to_string()
            .contains(&format!("line {}", location.line)),
        "{error}"
    );
}

#[test]
fn a_repeated_key_is_a_syntax_error() {
    let text = edited(&[("\ngap_hours = 48\n", "\ngap_hours = 48\ngap_hours = 24\n")]);
    let error = RulePack::from_toml_str(&text).unwrap_err();
    let problems = error.problems();
    assert!(matches!(error, RulePackError::Syntax { .. }), "{error:?}");
    assert_eq!(
        problems[0].location.map(|l| l.line),
        Some(line_of(&text, "gap_hours = 24"))
    );
}

#[test]
fn a_stored_json_copy_is_validated_too() {
    let pack = RulePack::bundled(DEFAULT_PACK_ID).unwrap();
    let mut value = serde_json::to_value(&pack).unwrap();
    value["screening"]["review_threshold"] = serde_json::json!(1.5);
    let error = serde_json::from_value::<RulePack>(value)
        .unwrap_err()
        .to_string();
    assert!(error.contains("screening.review_threshold"), "{error}");
}

//! The JSON Schemas of the report models, generated from the types so they cannot drift. The
//! same documents are committed under `schemas/` (a test keeps them equal) for consumers that
//! do not run the binary.

use crate::kind::ReportKind;
use crate::models::adp::AdpPackage;
use crate::models::ai_training::AiTrainingReport;
use crate::models::certification::CipCertification;
use crate::models::production::ProductionManifest;
use crate::models::written_cip::WrittenCip;

/// The JSON Schema (draft 2020-12) a report of `kind` validates against.
pub fn json_schema(kind: ReportKind) -> serde_json::Value {
    let schema = match kind {
        ReportKind::CertificationInitial
        | ReportKind::CertificationAnnual
        | ReportKind::CertificationOutOfCycle => schemars::schema_for!(CipCertification),
        ReportKind::WrittenCip => schemars::schema_for!(WrittenCip),
        ReportKind::AiTraining => schemars::schema_for!(AiTrainingReport),
        ReportKind::Adp => schemars::schema_for!(AdpPackage),
        ReportKind::Production => schemars::schema_for!(ProductionManifest),
    };
    let mut value = schema.to_value();
    if let Some(object) = value.as_object_mut() {
        object.insert(
            "x-schema-version".into(),
            serde_json::Value::String(kind.schema_version().to_owned()),
        );
    }
    value
}

/// The file a kind's schema is published as under `schemas/`.
pub fn schema_file_name(kind: ReportKind) -> String {
    format!("{}.schema.json", kind.schema_name())
}

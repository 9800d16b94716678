//! What every report carries: its kind and schema version, who produced it under which pack,
//! and the people who answer for it.

use chrono::{DateTime, Utc};
use cloudkyc_domain::rule_pack::RulePack;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::kind::ReportKind;

/// The header of every report. Flattened into the report's top level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportMeta {
    /// The version of the report's JSON Schema this document follows.
    pub schema_version: String,
    pub kind: ReportKind,
    pub generated_at: DateTime<Utc>,
    /// The provider (or reseller) the report is made by.
    pub provider: String,
    /// The rule pack the report was built under.
    pub policy: PolicyInfo,
}

impl ReportMeta {
    /// A header for a report of `kind` with the current schema version of its model.
    pub fn new(
        kind: ReportKind,
        provider: impl Into<String>,
        pack: &RulePack,
        generated_at: DateTime<Utc>,
    ) -> Self {
        Self {
            schema_version: kind.schema_version().to_owned(),
            kind,
            generated_at,
            provider: provider.into(),
            policy: PolicyInfo::from(pack),
        }
    }
}

/// The pack's id and version and the digest of its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyInfo {
    pub id: String,
    pub version: String,
    /// SHA-256 of the pack's values (`RulePack::content_sha256`).
    pub content_sha256: String,
}

impl From<&RulePack> for PolicyInfo {
    fn from(pack: &RulePack) -> Self {
        let policy = pack.policy_ref();
        Self {
            id: policy.id,
            version: policy.version,
            content_sha256: pack.content_sha256(),
        }
    }
}

/// The person responsible for the program, as Commerce should contact them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPerson {
    pub name: String,
    pub title: String,
    pub email: String,
    pub phone: String,
}

/// An officer's signed statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignOff {
    pub officer_name: String,
    pub officer_title: String,
    /// The words the officer attests to.
    pub statement: String,
    pub signed_at: DateTime<Utc>,
}

/// A count per country (ISO 3166-1 alpha-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountryCount {
    pub country: String,
    pub count: u64,
}

/// A reference to evidence held by the product (an attachment, a case, an export), with the
/// digest that pins it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRef {
    pub description: String,
    pub reference: String,
    pub sha256: Option<String>,
}

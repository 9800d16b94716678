//! Facts about an owner group that come from outside the usage stream (CIP, payments,
//! declarations), as the red flags consume them.

use serde::{Deserialize, Serialize};

use crate::usage::{Placement, Purpose};

/// The CIP's determination of the customer's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonStatus {
    Us,
    Foreign,
    Undetermined,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    Card,
    BankTransfer,
    Invoice,
    Crypto,
    Prepaid,
    Other,
}

/// One means of payment of the group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentFact {
    pub kind: PaymentKind,
    /// Someone other than the customer pays.
    #[serde(default)]
    pub third_party: bool,
    /// ISO 3166-1 alpha-2 of the payer (bank, card issuer).
    #[serde(default)]
    pub payer_country: Option<String>,
    #[serde(default)]
    pub prepayment_usd: Option<f64>,
}

/// A declared model: active parameters N and training tokens D.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DeclaredModel {
    pub parameters: f64,
    pub tokens: f64,
}

/// A special measure on a jurisdiction (rule-pack section 6) that reaches a party of the owner
/// group: the caller matched the party's location evidence against the measure, as its
/// enforcement does. K2 fires on it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SpecialMeasureFact {
    /// The measure's id in the special-measures registry.
    pub measure_id: String,
    /// ISO 3166-1 alpha-2 of the measure's jurisdiction.
    pub jurisdiction: String,
    /// Who it reaches: `customer`, `owner` or `reseller`.
    pub role: String,
    /// Which party of that role (a reference, never an individual's name).
    pub party: String,
    /// What places the party in the jurisdiction, in words ("address in Lagos (NG)").
    pub evidence: Vec<String>,
}

/// What the flags know about the owner group beyond its usage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnerFacts {
    pub status: PersonStatus,
    #[serde(default)]
    pub customer_country: Option<String>,
    #[serde(default)]
    pub entity_age_days: Option<u32>,
    #[serde(default)]
    pub virtual_office: bool,
    #[serde(default)]
    pub unverifiable_owner: bool,
    /// Countries of the beneficial owners.
    #[serde(default)]
    pub owner_jurisdictions: Vec<String>,
    /// Countries of the IP addresses with administrative access.
    #[serde(default)]
    pub admin_ip_countries: Vec<String>,
    /// Jurisdictions under a special measure today (from the special-measures registry).
    #[serde(default)]
    pub special_measure_jurisdictions: Vec<String>,
    /// The measures in force on a jurisdiction that reach the group's customers, their owners
    /// or the resellers they came through, with the evidence.
    #[serde(default)]
    pub special_measures: Vec<SpecialMeasureFact>,
    #[serde(default)]
    pub payments: Vec<PaymentFact>,
    #[serde(default)]
    pub declared_purpose: Option<Purpose>,
    #[serde(default)]
    pub declared_model: Option<DeclaredModel>,
    /// The group has usage history before the current requests.
    #[serde(default)]
    pub prior_history: bool,
}

impl OwnerFacts {
    /// A customer with nothing known but its status.
    pub fn with_status(status: PersonStatus) -> Self {
        Self {
            status,
            customer_country: None,
            entity_age_days: None,
            virtual_office: false,
            unverifiable_owner: false,
            owner_jurisdictions: Vec::new(),
            admin_ip_countries: Vec::new(),
            special_measure_jurisdictions: Vec::new(),
            special_measures: Vec::new(),
            payments: Vec::new(),
            declared_purpose: None,
            declared_model: None,
            prior_history: true,
        }
    }
}

/// A reservation (capacity request) with the figures the flags compare to thresholds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestFacts {
    pub id: String,
    pub account: String,
    pub accelerator_name: String,
    pub placement: Placement,
    /// Reserved count (or spend-derived average chips).
    pub chips: f64,
    pub start: i64,
    pub end: i64,
    /// chips x 16-bit peak / the H100's 16-bit peak.
    pub h100_equivalents: f64,
    /// chips x max-format dense peak.
    pub peak_ops_per_s_max: f64,
    /// The reservation alone, estimated: p50 of its total chip-seconds.
    pub ops_p50: f64,
}

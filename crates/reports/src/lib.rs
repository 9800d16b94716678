#![doc = include_str!("../README.md")]

mod any;
mod document;
mod error;
mod kind;
mod meta;
pub mod models;
mod pdf;
mod report;
mod schema;

pub use any::AnyReport;
pub use document::{Block, Document};
pub use error::ReportError;
pub use kind::ReportKind;
pub use meta::{ContactPerson, CountryCount, EvidenceRef, PolicyInfo, ReportMeta, SignOff};
pub use models::adp::{AdpCriterion, AdpCriterionEvidence, AdpPackage, Figure};
pub use models::ai_training::{
    AiTrainingReport, Amendment, ClusterEvidence, ComputeEstimate, HardwareEvidence,
    IpAccessSummary, PartyIdentity, PartyKind, PaymentRecord, RedFlagEntry, Transaction,
    TransactionStatus,
};
pub use models::certification::{
    AttestationItem, CaseFileSample, CertificationFigures, CertificationType, CipCertification,
    FailedVerificationEntry, ProgramSummary, ResellerEntry,
};
pub use models::out_of_cycle::OutOfCycleTrigger;
pub use models::production::{ManifestFile, ProductionManifest, ProductionRequest};
pub use models::written_cip::{CipSection, WrittenCip};
pub use report::{Rendered, Report, render};
pub use schema::{json_schema, schema_file_name};

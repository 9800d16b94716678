//! One type for "some report", for the CLI and the server that pick the kind at run time.

use crate::error::ReportError;
use crate::kind::ReportKind;
use crate::models::adp::AdpPackage;
use crate::models::ai_training::AiTrainingReport;
use crate::models::certification::CipCertification;
use crate::models::production::ProductionManifest;
use crate::models::written_cip::WrittenCip;
use crate::report::{Rendered, Report, render};

/// Boxed: the models differ a lot in size, and a report is built once and rendered once.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyReport {
    AiTraining(Box<AiTrainingReport>),
    Certification(Box<CipCertification>),
    WrittenCip(Box<WrittenCip>),
    Adp(Box<AdpPackage>),
    Production(Box<ProductionManifest>),
}

impl AnyReport {
    pub fn kind(&self) -> ReportKind {
        match self {
            Self::AiTraining(r) => r.meta().kind,
            Self::Certification(r) => r.meta().kind,
            Self::WrittenCip(r) => r.meta().kind,
            Self::Adp(r) => r.meta().kind,
            Self::Production(r) => r.meta().kind,
        }
    }

    /// See [`render`].
    pub fn render(&self) -> Result<Rendered, ReportError> {
        match self {
            Self::AiTraining(r) => render(r.as_ref()),
            Self::Certification(r) => render(r.as_ref()),
            Self::WrittenCip(r) => render(r.as_ref()),
            Self::Adp(r) => render(r.as_ref()),
            Self::Production(r) => render(r.as_ref()),
        }
    }
}

impl From<AiTrainingReport> for AnyReport {
    fn from(r: AiTrainingReport) -> Self {
        Self::AiTraining(Box::new(r))
    }
}

impl From<CipCertification> for AnyReport {
    fn from(r: CipCertification) -> Self {
        Self::Certification(Box::new(r))
    }
}

impl From<WrittenCip> for AnyReport {
    fn from(r: WrittenCip) -> Self {
        Self::WrittenCip(Box::new(r))
    }
}

impl From<AdpPackage> for AnyReport {
    fn from(r: AdpPackage) -> Self {
        Self::Adp(Box::new(r))
    }
}

impl From<ProductionManifest> for AnyReport {
    fn from(r: ProductionManifest) -> Self {
        Self::Production(Box::new(r))
    }
}

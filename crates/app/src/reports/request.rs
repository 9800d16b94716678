//! What a caller asks for: the kind, its parameters and the signing officer, checked before
//! anything is read.

use chrono::{DateTime, Datelike, Utc};
use cloudkyc_reports::{ContactPerson, OutOfCycleTrigger, ReportKind};
use cloudkyc_store::TenantScope;
use cloudkyc_store::customers::CustomerId;
use serde::{Deserialize, Serialize};

use super::{MAX_PRODUCTION_CUSTOMERS, MAX_REASON_CHARS};
use crate::{AppError, AppResult};

/// The officer who signs the report and answers for the program. Absent fields are filled from
/// the acting key or operator, so a report can always be produced; the PDF shows what was used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Officer {
    pub name: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRequest {
    pub kind: ReportKind,
    /// The calendar year an annual certification covers (default: the current one).
    pub year: Option<i32>,
    /// The case an AI-training report is decided in.
    pub case: Option<String>,
    /// The customers a production names, or the customer of an AI-training report made
    /// without a case.
    pub customers: Vec<CustomerId>,
    /// Commerce's reference of a production request.
    pub reference: Option<String>,
    /// What changed, for an out-of-cycle certification (required there, refused elsewhere).
    pub reason: Option<String>,
    /// The kind of change behind an out-of-cycle certification (default `other`).
    pub trigger: Option<OutOfCycleTrigger>,
    pub officer: Officer,
}

impl ReportRequest {
    pub fn new(kind: ReportKind) -> Self {
        Self {
            kind,
            year: None,
            case: None,
            customers: Vec::new(),
            reference: None,
            reason: None,
            trigger: None,
            officer: Officer::default(),
        }
    }

    /// What the report was generated with, as kept with it: ids, numbers and the trigger, no
    /// personal data (an out-of-cycle reason is free text: it is in the report itself).
    pub(crate) fn parameters(&self) -> serde_json::Value {
        serde_json::json!({
            "year": self.year,
            "case": self.case,
            "customers": self.customers,
            "reference": self.reference,
            "trigger": self.trigger.map(OutOfCycleTrigger::as_str),
        })
    }

    /// The trimmed out-of-cycle reason and the trigger (`other` when none was named).
    pub(crate) fn out_of_cycle(&self) -> AppResult<(String, OutOfCycleTrigger)> {
        let reason = out_of_cycle_reason(self.reason.as_deref())?;
        Ok((reason, self.trigger.unwrap_or(OutOfCycleTrigger::Other)))
    }
}

pub(crate) fn contact(officer: &Officer, scope: &TenantScope) -> AppResult<ContactPerson> {
    let field = |path: &str, value: &Option<String>, default: String| -> AppResult<String> {
        match value.as_deref().map(str::trim) {
            None => Ok(default),
            Some("") => Err(AppError::invalid(path, "must not be empty")),
            Some(v) if v.chars().count() > 200 || v.chars().any(char::is_control) => Err(
                AppError::invalid(path, "must be at most 200 printable characters"),
            ),
            Some(v) => Ok(v.to_owned()),
        }
    };
    Ok(ContactPerson {
        name: field("/officer/name", &officer.name, scope.actor().audit_name())?,
        title: field(
            "/officer/title",
            &officer.title,
            "Compliance officer".into(),
        )?,
        email: field("/officer/email", &officer.email, "not given".into())?,
        phone: field("/officer/phone", &officer.phone, "not given".into())?,
    })
}

/// An out-of-cycle reason: required, trimmed, at most [`MAX_REASON_CHARS`] characters, and
/// printable (line breaks and tabs allowed: a change may take paragraphs to describe).
fn out_of_cycle_reason(reason: Option<&str>) -> AppResult<String> {
    let Some(reason) = reason.map(str::trim) else {
        return Err(AppError::invalid(
            "/reason",
            "an out-of-cycle certification must say what changed",
        ));
    };
    if reason.is_empty() {
        return Err(AppError::invalid("/reason", "must not be empty"));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(AppError::invalid(
            "/reason",
            format!("must be at most {MAX_REASON_CHARS} characters"),
        ));
    }
    if reason
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(AppError::invalid(
            "/reason",
            "must not hold control characters other than line breaks and tabs",
        ));
    }
    Ok(reason.to_owned())
}

pub(crate) fn check_request(req: &ReportRequest, now: DateTime<Utc>) -> AppResult<()> {
    use ReportKind::*;
    if req.kind == CertificationOutOfCycle {
        out_of_cycle_reason(req.reason.as_deref())?;
    } else if req.reason.is_some() {
        return Err(AppError::invalid(
            "/reason",
            "applies to certification-out-of-cycle only",
        ));
    } else if req.trigger.is_some() {
        return Err(AppError::invalid(
            "/trigger",
            "applies to certification-out-of-cycle only",
        ));
    }
    if let Some(year) = req.year {
        if req.kind != CertificationAnnual {
            return Err(AppError::invalid(
                "/year",
                "applies to certification-annual only",
            ));
        }
        if !(2000..=now.year()).contains(&year) {
            return Err(AppError::invalid(
                "/year",
                format!("must be from 2000 to {}", now.year()),
            ));
        }
    }
    if req.case.is_some() && req.kind != AiTraining {
        return Err(AppError::invalid("/case", "applies to ai-training only"));
    }
    if req.reference.is_some() && req.kind != Production {
        return Err(AppError::invalid(
            "/reference",
            "applies to production only",
        ));
    }
    match req.kind {
        Production if req.customers.is_empty() => Err(AppError::invalid(
            "/customers",
            "a production names at least one customer",
        )),
        Production if req.customers.len() > MAX_PRODUCTION_CUSTOMERS => Err(AppError::invalid(
            "/customers",
            format!("at most {MAX_PRODUCTION_CUSTOMERS} customers per production"),
        )),
        AiTraining if req.case.is_none() && req.customers.len() != 1 => Err(AppError::invalid(
            "/case",
            "an AI-training report needs a case, or exactly one customer",
        )),
        Production | AiTraining => Ok(()),
        _ if !req.customers.is_empty() => Err(AppError::invalid(
            "/customers",
            "applies to production and ai-training only",
        )),
        _ => Ok(()),
    }
}

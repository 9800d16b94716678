//! The OpenAPI 3.1 document, generated from the handlers' annotations and the DTO types.
//!
//! The error responses every operation shares (401/403 for authenticated ones, 400/413/415/422
//! for those with a body or parameters, 409 for those that write, 429/500/503 for all) are added by [`StandardResponses`]
//! rather than repeated on each handler, so a new route cannot forget them.

use axum::Json;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::{
    access_events, audit, case_files, cases, customers, documents, health, keys, lists, metrics,
    owners, ownership, redetermination, reports, resellers, retention, screening_dispositions,
    screenings, special_measures, tenants, usage, vendor_webhook, verifications, webhooks,
};
use crate::problem::{InvalidField, PROBLEM_JSON, Problem};

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "cloudkyc",
        description = "Customer identification, screening and compute monitoring for cloud providers. \
            Authenticate with `Authorization: Bearer <API key>`. Errors are RFC 9457 problem details \
            (`application/problem+json`)."
    ),
    paths(
        health::healthz,
        health::readyz,
        metrics::metrics,
        openapi_json,
        keys::create_key,
        keys::list_keys,
        keys::revoke_key,
        tenants::list_tenants,
        customers::create_customer,
        customers::get_customer,
        customers::list_customers,
        owners::replace_owners,
        ownership::submit_ownership,
        ownership::get_ownership,
        redetermination::redetermine,
        screenings::screen,
        screening_dispositions::record_disposition,
        screening_dispositions::list_dispositions,
        lists::list_lists,
        audit::list_events,
        audit::verify,
        usage::ingest_usage,
        usage::ingest_reservations,
        usage::assess_account,
        access_events::ingest_access_events,
        access_events::access_summary,
        documents::upload_document,
        documents::list_documents,
        documents::document_content,
        verifications::override_verification,
        verifications::list_verifications,
        verifications::approve_override,
        verifications::reject_override,
        verifications::resubmit,
        vendor_webhook::receive,
        webhooks::create_webhook,
        webhooks::list_webhooks,
        webhooks::delete_webhook,
        webhooks::list_deliveries,
        retention::place_legal_hold,
        retention::release_legal_hold,
        retention::customer_retention,
        retention::retention_status,
        reports::generate_report,
        reports::list_reports,
        reports::get_report,
        reports::report_json,
        reports::report_pdf,
        reports::report_archive,
        cases::list_cases,
        cases::open_case,
        cases::get_case,
        cases::act,
        case_files::upload_attachment,
        case_files::list_attachments,
        case_files::attachment_content,
        case_files::calendar,
        resellers::register_reseller,
        resellers::list_resellers,
        resellers::get_reseller,
        resellers::upload_agreement,
        resellers::read_agreement,
        resellers::verify_legal_entity,
        resellers::attest,
        resellers::start_review,
        resellers::complete_review,
        resellers::find_non_compliance,
        resellers::withdraw_finding,
        resellers::start_termination,
        resellers::complete_termination,
        special_measures::create_measure,
        special_measures::list_measures,
        special_measures::get_measure,
        special_measures::extend_measure,
        special_measures::expire_measure,
    ),
    components(schemas(Problem, InvalidField)),
    modifiers(&BearerScheme, &StandardResponses),
    tags(
        (name = "operations", description = "Health, readiness, metrics and this document"),
        (name = "keys", description = "API keys: created with a secret shown once, revocable"),
        (name = "tenants", description = "The provider and its reseller sub-tenants"),
        (name = "customers", description = "Customer identification: onboarding, U.S./foreign determination, verification, account access"),
        (name = "screening", description = "Restricted-party screening against the sanctions and export-control lists"),
        (name = "audit", description = "The per-tenant hash chains of every state change"),
        (name = "compute", description = "Usage records, reservations and compute assessments"),
        (name = "documents", description = "Document images: stored encrypted with their SHA-256; reads are audited"),
        (name = "resellers", description = "Foreign resellers: registry with their own tenants, CIP agreement, attestations, reviews, findings and termination"),
        (name = "special-measures", description = "Measures Commerce imposes on a jurisdiction or a named foreign person, and the customers they reach"),
        (name = "cases", description = "Cases: every alert worked to a decision on time, with four-eyes, encrypted evidence and the deadline calendar"),
        (name = "reports", description = "Regulator reports generated from the records as JSON and PDF, with their digest in the audit chain; every read is logged"),
        (name = "webhooks", description = "Signed notices to the provider's platform when a customer's account access changes"),
        (name = "retention", description = "Records retention: legal holds, and the daily crypto-shredding of expired customers' personal data"),
    )
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations", responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[derive(Debug)]
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.description = Some(
            "An API key (`ck_...`), created with `cloudkyc keys create` or `POST /v1/keys`".into(),
        );
        components.add_security_scheme("bearer", SecurityScheme::Http(http));
        components.add_security_scheme(
            "vendor_signature",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Cloudkyc-Signature",
                "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>, with the \
                 secret of `webhooks.vendor_secret`",
            ))),
        );
    }
}

/// Reusable problem responses: (component name, status, description).
const PROBLEMS: [(&str, &str, &str); 10] = [
    (
        "BadRequest",
        "400",
        "Malformed JSON or an unparsable path parameter",
    ),
    (
        "Unauthorized",
        "401",
        "Missing, malformed, unknown, revoked or expired API key",
    ),
    ("Forbidden", "403", "The key's role may not do this"),
    (
        "Conflict",
        "409",
        "A uniqueness or state rule refuses the change (e.g. a terminated reseller)",
    ),
    (
        "PayloadTooLarge",
        "413",
        "The request body is larger than this endpoint accepts",
    ),
    (
        "UnsupportedMediaType",
        "415",
        "The body is not sent as `application/json`",
    ),
    (
        "Invalid",
        "422",
        "A field or parameter is invalid; `errors` lists every one",
    ),
    (
        "TooManyRequests",
        "429",
        "The API key's (or, without one, the client IP's) rate limit is reached; `Retry-After` \
         says how many seconds to wait",
    ),
    (
        "Internal",
        "500",
        "An unexpected failure; quote the request id when reporting it",
    ),
    (
        "Unavailable",
        "503",
        "The database is unavailable or the request timed out; retry later",
    ),
];

#[derive(Debug)]
struct StandardResponses;

impl Modify for StandardResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, _, description) in PROBLEMS {
            let content = Content::new(Some(Ref::from_schema_name("Problem")));
            let response = ResponseBuilder::new()
                .description(description)
                .content(PROBLEM_JSON, content)
                .build();
            components
                .responses
                .insert(name.to_owned(), RefOr::T(response));
        }
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                (&mut item.get, false),
                (&mut item.put, true),
                (&mut item.post, true),
                (&mut item.delete, true),
                (&mut item.patch, true),
            ];
            for (operation, writes) in operations {
                if let Some(operation) = operation {
                    problems_as_problem_json(operation);
                    add_standard_responses(operation, writes);
                }
            }
        }
    }
}

/// A handler's own error responses (`body = Problem`) are served as `application/problem+json`;
/// say so in the document, whatever content type the annotation named.
fn problems_as_problem_json(operation: &mut Operation) {
    for (status, response) in operation.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        if !(status.starts_with('4') || status.starts_with('5')) {
            continue;
        }
        if let Some(content) = response.content.shift_remove("application/json") {
            response.content.insert(PROBLEM_JSON.to_owned(), content);
        }
    }
}

/// `writes`: the operation changes state (not a GET), so a state rule may refuse it (409).
fn add_standard_responses(operation: &mut Operation, writes: bool) {
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = operation.request_body.is_some();
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let has_path_params = parameters
        .iter()
        .any(|p| p.parameter_in == ParameterIn::Path);
    let has_query_params = parameters
        .iter()
        .any(|p| p.parameter_in == ParameterIn::Query);
    for (name, status, _) in PROBLEMS {
        let applies = match status {
            // A query string that does not parse at all is a 400 (a parsable one with a bad
            // value, 422).
            "400" => has_body || has_path_params || has_query_params,
            "409" => writes,
            "401" | "403" => secured,
            "413" | "415" => has_body,
            "422" => has_body || has_query_params,
            _ => true,
        };
        if applies {
            operation
                .responses
                .responses
                .entry(status.to_owned())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
        }
    }
}

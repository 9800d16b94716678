//! `POST /v1/webhooks/verification-vendor`: the identity-verification vendor's verdicts.
//!
//! Authenticated by a signature, not an API key: `Cloudkyc-Signature: t=<unix seconds>,v1=<hex
//! HMAC-SHA256(secret, "<t>.<raw body>")>`. The signature is checked over the raw bytes before
//! the body is parsed; a timestamp further from now than the replay window is refused, so a
//! captured request cannot be replayed later; within the window a replay is caught by the
//! vendor event id (answered 200 with `duplicate: true`, changing nothing).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use cloudkyc_app::customers::{VendorEvent, VendorOutcome};
use cloudkyc_store::customers::enum_text;
use cloudkyc_store::verifications::VendorVerdict;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;

use crate::config::WebhooksConfig;
use crate::extract::json::parse;
use crate::problem::{ApiError, ApiResult, Problem, ProblemKind};
use crate::state::AppState;

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "cloudkyc-signature";

/// A vendor's verdict.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerdictBody {
    Pass,
    Fail,
    Inconclusive,
}

/// A vendor event.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"id": "evt-1", "customer_id": "0192f5e4-6c1d-7c3a-9a41-3c5d2f8e7b10",
    "vendor": "acme-idv", "verdict": "pass", "reference": "acme:check/8841"}))]
pub struct VendorEventBody {
    /// The vendor's event id; an id seen before is acknowledged and ignored.
    pub id: String,
    /// The customer's id (a UUID).
    pub customer_id: String,
    pub vendor: String,
    pub verdict: VerdictBody,
    /// The vendor's reference for its evidence.
    pub reference: String,
}

impl From<VendorEventBody> for VendorEvent {
    fn from(body: VendorEventBody) -> Self {
        Self {
            id: body.id,
            customer_id: body.customer_id,
            vendor: body.vendor,
            verdict: match body.verdict {
                VerdictBody::Pass => VendorVerdict::Pass,
                VerdictBody::Fail => VendorVerdict::Fail,
                VerdictBody::Inconclusive => VendorVerdict::Inconclusive,
            },
            reference: body.reference,
        }
    }
}

/// What the event did.
#[derive(Debug, Serialize, ToSchema)]
pub struct VendorWebhookAnswer {
    /// The event id was recorded before; nothing changed.
    pub duplicate: bool,
    /// The customer's status after the verdict (absent for a duplicate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cip_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_access: Option<String>,
}

fn refused(detail: &str) -> ApiError {
    ApiError::new(ProblemKind::Unauthorized, detail)
}

/// `t` and every `v1` of the header.
fn signature_parts(header: &str) -> Option<(i64, Vec<Vec<u8>>)> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let (key, value) = part.trim().split_once('=')?;
        match key {
            "t" => timestamp = Some(value.parse::<i64>().ok()?),
            "v1" => signatures.push(hex::decode(value).ok()?),
            // Other schemes a future vendor version adds are ignored, as is customary.
            _ => {}
        }
    }
    Some((timestamp?, signatures))
}

/// Checks the signature header against the raw body at `now` (unix seconds).
pub fn verify_signature(
    secret: &[u8],
    header: Option<&str>,
    body: &[u8],
    now: i64,
    window_secs: i64,
) -> Result<(), ApiError> {
    let header = header.ok_or_else(|| {
        refused("sign the body: the Cloudkyc-Signature header (t=<unix seconds>,v1=<hex HMAC-SHA256>) is missing")
    })?;
    let (timestamp, signatures) = signature_parts(header).ok_or_else(|| {
        refused("the Cloudkyc-Signature header is malformed: expected t=<unix seconds>,v1=<hex>")
    })?;
    if now.abs_diff(timestamp) > window_secs.unsigned_abs() {
        return Err(refused(
            "the signature's timestamp is outside the replay window; sign with the current time",
        ));
    }
    let valid = signatures.iter().any(|signature| {
        Hmac::<Sha256>::new_from_slice(secret).is_ok_and(|mut mac| {
            mac.update(timestamp.to_string().as_bytes());
            mac.update(b".");
            mac.update(body);
            // Constant-time comparison.
            mac.verify_slice(signature).is_ok()
        })
    });
    if valid {
        Ok(())
    } else {
        Err(refused("the signature does not match the body"))
    }
}

fn body_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            ProblemKind::PayloadTooLarge,
            "the request body is larger than this endpoint accepts",
        )
    } else {
        ApiError::bad_request(rejection.body_text())
    }
}

/// Receives a verdict of the identity-verification vendor.
///
/// The verdict is recorded with the vendor's reference and the customer is decided again: a
/// pass satisfies the checks that were waiting (the tier's `vendor` method), a fail fails
/// verification. Authenticated by the `Cloudkyc-Signature` header, not an API key. An event id
/// seen before answers 200 with `duplicate: true`. 404 when no vendor secret is configured.
#[utoipa::path(
    post, path = "/v1/webhooks/verification-vendor", tag = "customers",
    request_body = VendorEventBody,
    params(("Cloudkyc-Signature" = String, Header, description = "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>")),
    responses(
        (status = 200, description = "Recorded, or a duplicate", body = VendorWebhookAnswer),
        (status = 404, description = "No such customer, or the webhook is not configured", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The customer changed meanwhile; retry", body = Problem, content_type = "application/problem+json"),
    ),
    security(("vendor_signature" = []))
)]
pub async fn receive(
    State(state): State<AppState>,
    Extension(config): Extension<Arc<WebhooksConfig>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<VendorWebhookAnswer>> {
    let Some(secret) = &config.vendor_secret else {
        return Err(ApiError::not_found(
            "the verification vendor's webhook is not configured on this server (webhooks.vendor_secret)",
        ));
    };
    let body = body.map_err(body_rejection)?;
    let header = headers
        .get(SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok());
    let window = i64::try_from(config.vendor_replay_window.as_secs()).unwrap_or(i64::MAX);
    verify_signature(
        secret.expose().as_bytes(),
        header,
        &body,
        state.app.now().timestamp(),
        window,
    )?;
    let event: VendorEventBody = parse(&body)?;
    let answer = match state.app.record_vendor_verdict(event.into()).await? {
        VendorOutcome::Duplicate => VendorWebhookAnswer {
            duplicate: true,
            cip_status: None,
            account_access: None,
        },
        VendorOutcome::Recorded(customer) => VendorWebhookAnswer {
            duplicate: false,
            cip_status: Some(
                enum_text(&customer.decision.cip_status)
                    .map_err(|e| ApiError::internal(e.to_string()))?,
            ),
            account_access: Some(
                enum_text(&customer.decision.account_access)
                    .map_err(|e| ApiError::internal(e.to_string()))?,
            ),
        },
    };
    Ok(Json(answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &[u8], t: i64, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap_or_else(|e| panic!("{e}"));
        mac.update(format!("{t}.").as_bytes());
        mac.update(body);
        format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn a_signature_is_checked_over_the_raw_body_and_time() {
        let body = br#"{"id":"evt-1"}"#;
        let good = sign(b"s3cret", 1_000, body);
        assert!(verify_signature(b"s3cret", Some(&good), body, 1_100, 300).is_ok());
        assert!(verify_signature(b"s3cret", Some(&good), body, 1_301, 300).is_err());
        assert!(verify_signature(b"s3cret", Some(&good), body, 699, 300).is_err());
        assert!(verify_signature(b"other", Some(&good), body, 1_000, 300).is_err());
        assert!(verify_signature(b"s3cret", Some(&good), b"{}", 1_000, 300).is_err());
        assert!(verify_signature(b"s3cret", None, body, 1_000, 300).is_err());
        for bad in ["", "t=x,v1=00", "v1=00", "t=1000,v1=zz", "garbage"] {
            assert!(
                verify_signature(b"s3cret", Some(bad), body, 1_000, 300).is_err(),
                "{bad}"
            );
        }
        // A second, rotated signature is accepted when one of them matches.
        let both = format!("{good},v1=00ff");
        assert!(verify_signature(b"s3cret", Some(&both), body, 1_000, 300).is_ok());
    }
}

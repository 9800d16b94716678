//! Request ids: the client's `x-request-id` when it is a sane token, else a fresh UUID. The id is
//! echoed on the response, named in every log line of the request and in every problem body.

use axum::http::{HeaderMap, HeaderName, HeaderValue};

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

const MAX_LEN: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        headers
            .get(&X_REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .filter(|v| is_sane(v))
            .map_or_else(Self::generate, |v| Self(v.to_owned()))
    }

    fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn header_value(&self) -> HeaderValue {
        // Only sane tokens and UUIDs are ever held, both valid header values.
        HeaderValue::from_str(&self.0).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A client's id goes into logs verbatim, so it must not be able to forge log structure or
/// smuggle long payloads: short, and letters, digits and `-_.:` only.
fn is_sane(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(value: &str) -> RequestId {
        let mut headers = HeaderMap::new();
        headers.insert(&X_REQUEST_ID, HeaderValue::from_str(value).unwrap());
        RequestId::from_headers(&headers)
    }

    #[test]
    fn a_sane_client_id_is_kept() {
        assert_eq!(from("trace-42.a:b_c").as_str(), "trace-42.a:b_c");
    }

    #[test]
    fn anything_else_is_replaced_by_a_uuid() {
        for bad in ["", "has space", "quote\"", "a=b", &"x".repeat(129)] {
            let id = from(bad);
            assert_ne!(id.as_str(), bad);
            assert!(uuid::Uuid::parse_str(id.as_str()).is_ok());
        }
        assert!(uuid::Uuid::parse_str(RequestId::from_headers(&HeaderMap::new()).as_str()).is_ok());
    }
}

//! The JSON body extractor. Unlike axum's `Json`, every rejection is a problem: a wrong content
//! type 415, an oversize body 413, malformed JSON 400, and a body of the wrong shape 422 naming
//! the JSON pointer of the offending value.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::problem::{ApiError, InvalidField, ProblemKind};

#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::new(
                ProblemKind::UnsupportedMediaType,
                "send the body as JSON with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(body_rejection)?;
        parse(&bytes).map(ApiJson)
    }
}

/// `application/json`, or any `application/<something>+json`, with any parameters.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match essence.strip_prefix("application/") {
        Some(subtype) => subtype == "json" || subtype.ends_with("+json"),
        None => false,
    }
}

fn body_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            ProblemKind::PayloadTooLarge,
            "the request body is larger than this endpoint accepts",
        )
    } else {
        ApiError::bad_request("the request body could not be read")
    }
}

/// Parses a JSON document into `T`, mapping every failure to a 4xx problem.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = match serde_path_to_error::deserialize(&mut deserializer) {
        Ok(value) => value,
        Err(error) => {
            let pointer = pointer(error.path());
            let inner = error.into_inner();
            return Err(match inner.classify() {
                Category::Data => ApiError::invalid(vec![field_error(&pointer, &inner)]),
                Category::Syntax | Category::Eof | Category::Io => {
                    ApiError::bad_request(format!("the body is not valid JSON: {inner}"))
                }
            });
        }
    };
    deserializer
        .end()
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    Ok(value)
}

/// A serde data error as a field error. A missing field is reported at the field itself rather
/// than at the object that lacks it, so that clients can attach the message to the right input.
pub(crate) fn field_error(pointer: &str, error: &dyn std::fmt::Display) -> InvalidField {
    let message = strip_position(&error.to_string());
    let path = match missing_field(&message) {
        Some(field) => format!("{pointer}/{}", escape(field)),
        None => pointer.to_owned(),
    };
    InvalidField { path, message }
}

fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.strip_suffix('`')
}

/// serde_json appends " at line L column C" to its messages; the pointer says where already.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) if message[at..].contains(" column ") => message[..at].to_owned(),
        _ => message.to_owned(),
    }
}

/// A `serde_path_to_error` path as a JSON pointer (RFC 6901); the whole document is `""`.
pub(crate) fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        out.push('/');
        match segment {
            Segment::Seq { index } => out.push_str(&index.to_string()),
            Segment::Map { key } => out.push_str(&escape(key)),
            Segment::Enum { variant } => out.push_str(&escape(variant)),
            Segment::Unknown => out.push('?'),
        }
    }
    out
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        items: Vec<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
        colour: Colour,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Colour {
        Red,
    }

    fn error(body: &str) -> ApiError {
        parse::<Outer>(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn well_formed_bodies_parse() {
        let ok: Outer = parse(br#"{"name":"a","items":[{"count":1,"colour":"red"}]}"#).unwrap();
        assert_eq!(ok.items.len(), 1);
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        for body in ["{", "", "not json", r#"{"name":"a","items":[]} trailing"#] {
            assert_eq!(error(body).kind(), ProblemKind::BadRequest, "{body:?}");
        }
    }

    #[test]
    fn wrong_types_point_at_the_value() {
        let e = error(r#"{"name":"a","items":[{"count":"many","colour":"red"}]}"#);
        assert_eq!(e.kind(), ProblemKind::Validation);
        assert_eq!(e.errors()[0].path, "/items/0/count");
        assert!(
            e.errors()[0]
                .message
                .starts_with("invalid type: string \"many\""),
            "{:?}",
            e.errors()
        );
        assert!(!e.errors()[0].message.contains("line"));
    }

    #[test]
    fn unknown_enum_values_and_fields_are_named() {
        let e = error(r#"{"name":"a","items":[{"count":1,"colour":"mauve"}]}"#);
        assert_eq!(e.errors()[0].path, "/items/0/colour");
        assert!(e.errors()[0].message.contains("unknown variant `mauve`"));
        let e = error(r#"{"name":"a","items":[],"extra":1}"#);
        assert_eq!(e.kind(), ProblemKind::Validation);
        assert!(
            e.errors()[0].message.contains("unknown field `extra`"),
            "{:?}",
            e.errors()
        );
    }

    #[test]
    fn a_missing_field_is_reported_at_the_field() {
        let e = error(r#"{"items":[]}"#);
        assert_eq!(e.errors()[0].path, "/name");
        let e = error(r#"{"name":"a","items":[{"colour":"red"}]}"#);
        assert_eq!(e.errors()[0].path, "/items/0/count");
    }

    #[test]
    fn pointer_tokens_are_escaped() {
        assert_eq!(escape("a/b~c"), "a~1b~0c");
    }

    #[test]
    fn json_content_types_are_recognised() {
        let mut headers = HeaderMap::new();
        assert!(!is_json(&headers));
        for (value, ok) in [
            ("application/json", true),
            ("Application/JSON; charset=utf-8", true),
            ("application/merge-patch+json", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
        ] {
            headers.insert(header::CONTENT_TYPE, value.parse().unwrap());
            assert_eq!(is_json(&headers), ok, "{value}");
        }
    }
}

//! The query-string extractor: a parameter of the wrong type or an unknown parameter is a 422
//! naming it (as a JSON pointer, `/limit`), like a body field.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::extract::json::{field_error, pointer};
use crate::problem::ApiError;

#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse(parts.uri.query().unwrap_or_default()).map(ApiQuery)
    }
}

pub fn parse<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let pointer = pointer(error.path());
        ApiError::invalid(vec![field_error(&pointer, error.inner())])
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::problem::ProblemKind;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Page {
        after: Option<i64>,
        limit: Option<u32>,
    }

    #[test]
    fn parameters_parse_and_may_be_absent() {
        assert_eq!(
            parse::<Page>("").unwrap(),
            Page {
                after: None,
                limit: None
            }
        );
        assert_eq!(
            parse::<Page>("after=5&limit=10").unwrap(),
            Page {
                after: Some(5),
                limit: Some(10)
            }
        );
    }

    #[test]
    fn a_wrong_type_names_the_parameter() {
        let e = parse::<Page>("limit=lots").unwrap_err();
        assert_eq!(e.kind(), ProblemKind::Validation);
        assert_eq!(e.errors()[0].path, "/limit");
    }

    #[test]
    fn unknown_parameters_are_refused() {
        let e = parse::<Page>("limt=5").unwrap_err();
        assert!(
            e.errors()[0].message.contains("unknown field `limt`"),
            "{:?}",
            e.errors()
        );
    }
}

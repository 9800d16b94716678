//! E-mail addresses: the dot-atom subset of RFC 5322 with RFC 5321 length limits.
//!
//! Quoted local parts, comments, IP-literal domains and non-ASCII addresses are refused: they are
//! legal but almost never real customer addresses, and each is a known way to smuggle look-alike
//! or unroutable values past later comparisons. Internationalised domains are accepted in their
//! ASCII (`xn--`) form.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::field_error::{ErrorCode, FieldProblem};

const MAX_ADDRESS_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;
const MAX_DOMAIN_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;

/// A syntactically deliverable address; the domain is stored in lower case because it is case
/// insensitive, the local part as written because it may not be.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email {
    address: String,
    at: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("is longer than {MAX_ADDRESS_LEN} characters")]
    TooLong,
    #[error("must have exactly one @ between a local part and a domain")]
    Shape,
    #[error(
        "local part (before @) is empty, longer than {MAX_LOCAL_LEN} characters, or has characters or dots not allowed in an address"
    )]
    LocalPart,
    #[error(
        "domain must be a registered host name such as example.com (letters, digits and hyphens, dot-separated, with a top-level domain)"
    )]
    Domain,
}

impl FieldProblem for EmailError {
    fn code(&self) -> ErrorCode {
        match self {
            Self::TooLong => ErrorCode::TooLong,
            Self::Shape | Self::LocalPart | Self::Domain => ErrorCode::InvalidFormat,
        }
    }
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let trimmed = input.trim();
        if trimmed.len() > MAX_ADDRESS_LEN {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = match trimmed.split_once('@') {
            Some((local, domain)) if !domain.contains('@') => (local, domain),
            _ => return Err(EmailError::Shape),
        };
        if !is_dot_atom(local) || local.len() > MAX_LOCAL_LEN {
            return Err(EmailError::LocalPart);
        }
        let domain = domain.to_ascii_lowercase();
        if !is_host_name(&domain) {
            return Err(EmailError::Domain);
        }
        Ok(Self {
            address: format!("{local}@{domain}"),
            at: local.len(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.address
    }

    pub fn local_part(&self) -> &str {
        self.address.get(..self.at).unwrap_or_default()
    }

    /// Lower case, without the `@`.
    pub fn domain(&self) -> &str {
        self.address.get(self.at + 1..).unwrap_or_default()
    }

    /// The last label of the domain, e.g. `ng` for `example.ng`.
    pub fn top_level_domain(&self) -> &str {
        self.domain().rsplit('.').next().unwrap_or_default()
    }
}

/// RFC 5322 `dot-atom-text`: atext runs separated by single dots, no dot at either end.
fn is_dot_atom(local: &str) -> bool {
    !local.is_empty()
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.bytes().all(is_atext))
}

fn is_atext(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&byte)
}

/// LDH labels (RFC 1123), at least two, and a top-level label that is not all digits so an IPv4
/// address in disguise is refused.
fn is_host_name(domain: &str) -> bool {
    if domain.len() > MAX_DOMAIN_LEN {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let well_formed = labels.iter().all(|label| {
        !label.is_empty()
            && label.len() <= MAX_LABEL_LEN
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    let top_is_name = labels
        .last()
        .is_some_and(|top| top.len() >= 2 && !top.bytes().all(|b| b.is_ascii_digit()));
    labels.len() >= 2 && well_formed && top_is_name
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> Self {
        email.address
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_addresses_and_lowercases_the_domain_only() {
        let email = Email::parse(" Amara.Okafor+kyc@Example.NG ").unwrap();
        assert_eq!(email.as_str(), "Amara.Okafor+kyc@example.ng");
        assert_eq!(email.local_part(), "Amara.Okafor+kyc");
        assert_eq!(email.domain(), "example.ng");
        assert_eq!(email.top_level_domain(), "ng");
        assert!(Email::parse("ops@helioscompute.example").is_ok());
        assert!(Email::parse("o'brien@xn--bcher-kva.de").is_ok());
    }

    #[test]
    fn refuses_malformed_addresses() {
        let cases = [
            ("plainaddress", EmailError::Shape),
            ("a@b@c.com", EmailError::Shape),
            ("@example.com", EmailError::LocalPart),
            (".a@example.com", EmailError::LocalPart),
            ("a..b@example.com", EmailError::LocalPart),
            ("\"quoted\"@example.com", EmailError::LocalPart),
            ("josé@example.com", EmailError::LocalPart),
            ("a@localhost", EmailError::Domain),
            ("a@-bad.com", EmailError::Domain),
            ("a@example..com", EmailError::Domain),
            ("a@1.2.3.4", EmailError::Domain),
            ("a@[127.0.0.1]", EmailError::Domain),
            ("a@example.c", EmailError::Domain),
        ];
        for (input, expected) in cases {
            assert_eq!(Email::parse(input), Err(expected), "{input}");
        }
    }

    #[test]
    fn enforces_length_limits() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(Email::parse(&long_local), Err(EmailError::LocalPart));
        let long_label = format!("a@{}.com", "b".repeat(64));
        assert_eq!(Email::parse(&long_label), Err(EmailError::Domain));
        let too_long = format!("a@{}.com", "b.".repeat(130));
        assert_eq!(Email::parse(&too_long), Err(EmailError::TooLong));
    }
}

//! Which URLs a webhook may be sent to.

use url::Url;

/// Longer URLs are refused: no real endpoint needs one, and the row stays small.
pub const MAX_URL_CHARS: usize = 2048;

/// Every problem of a webhook URL, or none: `https` (or `http` to a loopback host, for a
/// receiver on the same machine), a host, no user name or password (a credential in a URL ends
/// up in proxies' logs; put a token in the path and the signature does the authenticating), no
/// fragment (never sent).
pub fn problems(url: &str) -> Vec<String> {
    if url.chars().count() > MAX_URL_CHARS {
        return vec![format!("is longer than {MAX_URL_CHARS} characters")];
    }
    let parsed = match Url::parse(url) {
        Ok(parsed) => parsed,
        Err(e) => return vec![format!("is not an absolute URL ({e})")],
    };
    let mut out = Vec::new();
    let loopback = match parsed.host() {
        None => {
            out.push("has no host".to_owned());
            false
        }
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
    };
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => out.push("must use https (http is allowed only for localhost)".to_owned()),
        other => out.push(format!("scheme {other:?} is not allowed; use https")),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        out.push("must not carry a user name or password".to_owned());
    }
    if parsed.fragment().is_some() {
        out.push("must not have a fragment".to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_and_http_only_on_loopback() {
        for ok in [
            "https://hooks.example.com/cloudkyc?x=1",
            "http://localhost:8080/hook",
            "http://127.0.0.1:9000/h",
            "http://[::1]/h",
        ] {
            assert!(problems(ok).is_empty(), "{ok}: {:?}", problems(ok));
        }
        assert_eq!(
            problems("http://hooks.example.com/h"),
            vec!["must use https (http is allowed only for localhost)"]
        );
        assert_eq!(
            problems("https://user:pw@hooks.example.com/h"),
            vec!["must not carry a user name or password"]
        );
        assert!(problems("ftp://hooks.example.com/h")[0].contains("ftp"));
        assert!(problems("not a url")[0].starts_with("is not an absolute URL"));
        assert_eq!(
            problems("https://h.example.com/#f"),
            vec!["must not have a fragment"]
        );
        assert_eq!(
            problems(&format!("https://h.example.com/{}", "a".repeat(2100))).len(),
            1
        );
    }
}

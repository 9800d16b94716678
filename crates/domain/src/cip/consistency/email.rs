//! Email domain checks: throwaway mailbox services, and country-code domains that point away
//! from the countries the party claims.

use crate::cip::check::CheckResult;
use crate::cip::country::{CountryCode, describe_countries};
use crate::cip::email::Email;

/// Disposable-mailbox services. Deliberately short: the long community lists go stale and
/// catch legitimate providers, while these are the services seen most in sign-up abuse and
/// have existed for years. A provider wanting more adds a check of its own.
pub const DISPOSABLE_EMAIL_DOMAINS: &[&str] = &[
    "10minutemail.com",
    "20minutemail.com",
    "dispostable.com",
    "emailondeck.com",
    "fakeinbox.com",
    "getairmail.com",
    "getnada.com",
    "guerrillamail.com",
    "guerrillamail.net",
    "guerrillamailblock.com",
    "maildrop.cc",
    "mailinator.com",
    "mailnesia.com",
    "mintemail.com",
    "mohmal.com",
    "sharklasers.com",
    "spamgourmet.com",
    "temp-mail.org",
    "tempmail.com",
    "tempmailo.com",
    "throwawaymail.com",
    "trashmail.com",
    "yopmail.com",
];

/// Country-code top-level domains marketed and used worldwide, so they say nothing about where
/// the holder is (`.io`, `.ai`, `.co`, `.me`, `.tv`, ...).
pub const GENERIC_USE_CCTLDS: &[&str] = &[
    "ac", "ag", "ai", "am", "bz", "cc", "cd", "co", "fm", "gg", "io", "la", "ly", "me", "ms", "mu",
    "nu", "sh", "so", "tk", "to", "tv", "vc", "ws",
];

fn is_disposable(domain: &str) -> bool {
    DISPOSABLE_EMAIL_DOMAINS.iter().any(|listed| {
        domain == *listed
            || domain
                .strip_suffix(listed)
                .is_some_and(|prefix| prefix.ends_with('.'))
    })
}

pub fn email_domain_not_disposable(emails: &[Email]) -> CheckResult {
    const CHECK: &str = "email_domain_not_disposable";
    if emails.is_empty() {
        return CheckResult::not_applicable(CHECK, "no email address given");
    }
    let disposable: Vec<&str> = emails
        .iter()
        .map(Email::domain)
        .filter(|d| is_disposable(d))
        .collect();
    if disposable.is_empty() {
        CheckResult::pass(
            CHECK,
            format!(
                "{} address(es), none at a disposable-mailbox service",
                emails.len()
            ),
        )
    } else {
        CheckResult::fail(
            CHECK,
            format!("disposable-mailbox domain(s): {}", disposable.join(", ")),
        )
    }
}

/// The country a top-level domain denotes, if it is a country-code TLD used for that country.
fn cctld_country(tld: &str) -> Option<CountryCode> {
    if tld.len() != 2 || GENERIC_USE_CCTLDS.contains(&tld) {
        return None;
    }
    // `.uk` is the one ccTLD that differs from its ISO code (GB).
    let code = if tld == "uk" { "gb" } else { tld };
    CountryCode::parse(code).ok()
}

/// Fails when an address's country-code domain (`.ng`, `.de`) names a country the party does
/// not claim. Generic domains (`.com`) and worldwide-marketed ccTLDs are not evidence either
/// way, so with only those the check is not applicable.
pub fn email_cctld_matches_country(emails: &[Email], claimed: &[CountryCode]) -> CheckResult {
    const CHECK: &str = "email_cctld_matches_country";
    let with_country: Vec<(&Email, CountryCode)> = emails
        .iter()
        .filter_map(|email| cctld_country(email.top_level_domain()).map(|c| (email, c)))
        .collect();
    if with_country.is_empty() {
        return CheckResult::not_applicable(CHECK, "no email address under a country-code domain");
    }
    if claimed.is_empty() {
        return CheckResult::cannot_run(
            CHECK,
            "no claimed country to compare the email domains with",
        );
    }
    let mismatched: Vec<String> = with_country
        .iter()
        .filter(|(_, country)| !claimed.contains(country))
        .map(|(email, country)| {
            format!(
                "{} is a {country} ({}) domain",
                email.domain(),
                country.name()
            )
        })
        .collect();
    let claimed_text = format!("claimed {}", describe_countries(claimed));
    if mismatched.is_empty() {
        CheckResult::pass(
            CHECK,
            format!(
                "{} country-code domain(s) match; {claimed_text}",
                with_country.len()
            ),
        )
    } else {
        CheckResult::fail(CHECK, format!("{}; {claimed_text}", mismatched.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposable_matches_domain_and_subdomains_only() {
        assert!(is_disposable("mailinator.com"));
        assert!(is_disposable("eu.mailinator.com"));
        assert!(!is_disposable("notmailinator.com"));
        assert!(
            DISPOSABLE_EMAIL_DOMAINS.windows(2).all(|w| w[0] < w[1]),
            "keep the list sorted"
        );
    }

    #[test]
    fn cctld_mapping() {
        assert_eq!(cctld_country("ng"), CountryCode::parse("NG").ok());
        assert_eq!(cctld_country("uk"), CountryCode::parse("GB").ok());
        assert_eq!(cctld_country("io"), None);
        assert_eq!(cctld_country("com"), None);
        assert_eq!(cctld_country("eu"), None);
    }
}

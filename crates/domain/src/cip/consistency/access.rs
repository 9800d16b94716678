//! Where the account is used from against where the customer says it is.

use std::collections::BTreeMap;

use crate::cip::check::CheckResult;
use crate::cip::country::{CountryCode, describe_countries};
use crate::cip::ip::AccessObservation;

/// Passes when every geolocated access comes from a claimed country (address countries, plus
/// whatever else the caller counts as claimed). Private and reserved addresses are skipped
/// because they cannot be placed anywhere; if no access could be placed, the check cannot run
/// (no geolocation database, or addresses missing from it). No access at all is
/// `not_applicable`: the account has not been used yet.
pub fn access_country_matches_claimed(
    observations: &[AccessObservation],
    claimed: &[CountryCode],
) -> CheckResult {
    const CHECK: &str = "access_country_matches_claimed";
    if observations.is_empty() {
        return CheckResult::not_applicable(CHECK, "no account access recorded yet");
    }
    if claimed.is_empty() {
        return CheckResult::cannot_run(
            CHECK,
            "no claimed location (no address) to compare access countries with",
        );
    }
    let public: Vec<&AccessObservation> =
        observations.iter().filter(|o| o.ip.is_public()).collect();
    let mut by_country: BTreeMap<CountryCode, usize> = BTreeMap::new();
    for observation in &public {
        if let Some(country) = observation.country {
            *by_country.entry(country).or_default() += 1;
        }
    }
    let unplaced = public.len() - by_country.values().sum::<usize>();
    let skipped = observations.len() - public.len();
    if by_country.is_empty() {
        return CheckResult::cannot_run(
            CHECK,
            format!(
                "none of {} access(es) could be geolocated ({skipped} private or reserved, {unplaced} not in the geolocation data)",
                observations.len()
            ),
        );
    }
    let counts: Vec<String> = by_country
        .iter()
        .map(|(country, n)| format!("{country}: {n}"))
        .collect();
    let foreign: Vec<CountryCode> = by_country
        .keys()
        .copied()
        .filter(|c| !claimed.contains(c))
        .collect();
    let detail = format!(
        "access by country {}; claimed {}; {unplaced} not geolocated, {skipped} private or reserved",
        counts.join(", "),
        describe_countries(claimed)
    );
    if foreign.is_empty() {
        CheckResult::pass(CHECK, detail)
    } else {
        CheckResult::fail(
            CHECK,
            format!(
                "access from unclaimed {}; {detail}",
                describe_countries(&foreign)
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cip::ip::IpAddress;

    fn seen(ip: &str, country: &str) -> AccessObservation {
        AccessObservation {
            ip: IpAddress::parse(ip).unwrap(),
            country: CountryCode::parse(country).ok(),
        }
    }

    #[test]
    fn private_addresses_are_ignored_even_with_a_country() {
        // A geolocation answer for a private address is noise, not evidence.
        let claimed = [CountryCode::parse("NG").unwrap()];
        let result = access_country_matches_claimed(
            &[seen("102.89.34.10", "NG"), seen("10.0.0.1", "RU")],
            &claimed,
        );
        assert!(result.outcome.is_pass(), "{result}");
    }
}

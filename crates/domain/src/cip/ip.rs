//! IP addresses seen accessing or administering an account, and whether one can be placed in a
//! country at all.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::country::CountryCode;
use super::field_error::{ErrorCode, FieldProblem};

/// An IPv4 or IPv6 address, parsed by the standard library (so no leading zeros, no zone ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IpAddress(IpAddr);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not an IPv4 or IPv6 address")]
pub struct IpAddressError;

impl FieldProblem for IpAddressError {
    fn code(&self) -> ErrorCode {
        ErrorCode::InvalidFormat
    }
}

impl IpAddress {
    pub fn parse(input: &str) -> Result<Self, IpAddressError> {
        IpAddr::from_str(input.trim())
            .map(Self)
            .map_err(|_| IpAddressError)
    }

    pub fn addr(&self) -> IpAddr {
        self.0
    }

    /// Whether the address is routable on the public internet, and so could be geolocated.
    /// Private, loopback, link-local, carrier-grade NAT, documentation, multicast and
    /// unspecified ranges are not (std's `is_global` is not stable yet).
    pub fn is_public(&self) -> bool {
        match self.0 {
            IpAddr::V4(v4) => is_public_v4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => is_public_v4(v4),
                None => is_public_v6(v6),
            },
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let shared_cgnat = a == 100 && (64..128).contains(&b);
    let documentation = matches!((a, b, c), (192, 0, 2) | (198, 51, 100) | (203, 0, 113));
    let benchmarking = a == 198 && (b == 18 || b == 19);
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || shared_cgnat
        || documentation
        || benchmarking
        || a == 0
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments().first().copied().unwrap_or(0);
    let unique_local = first & 0xfe00 == 0xfc00;
    let link_local = first & 0xffc0 == 0xfe80;
    let documentation = first == 0x2001 && ip.segments().get(1) == Some(&0x0db8);
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || unique_local
        || link_local
        || documentation)
}

impl fmt::Display for IpAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl TryFrom<String> for IpAddress {
    type Error = IpAddressError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<IpAddress> for String {
    fn from(ip: IpAddress) -> Self {
        ip.0.to_string()
    }
}

/// One access to an account and the country the caller's geolocation placed it in (`None`
/// when no database was loaded or the address is not in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessObservation {
    pub ip: IpAddress,
    pub country: Option<CountryCode>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_families_and_refuses_garbage() {
        assert!(IpAddress::parse("102.89.34.10").is_ok());
        assert!(IpAddress::parse("2001:4860:4860::8888").is_ok());
        assert_eq!(IpAddress::parse("256.1.1.1"), Err(IpAddressError));
        assert_eq!(IpAddress::parse("010.1.1.1"), Err(IpAddressError));
        assert_eq!(IpAddress::parse("example.com"), Err(IpAddressError));
    }

    #[test]
    fn knows_which_addresses_can_be_geolocated() {
        for public in [
            "102.89.34.10",
            "8.8.8.8",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
        ] {
            assert!(IpAddress::parse(public).unwrap().is_public(), "{public}");
        }
        for private in [
            "10.1.2.3",
            "192.168.0.1",
            "127.0.0.1",
            "100.64.0.1",
            "192.0.2.7",
            "169.254.1.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "2001:db8::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!IpAddress::parse(private).unwrap().is_public(), "{private}");
        }
    }
}

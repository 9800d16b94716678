//! The reader and the two record layouts it understands.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use cloudkyc_domain::cip::{CountryCode, IpAddress};
use maxminddb::Reader;
use serde::Deserialize;

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    #[error("cannot read the geolocation database {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("not a MaxMind-format database: {0}")]
    Format(String),
    #[error("the {0} database holds no country records (a city, ASN or other database?)")]
    NoCountries(String),
    #[error("this build has no bundled geolocation database (feature `bundled-database`)")]
    NotBundled,
}

/// The bundled database (see `data/geo/NOTICE.md`).
#[cfg(feature = "bundled-database")]
const BUNDLED: &[u8] = include_bytes!("../../../data/geo/geo-whois-asn-country.mmdb");

/// The fields of a record that can name a country, in both layouts. Borrowed from the database,
/// so a lookup allocates nothing.
#[derive(Deserialize)]
struct Record<'a> {
    /// `ip-location-db` layout: `{"country_code": "NG"}`.
    #[serde(borrow, default)]
    country_code: Option<&'a str>,
    /// GeoIP2 / GeoLite2-Country layout: `{"country": {"iso_code": "NG", ..}, ..}`.
    #[serde(borrow, default)]
    country: Option<IsoCode<'a>>,
    /// Where the network is registered: the GeoIP2 fallback for ranges with no located country
    /// (satellite and anycast networks, some of Europe-wide ranges).
    #[serde(borrow, default)]
    registered_country: Option<IsoCode<'a>>,
}

#[derive(Deserialize)]
struct IsoCode<'a> {
    #[serde(borrow, default)]
    iso_code: Option<&'a str>,
}

impl Record<'_> {
    fn country(&self) -> Option<CountryCode> {
        let located = self.country.as_ref().and_then(|c| c.iso_code);
        let registered = self.registered_country.as_ref().and_then(|c| c.iso_code);
        // `EU`, `AP` and `ZZ` appear in some databases for unplaced ranges: not countries, so
        // `CountryCode::parse` refuses them and the address counts as not placed.
        [located, self.country_code, registered]
            .into_iter()
            .flatten()
            .find_map(|code| CountryCode::parse(code).ok())
    }
}

/// An opened IP-to-country database. Cheap to clone (the bytes are shared) and safe to use from
/// many threads; a lookup does no I/O and no allocation.
#[derive(Clone)]
pub struct Geo {
    /// The bundled database is read in place from the binary; a provider's file is owned.
    reader: Arc<Reader<Cow<'static, [u8]>>>,
    /// Where it came from, for logs and status pages: `bundled` or the file's path.
    source: Arc<str>,
}

impl fmt::Debug for Geo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Geo")
            .field("source", &self.source)
            .field("database_type", &self.database_type())
            .finish()
    }
}

impl Geo {
    /// The database bundled with this build (ip-location-db, CC BY 4.0 NRO data).
    pub fn bundled() -> Result<Self, GeoError> {
        #[cfg(feature = "bundled-database")]
        {
            Self::from_bytes(Cow::Borrowed(BUNDLED), "bundled")
        }
        #[cfg(not(feature = "bundled-database"))]
        {
            Err(GeoError::NotBundled)
        }
    }

    /// A database held in memory; `source` names it in logs.
    pub fn from_bytes(
        bytes: impl Into<Cow<'static, [u8]>>,
        source: &str,
    ) -> Result<Self, GeoError> {
        let bytes = bytes.into();
        let reader = Reader::from_source(bytes).map_err(|e| GeoError::Format(e.to_string()))?;
        let geo = Self {
            reader: Arc::new(reader),
            source: source.into(),
        };
        geo.check_has_countries()?;
        Ok(geo)
    }

    /// A provider's own database file (GeoLite2-Country, GeoIP2-Country, or the bundled layout).
    pub fn open(path: &Path) -> Result<Self, GeoError> {
        let bytes = std::fs::read(path).map_err(|source| GeoError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_bytes(bytes, &path.display().to_string())
    }

    /// The country `ip` is placed in; `None` when it cannot be placed: private and reserved
    /// ranges (never looked up: the bundled database maps some of them, such as 192.168.0.0/16,
    /// to a country, which would be wrong for every provider's internal traffic), and addresses
    /// the database does not cover.
    pub fn country(&self, ip: IpAddress) -> Option<CountryCode> {
        if !ip.is_public() {
            return None;
        }
        match self.reader.lookup::<Record<'_>>(ip.addr()) {
            Ok(Some(record)) => record.country(),
            // A record of another shape, or a corrupt pointer: not placed, never a panic.
            Ok(None) | Err(_) => None,
        }
    }

    /// `bundled` or the path the database was read from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The database's own description of its kind (`GeoLite2-Country`, `country ipv4`, ...).
    pub fn database_type(&self) -> &str {
        &self.reader.metadata.database_type
    }

    /// When the database was built, as Unix seconds (from its metadata).
    pub fn build_epoch(&self) -> u64 {
        self.reader.metadata.build_epoch
    }

    /// Refuses a database in which well-known public addresses have no country at all: a city
    /// database would still work, but an ASN or anonymous-IP one would silently place nobody.
    fn check_has_countries(&self) -> Result<(), GeoError> {
        let probes = ["8.8.8.8", "1.1.1.1", "102.89.34.10", "193.0.6.139"];
        let placed = probes
            .iter()
            .filter_map(|ip| IpAddress::parse(ip).ok())
            .any(|ip| self.country(ip).is_some());
        if placed {
            Ok(())
        } else {
            Err(GeoError::NoCountries(self.database_type().to_owned()))
        }
    }
}

#[cfg(all(test, feature = "bundled-database"))]
mod tests {
    use super::*;

    fn geo() -> Geo {
        Geo::bundled().expect("the bundled database opens")
    }

    fn country(ip: &str) -> Option<String> {
        geo()
            .country(IpAddress::parse(ip).expect("an address"))
            .map(|c| c.as_str().to_owned())
    }

    #[test]
    fn the_bundled_database_places_real_addresses() {
        assert_eq!(country("102.89.34.10").as_deref(), Some("NG"));
        assert_eq!(country("8.8.8.8").as_deref(), Some("US"));
        assert_eq!(country("193.0.6.139").as_deref(), Some("NL"));
        assert_eq!(country("2001:4860:4860::8888").as_deref(), Some("US"));
    }

    #[test]
    fn private_and_reserved_addresses_are_not_placed() {
        for ip in ["10.1.2.3", "192.168.0.1", "127.0.0.1", "::1", "fd00::1"] {
            assert_eq!(country(ip), None, "{ip}");
        }
        // The reason private ranges are never looked up: this database places one of them.
        let geo = geo();
        let raw = geo.reader.lookup::<Record<'_>>([192, 168, 0, 1].into());
        assert!(matches!(raw, Ok(Some(r)) if r.country().is_some()));
    }

    #[test]
    fn metadata_names_the_database() {
        let geo = geo();
        assert_eq!(geo.source(), "bundled");
        assert!(!geo.database_type().is_empty());
        assert!(geo.build_epoch() > 1_700_000_000);
    }

    #[test]
    fn garbage_is_refused_not_panicked_on() {
        let err = Geo::from_bytes(b"not a database".to_vec(), "x").unwrap_err();
        assert!(matches!(err, GeoError::Format(_)), "{err}");
        let missing = Geo::open(Path::new("no/such/file.mmdb")).unwrap_err();
        assert!(
            missing.to_string().contains("no/such/file.mmdb"),
            "{missing}"
        );
    }

    #[test]
    fn both_record_layouts_name_the_country() {
        let ours = Record {
            country_code: Some("ng"),
            country: None,
            registered_country: None,
        };
        assert_eq!(
            ours.country().map(|c| c.as_str().to_owned()).as_deref(),
            Some("NG")
        );
        let geoip2 = Record {
            country_code: None,
            country: Some(IsoCode {
                iso_code: Some("DE"),
            }),
            registered_country: Some(IsoCode {
                iso_code: Some("FR"),
            }),
        };
        assert_eq!(
            geoip2.country().map(|c| c.as_str().to_owned()).as_deref(),
            Some("DE")
        );
        let registered_only = Record {
            country_code: None,
            country: Some(IsoCode {
                iso_code: Some("EU"),
            }),
            registered_country: Some(IsoCode {
                iso_code: Some("FR"),
            }),
        };
        assert_eq!(
            registered_only
                .country()
                .map(|c| c.as_str().to_owned())
                .as_deref(),
            Some("FR")
        );
    }
}

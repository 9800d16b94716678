//! The server's settings. The CLI layers them (defaults, TOML, `CLOUDKYC_*`, flags) and hands the
//! result to [`crate::serve`].

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address and port to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Largest request body accepted by ordinary endpoints (bytes).
    pub body_limit_bytes: usize,
    /// Largest request body accepted by bulk endpoints such as usage ingestion (bytes).
    pub bulk_body_limit_bytes: usize,
    /// A request still running after this long is abandoned with a 503.
    #[serde(with = "duration_text")]
    pub request_timeout: Duration,
    /// How long the background job loop pauses when no job is due.
    #[serde(with = "duration_text")]
    pub job_poll_interval: Duration,
    /// After shutdown is asked for, how long open connections may take to finish before the
    /// server stops waiting for them.
    #[serde(with = "duration_text")]
    pub shutdown_grace: Duration,
    /// Requests per API key and per client IP (`[server.rate_limit]`).
    pub rate_limit: RateLimitConfig,
    /// Inbound webhooks. Not read from the `[server]` section: the CLI fills it from its
    /// top-level `[webhooks]` section and the secret's environment variables.
    #[serde(skip)]
    pub webhooks: WebhooksConfig,
    /// The web console's sign-in and session settings (`[server.console]`).
    pub console: crate::console::ConsoleConfig,
}

/// Inbound webhooks: the identity-verification vendor's (`POST
/// /v1/webhooks/verification-vendor`), authenticated by an HMAC-SHA256 signature of the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhooksConfig {
    /// The secret the vendor signs with; none turns the endpoint off (it answers 503).
    pub vendor_secret: Option<WebhookSecret>,
    /// A file holding the secret (read by the CLI into `vendor_secret`).
    pub vendor_secret_file: Option<std::path::PathBuf>,
    /// A signature whose timestamp is further than this from now, either way, is refused, so a
    /// captured request cannot be replayed later.
    #[serde(with = "duration_text")]
    pub vendor_replay_window: Duration,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        Self {
            vendor_secret: None,
            vendor_secret_file: None,
            vendor_replay_window: Duration::from_secs(300),
        }
    }
}

/// A webhook signing secret: kept out of `Debug` output and logs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 8080)),
            body_limit_bytes: 1024 * 1024,
            bulk_body_limit_bytes: 32 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            job_poll_interval: Duration::from_secs(5),
            shutdown_grace: Duration::from_secs(30),
            rate_limit: RateLimitConfig::default(),
            webhooks: WebhooksConfig::default(),
            console: crate::console::ConsoleConfig::default(),
        }
    }
}

/// Token buckets, kept in each process: with several instances each enforces its own.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Off: no request is ever refused for its rate.
    pub enabled: bool,
    /// Per API key (its bearer token), on every route that takes one.
    pub per_key: BucketLimit,
    /// Per client IP, on the routes that take no key (health, metrics, OpenAPI, the signed
    /// vendor webhook) and for requests that present none.
    pub per_ip: BucketLimit,
}

// The rates are validated finite, so equality is total.
impl Eq for RateLimitConfig {}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            per_key: BucketLimit {
                per_second: 200.0,
                burst: 400,
            },
            per_ip: BucketLimit {
                per_second: 50.0,
                burst: 100,
            },
        }
    }
}

/// A token bucket: `burst` requests at once, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "UncheckedBucketLimit")]
pub struct BucketLimit {
    pub per_second: f64,
    pub burst: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UncheckedBucketLimit {
    per_second: f64,
    burst: u32,
}

impl TryFrom<UncheckedBucketLimit> for BucketLimit {
    type Error = String;

    fn try_from(limit: UncheckedBucketLimit) -> Result<Self, Self::Error> {
        // A rate of zero would never refill; NaN would make every comparison false.
        if !(limit.per_second.is_finite() && limit.per_second > 0.0) {
            return Err(format!(
                "per_second must be a positive number, not {}",
                limit.per_second
            ));
        }
        if limit.burst == 0 {
            return Err("burst must be at least 1".to_owned());
        }
        Ok(Self {
            per_second: limit.per_second,
            burst: limit.burst,
        })
    }
}

/// Durations as people write them in a configuration file: `"30s"`, `"500ms"`, `"2m"`, `"1h"`,
/// or a bare number of seconds.
pub(crate) mod duration_text {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer, de};

    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        let text = if value.subsec_millis() == 0 && value.subsec_nanos() == 0 {
            format!("{}s", value.as_secs())
        } else {
            format!("{}ms", value.as_millis())
        };
        serializer.serialize_str(&text)
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Seconds(u64),
        Text(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        match Written::deserialize(deserializer)? {
            Written::Seconds(secs) => Ok(Duration::from_secs(secs)),
            Written::Text(text) => parse(&text).map_err(de::Error::custom),
        }
    }

    pub fn parse(text: &str) -> Result<Duration, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let number: u64 = number.parse().map_err(|_| {
            format!("invalid duration {text:?}: expected a whole number and a unit such as 30s")
        })?;
        let millis_per_unit = match unit.trim() {
            "ms" => 1,
            "" | "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            other => {
                return Err(format!(
                    "invalid duration unit {other:?}: use ms, s, m or h"
                ));
            }
        };
        number
            .checked_mul(millis_per_unit)
            .map(Duration::from_millis)
            .ok_or_else(|| format!("duration {text:?} is too long"))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn units_are_read() {
            assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
            assert_eq!(parse("30s"), Ok(Duration::from_secs(30)));
            assert_eq!(parse("2m"), Ok(Duration::from_secs(120)));
            assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
            assert_eq!(parse("7"), Ok(Duration::from_secs(7)));
        }

        #[test]
        fn nonsense_is_refused() {
            for bad in ["", "s", "3 weeks", "-1s", "1.5s", "99999999999999999999h"] {
                assert!(parse(bad).is_err(), "{bad}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_round_trip_through_json() {
        let config = ServerConfig::default();
        let text = serde_json::to_string(&config).unwrap();
        assert!(text.contains(r#""request_timeout":"30s""#), "{text}");
        let back: ServerConfig = serde_json::from_str(&text).unwrap();
        assert_eq!(back, config);
    }

    #[test]
    fn partial_settings_keep_the_other_defaults() {
        let config: ServerConfig =
            serde_json::from_str(r#"{"listen": "0.0.0.0:9000", "request_timeout": 5}"#).unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.request_timeout, Duration::from_secs(5));
        assert_eq!(config.body_limit_bytes, 1024 * 1024);
    }

    #[test]
    fn misspelt_settings_are_refused() {
        assert!(serde_json::from_str::<ServerConfig>(r#"{"body_limit": 5}"#).is_err());
    }

    #[test]
    fn rate_limits_are_read_and_nonsense_rates_refused() {
        let config: ServerConfig = serde_json::from_str(
            r#"{"rate_limit": {"per_key": {"per_second": 2.5, "burst": 10}}}"#,
        )
        .unwrap();
        assert!(config.rate_limit.enabled);
        assert_eq!(config.rate_limit.per_key.burst, 10);
        assert_eq!(config.rate_limit.per_ip, RateLimitConfig::default().per_ip);
        for bad in [
            r#"{"per_second": 0, "burst": 10}"#,
            r#"{"per_second": -1, "burst": 10}"#,
            r#"{"per_second": 1, "burst": 0}"#,
        ] {
            let text = format!(r#"{{"rate_limit": {{"per_ip": {bad}}}}}"#);
            assert!(
                serde_json::from_str::<ServerConfig>(&text).is_err(),
                "{bad}"
            );
        }
    }
}

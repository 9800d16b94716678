//! Configuration, layered: built-in defaults, then the TOML file, then `CLOUDKYC_*` environment
//! variables (nested keys with `__`, e.g. `CLOUDKYC_SERVER__LISTEN`), then command-line flags.
//! Secrets may come from files: `CLOUDKYC_MASTER_KEY_FILE`, `CLOUDKYC_DATABASE_URL_FILE`,
//! `CLOUDKYC_VENDOR_WEBHOOK_SECRET_FILE`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::cli::GlobalArgs;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./cloudkyc-data/cloudkyc.db";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub database_url: String,
    pub database_url_file: Option<PathBuf>,
    /// Where a generated master key is kept when none is configured.
    pub data_dir: PathBuf,
    pub master_key: Option<String>,
    pub master_key_file: Option<PathBuf>,
    pub policy: String,
    /// The provider tenant's name, used when the database is empty.
    pub provider_name: String,
    pub log: LogConfig,
    pub server: cloudkyc_server::ServerConfig,
    /// The NATS JetStream telemetry consumer `serve` runs when enabled.
    pub jetstream: cloudkyc_server::ingest::JetStreamConfig,
    /// Inbound webhooks (the verification vendor's signing secret and replay window).
    pub webhooks: cloudkyc_server::WebhooksConfig,
    /// IP geolocation of access events.
    pub geo: GeoConfig,
    /// Restricted-party list sources and their update schedule.
    pub lists: cloudkyc_app::lists::ListsConfig,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct GeoConfig {
    /// A provider's own MaxMind-format database (GeoLite2-Country, GeoIP2-Country, ...) used
    /// instead of the bundled one.
    pub database: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// A tracing filter such as `info` or `cloudkyc_server=debug,info`.
    pub level: String,
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: DEFAULT_DATABASE_URL.to_owned(),
            database_url_file: None,
            data_dir: PathBuf::from("./cloudkyc-data"),
            master_key: None,
            master_key_file: None,
            policy: "bis-2024-nprm".to_owned(),
            provider_name: "Cloud Provider".to_owned(),
            log: LogConfig::default(),
            server: cloudkyc_server::ServerConfig::default(),
            jetstream: cloudkyc_server::ingest::JetStreamConfig::default(),
            webhooks: cloudkyc_server::WebhooksConfig::default(),
            geo: GeoConfig::default(),
            lists: cloudkyc_app::lists::ListsConfig::default(),
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".to_owned(),
            format: LogFormat::Text,
        }
    }
}

/// Top-level settings read from `CLOUDKYC_<NAME>` verbatim. They are strings (or paths), and figment
/// would otherwise parse an all-digit hexadecimal master key as a number.
const STRING_ENV_KEYS: &[&str] = &[
    "database_url",
    "database_url_file",
    "data_dir",
    "master_key",
    "master_key_file",
    "policy",
    "provider_name",
];

/// Secrets of nested sections read verbatim from their own variables (and `<NAME>_FILE`).
const SECRET_ENV_KEYS: &[(&str, &str)] = &[
    ("CLOUDKYC_VENDOR_WEBHOOK_SECRET", "webhooks.vendor_secret"),
    (
        "CLOUDKYC_VENDOR_WEBHOOK_SECRET_FILE",
        "webhooks.vendor_secret_file",
    ),
    // Not a secret, but a path read verbatim like one.
    ("CLOUDKYC_GEO_DATABASE", "geo.database"),
];

/// Nested sections that environment variables may set (`CLOUDKYC_SERVER__LISTEN`). Other
/// `CLOUDKYC_*` variables (the test suite's, `CLOUDKYC_CONFIG`) are not configuration and are
/// ignored rather than refused.
const SECTION_ENV_KEYS: &[&str] = &["log", "server", "jetstream"];

impl Config {
    pub fn load(args: &GlobalArgs, listen: Option<&str>) -> Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match &args.config {
            Some(path) => {
                if !path.exists() {
                    bail!("configuration file {} does not exist", path.display());
                }
                figment = figment.merge(Toml::file(path));
            }
            None if Path::new("cloudkyc.toml").exists() => {
                figment = figment.merge(Toml::file("cloudkyc.toml"));
            }
            None => {}
        }
        for key in STRING_ENV_KEYS {
            if let Ok(value) = std::env::var(format!("CLOUDKYC_{}", key.to_uppercase())) {
                figment = figment.merge(Serialized::default(key, value));
            }
        }
        for (variable, key) in SECRET_ENV_KEYS {
            if let Ok(value) = std::env::var(variable) {
                figment = figment.merge(Serialized::default(key, value));
            }
        }
        figment = figment.merge(Env::prefixed("CLOUDKYC_").split("__").filter(|key| {
            let top = key.as_str().split('.').next().unwrap_or_default();
            SECTION_ENV_KEYS.iter().any(|k| k.eq_ignore_ascii_case(top))
        }));
        if let Some(url) = &args.database_url {
            figment = figment.merge(Serialized::default("database_url", url));
        }
        if let Some(policy) = &args.policy {
            figment = figment.merge(Serialized::default("policy", policy));
        }
        if let Some(listen) = listen {
            figment = figment.merge(Serialized::default("server.listen", listen));
        }
        let mut config: Config = figment
            .extract()
            .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        if let Some(file) = config.database_url_file.take() {
            config.database_url = read_secret_file(&file, "database URL")?;
        }
        if let Some(file) = config.webhooks.vendor_secret_file.take() {
            let secret = read_secret_file(&file, "vendor webhook secret")?;
            config.webhooks.vendor_secret = Some(cloudkyc_server::WebhookSecret::new(secret));
        }
        if config
            .webhooks
            .vendor_secret
            .as_ref()
            .is_some_and(|s| s.expose().trim().is_empty())
        {
            // An empty HMAC key is a key anyone can sign with.
            bail!("webhooks.vendor_secret is empty; set a long random secret or leave it unset");
        }
        // The server reads its webhook settings from its own configuration.
        config.server.webhooks = config.webhooks.clone();
        Ok(config)
    }
}

pub fn read_secret_file(path: &Path, what: &str) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the {what} from {}", path.display()))?;
    Ok(text.trim().to_owned())
}

/// The commented example printed by `cloudkyc default-config`. A test checks it parses to the
/// defaults, so the two cannot drift apart.
pub const EXAMPLE: &str = include_str!("default-config.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_is_exactly_the_defaults() {
        let parsed: Config = Figment::from(Toml::string(EXAMPLE)).extract().unwrap();
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn the_vendor_webhook_secret_is_read_and_never_debug_printed() {
        let parsed: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::string(
                "[webhooks]\nvendor_secret = \"0123456789\"\nvendor_replay_window = \"2m\"",
            ))
            .extract()
            .unwrap();
        let secret = parsed.webhooks.vendor_secret.as_ref().unwrap();
        assert_eq!(secret.expose(), "0123456789");
        assert_eq!(
            parsed.webhooks.vendor_replay_window,
            std::time::Duration::from_secs(120)
        );
        assert!(!format!("{parsed:?}").contains("0123456789"));
    }

    #[test]
    fn a_typo_in_the_file_is_refused() {
        let err = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::string("databse_url = \"x\""))
            .extract::<Config>()
            .unwrap_err();
        assert!(err.to_string().contains("databse_url"), "{err}");
    }
}

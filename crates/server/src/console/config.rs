//! The console's settings: the `[server.console]` section.

use std::net::SocketAddr;
use std::time::Duration;

use cloudkyc_app::console_users::SessionPolicy;
use serde::{Deserialize, Serialize};

use crate::config::duration_text;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleConfig {
    /// Whether the session cookie is `Secure` (and then named with the `__Host-` prefix). Unset:
    /// on, except when the server listens on a loopback address, where browsers are reached
    /// over plain http.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secure_cookies: Option<bool>,
    /// Failed sign-ins in a row that lock a user.
    pub lock_after: u32,
    /// How long a lockout lasts.
    #[serde(with = "duration_text")]
    pub lock_for: Duration,
    /// A session unused this long is over.
    #[serde(with = "duration_text")]
    pub session_idle: Duration,
    /// A session is over this long after sign-in.
    #[serde(with = "duration_text")]
    pub session_absolute: Duration,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        let policy = SessionPolicy::default();
        Self {
            secure_cookies: None,
            lock_after: policy.lock_after,
            lock_for: std_duration(policy.lock_for),
            session_idle: std_duration(policy.idle),
            session_absolute: std_duration(policy.absolute),
        }
    }
}

impl ConsoleConfig {
    pub fn policy(&self) -> SessionPolicy {
        SessionPolicy {
            lock_after: self.lock_after.max(1),
            lock_for: chrono_duration(self.lock_for),
            idle: chrono_duration(self.session_idle),
            absolute: chrono_duration(self.session_absolute),
        }
    }

    /// Whether cookies are `Secure` for a server listening on `listen`.
    pub fn secure_cookies_for(&self, listen: SocketAddr) -> bool {
        self.secure_cookies.unwrap_or(!listen.ip().is_loopback())
    }
}

fn std_duration(d: chrono::Duration) -> Duration {
    d.to_std().unwrap_or_default()
}

fn chrono_duration(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_secure_unless_listening_on_loopback() {
        let config = ConsoleConfig::default();
        assert!(!config.secure_cookies_for("127.0.0.1:8080".parse().unwrap()));
        assert!(!config.secure_cookies_for("[::1]:8080".parse().unwrap()));
        assert!(config.secure_cookies_for("0.0.0.0:8080".parse().unwrap()));
        let forced = ConsoleConfig {
            secure_cookies: Some(true),
            ..config
        };
        assert!(forced.secure_cookies_for("127.0.0.1:8080".parse().unwrap()));
    }

    #[test]
    fn the_defaults_are_the_app_policy() {
        assert_eq!(ConsoleConfig::default().policy(), SessionPolicy::default());
    }
}

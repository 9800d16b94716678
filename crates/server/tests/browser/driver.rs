//! Finding and running chromedriver. `CLOUDKYC_TEST_CHROMEDRIVER` names it and makes the test
//! mandatory (CI sets it); without it the test runs when chromedriver is on the usual path and
//! says it skipped otherwise.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const DRIVER_VARIABLE: &str = "CLOUDKYC_TEST_CHROMEDRIVER";
/// The browser binary, when chromedriver does not find it by itself.
pub const CHROMIUM_VARIABLE: &str = "CLOUDKYC_TEST_CHROMIUM";
const DEBIAN_DRIVER: &str = "/usr/bin/chromedriver";
const DEBIAN_CHROMIUM: &str = "/usr/bin/chromium";

/// Where chromedriver is, and whether the caller demanded it.
#[derive(Debug)]
pub struct Located {
    pub driver: PathBuf,
    pub chromium: Option<String>,
}

/// `Ok(None)`: not demanded and not installed, the test skips. `Err`: demanded but unusable.
pub fn locate() -> Result<Option<Located>, String> {
    let chromium = std::env::var(CHROMIUM_VARIABLE).ok().or_else(|| {
        Path::new(DEBIAN_CHROMIUM)
            .exists()
            .then(|| DEBIAN_CHROMIUM.to_owned())
    });
    match std::env::var_os(DRIVER_VARIABLE) {
        Some(path) => {
            let driver = PathBuf::from(path);
            if !driver.is_file() {
                return Err(format!(
                    "{DRIVER_VARIABLE}={} is not a file",
                    driver.display()
                ));
            }
            Ok(Some(Located { driver, chromium }))
        }
        None if Path::new(DEBIAN_DRIVER).is_file() => Ok(Some(Located {
            driver: DEBIAN_DRIVER.into(),
            chromium,
        })),
        None => Ok(None),
    }
}

/// A running chromedriver, killed when dropped.
#[derive(Debug)]
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Driver {
    pub async fn spawn(located: &Located) -> Result<Self, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let child = Command::new(&located.driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", located.driver.display()))?;
        let driver = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        driver.wait_ready().await?;
        Ok(driver)
    }

    async fn wait_ready(&self) -> Result<(), String> {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(response) = http.get(format!("{}/status", self.url)).send().await
                && let Ok(text) = response.text().await
                && text.contains("\"ready\":true")
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("chromedriver at {} never became ready", self.url));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

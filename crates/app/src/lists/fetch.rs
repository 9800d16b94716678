//! Downloading list files. The [`ListFetcher`] trait lets tests serve files from a local
//! server (or not at all); [`HttpFetcher`] is the real one.

use std::sync::OnceLock;
use std::time::Duration;

use async_trait::async_trait;

/// Fetches one URL's bytes. A failure is a sentence for the list's status, never a panic.
#[async_trait]
pub trait ListFetcher: Send + Sync + std::fmt::Debug {
    async fn fetch(&self, url: &str) -> Result<Vec<u8>, String>;
}

/// HTTP(S) with `reqwest`: a non-2xx answer, a body shorter than its `Content-Length` (a cut
/// connection), a body over the size limit and a timeout are all failures.
#[derive(Debug)]
pub struct HttpFetcher {
    /// Built on first use: every `App` holds a fetcher, most never download.
    client: OnceLock<Result<reqwest::Client, String>>,
    timeout: Duration,
    max_bytes: u64,
}

impl Default for HttpFetcher {
    fn default() -> Self {
        Self::new(Duration::from_secs(300), 256 * 1024 * 1024)
    }
}

impl HttpFetcher {
    pub fn new(timeout: Duration, max_bytes: u64) -> Self {
        Self {
            client: OnceLock::new(),
            timeout,
            max_bytes,
        }
    }

    fn client(&self) -> Result<&reqwest::Client, String> {
        self.client
            .get_or_init(|| {
                reqwest::Client::builder()
                    .timeout(self.timeout)
                    .user_agent(concat!("cloudkyc/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| format!("HTTP client: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

#[async_trait]
impl ListFetcher for HttpFetcher {
    async fn fetch(&self, url: &str) -> Result<Vec<u8>, String> {
        let client = self.client()?;
        let mut response = client
            .get(url)
            .send()
            .await
            .map_err(|e| format!("download of {url} failed: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!(
                "download of {url} answered HTTP {}",
                status.as_u16()
            ));
        }
        let expected = response.content_length();
        if expected.is_some_and(|n| n > self.max_bytes) {
            return Err(format!(
                "download of {url} is larger than {} bytes",
                self.max_bytes
            ));
        }
        let mut body = Vec::with_capacity(expected.map_or(0, |n| n as usize));
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    body.extend_from_slice(&chunk);
                    if body.len() as u64 > self.max_bytes {
                        return Err(format!(
                            "download of {url} is larger than {} bytes",
                            self.max_bytes
                        ));
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(format!(
                        "download of {url} was cut after {} bytes: {e}",
                        body.len()
                    ));
                }
            }
        }
        if let Some(n) = expected
            && n != body.len() as u64
        {
            return Err(format!(
                "download of {url} is truncated: {} of {n} bytes",
                body.len()
            ));
        }
        Ok(body)
    }
}

//! Where the master key comes from: `CLOUDKYC_MASTER_KEY`, else `CLOUDKYC_MASTER_KEY_FILE`, else a
//! key generated earlier into the data directory, else a new key generated there with a loud
//! warning (fine for a demo, never silent).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use cloudkyc_store::crypto::MasterKey;

use crate::config::{Config, read_secret_file};

const GENERATED_FILE: &str = "master.key";

/// A master key, and for a newly generated one the file it must be saved to once the database
/// accepted it (so a failed start leaves no orphan key behind).
pub struct Resolved {
    pub key: MasterKey,
    pub save_to: Option<PathBuf>,
}

pub fn resolve(config: &Config) -> Result<Resolved> {
    if let Some(hex) = &config.master_key {
        let key = MasterKey::from_hex(hex).context("CLOUDKYC_MASTER_KEY")?;
        return Ok(Resolved { key, save_to: None });
    }
    if let Some(path) = &config.master_key_file {
        let key = MasterKey::from_hex(&read_secret_file(path, "master key")?)
            .with_context(|| format!("master key file {}", path.display()))?;
        return Ok(Resolved { key, save_to: None });
    }
    let generated = config.data_dir.join(GENERATED_FILE);
    if generated.exists() {
        tracing::warn!(
            path = %generated.display(),
            "using the generated master key from the data directory; set CLOUDKYC_MASTER_KEY or CLOUDKYC_MASTER_KEY_FILE in production"
        );
        let key = MasterKey::from_hex(&read_secret_file(&generated, "master key")?)
            .with_context(|| format!("master key file {}", generated.display()))?;
        return Ok(Resolved { key, save_to: None });
    }
    tracing::warn!(
        path = %generated.display(),
        "NO MASTER KEY CONFIGURED: generating one into the data directory. Anyone who can read that file can read the personal data; set CLOUDKYC_MASTER_KEY or CLOUDKYC_MASTER_KEY_FILE in production"
    );
    Ok(Resolved {
        key: MasterKey::generate(),
        save_to: Some(generated),
    })
}

/// Writes a generated key with owner-only permissions, refusing to overwrite an existing file.
pub fn save(key: &MasterKey, path: &Path) -> Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(file, "{}", key.to_hex())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

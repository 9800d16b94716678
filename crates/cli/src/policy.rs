//! Finding the rule pack: a bundled pack id, or a TOML file.

use std::path::Path;

use anyhow::{Context, Result, bail};
use cloudkyc_domain::rule_pack::RulePack;

pub fn load(spec: &str) -> Result<RulePack> {
    if let Some(pack) = RulePack::bundled(spec) {
        return Ok(pack);
    }
    let path = Path::new(spec);
    if !path.exists() {
        bail!(
            "rule pack {spec:?} is neither a bundled pack ({}) nor an existing file",
            RulePack::bundled_ids().join(", ")
        );
    }
    load_file(path)
}

pub fn load_file(path: &Path) -> Result<RulePack> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read rule pack {}", path.display()))?;
    RulePack::from_toml_str(&text).with_context(|| format!("rule pack {}", path.display()))
}

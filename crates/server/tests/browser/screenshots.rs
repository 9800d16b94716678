//! Where the screenshots go: `target/console-screenshots/` by default, or the directory
//! `CLOUDKYC_CONSOLE_SCREENSHOTS` names (relative paths from the workspace root, so
//! `CLOUDKYC_CONSOLE_SCREENSHOTS=docs/console` refreshes the README's pictures).

use std::path::{Path, PathBuf};

pub const SCREENSHOTS_VARIABLE: &str = "CLOUDKYC_CONSOLE_SCREENSHOTS";

fn workspace_root() -> PathBuf {
    // crates/server -> the workspace.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("the server crate sits two levels under the workspace")
        .to_path_buf()
}

pub fn directory() -> PathBuf {
    let root = workspace_root();
    match std::env::var_os(SCREENSHOTS_VARIABLE) {
        Some(dir) => root.join(dir),
        None => std::env::var_os("CARGO_TARGET_DIR")
            .map(|t| root.join(t))
            .unwrap_or_else(|| root.join("target"))
            .join("console-screenshots"),
    }
}

/// Writes `png` as `name.png` under [`directory`], checking it is a PNG first.
pub fn save(name: &str, png: &[u8]) -> PathBuf {
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the screenshot of {name} is not a PNG"
    );
    let dir = directory();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap();
    path
}

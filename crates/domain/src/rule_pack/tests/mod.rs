//! Tests of the whole pack: the bundled default's values, and how bad packs are reported.

mod defaults;
mod errors;

use super::{DEFAULT_PACK_ID, RulePack};

/// The text of the bundled default pack.
fn default_text() -> &'static str {
    RulePack::bundled_source(DEFAULT_PACK_ID).unwrap()
}

/// The default pack with each `(old, new)` applied; each `old` must occur exactly once so that a
/// test never silently edits nothing.
fn edited(edits: &[(&str, &str)]) -> String {
    let mut text = default_text().to_owned();
    for (old, new) in edits {
        assert_eq!(
            text.matches(old).count(),
            1,
            "`{old}` must occur exactly once in the default pack"
        );
        text = text.replacen(old, new, 1);
    }
    text
}

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let offset = text.find(needle).unwrap();
    text[..offset].matches('\n').count() + 1
}

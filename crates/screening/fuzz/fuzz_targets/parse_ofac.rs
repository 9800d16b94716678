#![no_main]
//! Splits the input into OFAC's four files at 0xFF bytes and parses them.
use cloudkyc_screening::parse::{OfacFiles, parse_ofac};
use libfuzzer_sys::fuzz_target;
use cloudkyc_screening::{ListId, SnapshotMeta};

fn meta() -> Option<SnapshotMeta> {
    ListId::new("fuzz").ok().map(SnapshotMeta::new)
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|b| *b == 0xff);
    let primary = parts.next().unwrap_or_default();
    let files = OfacFiles { primary, addresses: parts.next(), aliases: parts.next(), comments: parts.next() };
    if let Some(meta) = meta() {
        let _ = parse_ofac(&files, &meta);
    }
});

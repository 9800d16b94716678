#![no_main]
use cloudkyc_screening::parse::parse_dpl;
use libfuzzer_sys::fuzz_target;
use cloudkyc_screening::{ListId, SnapshotMeta};

fn meta() -> Option<SnapshotMeta> {
    ListId::new("fuzz").ok().map(SnapshotMeta::new)
}

fuzz_target!(|data: &[u8]| {
    if let Some(meta) = meta() {
        let _ = parse_dpl(data, &meta);

    }
});

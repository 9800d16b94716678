#![no_main]
//! The first line is the JSON mapping, the rest the CSV.
use cloudkyc_screening::parse::{CustomCsvMapping, parse_custom_csv};
use libfuzzer_sys::fuzz_target;
use cloudkyc_screening::{ListId, SnapshotMeta};

fn meta() -> Option<SnapshotMeta> {
    ListId::new("fuzz").ok().map(SnapshotMeta::new)
}

fuzz_target!(|data: &[u8]| {
    let (head, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (data.get(..i).unwrap_or_default(), data.get(i + 1..).unwrap_or_default()),
        None => (data, &[][..]),
    };
    let mapping = serde_json_mapping(head).unwrap_or_else(|| CustomCsvMapping::names_only("name"));
    if let Some(meta) = meta() {
        let _ = parse_custom_csv(body, &mapping, &meta);
    }
});

fn serde_json_mapping(bytes: &[u8]) -> Option<CustomCsvMapping> {
    let text = std::str::from_utf8(bytes).ok()?;
    // The mapping type is serde; a JSON reader is reachable through the list format enum.
    let format: cloudkyc_screening::ListFormat =
        serde_json::from_str(&format!("{{\"format\":\"custom_csv\",\"mapping\":{text}}}")).ok()?;
    match format {
        cloudkyc_screening::ListFormat::CustomCsv { mapping } => Some(*mapping),
        _ => None,
    }
}

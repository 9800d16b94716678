//! The fuzz targets: each parser the system feeds with outside data, with its seed corpus.
//! A target returns whether the parser accepted the input (a value) or refused it (an error);
//! both are fine, only a panic is a finding. The seeds themselves must be accepted.

use std::path::PathBuf;

use chrono::NaiveDate;
use cloudkyc_compute::{
    Catalog, RecordLimits, Reservation, ReservationInput, UsageRecord, UsageRecordInput,
    decode_batch,
};
use cloudkyc_domain::cip::mrz::Mrz;
use cloudkyc_domain::rule_pack::RulePack;
use cloudkyc_screening::model::{ListId, SnapshotMeta};
use cloudkyc_screening::{CustomCsvMapping, ListBytes, ListFormat, OfacFiles};

pub struct Target {
    pub name: &'static str,
    pub seeds: fn() -> Vec<Vec<u8>>,
    pub run: fn(&[u8]) -> bool,
}

pub const TARGETS: &[Target] = &[
    Target {
        name: "ofac_csv",
        seeds: ofac_seeds,
        run: ofac,
    },
    Target {
        name: "un_xml",
        seeds: un_seeds,
        run: |b| list(&ListFormat::UnXml, b),
    },
    Target {
        name: "csl_csv",
        seeds: csl_csv_seeds,
        run: |b| list(&ListFormat::CslCsv, b),
    },
    Target {
        name: "csl_json",
        seeds: csl_json_seeds,
        run: |b| list(&ListFormat::CslJson, b),
    },
    Target {
        name: "dpl_tsv",
        seeds: dpl_seeds,
        run: |b| list(&ListFormat::DplTsv, b),
    },
    Target {
        name: "ftm_jsonl",
        seeds: ftm_seeds,
        run: |b| list(&ListFormat::FtmJsonl, b),
    },
    Target {
        name: "custom_csv",
        seeds: custom_csv_seeds,
        run: custom_csv,
    },
    Target {
        name: "mrz",
        seeds: mrz_seeds,
        run: mrz,
    },
    Target {
        name: "usage_records",
        seeds: usage_seeds,
        run: usage_records,
    },
    Target {
        name: "reservations",
        seeds: reservation_seeds,
        run: reservations,
    },
    Target {
        name: "rule_pack",
        seeds: rule_pack_seeds,
        run: rule_pack,
    },
];

/// Seeds are cut to this size so that an iteration stays fast.
const SEED_BYTES: usize = 16 * 1024;

fn data(path: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("seed file {}: {e}", path.display()))
}

/// The head of a line-oriented file, whole lines only.
fn head(bytes: &[u8], max: usize) -> Vec<u8> {
    if bytes.len() <= max {
        return bytes.to_vec();
    }
    let cut = bytes[..max]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(max, |i| i + 1);
    bytes[..cut].to_vec()
}

fn meta() -> SnapshotMeta {
    SnapshotMeta::new(ListId::new("fuzz").expect("a valid list id"))
}

fn list(format: &ListFormat, bytes: &[u8]) -> bool {
    format.parse(ListBytes::Single(bytes), &meta()).is_ok()
}

/// OFAC's four files in one input, split at form feeds (which the files never contain).
fn ofac(bytes: &[u8]) -> bool {
    let mut parts = bytes.split(|&b| b == 0x0c);
    let primary = parts.next().unwrap_or_default();
    let files = OfacFiles {
        primary,
        addresses: parts.next(),
        aliases: parts.next(),
        comments: parts.next(),
    };
    ListFormat::OfacCsv
        .parse(ListBytes::Ofac(files), &meta())
        .is_ok()
}

fn ofac_seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for (dir, prefix) in [
        ("ofac_sdn_2021-07", "sdn"),
        ("ofac_cons_nonsdn_2025-12", "cons"),
    ] {
        let file = |name: &str| data(&format!("data/lists/{dir}/{name}.csv"));
        let primary = file(if prefix == "sdn" { "sdn" } else { "cons_prim" });
        let primary = head(&primary, SEED_BYTES / 2);
        // The other files refer to primary entries by number: keep only the lines whose entry
        // made it into the head, so that the seed is a consistent list.
        let entry = |line: &&[u8]| line.split(|&b| b == b',').next().map(<[u8]>::to_vec);
        let kept: Vec<Vec<u8>> = primary
            .split(|&b| b == b'\n')
            .filter_map(|l| entry(&l))
            .collect();
        let related = |name: &str| -> Vec<u8> {
            let name = if prefix == "sdn" {
                name.to_owned()
            } else {
                format!("cons_{name}")
            };
            let name = if name == "comments" {
                "sdn_comments".to_owned()
            } else {
                name
            };
            let bytes = file(&name);
            let lines = bytes.split_inclusive(|&b| b == b'\n');
            let lines = lines.filter(|line| entry(line).is_some_and(|id| kept.contains(&id)));
            lines.flatten().copied().collect()
        };
        let parts = [primary, related("add"), related("alt"), related("comments")];
        seeds.push(parts.join(&0x0c_u8));
    }
    seeds
}

fn un_seeds() -> Vec<Vec<u8>> {
    let xml = data("data/lists/un/UN_consolidated_2026-02-27.xml");
    let text = String::from_utf8_lossy(&xml);
    // The header and the first individuals, closed so the seed is a well-formed list.
    let end = text
        .match_indices("</INDIVIDUAL>")
        .nth(3)
        .map_or(text.len(), |(i, tag)| i + tag.len());
    let entities = text.find("<ENTITIES>").unwrap_or(text.len());
    let entity_end = text[entities..]
        .match_indices("</ENTITY>")
        .nth(1)
        .map_or(text.len(), |(i, tag)| entities + i + tag.len());
    let seed = format!(
        "{}\n  </INDIVIDUALS>\n  {}\n  </ENTITIES>\n</CONSOLIDATED_LIST>\n",
        &text[..end],
        &text[entities..entity_end]
    );
    vec![seed.into_bytes()]
}

fn csl_csv_seeds() -> Vec<Vec<u8>> {
    ["consolidated_sample_2025.csv", "csl_sample_2019.csv"]
        .iter()
        .map(|f| head(&data(&format!("data/lists/csl/{f}")), SEED_BYTES))
        .collect()
}

fn csl_json_seeds() -> Vec<Vec<u8>> {
    vec![br#"{"total":2,"sources_used":[{"source":"SDN","source_last_updated":"2025-11-03T10:00:00"}],
"results":[{"id":"52291","name":"RIM, Ryong Nam","type":"Individual","alt_names":["RIM Ryong-nam"],
"programs":["NPWMD"],"addresses":[{"address":null,"city":"Shenyang","country":"CN"}],
"dates_of_birth":"1978-12-05","nationalities":["KP"],"citizenships":["KP"],
"ids":[{"type":"Passport","number":"836238033","country":"KP"}],
"source":"Specially Designated Nationals (SDN) - Treasury Department"},
{"id":"e-2","name":"SINOBRIGHT IMPORT AND EXPORT COMPANY","type":"Entity","alt_names":[],
"addresses":[{"address":"1 Road","city":"Dalian","country":"CN","postal_code":"116000"}],
"source":"Entity List (EL) - Bureau of Industry and Security"}]}"#
        .to_vec()]
}

fn dpl_seeds() -> Vec<Vec<u8>> {
    vec![head(
        &data("data/lists/bis_dpl/dpl_2022-09.txt"),
        SEED_BYTES,
    )]
}

fn ftm_seeds() -> Vec<Vec<u8>> {
    vec![[
        r#"{"id":"Q7747","schema":"Person","properties":{"name":["Vladimir Putin"],"alias":["Путин Владимир"],"weakAlias":["VVP"],"birthDate":["1952-10-07"],"nationality":["ru"],"passportNumber":["100000001"]}}"#,
        r#"{"id":"san-1","schema":"Sanction","properties":{"program":["EU"]}}"#,
        r#"{"id":"v-1","schema":"Vessel","properties":{"name":["SEA STAR"],"imoNumber":["IMO 9123456"],"flag":["pa"]}}"#,
        r#"{"id":"c-1","schema":"Company","properties":{"name":["Acme LLC"],"country":["ir"],"registrationNumber":["123"],"incorporationDate":["2001"]}}"#,
    ]
    .join("\n")
    .into_bytes()]
}

fn custom_csv(bytes: &[u8]) -> bool {
    let mapping: CustomCsvMapping = serde_json::from_str(
        r#"{"id_column": "ref", "name_column": "name", "alias_columns": ["aka"],
            "schema_column": "kind", "country_columns": ["country"], "dob_column": "born"}"#,
    )
    .expect("the fuzz mapping is valid");
    list(
        &ListFormat::CustomCsv {
            mapping: Box::new(mapping),
        },
        bytes,
    )
}

fn custom_csv_seeds() -> Vec<Vec<u8>> {
    vec![
        b"ref,name,aka,kind,country,born\n\
           1,Ivan Petrov,Ivan P.;I. Petrov,person,RU,1970-01-02\n\
           2,Acme Trading LLC,,company,IR,\n\
           3,\"Doe, John\",\"J \"\"JD\"\" Doe\",,US,1980\n"
            .to_vec(),
    ]
}

fn mrz(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    let Ok(zone) = Mrz::parse(&lines) else {
        return false;
    };
    {
        // The derived values are what verification reads; they must not panic either.
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).expect("a valid date");
        let _ = zone.all_check_digits_valid();
        let _ = zone.birth_date().as_birth_date(today);
        let _ = zone.expiry_date().as_expiry_date(today);
        let _ = zone.name().components().count();
        let _ = (zone.issuing_state().country(), zone.nationality().country());
    }
    true
}

fn mrz_seeds() -> Vec<Vec<u8>> {
    [
        // ICAO Doc 9303 specimens: TD3 (passport), TD2, TD1 (identity card).
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
        "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6",
        "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

fn catalog() -> &'static Catalog {
    static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| Catalog::bundled().expect("the bundled catalog loads"))
}

/// Accepted: at least one record decodes and validates.
fn usage_records(bytes: &[u8]) -> bool {
    let Ok(items) = decode_batch::<UsageRecordInput>(bytes) else {
        return false;
    };
    let valid = items
        .into_iter()
        .flatten()
        .filter(|input| UsageRecord::validate(input, catalog(), &RecordLimits::default()).is_ok());
    valid.count() > 0
}

fn usage_seeds() -> Vec<Vec<u8>> {
    let array = br#"[{"id": "u-1", "account": "a", "accelerator": "H100", "count": 8, "start": "2026-10-01T00:00:00Z", "end": "2026-10-02T00:00:00Z", "cluster": "c1", "datacenter": "dc", "fabric_gbps": 400.0, "reservation": "r-1", "purpose": "training", "telemetry": {"duty": 0.9, "ofu": 0.4, "precision": "bf16"}},
{"id": "u-2", "account": "b", "accelerator": "MI300X", "count": -1, "start": "2026-10-02T00:00:00Z", "end": "2026-10-01T00:00:00Z"}]"#;
    let ndjson = b"{\"id\": \"u-3\", \"account\": \"a\", \"accelerator\": \"A100-80GB\", \"count\": 1024, \"start\": \"2026-10-01T00:00:00+02:00\", \"end\": \"2027-10-01T00:00:00Z\"}\n\n{\"id\": 5}\n";
    vec![array.to_vec(), ndjson.to_vec()]
}

fn reservations(bytes: &[u8]) -> bool {
    let Ok(items) = decode_batch::<ReservationInput>(bytes) else {
        return false;
    };
    let valid = items
        .into_iter()
        .flatten()
        .filter(|input| Reservation::validate(input, catalog(), &RecordLimits::default()).is_ok());
    valid.count() > 0
}

fn reservation_seeds() -> Vec<Vec<u8>> {
    vec![br#"[{"id": "r-1", "account": "acct-2001", "accelerator": "H100", "count": 4096, "start": "2026-11-01T00:00:00Z", "end": "2027-02-01T00:00:00Z", "committed_spend_usd": 12000000.0, "price_per_chip_hour": 2.1, "cluster": "c", "datacenter": "d", "fabric_gbps": 3200}]"#.to_vec()]
}

fn rule_pack(bytes: &[u8]) -> bool {
    // The pack is TOML, so text: invalid UTF-8 is refused before the parser sees it.
    std::str::from_utf8(bytes).is_ok_and(|text| RulePack::from_toml_str(text).is_ok())
}

fn rule_pack_seeds() -> Vec<Vec<u8>> {
    vec![data("policies/bis-2024-nprm.toml")]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_is_accepted_by_its_parser() {
        // A seed the parser refuses would only fuzz its first error path.
        for target in TARGETS {
            for (i, seed) in (target.seeds)().iter().enumerate() {
                assert!((target.run)(seed), "{} seed {i} is refused", target.name);
            }
        }
    }
}

use cloudkyc_screening::model::{IdKind, ListId, NameKind, Schema, SnapshotMeta};
use cloudkyc_screening::parse::{
    OfacFiles, ParseError, parse_csl_csv, parse_dpl, parse_ofac, parse_un_xml,
};

pub(crate) const LISTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/lists");

pub(crate) fn read(path: &str) -> Vec<u8> {
    std::fs::read(format!("{LISTS}/{path}")).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

fn meta(id: &str) -> SnapshotMeta {
    SnapshotMeta::new(ListId::new(id).expect("valid id"))
}

#[test]
fn ofac_sdn_counts_match_the_publication() -> Result<(), ParseError> {
    let (sdn, add, alt, comments) = (
        read("ofac_sdn_2021-07/sdn.csv"),
        read("ofac_sdn_2021-07/add.csv"),
        read("ofac_sdn_2021-07/alt.csv"),
        read("ofac_sdn_2021-07/sdn_comments.csv"),
    );
    let files = OfacFiles {
        primary: &sdn,
        addresses: Some(&add),
        aliases: Some(&alt),
        comments: Some(&comments),
    };
    let snap = parse_ofac(&files, &meta("ofac_sdn"))?;
    assert_eq!(snap.entity_count(), 8976);
    let alias_rows = alt
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty() && l.iter().any(|b| !b.is_ascii_whitespace()))
        .count();
    assert_eq!(alias_rows, 11911);
    let aliases = snap
        .entities()
        .iter()
        .flat_map(|e| &e.names)
        .filter(|n| n.kind == NameKind::Alias)
        .count();
    // A few alias rows repeat the primary name or another alias of the same entry.
    assert!((11_850..=11_911).contains(&aliases), "aliases {aliases}");
    assert_eq!(snap.content_hash().as_str().len(), 64);
    let bnc = snap
        .entities()
        .iter()
        .find(|e| e.id == "306")
        .expect("entry 306");
    assert_eq!(bnc.primary_name(), "BANCO NACIONAL DE CUBA");
    assert!(
        bnc.names
            .iter()
            .any(|n| n.text == "BNC" && n.kind == NameKind::WeakAlias)
    );
    let people = snap
        .entities()
        .iter()
        .filter(|e| e.schema == Schema::Person)
        .count();
    let vessels = snap
        .entities()
        .iter()
        .filter(|e| e.schema == Schema::Vessel)
        .count();
    assert!(
        people > 3000 && vessels > 100,
        "people {people}, vessels {vessels}"
    );
    assert!(snap.entities().iter().any(|e| {
        e.identifiers
            .iter()
            .any(|i| i.kind() == IdKind::CryptoWallet)
    }));
    assert!(
        snap.entities()
            .iter()
            .filter(|e| !e.birth_dates.is_empty())
            .count()
            > 2000
    );
    Ok(())
}

#[test]
fn ofac_consolidated_uses_the_same_parser() -> Result<(), ParseError> {
    let dir = "ofac_cons_nonsdn_2025-12";
    let (p, a, l, c) = (
        read(&format!("{dir}/cons_prim.csv")),
        read(&format!("{dir}/cons_add.csv")),
        read(&format!("{dir}/cons_alt.csv")),
        read(&format!("{dir}/cons_comments.csv")),
    );
    let snap = parse_ofac(
        &OfacFiles {
            primary: &p,
            addresses: Some(&a),
            aliases: Some(&l),
            comments: Some(&c),
        },
        &meta("ofac_cons"),
    )?;
    // 443 lines, the last of which is the DOS end-of-file byte OFAC still appends.
    assert_eq!(snap.entity_count(), 442);
    let haniya = snap
        .entities()
        .iter()
        .find(|e| e.id == "9639")
        .expect("9639");
    assert_eq!(
        haniya
            .birth_dates
            .first()
            .map(ToString::to_string)
            .as_deref(),
        Some("1962")
    );
    Ok(())
}

#[test]
fn un_consolidated_counts() -> Result<(), ParseError> {
    let snap = parse_un_xml(&read("un/UN_consolidated_2026-02-27.xml"), &meta("un_sc"))?;
    let people = snap
        .entities()
        .iter()
        .filter(|e| e.schema == Schema::Person)
        .count();
    let orgs = snap
        .entities()
        .iter()
        .filter(|e| e.schema == Schema::Organization)
        .count();
    assert_eq!((people, orgs), (730, 273));
    assert_eq!(
        snap.published(),
        chrono::NaiveDate::from_ymd_opt(2026, 2, 27)
    );
    assert!(
        snap.entities()
            .iter()
            .filter(|e| !e.nationalities.is_empty())
            .count()
            > 400
    );
    assert!(
        snap.entities()
            .iter()
            .any(|e| e.names.iter().any(|n| n.kind == NameKind::WeakAlias))
    );
    Ok(())
}

#[test]
fn dpl_counts() -> Result<(), ParseError> {
    let snap = parse_dpl(&read("bis_dpl/dpl_2022-09.txt"), &meta("bis_dpl"))?;
    assert_eq!(snap.entity_count(), 581);
    assert!(snap.published().is_some());
    Ok(())
}

#[test]
fn csl_both_layouts() -> Result<(), ParseError> {
    let old = parse_csl_csv(&read("csl/csl_sample_2019.csv"), &meta("csl_2019"))?;
    assert_eq!(old.entity_count(), 115);
    let vessel = old
        .entities()
        .iter()
        .find(|e| e.primary_name() == "7-28")
        .expect("vessel 7-28");
    assert_eq!(vessel.schema, Schema::Vessel);
    assert_eq!(
        vessel.identifiers.first().map(|i| (i.kind(), i.value())),
        Some((IdKind::Imo, "8898831"))
    );
    let new = parse_csl_csv(&read("csl/consolidated_sample_2025.csv"), &meta("csl"))?;
    // The data README says 12 rows; the file holds 13 CSV records.
    assert_eq!(new.entity_count(), 13);
    let rim = new
        .entities()
        .iter()
        .find(|e| e.id == "52291")
        .expect("52291");
    assert_eq!(
        rim.identifiers.first().map(|i| (i.kind(), i.value())),
        Some((IdKind::Passport, "836238033"))
    );
    assert_eq!(
        rim.birth_dates.first().map(ToString::to_string).as_deref(),
        Some("1978-12-05")
    );
    Ok(())
}

#[test]
fn truncated_downloads_fail_closed() {
    let xml = read("un/UN_consolidated_2026-02-27.xml");
    assert!(parse_un_xml(xml.get(..xml.len() / 3).unwrap_or_default(), &meta("un_sc")).is_err());
    let sdn = read("ofac_sdn_2021-07/sdn.csv");
    // Cut inside a row: the last row is short and must be refused.
    let line_start = sdn
        .iter()
        .enumerate()
        .skip(sdn.len() / 2)
        .find(|(_, b)| **b == b'\n')
        .map_or(0, |(i, _)| i + 1);
    let cut = sdn.get(..line_start + 20).unwrap_or_default();
    assert!(parse_ofac(&OfacFiles::primary_only(cut), &meta("ofac_sdn")).is_err());
    assert!(parse_csl_csv(b"", &meta("csl")).is_err());
}

//! Quality harness: precision, recall and F1 at the default threshold on the labelled name data,
//! sliced by data set, schema and script; correlation with OFAC's own search tool.
//!
//! cargo run -p cloudkyc-screening --release --example quality

use std::collections::BTreeMap;
use std::error::Error;

use cloudkyc_screening::{DEFAULT_THRESHOLD, Schema, score_pair};

const NAMES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/names");

#[derive(Default, Clone, Copy)]
struct Counts {
    tp: u32,
    fp: u32,
    fn_: u32,
    tn: u32,
}

impl Counts {
    fn add(&mut self, truth: bool, predicted: bool) {
        match (truth, predicted) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }

    fn line(&self, label: &str) -> String {
        let ratio = |a: u32, b: u32| {
            if b == 0 {
                f64::NAN
            } else {
                f64::from(a) / f64::from(b)
            }
        };
        let p = ratio(self.tp, self.tp + self.fp);
        let r = ratio(self.tp, self.tp + self.fn_);
        let f1 = if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        };
        format!(
            "| {label} | {} | {} | {:.3} | {:.3} | {:.3} |",
            self.tp + self.fn_,
            self.fp + self.tn,
            p,
            r,
            f1
        )
    }
}

fn script(text: &str) -> &'static str {
    for c in text.chars() {
        let name = match c as u32 {
            0x0400..=0x04FF => "cyrillic",
            0x0600..=0x06FF | 0x0750..=0x077F => "arabic",
            0x0370..=0x03FF => "greek",
            0x0590..=0x05FF => "hebrew",
            0x0E00..=0x0E7F => "thai",
            0xAC00..=0xD7AF | 0x1100..=0x11FF => "hangul",
            0x3040..=0x30FF => "kana",
            0x4E00..=0x9FFF => "han",
            0x0900..=0x0DFF => "indic",
            0x0530..=0x058F | 0x10A0..=0x10FF | 0x1780..=0x17FF | 0x1000..=0x109F => "other",
            _ => continue,
        };
        return name;
    }
    "latin"
}

/// (query, expected match, minimum expected score)
type CrossScriptRow = (String, String, f64);
/// (name, true cluster, schema)
type Record = (String, String, Schema);

struct Pair {
    set: &'static str,
    a: String,
    b: String,
    schema: Option<Schema>,
    truth: bool,
}

fn cross_script() -> Result<(Vec<Pair>, Vec<CrossScriptRow>), Box<dyn Error>> {
    let text = std::fs::read_to_string(format!("{NAMES}/cross_script_pairs.csv"))?;
    let rows: Vec<CrossScriptRow> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let parts: Vec<&str> = l.split(',').collect();
            Some((
                parts.first()?.to_string(),
                parts.get(1)?.to_string(),
                parts.get(2)?.parse().ok()?,
            ))
        })
        .collect();
    let mut pairs = Vec::new();
    for (i, (q, m, _)) in rows.iter().enumerate() {
        pairs.push(Pair {
            set: "cross_script",
            a: q.clone(),
            b: m.clone(),
            schema: Some(Schema::Person),
            truth: true,
        });
        // Every other pair's Latin name is a negative for this query.
        for (j, (_, other, _)) in rows.iter().enumerate() {
            if i != j && other != m {
                pairs.push(Pair {
                    set: "cross_script",
                    a: q.clone(),
                    b: other.clone(),
                    schema: Some(Schema::Person),
                    truth: false,
                });
            }
        }
    }
    Ok((pairs, rows))
}

fn putin() -> Result<Vec<Pair>, Box<dyn Error>> {
    let text = std::fs::read_to_string(format!("{NAMES}/putin_names.txt"))?;
    let negatives = [
        "Vladimir Vinogradov",
        "Dmitry Medvedev",
        "Vladimir Turin",
        "Maria Putina",
        "Vladimir Polin",
    ];
    let mut pairs = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        pairs.push(Pair {
            set: "putin",
            a: line.to_owned(),
            b: "Vladimir Putin".into(),
            schema: None,
            truth: true,
        });
        for n in negatives {
            pairs.push(Pair {
                set: "putin",
                a: line.to_owned(),
                b: n.into(),
                schema: None,
                truth: false,
            });
        }
    }
    Ok(pairs)
}

fn senzing() -> Result<Vec<Pair>, Box<dyn Error>> {
    let dir = format!("{NAMES}/senzing_truthset");
    let mut clusters: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut key = csv::Reader::from_path(format!("{dir}/actual_truthset_key.csv"))?;
    for row in key.records() {
        let row = row?;
        clusters.insert(
            (
                row.get(2).unwrap_or_default().into(),
                row.get(3).unwrap_or_default().into(),
            ),
            row.get(1).unwrap_or_default().into(),
        );
    }
    let read = |file: &str| -> Result<Vec<Record>, Box<dyn Error>> {
        let mut reader = csv::Reader::from_path(format!("{dir}/{file}"))?;
        let headers = reader.headers()?.clone();
        let col = |row: &csv::StringRecord, name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| row.get(i))
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        let mut out = Vec::new();
        for row in reader.records() {
            let row = row?;
            let full = col(&row, "PRIMARY_NAME_FULL");
            let org = col(&row, "PRIMARY_NAME_ORG");
            let parts: Vec<String> = [
                "PRIMARY_NAME_FIRST",
                "PRIMARY_NAME_MIDDLE",
                "PRIMARY_NAME_LAST",
            ]
            .iter()
            .map(|c| col(&row, c))
            .filter(|s| !s.is_empty())
            .collect();
            let name = [full, org, parts.join(" ")]
                .into_iter()
                .find(|s| !s.is_empty())
                .unwrap_or_default();
            let schema = if col(&row, "RECORD_TYPE") == "ORGANIZATION" {
                Schema::Organization
            } else {
                Schema::Person
            };
            let cluster = clusters
                .get(&(col(&row, "DATA_SOURCE"), col(&row, "RECORD_ID")))
                .cloned()
                .unwrap_or_default();
            if !name.is_empty() {
                out.push((name, cluster, schema));
            }
        }
        Ok(out)
    };
    let customers = read("customers.csv")?;
    let watchlist = read("watchlist.csv")?;
    let mut pairs = Vec::new();
    for (c, c_cluster, schema) in &customers {
        for (w, w_cluster, _) in &watchlist {
            let truth = !c_cluster.is_empty() && c_cluster == w_cluster;
            pairs.push(Pair {
                set: "senzing",
                a: c.clone(),
                b: w.clone(),
                schema: Some(*schema),
                truth,
            });
        }
    }
    Ok(pairs)
}

fn pearson(xs: &[f64], ys: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let cov: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let vx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let vy: f64 = ys.iter().map(|y| (y - my).powi(2)).sum();
    cov / (vx.sqrt() * vy.sqrt())
}

fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| {
        xs.get(a)
            .copied()
            .unwrap_or(0.0)
            .total_cmp(&xs.get(b).copied().unwrap_or(0.0))
    });
    let mut r = vec![0.0; xs.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        let value = |k: usize| idx.get(k).and_then(|&p| xs.get(p)).copied().unwrap_or(0.0);
        while j + 1 < idx.len() && value(j + 1) == value(i) {
            j += 1;
        }
        for k in i..=j {
            if let Some(slot) = idx.get(k).and_then(|&p| r.get_mut(p)) {
                *slot = (i + j) as f64 / 2.0;
            }
        }
        i = j + 1;
    }
    r
}

fn main() -> Result<(), Box<dyn Error>> {
    let threshold = DEFAULT_THRESHOLD;
    let (cross, rows) = cross_script()?;
    let mut pairs = cross;
    pairs.extend(putin()?);
    pairs.extend(senzing()?);
    let mut slices: BTreeMap<String, Counts> = BTreeMap::new();
    let verbose = std::env::args().any(|a| a == "--verbose");
    for pair in &pairs {
        let score = score_pair(&pair.a, &pair.b, pair.schema).score;
        let predicted = score >= threshold;
        let schema = pair.schema.map_or("unknown", |s| s.as_str());
        for key in [
            "all".to_owned(),
            format!("set={}", pair.set),
            format!("schema={schema}"),
            format!("script={}", script(&pair.a)),
        ] {
            slices.entry(key).or_default().add(pair.truth, predicted);
        }
        if verbose && pair.truth != predicted {
            println!(
                "{} {:>5.3} {} | {} | {}",
                if pair.truth { "MISS" } else { "FALSE" },
                score,
                pair.set,
                pair.a,
                pair.b
            );
        }
    }
    println!(
        "threshold {threshold}\n\n| slice | positives | negatives | precision | recall | F1 |\n|---|---|---|---|---|---|"
    );
    for (label, counts) in &slices {
        println!("{}", counts.line(label));
    }
    let above_min = rows
        .iter()
        .filter(|(q, m, min)| score_pair(q, m, Some(Schema::Person)).score >= *min)
        .count();
    println!(
        "\ncross_script pairs at or above the file's minimum expected score: {above_min}/{}",
        rows.len()
    );

    let mut reader = csv::Reader::from_path(format!("{NAMES}/ofac_search_tool_scores.csv"))?;
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for row in reader.records() {
        let row = row?;
        let (Some(q), Some(r), Some(s)) = (
            row.get(0),
            row.get(1),
            row.get(2).and_then(|s| s.parse::<f64>().ok()),
        ) else {
            continue;
        };
        ours.push(score_pair(q, r, None).score);
        theirs.push(s / 100.0);
    }
    println!(
        "ofac_search_tool_scores: {} pairs, Pearson {:.3}, Spearman {:.3}",
        ours.len(),
        pearson(&ours, &theirs),
        pearson(&ranks(&ours), &ranks(&theirs))
    );
    Ok(())
}

//! Speed and memory on all bundled lists.
//!
//! cargo run -p cloudkyc-screening --release --example bench

use std::error::Error;
use std::time::{Duration, Instant};

use cloudkyc_screening::bundled::{default_rarity, default_snapshots};
use cloudkyc_screening::{Index, Query, Schema, ScreenOptions, score_pair_with};

fn resident_bytes() -> u64 {
    // statm: size resident shared ... in pages
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()))
        .map_or(0, |pages| pages * 4096)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

/// A typo: swap two inner letters of the longest word.
fn perturb(name: &str) -> String {
    let mut words: Vec<String> = name.split_whitespace().map(str::to_owned).collect();
    if let Some(w) = words.iter_mut().max_by_key(|w| w.len()) {
        let mut chars: Vec<char> = w.chars().collect();
        if chars.len() > 4 {
            chars.swap(2, 3);
        }
        *w = chars.into_iter().collect();
    }
    words.join(" ")
}

fn main() -> Result<(), Box<dyn Error>> {
    let rss_start = resident_bytes();
    let started = Instant::now();
    let snapshots = default_snapshots()?;
    let parse_time = started.elapsed();
    let names: Vec<(String, Schema)> =
        snapshots.iter().flat_map(|s| s.entities()).flat_map(|e| e.names.iter().map(move |n| (n.text.clone(), e.schema))).collect();
    let rss_parsed = resident_bytes();
    let started = Instant::now();
    let index = Index::build(&snapshots);
    let build_time = started.elapsed();
    drop(snapshots);
    let rss_index = resident_bytes();
    println!("lists: {} entities, {} names", index.entity_count(), index.name_count());
    println!("parse all bundled lists: {:.0} ms", parse_time.as_secs_f64() * 1e3);
    println!("index build: {:.0} ms", build_time.as_secs_f64() * 1e3);
    println!(
        "resident memory: start {:.1} MB, after parse {:.1} MB, with index (snapshots dropped) {:.1} MB; index estimate {:.1} MB",
        rss_start as f64 / 1e6,
        rss_parsed as f64 / 1e6,
        rss_index as f64 / 1e6,
        index.approximate_heap_bytes() as f64 / 1e6
    );

    // Queries: every 5th list name, half of them with a typo, plus names that are on no list.
    let mut queries: Vec<Query> = names
        .iter()
        .step_by(5)
        .enumerate()
        .map(|(i, (n, s))| {
            let text = if i % 2 == 0 { n.clone() } else { perturb(n) };
            let q = Query::name(text);
            if i % 3 == 0 { q.with_schema(*s) } else { q }
        })
        .collect();
    for first in ["Emma", "John", "Maria", "Wei", "Olga", "Ahmed"] {
        for last in ["Daniels", "Johnson", "Gonzalez", "Zhang", "Ivanova", "Karimi"] {
            queries.push(Query::name(format!("{first} {last}")));
            queries.push(Query::name(format!("{last} Trading {first} LLC")));
        }
    }
    let options = ScreenOptions::default();
    for q in queries.iter().take(200) {
        let _ = index.screen(q, &options);
    }
    let mut times = Vec::with_capacity(queries.len());
    let mut hits = 0usize;
    for q in &queries {
        let t = Instant::now();
        hits += index.screen(q, &options).len();
        times.push(t.elapsed());
    }
    times.sort_unstable();
    println!(
        "single-name screening, {} queries, one thread: p50 {:.1} us, p99 {:.1} us, max {:.1} us ({} hits)",
        queries.len(),
        percentile(&times, 0.5).as_secs_f64() * 1e6,
        percentile(&times, 0.99).as_secs_f64() * 1e6,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1e6,
        hits
    );

    let started = Instant::now();
    let screened: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = queries
            .chunks(queries.len().div_ceil(2))
            .map(|chunk| {
                let index = &index;
                let options = &options;
                scope.spawn(move || {
                    for q in chunk {
                        std::hint::black_box(index.screen(q, options));
                    }
                    chunk.len()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    let elapsed = started.elapsed().as_secs_f64();
    println!("batch screening, 2 threads: {:.0} names/s", screened as f64 / elapsed);

    let rarity = default_rarity();
    let pairs: Vec<(&str, String)> = names.iter().take(20_000).map(|(n, _)| (n.as_str(), perturb(n))).collect();
    for (a, b) in pairs.iter().take(1000) {
        let _ = score_pair_with(rarity, a, b, None);
    }
    let started = Instant::now();
    let mut total = 0.0;
    for (a, b) in &pairs {
        total += score_pair_with(rarity, a, b, None).score;
    }
    let one = pairs.len() as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    std::thread::scope(|scope| {
        for chunk in pairs.chunks(pairs.len().div_ceil(2)) {
            scope.spawn(move || chunk.iter().map(|(a, b)| score_pair_with(rarity, a, b, None).score).sum::<f64>());
        }
    });
    let two = pairs.len() as f64 / started.elapsed().as_secs_f64();
    println!("pair scoring (normalise both names + align): {one:.0} pairs/s on one thread, {two:.0} pairs/s on 2 threads (mean score {:.3})", total / pairs.len() as f64);
    Ok(())
}

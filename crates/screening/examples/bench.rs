//! Speed and memory on all bundled lists.
//!
//! cargo run -p cloudkyc-screening --release --example bench [-- --rounds N]
//!
//! The development machine is shared, so besides wall-clock figures the harness reports CPU time
//! (the kernel's per-thread run time, `/proc/thread-self/schedstat`), which excludes the time the
//! thread waited for a core, and per-query latency as the minimum of several runs of that query
//! (a run that was preempted is slower, never faster). Queries: every fifth list name (half with
//! two letters swapped, a third with the entry's schema) plus 72 names on no list.
//!
//! `--dump FILE` also writes every query's hits (entity id and score) and every pair's score to
//! FILE, so two builds can be compared hit for hit (`diff`); `--only screen` or `--only pairs`
//! runs one half (for profiling).

use std::error::Error;
use std::time::{Duration, Instant};

use cloudkyc_screening::bundled::{default_rarity, default_snapshots};
use cloudkyc_screening::{Index, Query, Schema, ScreenOptions, score_pair_with};

fn resident_bytes() -> u64 {
    // statm: size resident shared ... in pages
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

/// CPU time this thread has run, if the kernel says (Linux); `None` elsewhere.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace()
        .next()?
        .parse::<u64>()
        .ok()
        .map(Duration::from_nanos)
}

fn cpu_since(start: Option<Duration>) -> Option<Duration> {
    Some(thread_cpu()?.saturating_sub(start?))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
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

fn queries(names: &[(String, Schema)]) -> Vec<Query> {
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
        for last in [
            "Daniels", "Johnson", "Gonzalez", "Zhang", "Ivanova", "Karimi",
        ] {
            queries.push(Query::name(format!("{first} {last}")));
            queries.push(Query::name(format!("{last} Trading {first} LLC")));
        }
    }
    queries
}

/// Runs `work` over `items` split across two threads; (items per wall second, items per CPU
/// second of one thread).
fn on_two_threads<T: Sync>(items: &[T], work: impl Fn(&T) + Sync) -> (f64, Option<f64>) {
    let started = Instant::now();
    let cpu: Option<Duration> = std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(items.len().div_ceil(2).max(1))
            .map(|chunk| {
                let work = &work;
                scope.spawn(move || {
                    let cpu = thread_cpu();
                    chunk.iter().for_each(work);
                    cpu_since(cpu)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().ok().flatten()).sum()
    });
    let wall = items.len() as f64 / started.elapsed().as_secs_f64();
    (wall, cpu.map(|c| items.len() as f64 / c.as_secs_f64()))
}

fn report_rate(label: &str, (wall, per_cpu): (f64, Option<f64>)) {
    match per_cpu {
        Some(per_cpu) => println!(
            "{label}: {wall:.0}/s wall-clock; {per_cpu:.0}/s per CPU-second, so {:.0}/s on 2 free cores",
            per_cpu * 2.0
        ),
        None => println!("{label}: {wall:.0}/s wall-clock"),
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let rounds: usize = std::env::args()
        .skip_while(|a| a != "--rounds")
        .nth(1)
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let flag = |name: &str| std::env::args().skip_while(|a| a != name).nth(1);
    let dump_path = flag("--dump");
    let only = flag("--only");
    let mut dump = String::new();
    let rss_start = resident_bytes();
    let started = Instant::now();
    let snapshots = default_snapshots()?;
    let parse_time = started.elapsed();
    let names: Vec<(String, Schema)> = snapshots
        .iter()
        .flat_map(|s| s.entities())
        .flat_map(|e| e.names.iter().map(move |n| (n.text.clone(), e.schema)))
        .collect();
    let rss_parsed = resident_bytes();
    let (started, cpu) = (Instant::now(), thread_cpu());
    let index = Index::build(&snapshots);
    let (build_time, build_cpu) = (started.elapsed(), cpu_since(cpu));
    drop(snapshots);
    let rss_index = resident_bytes();
    println!(
        "lists: {} entities, {} names",
        index.entity_count(),
        index.name_count()
    );
    println!(
        "parse all bundled lists: {:.0} ms",
        parse_time.as_secs_f64() * 1e3
    );
    println!(
        "index build: {:.0} ms wall-clock, {} CPU",
        build_time.as_secs_f64() * 1e3,
        build_cpu.map_or("n/a".to_owned(), |c| format!(
            "{:.0} ms",
            c.as_secs_f64() * 1e3
        ))
    );
    println!(
        "resident memory: start {:.1} MB, after parse {:.1} MB, with index (snapshots dropped) {:.1} MB; index estimate {:.1} MB",
        rss_start as f64 / 1e6,
        rss_parsed as f64 / 1e6,
        rss_index as f64 / 1e6,
        index.approximate_heap_bytes() as f64 / 1e6
    );

    let queries = queries(&names);
    let options = ScreenOptions::default();
    if dump_path.is_some() {
        // The bench queries plus each reordered and shortened by its first word.
        let variants = queries.iter().flat_map(|q| {
            let words: Vec<&str> = q.name.split_whitespace().collect();
            let reversed = words.iter().rev().copied().collect::<Vec<_>>().join(" ");
            let shortened = words.get(1..).unwrap_or_default().join(" ");
            [q.clone(), Query::name(reversed), Query::name(shortened)]
        });
        for q in variants {
            dump.push_str(&q.name);
            for hit in index.screen(&q, &options) {
                dump.push_str(&format!(" | {} {:.9}", hit.entity_id, hit.score));
            }
            dump.push('\n');
        }
    }
    if only.as_deref() != Some("pairs") {
        for q in queries.iter().take(200) {
            let _ = index.screen(q, &options);
        }
        // Round 1 is the single-shot figure; the minimum over all rounds filters preemption.
        let mut first = Vec::with_capacity(queries.len());
        let mut best = vec![Duration::MAX; queries.len()];
        let mut hits = 0usize;
        let mut cpu_total = Some(Duration::ZERO);
        for round in 0..rounds.max(1) {
            let cpu = thread_cpu();
            for (q, slot) in queries.iter().zip(best.iter_mut()) {
                let t = Instant::now();
                let found = index.screen(q, &options).len();
                let elapsed = t.elapsed();
                *slot = (*slot).min(elapsed);
                if round == 0 {
                    first.push(elapsed);
                    hits += found;
                }
            }
            cpu_total = cpu_total.zip(cpu_since(cpu)).map(|(a, b)| a + b);
        }
        first.sort_unstable();
        best.sort_unstable();
        println!(
            "single-name screening, {} queries ({hits} hits), one thread:",
            queries.len()
        );
        println!(
            "  best of {rounds} runs per query: p50 {:.1} us, p99 {:.1} us, max {:.1} us",
            micros(percentile(&best, 0.5)),
            micros(percentile(&best, 0.99)),
            micros(best.last().copied().unwrap_or_default())
        );
        println!(
            "  single run, wall-clock: p50 {:.1} us, p99 {:.1} us, max {:.1} us",
            micros(percentile(&first, 0.5)),
            micros(percentile(&first, 0.99)),
            micros(first.last().copied().unwrap_or_default())
        );
        if let Some(cpu) = cpu_total {
            println!(
                "  mean CPU time per query: {:.1} us",
                micros(cpu) / (queries.len() * rounds.max(1)) as f64
            );
        }

        report_rate(
            "batch screening, 2 threads, names",
            on_two_threads(&queries, |q| {
                std::hint::black_box(index.screen(q, &options));
            }),
        );
    }
    if only.as_deref() == Some("screen") {
        return write_dump(dump_path, &dump);
    }
    let rarity = default_rarity();
    let pairs: Vec<(&str, String)> = names
        .iter()
        .take(20_000)
        .map(|(n, _)| (n.as_str(), perturb(n)))
        .collect();
    let mut total = 0.0;
    for (a, b) in pairs.iter().take(1000) {
        total += score_pair_with(rarity, a, b, None).score;
    }
    let (started, cpu) = (Instant::now(), thread_cpu());
    for (a, b) in &pairs {
        total += score_pair_with(rarity, a, b, None).score;
    }
    let one_wall = pairs.len() as f64 / started.elapsed().as_secs_f64();
    let one_cpu = cpu_since(cpu).map(|c| pairs.len() as f64 / c.as_secs_f64());
    println!(
        "pair scoring (normalise both names + align), one thread: {one_wall:.0} pairs/s wall-clock{}",
        one_cpu.map_or(String::new(), |c| format!("; {c:.0} pairs per CPU-second"))
    );
    report_rate(
        "pair scoring, 2 threads, pairs",
        on_two_threads(&pairs, |(a, b)| {
            std::hint::black_box(score_pair_with(rarity, a, b, None));
        }),
    );
    println!(
        "(mean pair score {:.3})",
        total / (pairs.len() + 1000) as f64
    );
    if dump_path.is_some() {
        for (a, b) in &pairs {
            let score = score_pair_with(rarity, a, b, None).score;
            dump.push_str(&format!("{a} / {b} = {score:.9}\n"));
        }
    }
    write_dump(dump_path, &dump)
}

fn write_dump(path: Option<String>, dump: &str) -> Result<(), Box<dyn Error>> {
    if let Some(path) = path {
        std::fs::write(path, dump)?;
    }
    Ok(())
}

//! Measures the delta-aware re-screening core (issue 4, continuous screening): after a list
//! change, every customer of a portfolio is tested against the change, and only the customers
//! it flags are screened in full.
//!
//! ```sh
//! cargo run --release -p cloudkyc-app --example rescreen_bench -- \
//!     [--customers N] [--threads T] [--removed R] [--changed C] [--added A]
//! ```
//!
//! The lists: every bundled list (the "before" index); the "after" index removes `R` (20)
//! entries of the SDN list, changes the record of `C` (50) others (an address added) and adds
//! `A` (100) new entries named as people of the UN list. The portfolio: `N` (1,000,000) customers with
//! names recombined from the demo generator's people and companies (given name of one,
//! family name of another), a third of them companies with one or two owners; one in 10,000
//! is named like an added entry (so the full screen runs), one in 100 has a stored hit on an
//! SDN entry. Each customer costs what the `screening.rescreen` job spends on it in memory:
//! its queries are built from its names and tested with `DeltaScreen::needs_full_screen`;
//! flagged customers are screened in full against the "after" index (`screening::screen`, as
//! onboarding does). Reading and decrypting customers from the store is not included (the
//! job reads 500 per page).

use std::collections::BTreeSet;
use std::time::Instant;

use cloudkyc_app::demo::{DemoSpec, generate};
use cloudkyc_app::rescreen::{DeltaScreen, EntityKey, ListDelta};
use cloudkyc_app::screening::{ScreenRequest, query_of, screen};
use cloudkyc_domain::cip::CustomerDraft;
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_screening::bundled::default_snapshots;
use cloudkyc_screening::{
    ContentHash, Entity, Index, ListSnapshot, NameKind, Query, Schema, SnapshotMeta,
};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// One customer as the job sees it: its screening requests and its stored hits.
struct Customer {
    requests: Vec<ScreenRequest>,
    stored: Vec<EntityKey>,
}

fn request(name: &str, schema: Schema) -> ScreenRequest {
    ScreenRequest {
        name: name.to_owned(),
        schema: Some(schema),
        country: Some("DE".to_owned()),
        date_of_birth: (schema == Schema::Person).then(|| "1980-01-02".to_owned()),
        limit: 10,
    }
}

fn name_pools() -> (Vec<String>, Vec<String>, Vec<String>) {
    let spec = DemoSpec {
        seed: 7,
        count: 3_000,
        year: 2026,
    };
    let (mut given, mut family, mut companies) = (Vec::new(), Vec::new(), Vec::new());
    let mut person = |full: &str| {
        let words: Vec<&str> = full.split_whitespace().collect();
        if let (Some(first), Some(last)) = (words.first(), words.last()) {
            given.push((*first).to_owned());
            family.push((*last).to_owned());
        }
    };
    for demo in generate(&spec) {
        let draft: &CustomerDraft = &demo.draft;
        let value = serde_json::to_value(draft).unwrap_or_default();
        let name = value["name"]["full"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if value["kind"] == "entity" {
            companies.push(name);
        } else {
            person(&name);
        }
        for owner in value["beneficial_owners"].as_array().into_iter().flatten() {
            person(owner["name"]["full"].as_str().unwrap_or_default());
        }
    }
    (given, family, companies)
}

fn portfolio(n: usize, added: &[String], sdn_ids: &[String]) -> Vec<Customer> {
    let (given, family, companies) = name_pools();
    let pick = |pool: &[String], i: usize| pool[i % pool.len()].clone();
    let person = |i: usize| {
        format!(
            "{} {}",
            pick(&given, i),
            pick(&family, i.wrapping_mul(7919))
        )
    };
    (0..n)
        .map(|i| {
            let mut requests = Vec::new();
            if i % 10_000 == 0 && !added.is_empty() {
                requests.push(request(&added[(i / 10_000) % added.len()], Schema::Person));
            } else if i % 3 == 0 {
                requests.push(request(&pick(&companies, i), Schema::Organization));
                requests.push(request(&person(i + 1), Schema::Person));
                if i % 2 == 0 {
                    requests.push(request(&person(i + 2), Schema::Person));
                }
            } else {
                requests.push(request(&person(i), Schema::Person));
            }
            let stored = if i % 100 == 1 {
                vec![EntityKey::new("ofac_sdn", pick(sdn_ids, i))]
            } else {
                Vec::new()
            };
            Customer { requests, stored }
        })
        .collect()
}

/// The lists after a change: SDN entries removed, changed and added.
fn changed_lists(
    before: &[ListSnapshot],
    removed: usize,
    changed: usize,
    added: &[String],
) -> Vec<ListSnapshot> {
    before
        .iter()
        .map(|s| {
            if s.list().as_str() != "ofac_sdn" {
                return s.clone();
            }
            let mut entities: Vec<Entity> = s.entities().iter().skip(removed).cloned().collect();
            for e in entities.iter_mut().take(changed) {
                e.add_address("1 Changed Street, Valletta");
            }
            for (i, name) in added.iter().enumerate() {
                let mut e = Entity::new(format!("bench-{i}"), Schema::Person);
                e.add_name(name, NameKind::Primary);
                entities.push(e);
            }
            let meta = SnapshotMeta::new(s.list().clone());
            ListSnapshot::new(&meta, ContentHash::of(b"after"), s.published(), entities)
        })
        .collect()
}

/// The process's CPU time (user + system, all threads) in seconds, from `/proc/self/stat`
/// (clock ticks of 10 ms); `None` where there is no procfs.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n = arg("--customers", 1_000_000);
    let threads = arg("--threads", 2).max(1);
    let (removed, changed, added_count) = (
        arg("--removed", 20),
        arg("--changed", 50),
        arg("--added", 100),
    );
    let pack = RulePack::bundled(DEFAULT_PACK_ID).ok_or("no bundled pack")?;
    let before = default_snapshots()?;
    // New entries named as the UN list names people (the SDN list does not hold them).
    let added: Vec<String> = before
        .iter()
        .filter(|s| s.list().as_str() == "un_sc")
        .flat_map(|s| s.entities().iter())
        .filter(|e| e.schema == Schema::Person)
        .map(|e| e.primary_name().to_owned())
        .take(added_count)
        .collect();
    let after = changed_lists(&before, removed, changed, &added);
    let old = Index::build(&before);
    let new = Index::build(&after);
    let sdn_ids: Vec<String> = before
        .iter()
        .find(|s| s.list().as_str() == "ofac_sdn")
        .map(|s| s.entities().iter().map(|e| e.id.clone()).collect())
        .unwrap_or_default();

    let t = Instant::now();
    let delta = ListDelta::between(&old, &new);
    let delta_time = t.elapsed();
    let t = Instant::now();
    let screen_delta = DeltaScreen::new(delta, &new);
    let prepare_time = t.elapsed();
    let d = screen_delta.delta();
    println!(
        "lists: {} entities before, {} after; delta: {} added or changed, {} removed",
        old.entity_count(),
        new.entity_count(),
        d.changed.len(),
        d.removed.len()
    );
    println!(
        "delta computed in {:.1} ms (hashing every entity of both indexes), small index built in {:.1} ms",
        delta_time.as_secs_f64() * 1e3,
        prepare_time.as_secs_f64() * 1e3
    );

    let t = Instant::now();
    let customers = portfolio(n, &added, &sdn_ids);
    let names: usize = customers.iter().map(|c| c.requests.len()).sum();
    println!(
        "portfolio: {n} customers, {names} names (generated in {:.1} s, not counted)",
        t.elapsed().as_secs_f64()
    );

    let chunk = n.div_ceil(threads);
    let cpu_before = cpu_seconds();
    let t = Instant::now();
    let results: Vec<(usize, usize)> = std::thread::scope(|scope| {
        let workers: Vec<_> = customers
            .chunks(chunk.max(1))
            .map(|part| {
                let (pack, screen_delta, new) = (&pack, &screen_delta, &new);
                scope.spawn(move || {
                    let (mut flagged, mut hits) = (0, 0);
                    for c in part {
                        let queries: Vec<(Query, f64)> = c
                            .requests
                            .iter()
                            .filter_map(|r| query_of(pack, r).ok())
                            .collect();
                        if screen_delta.needs_full_screen(&queries, c.stored.iter()) {
                            flagged += 1;
                            let found: BTreeSet<String> = c
                                .requests
                                .iter()
                                .filter_map(|r| screen(pack, new, r).ok())
                                .flat_map(|s| s.hits.into_iter().map(|h| h.entity_id))
                                .collect();
                            hits += found.len();
                        }
                    }
                    (flagged, hits)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or((0, 0)))
            .collect()
    });
    let elapsed = t.elapsed().as_secs_f64();
    let cpu = cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    let flagged: usize = results.iter().map(|r| r.0).sum();
    let hits: usize = results.iter().map(|r| r.1).sum();
    println!(
        "re-screen: {n} customers on {threads} threads in {elapsed:.2} s wall-clock ({:.0} customers/s); {flagged} screened in full, {hits} hits",
        n as f64 / elapsed,
    );
    if let Some(cpu) = cpu {
        println!(
            "CPU time {cpu:.2} s ({:.2} µs per name): {:.1} s on {threads} free cores",
            cpu * 1e6 / names as f64,
            cpu / threads as f64
        );
    }
    Ok(())
}

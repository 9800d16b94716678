//! Effective ownership for a portfolio of customers, each under five levels of holding
//! companies, generated reproducibly. Run in release:
//!
//! ```text
//! cargo run --release -p cloudkyc-domain --example ownership_bench -- [customers] [seed]
//! ```
//!
//! Each customer `c` is owned by holding company `h1`, `h1` by `h2`, ... up to `h5`; at every
//! level the holding company's share is drawn between 30 % and 100 % in hundredths of a
//! percent and up to two individuals hold the rest; `h5` is owned by one to three individuals.
//! One graph holds the whole portfolio; every customer is then queried.

use std::time::Instant;

use chrono::NaiveDate;
use cloudkyc_domain::ownership::{
    BeneficialOwnerRule, Edge, OwnershipGraph, Party, PartyRef, Share,
};
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};

/// SplitMix64: tiny, seedable and good enough to vary the structures.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `low..=high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

const LEVELS: usize = 5;

fn reference(text: String) -> Result<PartyRef, Box<dyn std::error::Error>> {
    Ok(PartyRef::new(text)?)
}

/// A share in hundredths of a percent (10 000 is 100 %).
fn basis_points(value: u64) -> Result<Share, Box<dyn std::error::Error>> {
    Ok(Share::from_ratio(value, 10_000)?)
}

/// Splits `rest` hundredths of a percent among up to `max_people` new individuals.
fn individuals_take(
    rest: u64,
    max_people: u64,
    owned: &PartyRef,
    prefix: &str,
    rng: &mut SplitMix,
    parties: &mut Vec<Party>,
    edges: &mut Vec<Edge>,
) -> Result<(), Box<dyn std::error::Error>> {
    if rest == 0 {
        return Ok(());
    }
    let people = rng.between(1, max_people);
    let mut left = rest;
    for k in 0..people {
        let part = if k + 1 == people {
            left
        } else {
            rng.between(1, left.saturating_sub(people - k - 1).max(1))
        };
        if part == 0 {
            continue;
        }
        left -= part;
        let person = reference(format!("{prefix}-p{k}"))?;
        parties.push(Party::individual(person.clone()));
        edges.push(Edge::ownership(person, owned.clone(), basis_points(part)?));
    }
    Ok(())
}

/// The generated portfolio: every party, every edge, and the customers to query.
struct Portfolio {
    parties: Vec<Party>,
    edges: Vec<Edge>,
    customers: Vec<PartyRef>,
}

fn portfolio(customers: usize, seed: u64) -> Result<Portfolio, Box<dyn std::error::Error>> {
    let mut rng = SplitMix(seed);
    let mut parties = Vec::with_capacity(customers * 14);
    let mut edges = Vec::with_capacity(customers * 14);
    let mut roots = Vec::with_capacity(customers);
    for i in 0..customers {
        let customer = reference(format!("c{i}"))?;
        parties.push(Party::entity(customer.clone()));
        roots.push(customer.clone());
        let mut below = customer;
        for level in 1..=LEVELS {
            let holdco = reference(format!("c{i}-h{level}"))?;
            parties.push(Party::entity(holdco.clone()));
            let held = rng.between(3_000, 10_000);
            edges.push(Edge::ownership(
                holdco.clone(),
                below.clone(),
                basis_points(held)?,
            ));
            let prefix = format!("c{i}-l{level}");
            individuals_take(
                10_000 - held,
                2,
                &below,
                &prefix,
                &mut rng,
                &mut parties,
                &mut edges,
            )?;
            below = holdco;
        }
        let prefix = format!("c{i}-top");
        individuals_take(
            10_000,
            3,
            &below,
            &prefix,
            &mut rng,
            &mut parties,
            &mut edges,
        )?;
    }
    Ok(Portfolio {
        parties,
        edges,
        customers: roots,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let customers: usize = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let seed: u64 = args.next().map_or(Ok(2024), |a| a.parse())?;
    let as_of = NaiveDate::from_ymd_opt(2026, 1, 1).ok_or("bad date")?;
    let pack = RulePack::bundled(DEFAULT_PACK_ID).ok_or("no bundled pack")?;
    let rule = BeneficialOwnerRule::from_terms(pack.terms())?;

    let started = Instant::now();
    let Portfolio {
        parties,
        edges,
        customers: customers_list,
    } = portfolio(customers, seed)?;
    let generated = started.elapsed();
    let party_count = parties.len();
    let edge_count = edges.len();

    let started = Instant::now();
    let graph = OwnershipGraph::build(parties, &edges, as_of)?;
    let built = started.elapsed();

    let started = Instant::now();
    let mut stakes = 0usize;
    let mut paths = 0usize;
    let mut not_whole = 0usize;
    for customer in &customers_list {
        let result = graph.effective_ownership(customer)?;
        stakes += result.individuals.len();
        paths += result
            .individuals
            .iter()
            .map(|s| s.paths.len())
            .sum::<usize>();
        let total = Share::sum(result.individuals.iter().map(|s| &s.share));
        if !total.is_one() {
            not_whole += 1;
        }
    }
    let effective = started.elapsed();

    let started = Instant::now();
    let mut owners = 0usize;
    for customer in &customers_list {
        owners += graph.beneficial_owners(customer, &rule)?.owners.len();
    }
    let beneficial = started.elapsed();

    println!(
        "customers            {customers} (seed {seed}, {LEVELS} levels of holding companies)"
    );
    println!("parties / edges      {party_count} / {edge_count}");
    println!("generate             {:.2} s", generated.as_secs_f64());
    println!("build graph          {:.2} s", built.as_secs_f64());
    println!(
        "effective ownership  {:.2} s ({:.1} us per customer), {stakes} individual stakes, {paths} paths",
        effective.as_secs_f64(),
        effective.as_secs_f64() * 1e6 / customers.max(1) as f64
    );
    println!(
        "beneficial owners    {:.2} s (effective ownership + control), {owners} owners",
        beneficial.as_secs_f64()
    );
    println!("customers whose individuals do not hold exactly 100 %: {not_whole}");
    if not_whole != 0 {
        return Err("exactness check failed".into());
    }
    Ok(())
}

//! Ownership of a portfolio as the application computes it: 100,000 customers, each with its own
//! stored structure of five levels of holding companies and the individuals (with identifying
//! data) beside and above them. Each structure is evaluated as a submission or a read does it
//! (`cloudkyc_app::ownership::evaluate`: checked graph with the customer, effective ownership
//! through every path, beneficial owners under the pack, the owner list for the customer).
//! Screening and storage are not included: they are measured by their own benchmarks.
//!
//! ```text
//! cargo run --release -p cloudkyc-app --example ownership_submission_bench -- [customers] [seed]
//! ```

use std::time::Instant;

use chrono::NaiveDate;
use cloudkyc_app::ownership::evaluate;
use cloudkyc_domain::cip::BeneficialOwnerDraft;
use cloudkyc_domain::ownership::{Edge, PartyKind, PartyRef, Share};
use cloudkyc_domain::rule_pack::{DEFAULT_PACK_ID, RulePack};
use cloudkyc_store::ownership::{OwnershipParty, OwnershipStructure};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const LEVELS: usize = 5;

/// SplitMix64: tiny, seedable, enough to vary the structures.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

fn reference(text: &str) -> Result<PartyRef> {
    Ok(PartyRef::new(text)?)
}

fn person(name: &str) -> Result<BeneficialOwnerDraft> {
    Ok(serde_json::from_value(serde_json::json!({
        "name": {"full": name}, "date_of_birth": "1979-02-03", "nationalities": ["CN"],
        "addresses": [{"line1": "8 Jianguo Road", "city": "Beijing", "country": "CN"}]
    }))?)
}

/// An individual `id` holding `part` hundredths of a percent of `owned`.
fn individual(
    parties: &mut Vec<OwnershipParty>,
    edges: &mut Vec<Edge>,
    id: String,
    owned: &PartyRef,
    part: u64,
) -> Result<()> {
    let party = reference(&id)?;
    parties.push(OwnershipParty {
        reference: party.clone(),
        kind: PartyKind::Individual,
        name: format!("Person {id}"),
        jurisdiction: None,
        person: Some(person(&format!("Person {id}"))?),
    });
    edges.push(Edge::ownership(
        party,
        owned.clone(),
        Share::from_ratio(part, 10_000)?,
    ));
    Ok(())
}

/// `customer <- h1 <- ... <- h5`, each holding company's share 30-100 % (in hundredths of a
/// percent), one individual holding the rest at each level, one to three individuals on top.
fn structure(rng: &mut SplitMix) -> Result<OwnershipStructure> {
    let mut parties = Vec::new();
    let mut edges = Vec::new();
    let mut below = reference("customer")?;
    let mut holdings = Vec::new();
    for level in 1..=LEVELS {
        let holdco = reference(&format!("h{level}"))?;
        let held = rng.between(3_000, 10_000);
        edges.push(Edge::ownership(
            holdco.clone(),
            below.clone(),
            Share::from_ratio(held, 10_000)?,
        ));
        if held < 10_000 {
            individual(
                &mut parties,
                &mut edges,
                format!("l{level}"),
                &below,
                10_000 - held,
            )?;
        }
        holdings.push(OwnershipParty {
            reference: holdco.clone(),
            kind: PartyKind::Entity,
            name: format!("Holding {level} Ltd"),
            jurisdiction: Some("KY".into()),
            person: None,
        });
        below = holdco;
    }
    let people = rng.between(1, 3);
    let mut left = 10_000;
    for k in 0..people {
        let part = if k + 1 == people {
            left
        } else {
            rng.between(1, left - (people - k - 1))
        };
        left -= part;
        individual(&mut parties, &mut edges, format!("top{k}"), &below, part)?;
    }
    parties.extend(holdings);
    Ok(OwnershipStructure { parties, edges })
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let customers: usize = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let seed: u64 = args.next().map_or(Ok(2024), |a| a.parse())?;
    let pack = RulePack::bundled(DEFAULT_PACK_ID).ok_or("no bundled pack")?;
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).ok_or("bad date")?;

    let started = Instant::now();
    let mut rng = SplitMix(seed);
    let structures = (0..customers)
        .map(|_| structure(&mut rng))
        .collect::<Result<Vec<_>>>()?;
    let generated = started.elapsed();

    let started = Instant::now();
    let (mut owners, mut paths, mut not_whole) = (0usize, 0usize, 0usize);
    for structure in &structures {
        let evaluation = evaluate(&pack, structure, as_of)?;
        owners += evaluation.drafts.len();
        let effective = &evaluation.owners.effective;
        paths += effective
            .individuals
            .iter()
            .map(|s| s.paths.len())
            .sum::<usize>();
        if !Share::sum(effective.individuals.iter().map(|s| &s.share)).is_one() {
            not_whole += 1;
        }
    }
    let evaluated = started.elapsed();

    println!(
        "customers            {customers} (seed {seed}, {LEVELS} levels of holding companies each)"
    );
    println!("generate             {:.2} s", generated.as_secs_f64());
    println!(
        "evaluate             {:.2} s ({:.1} us per customer): {owners} beneficial owners, {paths} paths",
        evaluated.as_secs_f64(),
        evaluated.as_secs_f64() * 1e6 / customers.max(1) as f64
    );
    println!("customers whose individuals do not hold exactly 100 %: {not_whole}");
    if not_whole != 0 {
        return Err("exactness check failed".into());
    }
    Ok(())
}

//! `cloudkyc-fuzz`: bounded fuzz runs of the parsers on stable Rust (no libFuzzer).
//!
//! ```text
//! cargo run -p cloudkyc-fuzz -- all --seconds 20        # every target, 20 s each (CI)
//! cargo run -p cloudkyc-fuzz -- mrz --seconds 300 --seed 7
//! cargo run -p cloudkyc-fuzz -- mrz --replay crash-file  # rerun one saved input
//! ```
//!
//! Each iteration takes a seed of the target's corpus (real list files from `data/`, the bundled
//! rule pack, specimen MRZs, documented record bodies) or the previous mutant, mutates it, and
//! hands it to the parser. Any panic is a finding: the input is written to `--crashes DIR`
//! (default `target/fuzz-crashes`), its path printed, and the run exits 1. Runs are
//! reproducible: the same `--seed` gives the same inputs.

mod mutate;
mod targets;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mutate::{Rng, mutate};
use targets::{TARGETS, Target};

struct Options {
    targets: Vec<&'static Target>,
    seconds: u64,
    iterations: Option<u64>,
    seed: u64,
    crashes: PathBuf,
    replay: Option<PathBuf>,
}

fn usage() -> String {
    let names: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
    format!(
        "usage: cloudkyc-fuzz (all|TARGET...) [--seconds N] [--iterations N] [--seed N] \
         [--crashes DIR] [--replay FILE]\ntargets: {}",
        names.join(", ")
    )
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        targets: Vec::new(),
        seconds: 20,
        iterations: None,
        seed: 1,
        crashes: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/fuzz-crashes"),
        replay: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        let number = |text: String| text.parse::<u64>().map_err(|e| format!("{text}: {e}"));
        match arg.as_str() {
            "--seconds" => options.seconds = number(value("--seconds")?)?,
            "--iterations" => options.iterations = Some(number(value("--iterations")?)?),
            "--seed" => options.seed = number(value("--seed")?)?,
            "--crashes" => options.crashes = PathBuf::from(value("--crashes")?),
            "--replay" => options.replay = Some(PathBuf::from(value("--replay")?)),
            "-h" | "--help" => return Err(usage()),
            "all" => options.targets.extend(TARGETS),
            name => match TARGETS.iter().find(|t| t.name == name) {
                Some(target) => options.targets.push(target),
                None => return Err(format!("unknown target {name:?}\n{}", usage())),
            },
        }
    }
    if options.targets.is_empty() {
        return Err(usage());
    }
    Ok(options)
}

/// What one target's run found.
enum Outcome {
    Clean { iterations: u64, accepted: u64 },
    Panicked { input: Vec<u8>, iteration: u64 },
}

fn fuzz(target: &Target, options: &Options) -> Outcome {
    let seeds = (target.seeds)();
    let max_len = seeds.iter().map(Vec::len).max().unwrap_or(0).max(2048) * 2;
    let mut rng = Rng::new(options.seed);
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let mut current = seeds[0].clone();
    let mut iteration = 0;
    let mut accepted = 0;
    // The seeds themselves first: they must parse without a panic before any mutant counts.
    for seed in &seeds {
        if catch_unwind(AssertUnwindSafe(|| (target.run)(seed))).is_err() {
            return Outcome::Panicked {
                input: seed.clone(),
                iteration,
            };
        }
    }
    loop {
        let done = match options.iterations {
            Some(limit) => iteration >= limit,
            None => Instant::now() >= deadline,
        };
        if done {
            return Outcome::Clean {
                iterations: iteration,
                accepted,
            };
        }
        iteration += 1;
        // Mostly stack mutations on the last mutant; now and then start again from a seed.
        if rng.chance(4) {
            current = seeds[rng.below(seeds.len())].clone();
        }
        let other = &seeds[rng.below(seeds.len())];
        mutate(&mut rng, &mut current, other, max_len);
        let input = &current;
        match catch_unwind(AssertUnwindSafe(|| (target.run)(input))) {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(_) => {
                return Outcome::Panicked {
                    input: current,
                    iteration,
                };
            }
        }
    }
}

fn save(options: &Options, target: &Target, input: &[u8]) -> Result<PathBuf, String> {
    std::fs::create_dir_all(&options.crashes).map_err(|e| e.to_string())?;
    let path = options
        .crashes
        .join(format!("{}-seed{}.bin", target.name, options.seed));
    std::fs::write(&path, input).map_err(|e| e.to_string())?;
    Ok(path)
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    if let Some(path) = &options.replay {
        let input = match std::fs::read(path) {
            Ok(input) => input,
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                return ExitCode::from(2);
            }
        };
        for target in &options.targets {
            // A panic here unwinds out of main with its message: that is the reproduction.
            let accepted = (target.run)(&input);
            println!(
                "{}: {} parsed without a panic ({})",
                target.name,
                path.display(),
                if accepted { "accepted" } else { "refused" }
            );
        }
        return ExitCode::SUCCESS;
    }
    let mut failed = false;
    for target in &options.targets {
        let started = Instant::now();
        match fuzz(target, &options) {
            Outcome::Clean {
                iterations,
                accepted,
            } => println!(
                "{}: {iterations} inputs ({accepted} accepted) in {:.1} s (seed {}), no panic",
                target.name,
                started.elapsed().as_secs_f64(),
                options.seed
            ),
            Outcome::Panicked { input, iteration } => {
                failed = true;
                match save(&options, target, &input) {
                    Ok(path) => eprintln!(
                        "FAIL {}: panicked on input {iteration} (seed {}); saved to {}; \
                         rerun with --replay",
                        target.name,
                        options.seed,
                        path.display()
                    ),
                    Err(e) => {
                        eprintln!("FAIL {}: panicked; cannot save the input: {e}", target.name)
                    }
                }
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

//! The `cintcheck` command line: run Sial programs on an engine, check a
//! corpus of real compiler output, convert between Sial text forms, and
//! benchmark engines.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cintcheck::bench;
use cintcheck::corpus::{run_corpus, CorpusOptions};
use cintcheck::engine::{engine_by_name, engine_names};
use cintcheck::source::read_programs;
use reference::RunConfig;

#[derive(Parser)]
#[command(
    name = "cintcheck",
    version,
    about = "Check ARM64 implementations of 64-bit BCPL against reference semantics"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a Sial program (several files are linked in order); stdout is
    /// streamed and the exit status is the program's return code.
    Exec {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Engine to run on.
        #[arg(long, default_value = "reference")]
        engine: String,
        /// Command-line arguments the program's rdargs sees.
        #[arg(long, default_value = "")]
        args: String,
        /// Stack of the command coroutine, in words.
        #[arg(long, default_value_t = 50_000)]
        stack: i64,
        /// Step budget (0 = unlimited).
        #[arg(long, default_value_t = 0)]
        step_limit: u64,
        /// Append the process's stdin to the program's input stream.
        #[arg(long)]
        stdin: bool,
        /// Print how the run ended and the step count on stderr.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Run every NAME.sial in DIR and compare stdout with NAME.out.
    Corpus {
        dir: PathBuf,
        #[arg(long, default_value = "reference")]
        engine: String,
        /// Write the results as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Only programs whose name contains this text.
        #[arg(long)]
        filter: Option<String>,
        /// Step budget per program (0 = unlimited).
        #[arg(long, default_value_t = 50_000_000_000)]
        step_limit: u64,
        /// Worker threads (default: one per core).
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Print a Sial file in the other (or the chosen) text form.
    Convert {
        file: PathBuf,
        /// `readable` or `compact`.
        #[arg(long, default_value = "readable")]
        to: String,
    },
    /// Compile a Sial program with the built-in AArch64 backend and list
    /// each Sial instruction with the AArch64 code it became.
    Asm {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print the listing (the default; kept for the MC-style command line).
        #[arg(long)]
        listing: bool,
        /// 1: Sial only; 2: with AArch64 instructions; 3: with their encodings.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=3))]
        level: u8,
        /// Include the run-time library's Sial prelude.
        #[arg(long)]
        prelude: bool,
    },
    /// List the engines this build has, one per line.
    Engines,
    /// Measure the engines on the CPU-heavy corpus programs.
    Bench {
        /// Corpus directory.
        #[arg(long, default_value = "../shared/corpus")]
        corpus: PathBuf,
        /// Measure the reference interpreter only.
        #[arg(long)]
        reference_only: bool,
        /// Programs to run (default: nqueens primes cobench fastfib pidigs).
        programs: Vec<String>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("cintcheck: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Exec {
            files,
            engine,
            args,
            stack,
            step_limit,
            stdin,
            verbose,
        } => {
            let engine = engine_by_name(&engine)?;
            let programs = read_programs(&files)?;
            let mut input = Vec::new();
            if stdin {
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut input)
                    .map_err(|e| format!("reading stdin: {e}"))?;
            }
            let config = RunConfig {
                stack_words: stack,
                step_limit,
                args: args.into_bytes(),
                stdin: input,
                program_name: program_name(&files[0]),
                ..RunConfig::default()
            };
            let outcome = engine.run(&programs, &config, Some(Box::new(std::io::stdout())));
            std::io::stdout().flush().ok();
            let status = outcome.ending.exit_status();
            if verbose || status == 125 {
                eprintln!(
                    "cintcheck: {} ({} steps on {})",
                    outcome.ending,
                    outcome.steps,
                    engine.name()
                );
            }
            Ok(ExitCode::from(status as u8))
        }
        Command::Corpus {
            dir,
            engine,
            json,
            filter,
            step_limit,
            jobs,
        } => {
            if let Some(n) = jobs {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build_global()
                    .map_err(|e| e.to_string())?;
            }
            let engine = engine_by_name(&engine)?;
            let report = run_corpus(engine.as_ref(), &dir, &CorpusOptions { filter, step_limit })?;
            for r in &report.results {
                let mark = if r.passed { "PASS" } else { "FAIL" };
                println!(
                    "{mark} {:<12} {:>8.3}s {:>12} steps  {}",
                    r.name, r.wall_seconds, r.steps, r.ending
                );
                if let Some(d) = &r.detail {
                    for line in d.lines() {
                        println!("    {line}");
                    }
                }
            }
            if let Some(path) = json {
                let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
                std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            }
            println!("{} passed, {} failed", report.passed, report.failed);
            Ok(if report.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Asm {
            files,
            listing: _,
            level,
            prelude,
        } => {
            let programs = read_programs(&files)?;
            let config = RunConfig::default();
            let (linked, _, compiled) = backend::engine::compile_programs(
                &programs,
                &config,
                &backend::codegen::Options::default(),
            )?;
            let level =
                backend::listing::Level::from_number(level).ok_or("level must be 1, 2 or 3")?;
            let first = if prelude { 0 } else { linked.prelude_modules() };
            print!(
                "{}",
                backend::listing::listing(&linked, &compiled, first, level)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Engines => {
            for name in engine_names() {
                println!("{name}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Convert { file, to } => {
            let programs = read_programs(&[&file])?;
            let text = match to.as_str() {
                "readable" => sial::print_readable(&programs[0].1),
                "compact" => sial::print_compact(&programs[0].1),
                other => return Err(format!("--to must be readable or compact, not {other}")),
            };
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            corpus,
            reference_only,
            programs,
        } => {
            let names: Vec<String> = if programs.is_empty() {
                bench::HEAVY.iter().map(|s| s.to_string()).collect()
            } else {
                programs
            };
            let rows = bench::run_bench(&corpus, &names, !reference_only)?;
            print!("{}", bench::format_rows(&rows));
            if !reference_only {
                let (n, secs) = bench::compile_speed(&corpus, 5)?;
                println!(
                    "\na64 compile speed over the whole corpus: {n} Sial instructions in {:.2} ms = {:.1}M Sial instructions/s (target >= 10)",
                    secs * 1e3,
                    n as f64 / secs / 1e6
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn program_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "program".into())
}

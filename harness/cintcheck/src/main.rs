//! The `cintcheck` command line: run Sial programs on an engine, check a
//! corpus of real compiler output, convert between Sial text forms, and
//! benchmark engines.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cintcheck::corpus::{run_corpus, CorpusOptions};
use cintcheck::engine::{engine_by_name, engine_names};
use cintcheck::source::{is_cintcode, read_object, read_programs};
use cintcheck::{bench, case, report, runner};
use reference::RunConfig;

#[derive(Parser)]
#[command(
    name = "cintcheck",
    version,
    about = "Check ARM64 implementations of 64-bit BCPL against reference semantics"
)]
struct Cli {
    /// Folder of adapter manifests for `--engine external:NAME` (searched
    /// before those of CINTCHECK_ADAPTERS and ./adapters).
    #[arg(long, global = true)]
    adapters: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a Sial program, or a 64-bit Cintcode program (`.cin` assembly or
    /// object files); several files are linked in order. stdout is
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
        /// The program's name (in `NAME failed returncode N`; default: the
        /// first file's stem).
        #[arg(long)]
        name: Option<String>,
    },
    /// Run the TOML suite: every case on every engine, judged against its
    /// expectations and against the reference.
    Run {
        /// Case files or directories (default: cases).
        paths: Vec<PathBuf>,
        /// Engines (repeatable; default: reference and a64).
        #[arg(long = "engine")]
        engines: Vec<String>,
        /// Only cases whose name contains this text.
        #[arg(long)]
        filter: Option<String>,
        /// Only cases with this tag (repeatable).
        #[arg(long = "tag")]
        tags: Vec<String>,
        /// Run shard K of N (1-based), e.g. 2/4.
        #[arg(long)]
        shard: Option<String>,
        /// Worker threads (default: one per core).
        #[arg(long)]
        jobs: Option<usize>,
        /// Write report.json, junit.xml, matrix.html and matrix.md here.
        #[arg(long)]
        report_dir: Option<PathBuf>,
        /// Write only the Markdown conformance matrix to this file.
        #[arg(long)]
        matrix: Option<PathBuf>,
        /// Print every result, not only the failures.
        #[arg(long, short)]
        verbose: bool,
        /// Reduce up to N failures of each external engine (one per class of
        /// failure first) to ready `[[case]]`s (0: none).
        #[arg(long, default_value_t = 3)]
        reduce: usize,
        /// Time budget of each reduction, in seconds.
        #[arg(long, default_value_t = 60)]
        reduce_seconds: u64,
    },
    /// Show one case: its program, the outcome on each engine, and the verdicts.
    Show {
        /// The case's full name (as `run` prints it).
        name: String,
        #[arg(long, default_value = "cases")]
        cases: PathBuf,
        #[arg(long = "engine")]
        engines: Vec<String>,
    },
    /// Merge JSON reports (e.g. of shards) into one, writing every report form.
    Merge {
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        #[arg(long)]
        report_dir: PathBuf,
    },
    /// Run every NAME.sial in DIR (with --cintcode every Cintcode object
    /// DIR/cin/NAME) and compare stdout with NAME.out.
    Corpus {
        dir: PathBuf,
        /// Run the real compiler's 64-bit Cintcode objects of DIR/cin.
        #[arg(long)]
        cintcode: bool,
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
        /// Write assembly text for this target instead of a listing:
        /// `linux` (ELF, GNU as) or `macos` (Mach-O).
        #[arg(long)]
        target: Option<String>,
        /// Where to write the assembly text (default: stdout).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// Translate a 64-bit Cintcode program (`.cin` assembly or object files)
    /// with the built-in backend and list each Cintcode instruction with
    /// the AArch64 code it became.
    Cinlist {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// 1: Cintcode only; 2: with AArch64 instructions; 3: with their encodings.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=3))]
        level: u8,
        /// Include the library's sections (prelude, writers, host stubs).
        #[arg(long)]
        library: bool,
    },
    /// Build a stand-alone executable: compile with the built-in backend,
    /// assemble and link with the executable run-time (cintcheck-rt).
    Build {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The executable to write (its assembly text is kept as OUT.s).
        #[arg(short = 'o', long)]
        output: PathBuf,
        /// `linux` (ELF, the default) or `macos` (Mach-O).
        #[arg(long, default_value = "linux")]
        target: String,
        /// Plant one of the backend's deliberate faults (see `cintcheck
        /// mutants`), to check that a suite run through an adapter catches it.
        #[arg(long)]
        mutant: Option<String>,
    },
    /// Measure the suite's power: run it against the backend with each
    /// deliberate code-generation fault and list the cases that catch it.
    Mutants {
        /// Case files or directories (default: cases).
        paths: Vec<PathBuf>,
        /// How many catching cases to list per mutant.
        #[arg(long, default_value_t = 5)]
        show: usize,
    },
    /// Differential fuzzing: seeded structured programs (functions, loops,
    /// switches, recursion, vectors, floats, coroutines, longjump, output;
    /// each draws a random subset of features) on the reference and an
    /// engine; each disagreement is reduced and written as a ready case.
    Fuzz {
        /// First seed (the run is reproducible from it).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Number of programs (default 1000, or unlimited with --time).
        #[arg(long)]
        count: Option<u64>,
        /// Stop after this many seconds.
        #[arg(long)]
        time: Option<f64>,
        /// Instructions per program (with --flat).
        #[arg(long, default_value_t = 60)]
        length: usize,
        #[arg(long, default_value = "a64")]
        engine: String,
        /// Write each reduced disagreement here as `fuzz-SEED.toml`.
        #[arg(long, alias = "out")]
        write_cases: Option<PathBuf>,
        /// Stop after this many disagreements.
        #[arg(long)]
        stop_after: Option<usize>,
        /// Reduce at most this many disagreements.
        #[arg(long, default_value_t = 5)]
        max_reduce: usize,
        /// Seconds each reduction may take.
        #[arg(long, default_value_t = 30.0)]
        reduce_time: f64,
        /// Run the reference alone (throughput and coverage).
        #[arg(long)]
        reference_only: bool,
        /// Give every program these features (comma-separated names; `all`).
        #[arg(long)]
        features: Option<String>,
        /// Programs per parallel batch.
        #[arg(long, default_value_t = 64)]
        batch: u64,
        /// The first, straight-line generator instead.
        #[arg(long)]
        flat: bool,
        /// Print the program of --seed (readable Sial) and its reference outcome, and stop.
        #[arg(long)]
        show: bool,
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
        /// Measure the whole suite under this directory instead (wall time
        /// and harness overhead per case and engine).
        #[arg(long)]
        suite: Option<PathBuf>,
        /// Engines for `--suite` (repeatable; default: reference and a64),
        /// e.g. `--engine a64-exe` for the cost of executables per case.
        #[arg(long = "engine")]
        engines: Vec<String>,
        /// Do not count host instructions with valgrind (done by default
        /// when valgrind and the real system are here; takes minutes).
        #[arg(long)]
        no_instructions: bool,
        /// Programs to run (default: nqueens primes cobench fastfib pidigs,
        /// then a64 against the reference on every corpus program).
        programs: Vec<String>,
    },
}

/// A progress bar on stderr, only when it is a terminal and the run is long.
fn progress_bar(total: usize) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if total < 50 || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} cases {elapsed}")
    {
        bar.set_style(style);
    }
    Some(bar)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(dir) = &cli.adapters {
        let mut paths = vec![dir.clone()];
        if let Some(old) = std::env::var_os("CINTCHECK_ADAPTERS") {
            paths.extend(std::env::split_paths(&old));
        }
        if let Ok(joined) = std::env::join_paths(paths) {
            // Single-threaded here: no worker has started yet.
            std::env::set_var("CINTCHECK_ADAPTERS", joined);
        }
    }
    match run(cli) {
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
            name,
        } => {
            let engine = engine_by_name(&engine)?;
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
                program_name: name.unwrap_or_else(|| program_name(&files[0])),
                ..RunConfig::default()
            };
            let tee = Some(Box::new(std::io::stdout()) as Box<dyn Write + Send>);
            let outcome = if files.iter().all(|f| is_cintcode(f)) {
                let objects = files
                    .iter()
                    .map(|f| read_object(f))
                    .collect::<Result<Vec<_>, _>>()?;
                engine
                    .run_cintcode(&objects, &config, tee)
                    .ok_or_else(|| format!("engine `{}` has no Cintcode level", engine.name()))?
            } else {
                engine.run(&read_programs(&files)?, &config, tee)
            };
            std::io::stdout().flush().ok();
            let status = outcome.ending.exit_status();
            if verbose || status == 125 {
                eprintln!(
                    "cintcheck: {} ({} on {})",
                    outcome.ending,
                    steps_text(outcome.steps),
                    engine.name()
                );
            }
            Ok(ExitCode::from(status as u8))
        }
        Command::Corpus {
            dir,
            cintcode,
            engine,
            json,
            filter,
            step_limit,
            jobs,
        } => {
            set_jobs(jobs)?;
            let engine = engine_by_name(&engine)?;
            let report = run_corpus(
                engine.as_ref(),
                &dir,
                &CorpusOptions {
                    filter,
                    step_limit,
                    cintcode,
                },
            )?;
            for r in &report.results {
                let mark = if r.passed { "PASS" } else { "FAIL" };
                println!(
                    "{mark} {:<12} {:>8.3}s {:>18}  {}",
                    r.name,
                    r.wall_seconds,
                    steps_text(r.steps),
                    r.ending
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
            target: Some(target),
            output,
            ..
        } => {
            let programs = read_programs(&files)?;
            let target = backend::asm_text::Target::parse(&target)?;
            let text = cintcheck::exe::assembly(&programs, target)?;
            match output {
                Some(path) => {
                    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?
                }
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Build {
            files,
            output,
            target,
            mutant,
        } => {
            let programs = read_programs(&files)?;
            let target = backend::asm_text::Target::parse(&target)?;
            let opts = cintcheck::exe::mutant_options(mutant.as_deref())?;
            cintcheck::exe::build(&programs, &output, target, &opts)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Cinlist {
            files,
            level,
            library,
        } => {
            let objects = files
                .iter()
                .map(|f| read_object(f))
                .collect::<Result<Vec<_>, _>>()?;
            let config = RunConfig::default();
            let (linked, _, translated) =
                backend::cintcode::run::prepare(&objects, &config, &Default::default())?;
            let level =
                backend::listing::Level::from_number(level).ok_or("level must be 1, 2 or 3")?;
            let first = if library { 0 } else { linked.library };
            print!(
                "{}",
                backend::cintcode::listing::listing(&linked, &translated, first, level)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Asm {
            files,
            listing: _,
            level,
            prelude,
            target: None,
            output: _,
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
        Command::Run {
            paths,
            engines,
            filter,
            tags,
            shard,
            jobs,
            report_dir,
            matrix,
            verbose,
            reduce,
            reduce_seconds,
        } => {
            set_jobs(jobs)?;
            let engines = if engines.is_empty() {
                engine_names().iter().map(|s| s.to_string()).collect()
            } else {
                engines
            };
            for e in &engines {
                engine_by_name(e)?;
            }
            let paths = if paths.is_empty() {
                vec![PathBuf::from("cases")]
            } else {
                paths
            };
            let shard = shard.as_deref().map(parse_shard).transpose()?;
            if let Some(dir) = &report_dir {
                cintcheck::external::keep_logs_in(dir.join("logs"));
            }
            let (cases, mut results) = load_cases(&paths, &engines);
            let opts = runner::RunOptions {
                engines: engines.clone(),
                filter,
                tags,
                shard,
            };
            let selected = runner::select(&cases, &opts);
            let bar = progress_bar(selected.len());
            let tick = |done: usize, _total: usize| {
                if let Some(b) = &bar {
                    b.set_position(done as u64);
                }
            };
            results.extend(runner::run_cases(&selected, &engines, &tick));
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            for r in &results {
                if verbose
                    || r.verdict.is_failure()
                    || matches!(r.verdict, runner::Verdict::Deviation { .. })
                {
                    print_result(r);
                }
            }
            let reproducers = reproducers(
                &engines,
                &cases,
                &results,
                reduce,
                std::time::Duration::from_secs(reduce_seconds),
            );
            if !reproducers.is_empty() {
                println!("== reduced reproducers of external failures");
                println!("{reproducers}");
                if let Some(dir) = &report_dir {
                    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
                    let path = dir.join("reproducers.toml");
                    std::fs::write(&path, &reproducers)
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                }
            }
            let mut report = report::RunReport::new(engines, shard, results);
            for e in &report.engines.clone() {
                let declared = engine_by_name(e)
                    .map(|x| x.declared_deviations())
                    .unwrap_or_default();
                if !declared.is_empty() {
                    report.declared_deviations.insert(e.clone(), declared);
                }
            }
            if let Some(dir) = report_dir {
                report.write_all(&dir)?;
                println!("reports written to {}", dir.display());
            }
            if let Some(path) = matrix {
                std::fs::write(&path, report::matrix::markdown(&report))
                    .map_err(|e| format!("{}: {e}", path.display()))?;
            }
            let coverage = report::matrix::coverage(&report);
            if !coverage.emitted_covered.is_empty() || coverage.cintcode_covered.is_empty() {
                println!("{}", coverage.emitted_line());
            }
            if !coverage.cintcode_covered.is_empty() {
                println!("{}", coverage.cintcode_line());
            }
            for engine in &report.engines {
                let mine: Vec<runner::CaseResult> = report
                    .results
                    .iter()
                    .filter(|r| &r.engine == engine)
                    .cloned()
                    .collect();
                println!("{engine}: {}", runner::Totals::of(&mine).line());
                // Failures by how the run ended (external failure classes).
                let mut kinds = std::collections::BTreeMap::new();
                for r in mine.iter().filter(|r| r.verdict.is_failure()) {
                    *kinds
                        .entry(r.ending_kind.clone().unwrap_or_else(|| "not run".into()))
                        .or_insert(0usize) += 1;
                }
                if engine.starts_with("external:") && !kinds.is_empty() {
                    let list: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
                    println!("  failures by ending: {}", list.join(", "));
                }
            }
            for (engine, rule, confirmed, refuted) in report.deviation_summary() {
                let state = match (confirmed.len(), refuted.len()) {
                    (0, 0) => "not confirmed".to_string(),
                    (c, 0) => format!("confirmed by {c} cases"),
                    (c, f) => format!(
                        "refuted by {f} cases (first: {}), confirmed by {c}",
                        refuted[0]
                    ),
                };
                println!("{engine}: declared deviation {rule}: {state}");
            }
            println!("{}", report.totals.line());
            Ok(if report.totals.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Show {
            name,
            cases,
            engines,
        } => {
            let engines = if engines.is_empty() {
                engine_names().iter().map(|s| s.to_string()).collect()
            } else {
                engines
            };
            let (all, errors) = load_cases(std::slice::from_ref(&cases), &engines);
            for e in errors.iter().filter(|e| e.case == name) {
                print_result(e);
            }
            let case = all
                .iter()
                .find(|c| c.name == name)
                .ok_or_else(|| format!("no case named `{name}` under {}", cases.display()))?;
            println!("# {} ({}:{})", case.name, case.file.display(), case.line);
            if let Some(spec) = &case.spec {
                println!("# spec: {spec}");
            }
            println!("{}", case.to_toml());
            let prog = runner::Prog::of(case)?;
            let config = case.config();
            for e in &engines {
                let engine = engine_by_name(e)?;
                let Some(run) = prog.run(engine.as_ref(), case, &config) else {
                    println!("== {e}: no Cintcode level");
                    continue;
                };
                let o = run.outcome;
                println!("== {e}: {}", o.ending);
                println!("{}", String::from_utf8_lossy(&o.stdout_without_cr()));
                for (g, v) in &o.globals {
                    println!("   G{g} = {v}");
                }
                for (l, words) in &o.statics {
                    println!("   L{l} = {words:?}");
                }
            }
            let objs: Vec<_> = engines.iter().map(|e| engine_by_name(e)).collect();
            for r in runner::run_case(case, &engines, &objs) {
                print_result(&r);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Merge {
            reports,
            report_dir,
        } => {
            let parts = reports
                .iter()
                .map(|p| report::RunReport::read_json(p))
                .collect::<Result<Vec<_>, _>>()?;
            let merged = report::RunReport::merge(parts);
            merged.write_all(&report_dir)?;
            println!("{}", merged.totals.line());
            Ok(if merged.totals.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Mutants { paths, show } => {
            let paths = if paths.is_empty() {
                vec![PathBuf::from("cases")]
            } else {
                paths
            };
            let (cases, errors) = load_cases(&paths, &[]);
            if let Some(e) = errors.first() {
                return Err(format!("{}: {:?}", e.case, e.verdict));
            }
            let selected: Vec<&case::Case> = cases.iter().collect();
            let results = cintcheck::mutants::check_all(&selected);
            let mut uncaught = 0;
            for r in &results {
                println!(
                    "{:<40} caught by {:>5} of {} cases",
                    r.mutation.name(),
                    r.caught_by.len(),
                    r.cases_run
                );
                for name in r.caught_by.iter().take(show) {
                    println!("    {name}");
                }
                if r.caught_by.len() > show {
                    println!("    ... and {} more", r.caught_by.len() - show);
                }
                uncaught += r.caught_by.is_empty() as usize;
            }
            println!(
                "{} of {} mutants caught",
                results.len() - uncaught,
                results.len()
            );
            Ok(if uncaught == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Fuzz {
            seed,
            count,
            time,
            length,
            engine,
            write_cases,
            stop_after,
            max_reduce,
            reduce_time,
            reference_only,
            features,
            batch,
            flat,
            show,
        } => {
            use cintcheck::fuzz::campaign;
            use cintcheck::fuzz::features::{Feature, Features};
            if flat {
                return fuzz_flat(seed, count.unwrap_or(1000), length, &engine, write_cases);
            }
            let features = match features.as_deref() {
                None => None,
                Some("all") => Some(Features::all()),
                Some(list) => {
                    let mut f = Features::default();
                    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                        let x = Feature::ALL
                            .iter()
                            .find(|x| x.name() == name)
                            .ok_or_else(|| format!("unknown feature `{name}`"))?;
                        f = f.with(*x);
                    }
                    Some(f)
                }
            };
            let e = engine_by_name(&engine)?;
            if show {
                let o = campaign::Options {
                    features,
                    ..Default::default()
                };
                let prog = campaign::program_for(seed, &o);
                print!("{}", prog.text());
                let r = cintcheck::fuzz::reference_run(&prog);
                println!(
                    "; features: {}\n; reference: {} after {} steps, stdout {:?}",
                    prog.features.names(),
                    r.ending,
                    r.steps,
                    String::from_utf8_lossy(&r.stdout)
                );
                return Ok(ExitCode::SUCCESS);
            }
            let opts = campaign::Options {
                seed,
                count: count.or(if time.is_some() { None } else { Some(1000) }),
                time: time.map(std::time::Duration::from_secs_f64),
                stop_after,
                max_reduce,
                reduce_time: std::time::Duration::from_secs_f64(reduce_time),
                reference_only,
                features,
                batch: batch.max(1),
                write_cases,
                verbose: true,
            };
            let against = if reference_only {
                "the reference alone".to_string()
            } else {
                engine.clone()
            };
            println!("fuzzing from seed {seed} on {against}");
            let report = campaign::run(&opts, e.as_ref());
            for f in &report.found {
                if let (Some(case), None) = (&f.case, &opts.write_cases) {
                    println!("{case}");
                }
            }
            print!("{}", report.telemetry.report());
            for f in &report.found {
                println!(
                    "seed {}: found after {:.1} s, {} -> {} instructions ({} reduction tests): {}",
                    f.seed,
                    f.found_after,
                    f.original_size,
                    f.reduced_size,
                    f.tests,
                    f.disagreement.detail.lines().next().unwrap_or("")
                );
            }
            println!(
                "{} programs from seed {seed} on {against}: {} disagreements",
                report.telemetry.programs, report.telemetry.disagreements
            );
            Ok(if report.telemetry.disagreements == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Engines => {
            for name in engine_names() {
                println!("{name}");
            }
            for name in cintcheck::external::adapter_names() {
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
            suite: Some(root),
            engines,
            ..
        } => {
            let engines: Vec<String> = if engines.is_empty() {
                engine_names().iter().map(|s| s.to_string()).collect()
            } else {
                engines
            };
            for e in &engines {
                engine_by_name(e)?;
            }
            print!("{}", bench::suite_bench(&root, &engines)?.format());
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench {
            corpus,
            reference_only,
            programs,
            no_instructions,
            suite: None,
            ..
        } => {
            let (instructions, all_programs) = (!no_instructions, programs.is_empty());
            let names: Vec<String> = if programs.is_empty() {
                bench::HEAVY.iter().map(|s| s.to_string()).collect()
            } else {
                programs
            };
            let rows = bench::run_bench(&corpus, &names, !reference_only)?;
            print!("{}", bench::format_rows(&rows));
            match bench::real_system(&corpus) {
                Some(_) if !bench::callgrind::valgrind_present() => {
                    println!("\nvalgrind is absent: no host instruction counts");
                }
                Some(cintrun) if instructions => {
                    let settings = cintcheck::corpus::CorpusSettings::read(&corpus)?;
                    let programs: Vec<(String, i64)> = names
                        .iter()
                        .map(|n| (n.clone(), settings.for_program(n).config(n).stack_words))
                        .collect();
                    let counts = bench::callgrind::measure(&corpus, &cintrun, &programs)?;
                    print!("\n{}", bench::callgrind::format(&counts));
                }
                Some(_) => println!("\nhost instruction counts skipped (--no-instructions)"),
                None => {}
            }
            if !reference_only {
                let (n, secs) = bench::compile_speed(&corpus, 50)?;
                println!(
                    "\na64 compile speed over the whole corpus: {n} Sial instructions in {:.2} ms = {:.1}M Sial instructions/s (target >= 20)",
                    secs * 1e3,
                    n as f64 / secs / 1e6
                );
                if all_programs {
                    let ratios = bench::corpus_ratios(&corpus)?;
                    print!("\n{}", bench::format_corpus_ratios(&ratios));
                    let (rate, disagreements) = bench::fuzz_rate();
                    println!(
                        "\nfuzzing against a64: {} programs from seed 1 at {rate:.0} programs/s (target >= 1000); {disagreements} disagreements",
                        bench::FUZZ_PROGRAMS
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Read every case under `paths`; a malformed file becomes an error result
/// (one per engine), so it appears in every report.
fn load_cases(paths: &[PathBuf], engines: &[String]) -> (Vec<case::Case>, Vec<runner::CaseResult>) {
    let mut cases = Vec::new();
    let mut errors = Vec::new();
    for file in case::discover(paths) {
        let root = paths
            .iter()
            .find(|p| file.starts_with(p) && p.is_dir())
            .cloned()
            .unwrap_or_else(|| file.parent().map(Path::to_path_buf).unwrap_or_default());
        match case::read_file(&root, &file) {
            Ok(c) => cases.extend(c),
            Err(e) => {
                for engine in engines {
                    errors.push(runner::CaseResult {
                        case: format!("{}/<file>", case::file_prefix(&root, &file)),
                        engine: engine.clone(),
                        verdict: runner::Verdict::Error {
                            message: e.to_string(),
                        },
                        ending: None,
                        seconds: 0.0,
                        file: file.display().to_string(),
                        line: e.line,
                        tags: Vec::new(),
                        opcodes: Vec::new(),
                        ending_kind: None,
                        logs: None,
                        refutes: Vec::new(),
                    });
                }
            }
        }
    }
    // Two cases with one name would make reports ambiguous.
    let mut seen = std::collections::HashMap::new();
    for c in &cases {
        if let Some((f, l)) = seen.insert(c.name.clone(), (c.file.clone(), c.line)) {
            for engine in engines {
                errors.push(runner::CaseResult {
                    case: c.name.clone(),
                    engine: engine.clone(),
                    verdict: runner::Verdict::Error {
                        message: format!(
                            "{}:{}: duplicate case name (also at {}:{l})",
                            c.file.display(),
                            c.line,
                            f.display()
                        ),
                    },
                    ending: None,
                    seconds: 0.0,
                    file: c.file.display().to_string(),
                    line: c.line,
                    tags: c.tags.clone(),
                    opcodes: Vec::new(),
                    ending_kind: None,
                    logs: None,
                    refutes: Vec::new(),
                });
            }
        }
    }
    (cases, errors)
}

/// Reduced reproducers of the first failures of each external engine (one
/// per class of failure first, `n` in all per engine), as ready cases.
fn reproducers(
    engines: &[String],
    cases: &[case::Case],
    results: &[runner::CaseResult],
    n: usize,
    budget: std::time::Duration,
) -> String {
    let mut out = String::new();
    for e in engines.iter().filter(|e| e.starts_with("external:")) {
        let Ok(engine) = engine_by_name(e) else {
            continue;
        };
        let mut failing: Vec<&runner::CaseResult> = results
            .iter()
            .filter(|r| &r.engine == e)
            .filter(|r| matches!(r.verdict, runner::Verdict::Mismatch { flaky: false, .. }))
            .filter(|r| {
                cases
                    .iter()
                    .any(|c| c.name == r.case && c.body_and_data().is_some())
            })
            .collect();
        failing.sort_by(|a, b| a.case.cmp(&b.case));
        // One per class of failure first, then the next ones in name order.
        let mut chosen: Vec<&runner::CaseResult> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for r in &failing {
            if chosen.len() < n && seen.insert(r.ending_kind.clone()) {
                chosen.push(r);
            }
        }
        for r in &failing {
            if chosen.len() < n && !chosen.iter().any(|c| c.case == r.case) {
                chosen.push(r);
            }
        }
        for r in chosen {
            let Some(c) = cases.iter().find(|c| c.name == r.case) else {
                continue;
            };
            let kind = r.ending_kind.clone().unwrap_or_default();
            if let Some(text) =
                cintcheck::external::reproduce::reproducer(c, engine.as_ref(), &kind, budget)
            {
                out.push_str(&text);
                out.push('\n');
            }
        }
    }
    out
}

/// Size rayon's global pool (the workers of `run` and `corpus`).
fn set_jobs(jobs: Option<usize>) -> Result<(), String> {
    if let Some(n) = jobs {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let (k, n) = s.split_once('/').ok_or("--shard takes K/N, e.g. 1/4")?;
    let (k, n): (usize, usize) = (
        k.trim().parse().map_err(|_| "--shard: K is not a number")?,
        n.trim().parse().map_err(|_| "--shard: N is not a number")?,
    );
    if n == 0 || k == 0 || k > n {
        return Err(format!("--shard {s}: need 1 <= K <= N"));
    }
    Ok((k, n))
}

fn print_result(r: &runner::CaseResult) {
    let mark = match &r.verdict {
        runner::Verdict::Pass => "PASS",
        runner::Verdict::Mismatch { flaky: true, .. } => "FAIL (flaky)",
        runner::Verdict::Mismatch { .. } => "FAIL",
        runner::Verdict::ExpectedFailure { .. } => "XFAIL",
        runner::Verdict::UnexpectedPass { .. } => "XPASS",
        runner::Verdict::Skipped { .. } => "SKIP",
        runner::Verdict::Error { .. } => "ERROR",
        runner::Verdict::Unsupported { .. } => "UNSUPPORTED",
        runner::Verdict::Deviation { .. } => "DEVIATION",
    };
    println!("{mark} {}::{}  ({}:{})", r.engine, r.case, r.file, r.line);
    let detail = match &r.verdict {
        runner::Verdict::Mismatch { detail, .. } => Some(detail.as_str()),
        runner::Verdict::ExpectedFailure { reason }
        | runner::Verdict::UnexpectedPass { reason }
        | runner::Verdict::Skipped { reason } => Some(reason.as_str()),
        runner::Verdict::Error { message } => Some(message.as_str()),
        runner::Verdict::Unsupported { reason } => Some(reason.as_str()),
        runner::Verdict::Deviation { detail, .. } => Some(detail.as_str()),
        runner::Verdict::Pass => None,
    };
    if let runner::Verdict::Deviation { rule, .. } = &r.verdict {
        println!("    declared deviation: {rule}");
    }
    if let Some(d) = detail {
        for line in d.lines() {
            println!("    {line}");
        }
    }
    if let Some(logs) = &r.logs {
        println!("    logs: {logs}");
    }
}

/// Work done as engines report it: Sial instructions for the reference;
/// the a64 engine counts A64 instructions only when asked (0: not measured).
fn steps_text(steps: u64) -> String {
    if steps == 0 {
        "steps not measured".to_string()
    } else {
        format!("{steps} steps")
    }
}

fn program_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "program".into())
}

/// `cintcheck fuzz --flat`: the first, straight-line generator.
fn fuzz_flat(
    seed: u64,
    count: u64,
    length: usize,
    engine: &str,
    out: Option<PathBuf>,
) -> Result<ExitCode, String> {
    use rayon::prelude::*;
    let found: Vec<(u64, String)> = (seed..seed.saturating_add(count))
        .into_par_iter()
        .filter_map(|s| {
            let e = engine_by_name(engine).ok()?;
            let (body, data) = cintcheck::fuzz::generate(s, length);
            cintcheck::fuzz::disagreement(&body, &data, e.as_ref()).map(|d| (s, d))
        })
        .collect();
    let e = engine_by_name(engine)?;
    for (s, detail) in &found {
        let (body, data) = cintcheck::fuzz::generate(*s, length);
        let reduced = cintcheck::fuzz::reduce(&body, &data, e.as_ref());
        let case = cintcheck::fuzz::as_case(*s, engine, &reduced, &data, detail);
        println!("seed {s}: {}", detail.lines().next().unwrap_or(""));
        if let Some(dir) = &out {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            let path = dir.join(format!("fuzz-{s}.toml"));
            std::fs::write(&path, &case).map_err(|e| format!("{}: {e}", path.display()))?;
            println!("  reduced case written to {}", path.display());
        } else {
            println!("{case}");
        }
    }
    println!(
        "{count} programs from seed {seed} on {engine}: {} disagreements",
        found.len()
    );
    Ok(if found.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

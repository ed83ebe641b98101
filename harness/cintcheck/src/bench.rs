//! `cintcheck bench`: wall time and Sial instructions per second of the
//! reference interpreter on the CPU-heavy corpus programs, set against the
//! real C Cintcode interpreter (CORPUS.md gives its instruction counts; it
//! runs about 570M Cintcode instructions per second on this kind of machine).

use std::path::Path;
use std::time::Instant;

use reference::RunConfig;

use crate::corpus::CorpusSettings;
use crate::engine::Engine;
use crate::source::read_program;

/// The CPU-heavy programs the issue names.
pub const HEAVY: &[&str] = &["nqueens", "primes", "cobench", "fastfib", "pidigs"];
/// Measured speed of the real 64-bit Cintcode interpreter here (instructions/s).
pub const CINTCODE_RATE: f64 = 570e6;

/// One measured program.
#[derive(Debug)]
pub struct BenchRow {
    pub name: String,
    pub steps: u64,
    pub seconds: f64,
    /// Cintcode instructions the real system executed (from CORPUS.md).
    pub cintcode_instructions: Option<u64>,
}

/// Cintcode instruction counts per program from the corpus's CORPUS.md table.
pub fn cintcode_counts(dir: &Path) -> std::collections::HashMap<String, u64> {
    let text = std::fs::read_to_string(dir.join("CORPUS.md")).unwrap_or_default();
    let mut map = std::collections::HashMap::new();
    let mut column = None;
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if column.is_none() {
            column = cells.iter().position(|c| c.starts_with("Cintcode instrs"));
            continue;
        }
        if let (Some(col), Some(name)) = (column, cells.get(1)) {
            if let Some(n) = cells.get(col).and_then(|c| c.parse::<u64>().ok()) {
                map.insert(name.to_string(), n);
            }
        }
    }
    map
}

/// Run each program once (after one warm-up run of the first) and measure.
pub fn run_bench(
    engine: &dyn Engine,
    dir: &Path,
    names: &[String],
) -> Result<Vec<BenchRow>, String> {
    let settings = CorpusSettings::read(dir)?;
    let counts = cintcode_counts(dir);
    let mut rows = Vec::new();
    for name in names {
        let path = dir.join(format!("{name}.sial"));
        let program = read_program(&path)?;
        let config = RunConfig {
            stack_words: settings.for_program(name).stack.unwrap_or(50_000),
            program_name: name.clone(),
            ..RunConfig::default()
        };
        let start = Instant::now();
        let outcome = engine.run(std::slice::from_ref(&program), &config, None);
        let seconds = start.elapsed().as_secs_f64();
        rows.push(BenchRow {
            name: name.clone(),
            steps: outcome.steps,
            seconds,
            cintcode_instructions: counts.get(name).copied(),
        });
    }
    Ok(rows)
}

/// The table `cintcheck bench` prints.
pub fn format_rows(engine: &str, rows: &[BenchRow]) -> String {
    let mut s = format!(
        "{:<10} {:>14} {:>9} {:>10} {:>14} {:>10} {:>8}\n",
        "program", "sial instrs", "wall s", "M instr/s", "cintcode instr", "cintcode s", "ratio"
    );
    for r in rows {
        let rate = r.steps as f64 / r.seconds / 1e6;
        let (ci, cs, ratio) = match r.cintcode_instructions {
            Some(n) => {
                let cs = n as f64 / CINTCODE_RATE;
                (
                    n.to_string(),
                    format!("{cs:.3}"),
                    format!("{:.2}", r.seconds / cs),
                )
            }
            None => ("-".into(), "-".into(), "-".into()),
        };
        s.push_str(&format!(
            "{:<10} {:>14} {:>9.3} {:>10.1} {:>14} {:>10} {:>8}\n",
            r.name, r.steps, r.seconds, rate, ci, cs, ratio
        ));
    }
    s.push_str(&format!(
        "engine {engine}; ratio = wall time / (Cintcode instructions / {:.0}M per s); below 1 is faster than the C interpreter\n",
        CINTCODE_RATE / 1e6
    ));
    s
}

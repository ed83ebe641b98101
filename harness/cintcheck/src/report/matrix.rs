//! The conformance matrix: which opcodes and which edge-case groups pass on
//! which engine, rendered as a self-contained HTML page ([`html`]) and as
//! GitHub-flavoured Markdown ([`markdown`]) that also reads well in a
//! terminal.
//!
//! Rows, in five tables:
//! 1. every Sial opcode that `bcpl2sial` emits (directives included, marked
//!    as such), in `F` number order, named by [`sial::Op::name`];
//! 2. the library-only opcodes (`jge0m`, `brk`, `nop`, `chgco`, `mdiv`,
//!    `sys`, `mlab`); `F1`/`F2` are not opcodes of a program and have no row;
//! 3. every 64-bit Cintcode opcode 1..255 in byte order, named by
//!    [`cintcode::opcode::name`] (a result uses `cintcode:NAME` when its
//!    case's code reaches it), marked `library` for the four that only the
//!    hand-written syslib holds (BRK, SYS, MDIV, CHGCO);
//! 4. the edge-case groups: every distinct `edge/<group>` prefix of the case
//!    names;
//! 5. the top-level case directories (`opcodes`, `edge`, `programs`, ...)
//!    and `all`.
//!
//! Every opcode has a row, whether or not a case covers it, so that gaps
//! show. Columns: one per engine of the report (engines that appear only in
//! the results follow, by name).
//!
//! A cell reads `passing/covering`: `covering` is the number of results of
//! that engine that ran (every verdict but `skipped`) and whose case uses the
//! opcode (the result's `opcodes`) or belongs to the group; `passing` is how
//! many of them passed. Expected failures are in `covering` but not in
//! `passing`, and are noted after the count, as are skipped results, which
//! are not in `covering`: `12/14 (1 xfail, 2 skipped)` is 12 passes, 1
//! expected failure, 1 failure (mismatch, unexpected pass or error) and 2
//! skips. Cell colours (HTML) and markers (Markdown):
//! - red / `✗`: at least one failure; in HTML the count links to the first
//!   of its failures in the "Failures" section (the cell's tooltip names
//!   them all), in Markdown the failures are listed under the tables;
//! - grey / `uncovered`: nothing ran (`0/0`);
//! - amber: no failure but expected failures;
//! - green: everything that ran passed.
//!
//! At the top: the run's totals, the engines and the opcode coverage
//! ([`coverage`]): an opcode is covered when at least one result that ran
//! (not skipped), on any engine, uses it. Below the tables: every failure
//! with its detail and `file:line`, then the expected failures with their
//! reasons. The output depends only on the results (no timestamps, no
//! durations, rows and results sorted), so `matrix.md` can be committed and
//! diffed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use sial::{Op, ALL_OPS};

use super::junit::{engine_order, location};
use super::RunReport;
use crate::runner::{CaseResult, Totals, Verdict};

/// Which opcodes a run covers: an opcode is covered when at least one result
/// that ran (any verdict but `skipped`), on any engine, uses it. Names are in
/// `F` number order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Opcodes (and directives) `bcpl2sial` emits that are covered.
    pub emitted_covered: Vec<&'static str>,
    pub emitted_uncovered: Vec<&'static str>,
    /// Library-only opcodes (never emitted by `bcpl2sial`) that are covered.
    pub library_covered: Vec<&'static str>,
    pub library_uncovered: Vec<&'static str>,
    /// 64-bit Cintcode opcodes (1..255) that are covered.
    pub cintcode_covered: Vec<&'static str>,
    pub cintcode_uncovered: Vec<&'static str>,
}

impl Coverage {
    /// `opcodes emitted by bcpl2sial covered: X/Y (uncovered: ...)`.
    pub fn emitted_line(&self) -> String {
        coverage_line(
            "opcodes emitted by bcpl2sial covered",
            &self.emitted_covered,
            &self.emitted_uncovered,
        )
    }

    /// `Cintcode opcodes covered: X/Y (uncovered: ...)`.
    pub fn cintcode_line(&self) -> String {
        coverage_line(
            "Cintcode opcodes covered",
            &self.cintcode_covered,
            &self.cintcode_uncovered,
        )
    }

    /// `library-only opcodes covered: X/Y (uncovered: ...)`.
    pub fn library_line(&self) -> String {
        coverage_line(
            "library-only opcodes covered",
            &self.library_covered,
            &self.library_uncovered,
        )
    }
}

fn coverage_line(what: &str, covered: &[&str], uncovered: &[&str]) -> String {
    let mut s = format!(
        "{what}: {}/{}",
        covered.len(),
        covered.len() + uncovered.len()
    );
    if !uncovered.is_empty() {
        s.push_str(&format!(" (uncovered: {})", uncovered.join(", ")));
    }
    s
}

/// The opcodes with a row: all but F1 and F2.
fn is_program_op(op: Op) -> bool {
    !matches!(op, Op::Run1 | Op::Run2)
}

/// Opcode coverage of the report's results.
pub fn coverage(report: &RunReport) -> Coverage {
    let used: BTreeSet<&str> = report
        .results
        .iter()
        .filter(|r| {
            !matches!(
                r.verdict,
                Verdict::Skipped { .. } | Verdict::Unsupported { .. }
            )
        })
        .flat_map(|r| r.opcodes.iter().map(String::as_str))
        .collect();
    let mut c = Coverage::default();
    for &op in ALL_OPS.iter().filter(|&&op| is_program_op(op)) {
        let name = op.name();
        let list = match (op.emitted_by_bcpl2sial(), used.contains(name)) {
            (true, true) => &mut c.emitted_covered,
            (true, false) => &mut c.emitted_uncovered,
            (false, true) => &mut c.library_covered,
            (false, false) => &mut c.library_uncovered,
        };
        list.push(name);
    }
    for (_, name) in cintcode_ops() {
        if used.contains(format!("cintcode:{name}").as_str()) {
            c.cintcode_covered.push(name);
        } else {
            c.cintcode_uncovered.push(name);
        }
    }
    c
}

/// Every Cintcode opcode with a mnemonic (1..255), with its byte.
fn cintcode_ops() -> impl Iterator<Item = (u8, &'static str)> {
    (1..=255u8).filter_map(|op| Some((op, cintcode::opcode::name(op)?)))
}

/// Cintcode opcodes only the hand-written syslib holds (cintcode64.md s.9,
/// s.3.1): the compiler never emits them.
fn cintcode_library_only(op: u8) -> bool {
    matches!(op, 2 | 145 | 239 | 240)
}

/// The matrix as a self-contained HTML5 page.
pub fn html(r: &RunReport) -> String {
    let m = Model::new(r);
    let mut o = String::new();
    o.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>cintcheck conformance matrix</title>\n<style>\n",
    );
    o.push_str(CSS);
    o.push_str("</style>\n</head>\n<body>\n<h1>cintcheck conformance matrix</h1>\n");
    let _ = writeln!(
        o,
        "<p class=\"totals\"><strong>Results:</strong> {}</p>",
        esc(&m.totals.line())
    );
    let _ = writeln!(
        o,
        "<p><strong>Engines:</strong> {}</p>",
        esc(&engines_text(&m.engines))
    );
    let _ = writeln!(
        o,
        "<ul class=\"coverage\">\n<li>{}</li>\n<li>{}</li>\n<li>{}</li>\n</ul>",
        esc(&upper_first(&m.coverage.emitted_line())),
        esc(&upper_first(&m.coverage.library_line())),
        esc(&upper_first(&m.coverage.cintcode_line()))
    );
    o.push_str(
        "<p class=\"legend\">Cells read <em>passing/covering</em>: the results of \
         the engine that ran (skipped ones are noted, not counted) and the passes \
         among them; expected failures (xfail) are noted and not passes. \
         <span class=\"pass\">all passed</span> \
         <span class=\"xfail\">expected failures only</span> \
         <span class=\"fail\">failures (click for the first)</span> \
         <span class=\"uncovered\">nothing ran</span></p>\n",
    );
    o.push_str("<nav><a href=\"#failures\">Failures</a>");
    for t in &m.tables {
        let _ = write!(o, " · <a href=\"#{}\">{}</a>", t.id, esc(&t.title));
    }
    o.push_str(" · <a href=\"#xfails\">Expected failures</a></nav>\n");
    for t in &m.tables {
        html_table(&mut o, &m, t);
    }
    html_failures(&mut o, &m);
    html_xfails(&mut o, &m);
    o.push_str("</body>\n</html>\n");
    o
}

/// The matrix as GitHub-flavoured Markdown, its tables padded to line up in
/// a terminal.
pub fn markdown(r: &RunReport) -> String {
    let m = Model::new(r);
    let mut o = String::new();
    o.push_str("# cintcheck conformance matrix\n\n");
    let _ = writeln!(o, "Results of the run: {}\n", m.totals.line());
    let _ = writeln!(o, "Engines: {}\n", md_text(&engines_text(&m.engines)));
    let _ = writeln!(o, "- {}", md_text(&upper_first(&m.coverage.emitted_line())));
    let _ = writeln!(o, "- {}", md_text(&upper_first(&m.coverage.library_line())));
    let _ = writeln!(
        o,
        "- {}\n",
        md_text(&upper_first(&m.coverage.cintcode_line()))
    );
    o.push_str(
        "Cells read passing/covering: the results of the engine that ran \
         (skipped ones are noted, not counted) and the passes among them; \
         expected failures (xfail) are noted and not passes. \
         `✗` marks a cell with failures (listed under the tables), \
         `uncovered` a cell where nothing ran.\n",
    );
    for t in &m.tables {
        let _ = writeln!(o, "\n## {}\n", md_text(&t.title));
        if t.rows.is_empty() {
            o.push_str("None in this run.\n");
            continue;
        }
        let mut grid: Vec<Vec<String>> = Vec::new();
        let mut header: Vec<String> = t.headers.iter().map(|h| md_cell(h)).collect();
        header.extend(m.engines.iter().map(|e| md_cell(e)));
        grid.push(header);
        for row in &t.rows {
            let mut line: Vec<String> = row.labels.iter().map(|l| md_cell(l)).collect();
            line.extend(row.cells.iter().map(|c| md_cell(&c.markdown())));
            grid.push(line);
        }
        md_grid(&mut o, &grid);
    }
    let _ = writeln!(o, "\n## Failures ({})\n", m.failures.len());
    if m.failures.is_empty() {
        o.push_str("None.\n");
    }
    for &i in &m.failures {
        let r = m.results[i];
        let (kind, text) = failure_text(r);
        let _ = write!(
            o,
            "- {} on {}: {kind}",
            code_span(&r.case),
            md_text(&r.engine)
        );
        let loc = location(r);
        if !loc.is_empty() {
            let _ = write!(o, " at {}", code_span(&loc));
        }
        if let Some(e) = &r.ending {
            let _ = write!(o, "; ended: {}", md_text(e));
        }
        o.push('\n');
        if !text.trim().is_empty() {
            let fence = "`".repeat((longest_backtick_run(&text) + 1).max(3));
            let _ = writeln!(o, "  {fence}text");
            for line in text.lines() {
                let _ = writeln!(o, "  {line}");
            }
            let _ = writeln!(o, "  {fence}");
        }
    }
    let summary = r.deviation_summary();
    if !summary.is_empty() {
        o.push_str("\n## Declared deviations\n\n");
        for (engine, rule, confirmed, refuted) in &summary {
            let _ = write!(o, "- {} on {}: ", code_span(rule), md_text(engine));
            match (confirmed.first(), refuted.first()) {
                (None, None) => o.push_str("not confirmed (no case showed it)"),
                (Some(c), None) => {
                    let _ = write!(
                        o,
                        "confirmed by {} cases (first: {})",
                        confirmed.len(),
                        code_span(c)
                    );
                }
                (c, Some(f)) => {
                    let _ = write!(
                        o,
                        "refuted by {} cases (first: {}); confirmed by {}",
                        refuted.len(),
                        code_span(f),
                        c.map_or("none".to_string(), |c| format!(
                            "{} cases (first: {})",
                            confirmed.len(),
                            code_span(c)
                        ))
                    );
                }
            }
            o.push('\n');
        }
    }
    let _ = writeln!(o, "\n## Expected failures ({})\n", m.xfails.len());
    if m.xfails.is_empty() {
        o.push_str("None.\n");
    }
    for &i in &m.xfails {
        let r = m.results[i];
        let _ = write!(o, "- {} on {}", code_span(&r.case), md_text(&r.engine));
        if let Verdict::ExpectedFailure { reason } = &r.verdict {
            let _ = write!(o, ": {}", md_text(&one_line(reason)));
        }
        o.push('\n');
    }
    o
}

const CSS: &str = "\
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #bbb; padding: 0.15em 0.6em; text-align: left; }
thead th { position: sticky; top: 0; background: #eee; z-index: 1; }
th[scope=row] { font-weight: normal; background: #fafafa; }
td.num { text-align: right; color: #666; }
td.kind { color: #666; font-size: 0.85em; }
.pass { background: #c8efc8; }
.xfail { background: #f7e3a6; }
.fail { background: #f5b5b5; }
.uncovered { background: #ddd; color: #666; }
td a { color: inherit; font-weight: bold; }
small { color: #555; }
.legend span { padding: 0 0.4em; border: 1px solid #bbb; }
pre { background: #f4f4f4; padding: 0.4em; white-space: pre-wrap; overflow-wrap: anywhere; }
ol.failures li { margin-bottom: 0.6em; }
ol.failures li:target { outline: 2px solid #c00; }
nav { margin: 1em 0; }
";

/// One cell: the results of one engine in one row.
#[derive(Clone, Debug, Default)]
struct Cell {
    passed: usize,
    xfail: usize,
    failed: usize,
    skipped: usize,
    unsupported: usize,
    deviations: usize,
    /// Indices into `Model::failures`, in order.
    failures: Vec<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Pass,
    Xfail,
    Fail,
    Uncovered,
}

impl Cell {
    fn covering(&self) -> usize {
        self.passed + self.xfail + self.failed + self.deviations
    }

    fn state(&self) -> State {
        if self.failed > 0 {
            State::Fail
        } else if self.covering() == 0 {
            State::Uncovered
        } else if self.xfail > 0 || self.deviations > 0 {
            State::Xfail
        } else {
            State::Pass
        }
    }

    fn count(&self) -> String {
        format!("{}/{}", self.passed, self.covering())
    }

    /// `(1 xfail, 2 skipped)`, or empty.
    fn notes(&self) -> String {
        let mut n = Vec::new();
        if self.xfail > 0 {
            n.push(format!("{} xfail", self.xfail));
        }
        if self.deviations > 0 {
            n.push(format!("{} deviation", self.deviations));
        }
        if self.skipped > 0 {
            n.push(format!("{} skipped", self.skipped));
        }
        if self.unsupported > 0 {
            n.push(format!("{} unsupported", self.unsupported));
        }
        if n.is_empty() {
            String::new()
        } else {
            format!("({})", n.join(", "))
        }
    }

    fn markdown(&self) -> String {
        let mut s = self.count();
        match self.state() {
            State::Fail => s.push_str(" ✗"),
            State::Uncovered => s.push_str(" uncovered"),
            State::Pass | State::Xfail => {}
        }
        let notes = self.notes();
        if !notes.is_empty() {
            s.push(' ');
            s.push_str(&notes);
        }
        s
    }
}

struct Row {
    /// The label columns (opcode, F, kind; or group).
    labels: Vec<String>,
    cells: Vec<Cell>,
}

struct Table {
    id: &'static str,
    title: String,
    headers: Vec<String>,
    rows: Vec<Row>,
}

/// Everything both renderings show.
struct Model<'a> {
    engines: Vec<String>,
    /// All results, by case name then engine column.
    results: Vec<&'a CaseResult>,
    /// Indices into `results` of the failing results, in order.
    failures: Vec<usize>,
    /// Indices into `results` of the expected failures, in order.
    xfails: Vec<usize>,
    totals: Totals,
    coverage: Coverage,
    tables: Vec<Table>,
}

impl<'a> Model<'a> {
    fn new(r: &'a RunReport) -> Model<'a> {
        let engines = engine_order(r);
        let column = |e: &str| engines.iter().position(|x| x == e).unwrap_or(0);
        let mut results: Vec<&CaseResult> = r.results.iter().collect();
        results.sort_by(|a, b| {
            (a.case.as_str(), column(&a.engine), a.verdict.label()).cmp(&(
                b.case.as_str(),
                column(&b.engine),
                b.verdict.label(),
            ))
        });
        let cols: Vec<usize> = results.iter().map(|x| column(&x.engine)).collect();
        let mut failures = Vec::new();
        let mut xfails = Vec::new();
        let mut anchor: Vec<Option<usize>> = vec![None; results.len()];
        for (i, x) in results.iter().enumerate() {
            if x.verdict.is_failure() {
                anchor[i] = Some(failures.len());
                failures.push(i);
            } else if matches!(x.verdict, Verdict::ExpectedFailure { .. }) {
                xfails.push(i);
            }
        }
        let row = |labels: Vec<String>, members: &[usize]| {
            let mut cells = vec![Cell::default(); engines.len()];
            for &i in members {
                let Some(cell) = cells.get_mut(cols[i]) else {
                    continue;
                };
                match &results[i].verdict {
                    Verdict::Pass => cell.passed += 1,
                    Verdict::ExpectedFailure { .. } => cell.xfail += 1,
                    Verdict::Skipped { .. } => cell.skipped += 1,
                    Verdict::Unsupported { .. } => cell.unsupported += 1,
                    Verdict::Deviation { .. } => cell.deviations += 1,
                    _ => {
                        cell.failed += 1;
                        if let Some(a) = anchor[i] {
                            cell.failures.push(a);
                        }
                    }
                }
            }
            Row { labels, cells }
        };

        // Results by opcode (each result once per opcode).
        let mut by_op: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, x) in results.iter().enumerate() {
            let ops: BTreeSet<&str> = x.opcodes.iter().map(String::as_str).collect();
            for op in ops {
                by_op.entry(op).or_default().push(i);
            }
        }
        let op_table = |id: &'static str, title: &str, emitted: bool| {
            let rows = ALL_OPS
                .iter()
                .filter(|&&op| is_program_op(op) && op.emitted_by_bcpl2sial() == emitted)
                .map(|&op| {
                    let kind = if op.is_directive() {
                        "directive"
                    } else {
                        "instruction"
                    };
                    let members = by_op.get(op.name()).map_or(&[][..], Vec::as_slice);
                    row(
                        vec![
                            op.name().to_string(),
                            op.number().to_string(),
                            kind.to_string(),
                        ],
                        members,
                    )
                })
                .collect();
            Table {
                id,
                title: title.to_string(),
                headers: vec!["opcode".into(), "F".into(), "kind".into()],
                rows,
            }
        };

        let cintcode_rows = cintcode_ops()
            .map(|(op, name)| {
                let key = format!("cintcode:{name}");
                let members = by_op.get(key.as_str()).map_or(&[][..], Vec::as_slice);
                let kind = if cintcode_library_only(op) {
                    "library"
                } else {
                    "instruction"
                };
                row(
                    vec![name.to_string(), format!("{op:02X}"), kind.to_string()],
                    members,
                )
            })
            .collect();

        let mut by_group: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        let mut by_dir: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, x) in results.iter().enumerate() {
            if let Some(g) = edge_group(&x.case) {
                by_group.entry(g).or_default().push(i);
            }
            by_dir.entry(directory(&x.case)).or_default().push(i);
        }
        let group_rows = by_group
            .iter()
            .map(|(g, members)| row(vec![g.to_string()], members))
            .collect();
        let all: Vec<usize> = (0..results.len()).collect();
        let mut dir_rows: Vec<Row> = by_dir
            .iter()
            .map(|(d, members)| row(vec![d.to_string()], members))
            .collect();
        dir_rows.push(row(vec!["all".to_string()], &all));

        let tables = vec![
            op_table("emitted", "Opcodes emitted by bcpl2sial", true),
            op_table(
                "library",
                "Library-only opcodes (not emitted by bcpl2sial)",
                false,
            ),
            Table {
                id: "cintcode",
                title: "64-bit Cintcode opcodes".into(),
                headers: vec!["opcode".into(), "byte".into(), "kind".into()],
                rows: cintcode_rows,
            },
            Table {
                id: "edge",
                title: "Edge-case groups".into(),
                headers: vec!["group".into()],
                rows: group_rows,
            },
            Table {
                id: "directories",
                title: "Case directories".into(),
                headers: vec!["directory".into()],
                rows: dir_rows,
            },
        ];
        Model {
            totals: Totals::of(&r.results),
            coverage: coverage(r),
            engines,
            results,
            failures,
            xfails,
            tables,
        }
    }
}

/// `edge/<group>` for a case under `edge/`.
fn edge_group(case: &str) -> Option<&str> {
    let rest = case.strip_prefix("edge/")?;
    let end = rest.find('/').unwrap_or(rest.len());
    (end > 0).then(|| &case[..5 + end])
}

/// The first component of a case name.
fn directory(case: &str) -> &str {
    case.split('/').next().unwrap_or(case)
}

fn engines_text(engines: &[String]) -> String {
    if engines.is_empty() {
        "none".into()
    } else {
        engines.join(", ")
    }
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The verdict's label and its text, for a failing result.
fn failure_text(r: &CaseResult) -> (&'static str, String) {
    match &r.verdict {
        Verdict::Mismatch { detail, flaky } => (
            match (r.ending_kind.as_deref(), flaky) {
                (_, true) => "mismatch (flaky)",
                (Some("crash"), _) => "mismatch (crash)",
                (Some("rejected"), _) => "mismatch (rejected by the translator)",
                (Some("assembly-failed"), _) => "mismatch (assembly failed)",
                (Some("link-failed"), _) => "mismatch (link failed)",
                (Some("timeout"), _) => "mismatch (timeout)",
                (Some("bad-output"), _) => "mismatch (bad output)",
                _ => "mismatch",
            },
            match &r.logs {
                Some(l) => format!("{detail}\nlogs: {l}"),
                None => detail.clone(),
            },
        ),
        Verdict::UnexpectedPass { reason } => (
            "unexpected pass",
            format!("passed, but the case expects this engine to fail: {reason}"),
        ),
        Verdict::Error { message } => ("error", message.clone()),
        other => (other.label(), String::new()),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---- HTML ----

/// Escape text for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

fn html_table(o: &mut String, m: &Model, t: &Table) {
    let _ = writeln!(o, "<h2 id=\"{}\">{}</h2>", t.id, esc(&t.title));
    if t.rows.is_empty() {
        o.push_str("<p>None in this run.</p>\n");
        return;
    }
    o.push_str("<table>\n<thead><tr>");
    for h in &t.headers {
        let _ = write!(o, "<th scope=\"col\">{}</th>", esc(h));
    }
    for e in &m.engines {
        let _ = write!(o, "<th scope=\"col\">{}</th>", esc(e));
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        o.push_str("<tr>");
        for (k, l) in row.labels.iter().enumerate() {
            match k {
                0 => {
                    let _ = write!(o, "<th scope=\"row\"><code>{}</code></th>", esc(l));
                }
                1 => {
                    let _ = write!(o, "<td class=\"num\">{}</td>", esc(l));
                }
                _ => {
                    let _ = write!(o, "<td class=\"kind\">{}</td>", esc(l));
                }
            }
        }
        for c in &row.cells {
            html_cell(o, m, c);
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody>\n</table>\n");
}

fn html_cell(o: &mut String, m: &Model, c: &Cell) {
    let (class, title) = match c.state() {
        State::Pass => ("pass", String::new()),
        State::Xfail => ("xfail", String::new()),
        State::Uncovered => ("uncovered", "no case ran on this engine".to_string()),
        State::Fail => {
            const SHOWN: usize = 12;
            let names: Vec<&str> = c
                .failures
                .iter()
                .take(SHOWN)
                .filter_map(|&f| m.failures.get(f))
                .filter_map(|&i| m.results.get(i))
                .map(|r| r.case.as_str())
                .collect();
            let mut t = format!("failing: {}", names.join(", "));
            if c.failures.len() > SHOWN {
                t.push_str(&format!(" and {} more", c.failures.len() - SHOWN));
            }
            ("fail", t)
        }
    };
    let _ = write!(o, "<td class=\"{class}\"");
    if !title.is_empty() {
        let _ = write!(o, " title=\"{}\"", esc(&title));
    }
    o.push('>');
    match c.failures.first() {
        Some(f) => {
            let _ = write!(o, "<a href=\"#fail-{f}\">{}</a>", c.count());
        }
        None => o.push_str(&c.count()),
    }
    let notes = c.notes();
    if !notes.is_empty() {
        let _ = write!(o, " <small>{}</small>", esc(&notes));
    }
    o.push_str("</td>");
}

fn html_failures(o: &mut String, m: &Model) {
    let _ = writeln!(
        o,
        "<h2 id=\"failures\">Failures ({})</h2>",
        m.failures.len()
    );
    if m.failures.is_empty() {
        o.push_str("<p>None.</p>\n");
        return;
    }
    o.push_str("<ol class=\"failures\">\n");
    for (f, &i) in m.failures.iter().enumerate() {
        let r = m.results[i];
        let (kind, text) = failure_text(r);
        let _ = write!(
            o,
            "<li id=\"fail-{f}\"><code>{}</code> on <strong>{}</strong>: {}",
            esc(&r.case),
            esc(&r.engine),
            esc(kind)
        );
        let loc = location(r);
        if !loc.is_empty() {
            let _ = write!(o, " at <code>{}</code>", esc(&loc));
        }
        if let Some(e) = &r.ending {
            let _ = write!(o, "; ended: {}", esc(e));
        }
        if !text.trim().is_empty() {
            let _ = write!(o, "\n<pre>{}</pre>", esc(&text));
        }
        o.push_str("</li>\n");
    }
    o.push_str("</ol>\n");
}

fn html_xfails(o: &mut String, m: &Model) {
    let _ = writeln!(
        o,
        "<h2 id=\"xfails\">Expected failures ({})</h2>",
        m.xfails.len()
    );
    if m.xfails.is_empty() {
        o.push_str("<p>None.</p>\n");
        return;
    }
    o.push_str("<ul>\n");
    for &i in &m.xfails {
        let r = m.results[i];
        let _ = write!(
            o,
            "<li><code>{}</code> on <strong>{}</strong>",
            esc(&r.case),
            esc(&r.engine)
        );
        if let Verdict::ExpectedFailure { reason } = &r.verdict {
            let _ = write!(o, ": {}", esc(reason));
        }
        let loc = location(r);
        if !loc.is_empty() {
            let _ = write!(o, " (<code>{}</code>)", esc(&loc));
        }
        o.push_str("</li>\n");
    }
    o.push_str("</ul>\n");
}

// ---- Markdown ----

/// Escape Markdown punctuation in running text (one line).
fn md_text(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in one_line(s).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '&'
        ) {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

/// Text for a table cell.
fn md_cell(s: &str) -> String {
    md_text(s)
}

/// `s` as an inline code span, whatever backticks it holds.
fn code_span(s: &str) -> String {
    let s = one_line(s);
    let ticks = "`".repeat(longest_backtick_run(&s) + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{s}{pad}{ticks}")
}

fn longest_backtick_run(s: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in s.chars() {
        if c == '`' {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// A table with its columns padded to the same width.
fn md_grid(o: &mut String, grid: &[Vec<String>]) {
    let ncols = grid.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![3usize; ncols];
    for line in grid {
        for (k, cell) in line.iter().enumerate() {
            widths[k] = widths[k].max(cell.chars().count());
        }
    }
    let emit = |o: &mut String, line: &[String]| {
        o.push('|');
        for (k, w) in widths.iter().enumerate() {
            let cell = line.get(k).map_or("", String::as_str);
            let pad = w.saturating_sub(cell.chars().count());
            let _ = write!(o, " {cell}{} |", " ".repeat(pad));
        }
        o.push('\n');
    };
    if let Some((header, rows)) = grid.split_first() {
        emit(o, header);
        o.push('|');
        for w in &widths {
            let _ = write!(o, "{}|", "-".repeat(w + 2));
        }
        o.push('\n');
        for line in rows {
            emit(o, line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(case: &str, engine: &str, verdict: Verdict, opcodes: &[&str]) -> CaseResult {
        CaseResult {
            case: case.into(),
            engine: engine.into(),
            verdict,
            ending: Some("returned 3".into()),
            seconds: 0.5,
            file: "cases/edge/div.toml".into(),
            line: 7,
            tags: vec![],
            opcodes: opcodes.iter().map(|s| s.to_string()).collect(),
            ending_kind: None,
            logs: None,
            refutes: Vec::new(),
        }
    }

    const DIV: &[&str] = &["atb", "div", "l", "lab", "rtn"];

    fn sample() -> RunReport {
        let mut results = Vec::new();
        for engine in ["reference", "a64"] {
            for n in ["7,2", "-7,2", "7,-2"] {
                results.push(result(
                    &format!("edge/div/trunc/{n}"),
                    engine,
                    Verdict::Pass,
                    DIV,
                ));
            }
            results.push(result(
                "opcodes/arith/mod",
                engine,
                Verdict::Pass,
                &["mod", "l"],
            ));
        }
        results.push(result(
            "edge/div/trunc/-7,-2",
            "reference",
            Verdict::Pass,
            DIV,
        ));
        results.push(result(
            "edge/div/trunc/-7,-2",
            "a64",
            Verdict::Mismatch {
                detail: "result: expected 3, got -3 <wrong> & \"bad\"\nsecond `line`".into(),
                flaky: false,
            },
            DIV,
        ));
        results.push(result(
            "edge/float/nan/x",
            "a64",
            Verdict::ExpectedFailure {
                reason: "NaN sign, issue 4".into(),
            },
            &["fadd", "lw"],
        ));
        results.push(result(
            "edge/float/nan/x",
            "reference",
            Verdict::Pass,
            &["fadd", "lw"],
        ));
        results.push(result(
            "programs/sieve",
            "a64",
            Verdict::Skipped {
                reason: "too slow".into(),
            },
            &["sys"],
        ));
        results.push(result(
            "programs/sieve",
            "reference",
            Verdict::Pass,
            &["sys"],
        ));
        RunReport::new(vec!["reference".into(), "a64".into()], None, results)
    }

    /// The Markdown row whose first cell is `label`, as trimmed cells.
    fn md_row(md: &str, label: &str) -> Vec<String> {
        md.lines()
            .filter(|l| l.starts_with('|'))
            .map(|l| {
                l.trim_matches('|')
                    .split(" |")
                    .map(|c| c.trim().to_string())
                    .collect::<Vec<_>>()
            })
            .find(|cells| cells.first().map(String::as_str) == Some(label))
            .unwrap_or_else(|| panic!("no row {label}"))
    }

    #[test]
    fn every_opcode_has_a_row_in_both_forms() {
        let r = sample();
        let (h, md) = (html(&r), markdown(&r));
        for op in ALL_OPS.iter().filter(|&&o| is_program_op(o)) {
            assert!(
                h.contains(&format!(
                    "<th scope=\"row\"><code>{}</code></th>",
                    op.name()
                )),
                "{} missing from HTML",
                op.name()
            );
            md_row(&md, op.name());
        }
        assert!(!h.contains("<code>f1</code>"));
        assert!(md.lines().all(|l| !l.starts_with("| f1 ")));
        // Emitted opcodes first, then the library-only ones.
        let pos = |s: &str| md.find(&format!("\n| {s} ")).unwrap();
        assert!(pos("selst") < pos("brk"));
        assert!(pos("xselst") < pos("jge0m"));
    }

    #[test]
    fn cell_counts() {
        let md = markdown(&sample());
        // opcode, F, kind, reference, a64
        assert_eq!(
            md_row(&md, "div")[1..],
            ["37", "instruction", "4/4", "3/4 ✗"]
        );
        assert_eq!(md_row(&md, "l")[3..], ["5/5", "4/5 ✗"]);
        assert_eq!(md_row(&md, "lab")[2], "directive");
        assert_eq!(md_row(&md, "fadd")[3..], ["1/1", "0/1 (1 xfail)"]);
        assert_eq!(
            md_row(&md, "sys")[3..],
            ["1/1", "0/0 uncovered (1 skipped)"]
        );
        assert_eq!(md_row(&md, "lp")[3..], ["0/0 uncovered", "0/0 uncovered"]);
        assert_eq!(md_row(&md, "edge/div")[1..], ["4/4", "3/4 ✗"]);
        assert_eq!(md_row(&md, "edge/float")[1..], ["1/1", "0/1 (1 xfail)"]);
        assert_eq!(md_row(&md, "opcodes")[1..], ["1/1", "1/1"]);
        assert_eq!(
            md_row(&md, "all")[1..],
            ["7/7", "4/6 ✗ (1 xfail, 1 skipped)"]
        );

        let h = html(&sample());
        assert!(h.contains("<td class=\"uncovered\" title=\"no case ran on this engine\">0/0</td>"));
        assert!(h.contains("<td class=\"xfail\">0/1 <small>(1 xfail)</small></td>"));
        assert!(h.contains("<td class=\"pass\">4/4</td>"));
    }

    #[test]
    fn failures_are_linked_and_escaped() {
        let r = sample();
        let h = html(&r);
        assert!(h.contains(
            "<td class=\"fail\" title=\"failing: edge/div/trunc/-7,-2\"><a href=\"#fail-0\">3/4</a></td>"
        ));
        assert!(h.contains("<li id=\"fail-0\"><code>edge/div/trunc/-7,-2</code> on <strong>a64</strong>: mismatch at <code>cases/edge/div.toml:7</code>"));
        assert!(h.contains("&lt;wrong&gt; &amp; &quot;bad&quot;"));
        assert!(!h.contains("<wrong>"));
        assert!(h.contains("NaN sign, issue 4"));

        let md = markdown(&r);
        let fails = &md[md.find("## Failures (1)").unwrap()..];
        assert!(
            fails.contains("- `edge/div/trunc/-7,-2` on a64: mismatch at `cases/edge/div.toml:7`")
        );
        assert!(fails.contains("  result: expected 3, got -3 <wrong> & \"bad\"\n  second `line`"));
        assert!(md.contains("## Expected failures (1)"));
    }

    #[test]
    fn coverage_is_reported() {
        let r = sample();
        let c = coverage(&r);
        assert_eq!(
            c.emitted_covered,
            ["lw", "l", "div", "mod", "atb", "rtn", "lab", "fadd"]
        );
        // Only covered by a skipped result on a64 but ran on the reference.
        assert_eq!(c.library_covered, ["sys"]);
        assert!(c.emitted_uncovered.contains(&"lp"));
        assert!(!c.emitted_uncovered.contains(&"f1"));
        let total = ALL_OPS.iter().filter(|o| o.emitted_by_bcpl2sial()).count();
        assert_eq!(c.emitted_covered.len() + c.emitted_uncovered.len(), total);
        assert_eq!(c.library_covered.len() + c.library_uncovered.len(), 7);
        let line = c.emitted_line();
        assert!(line.starts_with(&format!(
            "opcodes emitted by bcpl2sial covered: 8/{total} (uncovered: lp, lg,"
        )));
        assert!(markdown(&r).contains(&upper_first(&line)));
        assert!(html(&r).contains(&esc(&upper_first(&line))));
        assert!(c
            .library_line()
            .contains("1/7 (uncovered: jge0m, brk, nop, chgco, mdiv, mlab)"));
    }

    #[test]
    fn html_is_a_whole_document() {
        let h = html(&sample());
        assert!(h.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(h.contains("<meta charset=\"utf-8\">"));
        assert!(h.trim_end().ends_with("</html>"));
        assert!(!h.contains("<script"));
        assert!(h.contains("1 failed"));
        assert_eq!(h.matches("<table>").count(), h.matches("</table>").count());
        assert_eq!(h.matches("<tr>").count(), h.matches("</tr>").count());
        assert_eq!(h.matches("<td").count(), h.matches("</td>").count());
    }

    #[test]
    fn deterministic_whatever_the_result_order() {
        let r = sample();
        let mut shuffled = r.clone();
        shuffled.results.reverse();
        for x in &mut shuffled.results {
            x.seconds *= 3.0;
        }
        assert_eq!(markdown(&r), markdown(&shuffled));
        assert_eq!(html(&r), html(&shuffled));
    }

    #[test]
    fn odd_input_does_not_panic() {
        let weird = vec![
            result("edge/", "x", Verdict::Pass, &["nosuchop", ""]),
            result(
                "",
                "",
                Verdict::Error {
                    message: String::new(),
                },
                &[],
            ),
            result(
                "edge/ü|`x`/é",
                "a64",
                Verdict::Error {
                    message: "```\n<>".into(),
                },
                &["div"],
            ),
            CaseResult {
                file: String::new(),
                line: 0,
                ending: None,
                seconds: f64::NAN,
                ..result(
                    "edge",
                    "reference",
                    Verdict::UnexpectedPass { reason: "r".into() },
                    &[],
                )
            },
        ];
        for engines in [vec![], vec!["a64".to_string()]] {
            let r = RunReport::new(engines, None, weird.clone());
            let (h, md) = (html(&r), markdown(&r));
            assert!(h.ends_with("</html>\n"));
            assert!(md.contains("## Failures (3)"));
        }
        let empty = RunReport::new(vec![], None, vec![]);
        assert!(markdown(&empty).contains("None in this run."));
        assert!(html(&empty).contains("0 passed, 0 failed, 0 skipped"));
        assert_eq!(edge_group("edge/div/a/b"), Some("edge/div"));
        assert_eq!(edge_group("edge/div"), Some("edge/div"));
        assert_eq!(edge_group("edge/"), None);
        assert_eq!(edge_group("edges/x"), None);
        assert_eq!(directory("programs/x/y"), "programs");
    }
}

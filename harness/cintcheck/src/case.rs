//! Test cases: the TOML format of `cases/**/*.toml` (documented with
//! examples in `cases/README.md`), its reading with errors that name the
//! file, line and key, and the resolved [`Case`] the runner executes.
//!
//! A file holds `[[case]]` entries (one program each) and `[[table]]`
//! entries (one program template, one case per row of values), with
//! optional `[defaults]` for both. A case can always be printed back as a
//! self-contained `[[case]]` ([`Case::to_toml`]), so any failure can be
//! saved as a ready case.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// A word written in a case file: an integer, or a string holding a
/// decimal or `0x` hex integer (any 64-bit pattern) or a float literal
/// (`1.5`, `-0.0`, `inf`, `nan`: stored as its IEEE bit pattern).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum WordSpec {
    Int(i64),
    Text(String),
}

impl WordSpec {
    /// The 64-bit word, and whether it was written as a float.
    pub fn value(&self) -> Result<(i64, bool), String> {
        match self {
            WordSpec::Int(v) => Ok((*v, false)),
            WordSpec::Text(t) => parse_word(t),
        }
    }

    /// The text substituted for `{column}` in a table template.
    pub fn template_text(&self) -> String {
        match self {
            WordSpec::Int(v) => v.to_string(),
            WordSpec::Text(t) => t.clone(),
        }
    }
}

/// Parse a word written as text (see [`WordSpec`]).
pub fn parse_word(t: &str) -> Result<(i64, bool), String> {
    let s = t.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("#x")) {
        let v = u64::from_str_radix(&hex.replace('_', ""), 16)
            .map_err(|e| format!("bad hex word `{t}`: {e}"))?;
        let v = v as i64;
        return Ok((if neg { v.wrapping_neg() } else { v }, false));
    }
    if let Ok(v) = s.replace('_', "").parse::<i64>() {
        return Ok((v, false));
    }
    let lower = body.to_ascii_lowercase();
    let f = match lower.as_str() {
        "inf" | "infinity" => f64::INFINITY,
        "nan" => f64::NAN,
        _ if lower.contains(['.', 'e']) => body
            .parse::<f64>()
            .map_err(|e| format!("bad float `{t}`: {e}"))?,
        _ => return Err(format!("`{t}` is not an integer, 0x hex word or float")),
    };
    Ok((if neg { -f } else { f }.to_bits() as i64, true))
}

/// How float results and globals are compared.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum FloatPolicy {
    /// Bit for bit (the default: BCPL is typeless, a word is a word).
    #[default]
    Bitwise,
    /// As bitwise, but any NaN equals any NaN.
    NanEqual,
    /// Within this many units in the last place (NaNs equal each other).
    Ulps(u64),
}

impl FloatPolicy {
    /// Parse `bitwise`, `nan-equal` or `ulps:N`.
    pub fn parse(s: &str) -> Result<FloatPolicy, String> {
        match s {
            "bitwise" => Ok(FloatPolicy::Bitwise),
            "nan-equal" => Ok(FloatPolicy::NanEqual),
            _ => s
                .strip_prefix("ulps:")
                .and_then(|n| n.parse().ok())
                .map(FloatPolicy::Ulps)
                .ok_or_else(|| {
                    format!("float policy `{s}`: expected bitwise, nan-equal or ulps:N")
                }),
        }
    }

    /// Whether two words are equal as floats under this policy.
    pub fn equal(self, a: i64, b: i64) -> bool {
        if a == b {
            return true;
        }
        let (x, y) = (f64::from_bits(a as u64), f64::from_bits(b as u64));
        match self {
            FloatPolicy::Bitwise => false,
            FloatPolicy::NanEqual => x.is_nan() && y.is_nan(),
            FloatPolicy::Ulps(n) => {
                if x.is_nan() || y.is_nan() {
                    return x.is_nan() && y.is_nan();
                }
                // Ordered integer images of the floats: distance in ulps.
                let key = |v: i64| if v < 0 { i64::MIN - v } else { v };
                (key(a) as i128 - key(b) as i128).unsigned_abs() <= n as u128
            }
        }
    }
}

impl std::fmt::Display for FloatPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FloatPolicy::Bitwise => f.write_str("bitwise"),
            FloatPolicy::NanEqual => f.write_str("nan-equal"),
            FloatPolicy::Ulps(n) => write!(f, "ulps:{n}"),
        }
    }
}

/// Expectations written from the spec (all optional).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectSpec {
    /// The value `start` returns (A at its `rtn`): `Returned { code }`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<WordSpec>,
    /// A BCPL fault or abort code (5 = division by zero).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<i64>,
    /// How the run ends: returned, quit, fault, bad-address, bad-jump,
    /// step-limit, output-limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ending: Option<String>,
    /// stdout with every `\r` removed (the console writes `\r` after `\n`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdout: Option<String>,
    /// stdout exactly, `\r` included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdout_raw: Option<String>,
    /// Final values of globals (keys are global numbers).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub globals: BTreeMap<String, WordSpec>,
    /// Final words of statics (keys are labels such as "L5"; every word of
    /// the static, in order).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub statics: BTreeMap<String, Vec<WordSpec>>,
}

/// Fields shared by `[[case]]`, `[[table]]` and `[defaults]`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Common {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The spec section the expectations come from (e.g. "sial.md s.10.1").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdin: Option<String>,
    /// Command-line arguments (what `rdargs` sees).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub args: Option<String>,
    /// Stack of the command coroutine in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack: Option<i64>,
    /// Step budget (default 10,000,000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_limit: Option<u64>,
    /// BCPL memory in words (default 1,000,000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<usize>,
    /// `bitwise` (default), `nan-equal` or `ulps:N`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub float: Option<String>,
    /// The program's language: `sial` (default) or `cintcode` (64-bit
    /// Cintcode: `body`/`data`/`program` are assembly text of the
    /// `cintcode` crate; `files` are `.cin` assembly or object (hunk) files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// Globals whose final values every engine must agree on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compare_globals: Vec<u32>,
    /// Statics (labels such as "L5", in the first module defining them)
    /// whose final words every engine must agree on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compare_statics: Vec<String>,
    /// Engines expected to fail this case: engine -> reason.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub xfail: BTreeMap<String, String>,
    /// Engines that do not run this case: engine -> reason.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub skip: BTreeMap<String, String>,
}

/// One `[[case]]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CaseSpec {
    pub name: Spanned<String>,
    #[serde(flatten)]
    pub common: Common,
    /// The body of `start` in readable Sial (the case returns A at `rtn`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Directives placed after `start` (statics, strings, consts, more functions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// A whole program, readable or compact Sial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// Sial files (relative to the case file), linked in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// The BCPL source the program came from (for source-level backends).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bcpl: Option<String>,
    #[serde(default)]
    pub expect: ExpectSpec,
}

/// One `[[table]]`: a body/data template with `{column}` placeholders and
/// one case per row. Columns named `result`, `fault`, `ending`, `stdout`
/// are expectations; the others are template values.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    pub name: Spanned<String>,
    #[serde(flatten)]
    pub common: Common,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub data: String,
    pub columns: Vec<String>,
    pub rows: Vec<Spanned<Vec<WordSpec>>>,
    /// Expectations every row shares (a row's expectation columns add to
    /// them).
    #[serde(default)]
    pub expect: ExpectSpec,
}

/// A whole case file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    #[serde(default)]
    pub defaults: Common,
    #[serde(default)]
    pub case: Vec<CaseSpec>,
    #[serde(default)]
    pub table: Vec<TableSpec>,
}

/// The language of a case's program.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Level {
    /// 64-bit Sial (sial.md).
    #[default]
    Sial,
    /// 64-bit Cintcode (cintcode64.md).
    Cintcode,
}

impl Level {
    fn parse(s: Option<&str>) -> Result<Level, String> {
        match s {
            None | Some("sial") => Ok(Level::Sial),
            Some("cintcode") => Ok(Level::Cintcode),
            Some(other) => Err(format!("level `{other}`: expected `sial` or `cintcode`")),
        }
    }

    /// The file extension of the level's program text.
    pub fn extension(self) -> &'static str {
        match self {
            Level::Sial => "sial",
            Level::Cintcode => "cin",
        }
    }

    /// A whole program from a `body` (returning A at its end) and `data`.
    pub fn body_program(self, body: &str, data: &str) -> String {
        match self {
            Level::Sial => body_program(body, data),
            Level::Cintcode => cintcode_body_program(body, data),
        }
    }
}

/// The program of a resolved case.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// Sial text (readable or compact) and the name it is reported under.
    Text { name: String, text: String },
    /// A file.
    File(PathBuf),
}

/// Expected ending, resolved.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Expect {
    pub result: Option<(i64, bool)>,
    pub fault: Option<i64>,
    pub ending: Option<String>,
    pub stdout: Option<String>,
    pub stdout_raw: Option<String>,
    pub globals: Vec<(u32, i64, bool)>,
    pub statics: Vec<(u32, Vec<(i64, bool)>)>,
}

/// A case ready to run.
#[derive(Clone, Debug)]
pub struct Case {
    /// `dir/file/name` relative to the suite root, e.g. `edge/div/by-zero`.
    pub name: String,
    pub file: PathBuf,
    pub line: usize,
    pub tags: Vec<String>,
    pub spec: Option<String>,
    pub level: Level,
    pub sources: Vec<Source>,
    pub bcpl: Option<String>,
    pub stdin: String,
    pub args: String,
    pub stack: i64,
    pub step_limit: u64,
    pub memory: usize,
    pub float: FloatPolicy,
    pub compare_globals: Vec<u32>,
    /// Static labels whose words every engine must agree on.
    pub compare_statics: Vec<u32>,
    pub expect: Expect,
    pub xfail: BTreeMap<String, String>,
    pub skip: BTreeMap<String, String>,
    /// For a row of a `[[table]]`: its index (0 = first row).
    pub row: Option<usize>,
    /// The `[[case]]` it came from, for printing back.
    spec_form: CaseSpec,
}

/// A case-file problem: file, line and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseError {
    pub file: PathBuf,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for CaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

/// A static's label written as `L5` (or `5`).
fn static_label(s: &str) -> Result<u32, String> {
    s.strip_prefix('L')
        .unwrap_or(s)
        .parse()
        .map_err(|_| format!("`{s}` is not a static label such as L5"))
}

/// The start-function template a `body` goes into.
pub fn body_program(body: &str, data: &str) -> String {
    format!("entry \"start\"\nlab L1\n{body}\n  rtn\n{data}\nglobal G1 L1 G1\n")
}

/// The start-function template of a Cintcode `body` (assembly text).
pub fn cintcode_body_program(body: &str, data: &str) -> String {
    format!("section \"case\"\nentry \"start\"\nstart:\n{body}\n  rtn\n{data}\nglobal 1 start\n")
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

fn merged(defaults: &Common, c: &Common) -> Common {
    let mut tags = defaults.tags.clone();
    tags.extend(c.tags.iter().cloned());
    tags.dedup();
    let mut xfail = defaults.xfail.clone();
    xfail.extend(c.xfail.clone());
    let mut skip = defaults.skip.clone();
    skip.extend(c.skip.clone());
    let mut compare_globals = defaults.compare_globals.clone();
    compare_globals.extend(c.compare_globals.iter().copied());
    let mut compare_statics = defaults.compare_statics.clone();
    compare_statics.extend(c.compare_statics.iter().cloned());
    Common {
        tags,
        spec: c.spec.clone().or_else(|| defaults.spec.clone()),
        stdin: c.stdin.clone().or_else(|| defaults.stdin.clone()),
        args: c.args.clone().or_else(|| defaults.args.clone()),
        stack: c.stack.or(defaults.stack),
        step_limit: c.step_limit.or(defaults.step_limit),
        memory: c.memory.or(defaults.memory),
        float: c.float.clone().or_else(|| defaults.float.clone()),
        level: c.level.clone().or_else(|| defaults.level.clone()),
        compare_globals,
        compare_statics,
        xfail,
        skip,
    }
}

/// The name prefix of cases in `file`: its path under `root` without `.toml`.
pub fn file_prefix(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let s = rel.with_extension("").to_string_lossy().replace('\\', "/");
    s.trim_start_matches("./").to_string()
}

/// Read every case of one file.
pub fn read_file(root: &Path, file: &Path) -> Result<Vec<Case>, CaseError> {
    let text = std::fs::read_to_string(file).map_err(|e| CaseError {
        file: file.to_path_buf(),
        line: 0,
        message: format!("cannot read: {e}"),
    })?;
    parse_file(root, file, &text)
}

/// Parse the text of a case file.
pub fn parse_file(root: &Path, file: &Path, text: &str) -> Result<Vec<Case>, CaseError> {
    let err = |line: usize, message: String| CaseError {
        file: file.to_path_buf(),
        line,
        message,
    };
    let spec: FileSpec = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(0, |s| line_of(text, s.start));
        err(line, e.message().to_string())
    })?;
    let prefix = file_prefix(root, file);
    let mut cases = Vec::new();
    for c in &spec.case {
        let line = line_of(text, c.name.span().start);
        let common = merged(&spec.defaults, &c.common);
        let n_sources = c.body.is_some() as usize
            + c.program.is_some() as usize
            + (!c.files.is_empty()) as usize;
        if n_sources != 1 {
            return Err(err(
                line,
                format!(
                    "case `{}`: give exactly one of `body`, `program` or `files`",
                    c.name.get_ref()
                ),
            ));
        }
        if c.data.is_some() && c.body.is_none() {
            return Err(err(
                line,
                format!("case `{}`: `data` goes with `body`", c.name.get_ref()),
            ));
        }
        let name = format!("{prefix}/{}", c.name.get_ref());
        let level = Level::parse(common.level.as_deref()).map_err(|m| err(line, m))?;
        let sources = if let Some(body) = &c.body {
            vec![Source::Text {
                name: format!("{name}.{}", level.extension()),
                text: level.body_program(body, c.data.as_deref().unwrap_or("")),
            }]
        } else if let Some(p) = &c.program {
            vec![Source::Text {
                name: format!("{name}.{}", level.extension()),
                text: p.clone(),
            }]
        } else {
            let dir = file.parent().unwrap_or(Path::new("."));
            c.files.iter().map(|f| Source::File(dir.join(f))).collect()
        };
        let expect = resolve_expect(&c.expect)
            .map_err(|m| err(line, format!("case `{}`: {m}", c.name.get_ref())))?;
        cases.push(
            build(
                name,
                file,
                line,
                common,
                sources,
                c.bcpl.clone(),
                expect,
                c.clone(),
            )
            .map_err(|m| err(line, m))?,
        );
    }
    for t in &spec.table {
        let tline = line_of(text, t.name.span().start);
        let common = merged(&spec.defaults, &t.common);
        for col in &t.columns {
            if col.is_empty()
                || !col
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
            {
                return Err(err(
                    tline,
                    format!("table `{}`: bad column name `{col}`", t.name.get_ref()),
                ));
            }
        }
        for (row_index, row) in t.rows.iter().enumerate() {
            let line = line_of(text, row.span().start);
            let values = row.get_ref();
            if values.len() != t.columns.len() {
                return Err(err(
                    line,
                    format!(
                        "table `{}`: row has {} values for {} columns",
                        t.name.get_ref(),
                        values.len(),
                        t.columns.len()
                    ),
                ));
            }
            let mut body = t.body.clone();
            let mut data = t.data.clone();
            let mut expect = t.expect.clone();
            let mut key = Vec::new();
            for (col, v) in t.columns.iter().zip(values) {
                match col.as_str() {
                    "result" => expect.result = Some(v.clone()),
                    "fault" => expect.fault = Some(v.value().map_err(|m| err(line, m))?.0),
                    "ending" => expect.ending = Some(v.template_text()),
                    "stdout" => expect.stdout = Some(v.template_text()),
                    _ => {
                        let placeholder = format!("{{{col}}}");
                        body = body.replace(&placeholder, &v.template_text());
                        data = data.replace(&placeholder, &v.template_text());
                        key.push(v.template_text());
                    }
                }
            }
            if let Some(rest) = body.find('{').filter(|&i| body[i..].contains('}')) {
                return Err(err(
                    line,
                    format!(
                        "table `{}`: unknown placeholder in body near `{}`",
                        t.name.get_ref(),
                        body[rest..].chars().take(12).collect::<String>()
                    ),
                ));
            }
            let row_name = format!("{}/{}", t.name.get_ref(), key.join(","));
            let name = format!("{prefix}/{row_name}");
            let case_spec = CaseSpec {
                name: Spanned::new(0..0, row_name),
                common: t.common.clone(),
                body: Some(body.clone()),
                data: (!data.is_empty()).then(|| data.clone()),
                program: None,
                files: Vec::new(),
                bcpl: None,
                expect: expect.clone(),
            };
            let level = Level::parse(common.level.as_deref()).map_err(|m| err(line, m))?;
            let sources = vec![Source::Text {
                name: format!("{name}.{}", level.extension()),
                text: level.body_program(&body, &data),
            }];
            let expect = resolve_expect(&expect).map_err(|m| err(line, m))?;
            let mut case = build(
                name,
                file,
                line,
                common.clone(),
                sources,
                None,
                expect,
                case_spec,
            )
            .map_err(|m| err(line, m))?;
            case.row = Some(row_index);
            cases.push(case);
        }
    }
    Ok(cases)
}

fn resolve_expect(e: &ExpectSpec) -> Result<Expect, String> {
    const ENDINGS: [&str; 8] = [
        "returned",
        "quit",
        "fault",
        "bad-address",
        "bad-jump",
        "step-limit",
        "output-limit",
        "engine-error",
    ];
    if let Some(end) = &e.ending {
        if !ENDINGS.contains(&end.as_str()) {
            return Err(format!(
                "expect.ending `{end}`: expected one of {}",
                ENDINGS.join(", ")
            ));
        }
    }
    let mut globals = Vec::new();
    for (k, v) in &e.globals {
        let g: u32 = k
            .parse()
            .map_err(|_| format!("expect.globals: `{k}` is not a global number"))?;
        let (w, f) = v.value()?;
        globals.push((g, w, f));
    }
    let mut statics = Vec::new();
    for (k, words) in &e.statics {
        let l = static_label(k).map_err(|m| format!("expect.statics: {m}"))?;
        statics.push((
            l,
            words
                .iter()
                .map(WordSpec::value)
                .collect::<Result<Vec<_>, _>>()?,
        ));
    }
    Ok(Expect {
        statics,
        result: e.result.as_ref().map(|w| w.value()).transpose()?,
        fault: e.fault,
        ending: e.ending.clone(),
        stdout: e.stdout.clone(),
        stdout_raw: e.stdout_raw.clone(),
        globals,
    })
}

#[allow(clippy::too_many_arguments)]
fn build(
    name: String,
    file: &Path,
    line: usize,
    common: Common,
    sources: Vec<Source>,
    bcpl: Option<String>,
    expect: Expect,
    spec_form: CaseSpec,
) -> Result<Case, String> {
    let float = common
        .float
        .as_deref()
        .map(FloatPolicy::parse)
        .transpose()?
        .unwrap_or_default();
    if common.step_limit == Some(0) {
        // An unlimited budget would let a runaway case hang the whole suite.
        return Err("step_limit must be at least 1 (a case always has a budget)".into());
    }
    let mut compare_globals = common.compare_globals.clone();
    compare_globals.extend(expect.globals.iter().map(|g| g.0));
    compare_globals.sort();
    compare_globals.dedup();
    let level = Level::parse(common.level.as_deref())?;
    if level == Level::Cintcode
        && (!common.compare_statics.is_empty() || !expect.statics.is_empty())
    {
        return Err("statics are Sial labels: a Cintcode case cannot compare them".into());
    }
    let mut compare_statics = common
        .compare_statics
        .iter()
        .map(|l| static_label(l).map_err(|m| format!("compare_statics: {m}")))
        .collect::<Result<Vec<u32>, String>>()?;
    compare_statics.extend(expect.statics.iter().map(|s| s.0));
    compare_statics.sort();
    compare_statics.dedup();
    Ok(Case {
        compare_statics,
        name,
        file: file.to_path_buf(),
        line,
        tags: common.tags,
        spec: common.spec,
        level,
        sources,
        bcpl,
        stdin: common.stdin.unwrap_or_default(),
        args: common.args.unwrap_or_default(),
        stack: common.stack.unwrap_or(10_000),
        step_limit: common.step_limit.unwrap_or(10_000_000),
        memory: common.memory.unwrap_or(1_000_000),
        float,
        compare_globals,
        expect,
        xfail: common.xfail,
        skip: common.skip,
        row: None,
        spec_form,
    })
}

impl Case {
    /// The Sial programs of the case, read and validated.
    pub fn programs(&self) -> Result<Vec<(String, sial::Program)>, String> {
        if self.level == Level::Cintcode {
            return Err(format!(
                "`{}` is a Cintcode case (level = \"cintcode\"): it has no Sial program",
                self.name
            ));
        }
        self.sources
            .iter()
            .map(|s| match s {
                Source::Text { name, text } => sial::parse(text, name)
                    .map(|p| (name.clone(), p))
                    .map_err(|e| e.to_string()),
                Source::File(p) => crate::source::read_program(p),
            })
            .collect()
    }

    /// The Cintcode programs of the case (assembly text or object files),
    /// assembled or read.
    pub fn objects(&self) -> Result<Vec<cintcode::Object>, String> {
        self.sources
            .iter()
            .map(|s| match s {
                Source::Text { name, text } => {
                    cintcode::asm::assemble(text, name).map_err(|e| e.to_string())
                }
                Source::File(p) => crate::source::read_object(p),
            })
            .collect()
    }

    /// The run configuration of the case.
    pub fn config(&self) -> reference::RunConfig {
        reference::RunConfig {
            stack_words: self.stack,
            memory_words: self.memory,
            step_limit: self.step_limit,
            args: self.args.clone().into_bytes(),
            stdin: self.stdin.clone().into_bytes(),
            program_name: self.name.rsplit('/').next().unwrap_or("case").to_string(),
            capture_globals: self.compare_globals.clone(),
            capture_statics: self.compare_statics.clone(),
            ..reference::RunConfig::default()
        }
    }

    /// The `body` and `data` of a body case (or table row), if it is one.
    pub fn body_and_data(&self) -> Option<(String, String)> {
        let b = self.spec_form.body.clone()?;
        Some((b, self.spec_form.data.clone().unwrap_or_default()))
    }

    /// This case as a self-contained `[[case]]` (inline program; the name
    /// is the full name), ready to paste into a case file.
    pub fn to_toml(&self) -> String {
        let mut spec = self.spec_form.clone();
        spec.name = Spanned::new(0..0, self.name.clone());
        spec.common.tags = self.tags.clone();
        spec.common.spec = self.spec.clone();
        if self.level == Level::Cintcode {
            spec.common.level = Some("cintcode".into());
        }
        if !spec.files.is_empty() {
            // Inline the files so the case stands alone.
            let text: Vec<String> = self
                .sources
                .iter()
                .filter_map(|s| match s {
                    Source::File(p) => std::fs::read_to_string(p).ok(),
                    Source::Text { text, .. } => Some(text.clone()),
                })
                .collect();
            spec.files.clear();
            spec.program = Some(text.join("\n"));
        }
        #[derive(Serialize)]
        struct One<'a> {
            case: [&'a CaseSpec; 1],
        }
        toml::to_string(&One { case: [&spec] })
            .unwrap_or_else(|e| format!("# cannot print case: {e}\n"))
    }
}

/// Every `*.toml` under `paths` (files or directories), sorted, except
/// README-like files.
pub fn discover(paths: &[PathBuf]) -> Vec<PathBuf> {
    fn walk(p: &Path, out: &mut Vec<PathBuf>) {
        if p.is_dir() {
            if let Ok(rd) = std::fs::read_dir(p) {
                for e in rd.flatten() {
                    walk(&e.path(), out);
                }
            }
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p.to_path_buf());
        }
    }
    let mut out = Vec::new();
    for p in paths {
        walk(p, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

/// `s` as a TOML basic string (control characters, DEL included, as
/// escapes), for the ready cases the fuzzer and the external reducer write.
pub fn toml_string(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 32 || c as u32 == 127 => o.push_str(&format!("\\u{:04X}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Case>, CaseError> {
        parse_file(Path::new("cases"), Path::new("cases/edge/div.toml"), text)
    }

    #[test]
    fn words_in_every_spelling() {
        assert_eq!(parse_word("42").unwrap(), (42, false));
        assert_eq!(parse_word("-0x10").unwrap(), (-16, false));
        assert_eq!(parse_word("0xFFFFFFFFFFFFFFFF").unwrap(), (-1, false));
        assert_eq!(parse_word("1.5").unwrap(), (0x3FF8000000000000, true));
        assert_eq!(parse_word("-0.0").unwrap(), (i64::MIN, true));
        assert_eq!(
            parse_word("-inf").unwrap().0,
            f64::NEG_INFINITY.to_bits() as i64
        );
        assert!(parse_word("nan").unwrap().1);
        assert!(parse_word("abc").is_err());
    }

    #[test]
    fn float_policies() {
        let one = 1.0f64.to_bits() as i64;
        let next = one + 1;
        let nan1 = f64::NAN.to_bits() as i64;
        let nan2 = nan1 | 1;
        assert!(!FloatPolicy::Bitwise.equal(one, next));
        assert!(FloatPolicy::Ulps(1).equal(one, next));
        assert!(!FloatPolicy::Ulps(0).equal(one, next));
        assert!(FloatPolicy::NanEqual.equal(nan1, nan2));
        assert!(!FloatPolicy::Bitwise.equal(nan1, nan2));
        let pz = 0.0f64.to_bits() as i64;
        let nz = (-0.0f64).to_bits() as i64;
        assert!(FloatPolicy::Ulps(1).equal(pz, nz));
    }

    #[test]
    fn cases_and_tables() {
        let text = r#"
[defaults]
tags = ["div"]
spec = "sial.md s.10.1"

[[case]]
name = "by-zero"
body = "  l K7\n  atb\n  l K0\n  div"
expect = { fault = 5 }

[[table]]
name = "signs"
body = "  lw M1\n  atb\n  lw M2\n  div"
data = "const M1 W{x}\nconst M2 W{y}"
columns = ["x", "y", "result"]
rows = [
  [7, 2, 3],
  [-7, 2, -3],
]
"#;
        let cases = parse(text).unwrap();
        assert_eq!(cases.len(), 3);
        assert_eq!(cases[0].name, "edge/div/by-zero");
        assert_eq!(cases[0].line, 7);
        assert_eq!(cases[0].expect.fault, Some(5));
        assert_eq!(cases[1].name, "edge/div/signs/7,2");
        assert_eq!(cases[2].line, 18);
        assert_eq!(cases[2].expect.result, Some((-3, false)));
        assert_eq!(cases[2].tags, ["div"]);
        assert!(cases[2].programs().is_ok());
    }

    #[test]
    fn errors_name_the_line_and_key() {
        let e = parse("[[case]]\nname = \"x\"\nbody = \"rtn\"\nbogus = 1\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("bogus"), "{e}");
        let e = parse("[[case]]\nname = \"x\"\n").unwrap_err();
        assert!(e.message.contains("exactly one of"), "{e}");
        let e = parse(
            "[[table]]\nname = \"t\"\nbody = \"l K{x}\"\ncolumns = [\"x\"]\nrows = [[1, 2]]\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 5);
        assert!(e.message.contains("2 values for 1 columns"), "{e}");
        let e = parse(
            "[[table]]\nname = \"t\"\nbody = \"{y}ééééééééééé\"\ncolumns = [\"x\"]\nrows = [[1]]\n",
        )
        .unwrap_err();
        assert!(
            e.message
                .contains("unknown placeholder in body near `{y}ééééééééé`"),
            "{e}"
        );
        let e = parse("[[case]]\nname = \"x\"\nbody = \"rtn\"\nstep_limit = 0\n").unwrap_err();
        assert!(e.message.contains("step_limit must be at least 1"), "{e}");
        let e =
            parse("[[case]]\nname = \"x\"\nbody = \"rtn\"\nexpect = { ending = \"exploded\" }\n")
                .unwrap_err();
        assert!(e.message.contains("expect.ending"), "{e}");
    }

    #[test]
    fn a_case_prints_back_as_a_ready_case() {
        let text =
            "[[case]]\nname = \"x\"\ntags = [\"t\"]\nbody = \"  l K3\"\nexpect = { result = 3 }\n";
        let case = &parse(text).unwrap()[0];
        let back = case.to_toml();
        let again = parse_file(Path::new("."), Path::new("x.toml"), &back).unwrap();
        assert_eq!(again[0].name, "x/edge/div/x");
        assert_eq!(again[0].expect.result, Some((3, false)));
        assert_eq!(
            again[0].sources,
            case.sources
                .iter()
                .map(|s| match s {
                    Source::Text { text, .. } => Source::Text {
                        name: "x/edge/div/x.sial".into(),
                        text: text.clone()
                    },
                    other => other.clone(),
                })
                .collect::<Vec<_>>()
        );
    }
}

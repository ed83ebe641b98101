//! Round trips of both text forms over the real bcpl2sial corpus and over
//! random programs, no-panic fuzzing of the readers, and one test per
//! `ErrorKind` with its message and position.

use std::path::PathBuf;
use std::sync::OnceLock;

use proptest::prelude::*;
use sial::compact::MAX_INDEX;
use sial::{
    parse, parse_compact, parse_readable, print_compact, print_readable, validate, Args, ErrorKind,
    Instr, Module, Op, Pos, Program, Shape, SialError, ALL_OPS,
};

// ---------------------------------------------------------------- corpus

fn corpus_dir() -> PathBuf {
    match std::env::var_os("CINTCHECK_CORPUS") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
    }
}

/// (file name, text) of every `*.sial` in the corpus; empty when the corpus
/// is absent.
fn corpus() -> &'static [(String, String)] {
    static FILES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = corpus_dir();
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut files: Vec<(String, String)> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "sial"))
            .filter_map(|p| {
                let text = std::fs::read_to_string(&p).ok()?;
                Some((p.display().to_string(), text))
            })
            .collect();
        files.sort();
        files
    })
}

#[test]
fn corpus_round_trips() {
    let files = corpus();
    if files.is_empty() {
        println!(
            "note: no corpus at {} (set CINTCHECK_CORPUS); skipping",
            corpus_dir().display()
        );
        return;
    }
    for (name, text) in files {
        let p = parse_compact(text, name).unwrap_or_else(|e| panic!("{e}"));
        validate(&p, name, text).unwrap_or_else(|e| panic!("{e}"));
        assert!(!p.modules.is_empty(), "{name}: no modules");
        let printed = print_compact(&p);
        assert!(
            printed == *text,
            "{name}: print_compact differs from the file"
        );
        let readable = print_readable(&p);
        let q = parse_readable(&readable, "readable").unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(q.same(&p), "{name}: readable round trip differs");
        validate(&q, "readable", &readable).unwrap_or_else(|e| panic!("{name}: {e}"));
        // The form detector picks the right reader for both.
        assert!(parse(text, name).unwrap().same(&p));
        assert!(parse(&readable, name).unwrap().same(&p));
    }
    println!("{} corpus files round-tripped", files.len());
}

// ------------------------------------------------------ random programs

/// Cases per property: `PROPTEST_CASES` when set (for longer fuzzing runs),
/// else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Raw material for one generated instruction.
#[derive(Clone, Debug)]
struct Seed {
    op: usize,
    nums: Vec<i64>,
    idx: Vec<u32>,
    bytes: Vec<u8>,
}

/// Raw material for one generated module.
#[derive(Clone, Debug)]
struct ModSeed {
    l_labels: Vec<u32>,
    m_labels: Vec<u32>,
    instrs: Vec<Seed>,
    datas: Vec<(Vec<u8>, Vec<i64>)>,
    section: Option<Vec<u8>>,
    global: Option<(Vec<u32>, u32)>,
}

fn word() -> impl Strategy<Value = i64> {
    prop_oneof![
        any::<i64>(),
        Just(i64::MIN),
        Just(i64::MAX),
        Just(0i64),
        Just(-1i64),
        -300i64..300,
    ]
}

fn index() -> impl Strategy<Value = u32> {
    prop_oneof![0u32..200, Just(MAX_INDEX), 0u32..=MAX_INDEX]
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

fn seed() -> impl Strategy<Value = Seed> {
    (
        any::<usize>(),
        prop::collection::vec(word(), 0..25),
        prop::collection::vec(index(), 0..25),
        bytes(30),
    )
        .prop_map(|(op, nums, idx, bytes)| Seed {
            op,
            nums,
            idx,
            bytes,
        })
}

fn mod_seed() -> impl Strategy<Value = ModSeed> {
    (
        prop::collection::btree_set(prop_oneof![10u32..100, 10u32..=MAX_INDEX], 2..8),
        prop::collection::btree_set(prop_oneof![0u32..100, 0u32..=MAX_INDEX], 3..8),
        prop::collection::vec(seed(), 0..30),
        prop::collection::vec(
            (
                prop_oneof![bytes(20), bytes(256)],
                prop::collection::vec(word(), 0..14),
            ),
            8,
        ),
        prop::option::of(bytes(40)),
        prop::option::of((prop::collection::vec(any::<u32>(), 0..6), index())),
    )
        .prop_map(|(l, m, instrs, datas, section, global)| ModSeed {
            l_labels: l.into_iter().collect(),
            m_labels: m.into_iter().collect(),
            instrs,
            datas,
            section,
            global,
        })
}

/// Cycles through a seed's values (a default when there are none).
fn pick<T: Copy>(v: &[T], n: &mut usize, default: T) -> T {
    let x = v.get(*n % v.len().max(1)).copied().unwrap_or(default);
    *n += 1;
    x
}

fn uses_static(op: Op) -> bool {
    matches!(op, Op::Ll | Op::Lll | Op::Sl | Op::Il | Op::Ikl)
}

fn build_module(s: &ModSeed) -> Module {
    let half = s.l_labels.len().div_ceil(2);
    let (code, statics) = s.l_labels.split_at(half);
    let strings: Vec<u32> = s.m_labels.iter().copied().step_by(3).collect();
    let consts: Vec<u32> = s.m_labels.iter().copied().skip(1).step_by(3).collect();
    let mlabs: Vec<u32> = s.m_labels.iter().copied().skip(2).step_by(3).collect();
    let defining = [
        Op::Run1,
        Op::Run2,
        Op::Modstart,
        Op::Modend,
        Op::Lab,
        Op::Static,
        Op::String,
        Op::Const,
        Op::Mlab,
        Op::Global,
        Op::Section,
    ];
    let ops: Vec<Op> = ALL_OPS
        .iter()
        .copied()
        .filter(|o| !defining.contains(o))
        .collect();
    let mut instrs: Vec<Instr> = Vec::new();
    for sd in &s.instrs {
        let op = ops[sd.op % ops.len()];
        let (mut ni, mut ii, mut li) = (0usize, 0usize, sd.op / 7);
        let mut k = || pick(&sd.nums, &mut ni, 0);
        let mut ix = || pick(&sd.idx, &mut ii, 0);
        let code_l = |li: &mut usize| pick(code, li, 10);
        let args = match op.shape() {
            Shape::None => Args::None,
            Shape::P => Args::P(ix()),
            Shape::G => Args::G(ix()),
            Shape::L if uses_static(op) => Args::L(pick(statics, &mut li, 10)),
            Shape::L => Args::L(code_l(&mut li)),
            Shape::M => Args::M(match op {
                Op::Lw => pick(&consts, &mut li, 0),
                Op::Lstr => pick(&strings, &mut li, 0),
                _ => pick(&mlabs, &mut li, 0),
            }),
            Shape::K => Args::K(k()),
            Shape::KP => Args::KP(k(), ix()),
            Shape::KG => Args::KG(k(), ix()),
            Shape::KL => Args::KL(k(), pick(statics, &mut li, 10)),
            Shape::PG => Args::PG(ix(), ix()),
            Shape::KK => Args::KK(k().rem_euclid(65), k().rem_euclid(64)),
            Shape::KKK => Args::KKK(k().rem_euclid(18), k().rem_euclid(65), k().rem_euclid(64)),
            Shape::Swb => Args::Swb {
                default: code_l(&mut li),
                cases: (0..sd.nums.len() / 2)
                    .map(|_| (k(), code_l(&mut li)))
                    .collect(),
            },
            Shape::Swl => Args::Swl {
                default: code_l(&mut li),
                labels: (0..sd.idx.len()).map(|_| code_l(&mut li)).collect(),
            },
            Shape::Name => Args::Name(sd.bytes.clone()),
            // Definitions are made below.
            _ => Args::None,
        };
        instrs.push(Instr::new(op, args));
    }
    // Define every label exactly once, at a position derived from the seed.
    let mut defs: Vec<Instr> = Vec::new();
    let mut data = s.datas.iter().cycle();
    let empty = (Vec::new(), Vec::new());
    for &l in code {
        defs.push(Instr::new(Op::Lab, Args::L(l)));
    }
    for &l in statics {
        let (_, words) = data.next().unwrap_or(&empty);
        defs.push(Instr::new(
            Op::Static,
            Args::Static {
                label: l,
                words: words.clone(),
            },
        ));
    }
    for &m in &strings {
        let (b, _) = data.next().unwrap_or(&empty);
        defs.push(Instr::new(
            Op::String,
            Args::Str {
                label: m,
                bytes: b.clone(),
            },
        ));
    }
    for &m in &consts {
        let (_, w) = data.next().unwrap_or(&empty);
        defs.push(Instr::new(
            Op::Const,
            Args::Const {
                label: m,
                value: w.first().copied().unwrap_or(i64::MIN),
            },
        ));
    }
    for &m in &mlabs {
        defs.push(Instr::new(Op::Mlab, Args::M(m)));
    }
    for (n, d) in defs.into_iter().enumerate() {
        let at = (n * 7919 + s.instrs.len() * 31) % (instrs.len() + 1);
        instrs.insert(at, d);
    }
    if let Some(name) = &s.section {
        instrs.insert(0, Instr::new(Op::Section, Args::Name(name.clone())));
    }
    if let Some((gs, max)) = &s.global {
        let mut li = 0;
        let pairs = gs
            .iter()
            .map(|g| (g % (MAX_INDEX + 1), pick(code, &mut li, 10)))
            .collect();
        instrs.push(Instr::new(Op::Global, Args::Global { pairs, max: *max }));
    }
    Module {
        instrs,
        pos: Pos::default(),
    }
}

fn program() -> impl Strategy<Value = Program> {
    prop::collection::vec(mod_seed(), 1..4).prop_map(|ms| Program {
        modules: ms.iter().map(build_module).collect(),
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(200)))]

    #[test]
    fn random_programs_round_trip(p in program()) {
        validate(&p, "gen", "").map_err(|e| TestCaseError::fail(e.to_string()))?;

        let compact = print_compact(&p);
        let q = parse_compact(&compact, "gen.sial")
            .map_err(|e| TestCaseError::fail(format!("{e}\n{compact}")))?;
        prop_assert!(q.same(&p), "compact round trip differs");
        prop_assert_eq!(print_compact(&q), compact.clone());
        prop_assert!(compact.starts_with("\nF104") && compact.ends_with("F105\n"));

        let readable = print_readable(&p);
        let r = parse_readable(&readable, "gen.rsial")
            .map_err(|e| TestCaseError::fail(format!("{e}\n{readable}")))?;
        prop_assert!(r.same(&p), "readable round trip differs");
        prop_assert_eq!(print_readable(&r), readable.clone());

        // Positions point at the instructions in the printed text.
        for (m, text, is_compact) in [(&q, &compact, true), (&r, &readable, false)] {
            let lines: Vec<&str> = text.split('\n').collect();
            for i in m.modules.iter().flat_map(|m| &m.instrs) {
                let line = lines.get(i.pos.line as usize - 1).copied().unwrap_or("");
                let rest: String = line.chars().skip(i.pos.col as usize - 1).collect();
                let expect = if is_compact {
                    format!("F{}", i.op.number())
                } else {
                    i.op.name().to_string()
                };
                prop_assert!(rest.starts_with(&expect), "{:?} at {:?}: {}", i.op, i.pos, line);
            }
        }
    }
}

// ------------------------------------------------------------- fuzzing

/// A small program in both forms, used when the corpus is absent.
const SAMPLE: &str = "
F104
F103 K4 C102 C97 C99 C116
F113 K5 C115 C116 C97 C114 C116
F111 L10
F11 K1
F13 P3
F111 L12
F3 P3
F66 K2 L13 K1 L14 K2 L12
F67 K2 L13 L14 L12
F10 M9002
F152 K8 K4
F153 K0 K8 K0
F20 K-1 P3
F112 M9001
F32 P4 G94
F111 L14
F111 L13
F5 L15
F11 K-9223372036854775808
F77
F108 M9002 W4609434218613702656
F109 L15 K3 W1 W-2 W3
F107 M9001 K15 C102 C97 C99 C116 C40 C37 C110
 C41 C32 C61 C32 C37 C105 C52 C10
F106 K1 G1 L10 G94
F105
";

/// Texts to mutate: every corpus file (or the sample) in both forms.
fn bases() -> &'static [String] {
    static BASES: OnceLock<Vec<String>> = OnceLock::new();
    BASES.get_or_init(|| {
        let mut v: Vec<String> = corpus().iter().map(|(_, t)| t.clone()).collect();
        if v.is_empty() {
            v.push(SAMPLE.to_string());
        }
        let readable: Vec<String> = v
            .iter()
            .filter_map(|t| parse_compact(t, "b").ok())
            .map(|p| print_readable(&p))
            .collect();
        v.extend(readable);
        v
    })
}

const REPLACEMENTS: &[&str] = &[
    "F1",
    "F2",
    "F0",
    "F155",
    "F104",
    "F105",
    "F111",
    "F66",
    "F107",
    "K-1",
    "K99999999999",
    "K9223372036854775808",
    "K-9223372036854775808",
    "P-1",
    "L5",
    "L9",
    "M9001",
    "C256",
    "W1.5",
    "G",
    "X7",
    "\"",
    "\"\\x4",
    ";",
    "modstart",
    "modend",
    "lab",
    "swb",
    "global",
    "string",
    "static",
    "F148",
    "F150",
    "F39",
    "K0x",
    "Wnan",
    "é",
];

/// Byte ranges of the white-space separated tokens of `s`.
fn token_spans(s: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        match (c.is_ascii_whitespace(), start) {
            (true, Some(st)) => {
                spans.push((st, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(st) = start {
        spans.push((st, s.len()));
    }
    spans
}

fn mutate(base: &str, muts: &[(u8, usize, usize)]) -> String {
    let mut s = base.to_string();
    for &(kind, a, b) in muts {
        let spans = token_spans(&s);
        if spans.is_empty() {
            s.push_str(REPLACEMENTS[b % REPLACEMENTS.len()]);
            continue;
        }
        let (st, en) = spans[a % spans.len()];
        match kind % 6 {
            0 => s.replace_range(st..en, ""),
            1 => {
                let tok = s[st..en].to_string();
                s.insert_str(en, &format!(" {tok}"));
            }
            2 => s.replace_range(st..en, REPLACEMENTS[b % REPLACEMENTS.len()]),
            3 => {
                // Flip one character to another ASCII character.
                let idx: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
                let i = idx[b % idx.len()];
                let len = s[i..].chars().next().map_or(1, char::len_utf8);
                let c = (b' ' + (a % 95) as u8) as char;
                s.replace_range(i..i + len, &c.to_string());
            }
            4 => {
                let cut = b % (s.len() + 1);
                let cut = (0..=cut)
                    .rev()
                    .find(|&c| s.is_char_boundary(c))
                    .unwrap_or(0);
                s.truncate(cut);
            }
            _ => {
                // Swap two tokens.
                let (st2, en2) = spans[b % spans.len()];
                if (st, en) != (st2, en2) {
                    let (x, y) = if st < st2 {
                        ((st, en), (st2, en2))
                    } else {
                        ((st2, en2), (st, en))
                    };
                    let t1 = s[x.0..x.1].to_string();
                    let t2 = s[y.0..y.1].to_string();
                    s.replace_range(y.0..y.1, &t1);
                    s.replace_range(x.0..x.1, &t2);
                }
            }
        }
    }
    s
}

/// Feed a text to every reader; only panics matter. When a reader accepts
/// it, printing and re-reading must also work.
fn exercise(text: &str) {
    let _ = parse(text, "fuzz");
    if let Ok(p) = parse_compact(text, "fuzz") {
        let _ = validate(&p, "fuzz", text);
        let again = parse_compact(&print_compact(&p), "again").expect("printed compact re-reads");
        assert!(again.same(&p));
    }
    if let Ok(p) = parse_readable(text, "fuzz") {
        let _ = validate(&p, "fuzz", text);
        let again =
            parse_readable(&print_readable(&p), "again").expect("printed readable re-reads");
        assert!(again.same(&p));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(300)))]

    #[test]
    fn random_bytes_never_panic(b in prop::collection::vec(any::<u8>(), 0..400)) {
        exercise(&String::from_utf8_lossy(&b));
    }

    #[test]
    fn token_soup_never_panics(s in "([FPGKWCLM]-?[0-9]{1,21}|[ \n\t]|;|\"|\\\\x|modstart|modend|lab|swb|global|static|string|0x|\\.|e|inf|nan|[a-z]{1,3}){0,80}") {
        exercise(&s);
    }

    #[test]
    fn mutated_programs_never_panic(
        which in any::<usize>(),
        muts in prop::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 1..6),
    ) {
        let bases = bases();
        let base = &bases[which % bases.len()];
        exercise(&mutate(base, &muts));
    }
}

// ------------------------------------------------------- error kinds

fn compact_err(text: &str) -> SialError {
    parse_compact(text, "e.sial").expect_err("compact text should be rejected")
}

fn readable_err(text: &str) -> SialError {
    parse_readable(text, "e.rsial").expect_err("readable text should be rejected")
}

fn parse_err(text: &str) -> SialError {
    parse(text, "e").expect_err("text should be rejected")
}

fn at(e: &SialError, kind: ErrorKind, msg: &str, line: u32, col: u32) {
    assert_eq!(e.kind, kind, "{e}");
    assert!(
        e.message.contains(msg),
        "message {:?} lacks {msg:?}",
        e.message
    );
    assert_eq!(e.pos, Pos { line, col }, "{e}");
}

#[test]
fn error_bad_token() {
    let e = compact_err("\nF104\nF11 K1x\nF105\n");
    at(&e, ErrorKind::BadToken, "bad token `K1x`", 3, 5);
    assert_eq!(e.line_text, "F11 K1x");
    assert!(e.to_string().contains("e.sial:3:5: error: bad token"));
    let e = readable_err("modstart\n  lpx P3\nmodend\n");
    at(
        &e,
        ErrorKind::BadToken,
        "unknown mnemonic `lpx`; did you mean",
        2,
        3,
    );
    let e = readable_err("  string M9001 \"ab\\z\"");
    at(&e, ErrorKind::BadToken, "bad escape", 1, 19);
}

#[test]
fn error_unknown_opcode() {
    let e = compact_err("\nF104\n  F200 K1\nF105\n");
    at(&e, ErrorKind::UnknownOpcode, "unknown opcode F200", 3, 3);
}

#[test]
fn error_run_length_code() {
    let e = compact_err("\nF104\nF11 K1 F2\nF105\n");
    at(
        &e,
        ErrorKind::RunLengthCode,
        "F2 is an fsquash run-length code",
        3,
        8,
    );
    assert!(e.message.contains("decompress"));
    let e = readable_err("f1\n");
    at(&e, ErrorKind::RunLengthCode, "run-length", 1, 1);
}

#[test]
fn error_missing_operand() {
    let e = compact_err("\nF104\nF20 K1 G5\nF105\n");
    at(
        &e,
        ErrorKind::MissingOperand,
        "lkp expects K then P operands, found G5",
        3,
        8,
    );
    let e = compact_err("\nF104\nF106 K1 G1 G2 G3\nF105\n");
    at(
        &e,
        ErrorKind::MissingOperand,
        "global expects K(n) n*(G L) G operands, found G2 (operand 3 should be L)",
        3,
        12,
    );
    let e = readable_err("lab L10\n  kpg P3\n");
    at(
        &e,
        ErrorKind::MissingOperand,
        "kpg expects P then G operands, found the end of the line",
        2,
        3,
    );
}

#[test]
fn error_truncated() {
    let e = compact_err("\nF104\nF111 L10\nF107 M9001 K5 C1 C2");
    at(
        &e,
        ErrorKind::Truncated,
        "input ends inside string (F107)",
        4,
        1,
    );
    let e = compact_err("\nF104\nF111 L10\nF77\n");
    at(&e, ErrorKind::Truncated, "F105 (modend) is missing", 2, 1);
    let e = readable_err("\nmodstart\nrtn\n");
    at(&e, ErrorKind::Truncated, "modend is missing", 2, 1);
}

#[test]
fn error_out_of_range() {
    let e = compact_err("\nF104\nF11 K9223372036854775808\nF105\n");
    at(&e, ErrorKind::OutOfRange, "signed 64-bit", 3, 5);
    let e = compact_err("\nF104\nF107 M9001 K2 C65 C300\nF105\n");
    at(&e, ErrorKind::OutOfRange, "`C300` is out of range", 3, 19);
    let e = compact_err("\nF104\nF66 K-1 L10\nF105\n");
    at(&e, ErrorKind::OutOfRange, "must not be negative", 3, 5);
    let e = parse_err("\nF104\nF152 K65 K0\nF105\n");
    at(
        &e,
        ErrorKind::OutOfRange,
        "selld len K65 is out of range 0..64",
        3,
        1,
    );
    let e = readable_err("  lp P2147483648");
    at(&e, ErrorKind::OutOfRange, "0..2147483647", 1, 6);
}

#[test]
fn error_undefined_label() {
    let e = parse_err("\nF104\nF111 L10\nF76 L11\nF105\n");
    at(&e, ErrorKind::UndefinedLabel, "undefined label L11", 4, 1);
    let e = parse_err("lab L10\n  j L12\nstatic L12 W0\n");
    at(
        &e,
        ErrorKind::UndefinedLabel,
        "L12 is a static, not a code label",
        2,
        3,
    );
    let e = parse_err("  lw M9001\nstring M9001 \"x\"\n");
    at(
        &e,
        ErrorKind::UndefinedLabel,
        "M9001 is a string, not a const",
        1,
        3,
    );
}

#[test]
fn error_duplicate_label() {
    let e = parse_err("\nF104\nF111 L10\nF77\nF111 L10\nF105\n");
    at(
        &e,
        ErrorKind::DuplicateLabel,
        "label L10 is defined twice: as a code label at line 3",
        5,
        1,
    );
}

#[test]
fn error_structure() {
    let e = compact_err("\nF104\nF11 K1 P3\nF105\n");
    at(&e, ErrorKind::Structure, "operand without an opcode", 3, 8);
    let e = compact_err("\nF104\nF104\n");
    at(&e, ErrorKind::Structure, "nested F104", 3, 1);
    let e = compact_err("F77\n");
    at(&e, ErrorKind::Structure, "outside a module", 1, 1);
    let e = parse_err("global G0\nglobal G0\n");
    at(&e, ErrorKind::Structure, "a second global directive", 2, 1);
    let e = readable_err("  rtn P3\n");
    at(&e, ErrorKind::Structure, "extra operand P3", 1, 7);
}

#[test]
fn error_old_numbering() {
    // Pre-2019 style: labels from L1, mul = F39, res/ldres = F148/F149.
    let old =
        "\nF104\nF113 K1 C102\nF111 L1\nF3 P3\nF3 P4\nF39\nF148\nF149\nF77\nF106 K0 G0\nF105\n";
    let e = compact_err(old);
    at(&e, ErrorKind::OldNumbering, "pre-2019 Sial numbering (e.g. mul was F39, res F148); regenerate it with a current bcpl2sial (sial.md s.2.6)", 4, 6);
    let e = parse_err(old);
    assert_eq!(e.kind, ErrorKind::OldNumbering);
}

/// Every kind above has a test: keep the list in step with `ErrorKind`.
#[test]
fn every_error_kind_is_covered() {
    let kinds = [
        ErrorKind::BadToken,
        ErrorKind::UnknownOpcode,
        ErrorKind::RunLengthCode,
        ErrorKind::MissingOperand,
        ErrorKind::Truncated,
        ErrorKind::OutOfRange,
        ErrorKind::UndefinedLabel,
        ErrorKind::DuplicateLabel,
        ErrorKind::Structure,
        ErrorKind::OldNumbering,
    ];
    for k in kinds {
        // An exhaustive match: a new kind fails to compile here.
        match k {
            ErrorKind::BadToken
            | ErrorKind::UnknownOpcode
            | ErrorKind::RunLengthCode
            | ErrorKind::MissingOperand
            | ErrorKind::Truncated
            | ErrorKind::OutOfRange
            | ErrorKind::UndefinedLabel
            | ErrorKind::DuplicateLabel
            | ErrorKind::Structure
            | ErrorKind::OldNumbering => {}
        }
    }
}

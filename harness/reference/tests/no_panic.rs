//! The interpreter never panics: random valid programs (any opcode, wild
//! operands, jumps everywhere, calls of arbitrary values) and mutated corpus
//! programs run under a small step budget and always end with a classified
//! outcome.

use proptest::prelude::*;
use reference::{interp, Ending, RunConfig};

const TEMPLATES: &[&str] = &[
    "lp P{p}",
    "lg G{g}",
    "ll L30",
    "llp P{p}",
    "llg G{g}",
    "lll L30",
    "lf L{l}",
    "lw M2",
    "l K{k}",
    "lm K{k}",
    "sp P{p}",
    "sg G{g}",
    "sl L30",
    "ap P{p}",
    "ag G{g}",
    "a K{k}",
    "s K{k}",
    "lkp K{k} P{p}",
    "lkg K{k} G{g}",
    "rv",
    "rvp P{p}",
    "rvk K{k}",
    "st",
    "stp P{p}",
    "stk K{k}",
    "stkp K{k} P{p}",
    "skg K{k} G{g}",
    "xst",
    "k P{p}",
    "kpg P{p} G{g}",
    "neg",
    "not",
    "abs",
    "mul",
    "div",
    "xdiv",
    "mod",
    "xmod",
    "add",
    "sub",
    "xsub",
    "eq",
    "ne",
    "ls",
    "gr",
    "le",
    "ge",
    "eq0",
    "ne0",
    "ls0",
    "gr0",
    "le0",
    "ge0",
    "lsh",
    "rsh",
    "and",
    "or",
    "xor",
    "eqv",
    "gbyt",
    "xgbyt",
    "pbyt",
    "xpbyt",
    "swb L{l} K{k} L{l} K1 L{l}",
    "swl L{l} L{l} L{l}",
    "xch",
    "atb",
    "atc",
    "bta",
    "btc",
    "atblp P{p}",
    "atblg G{g}",
    "atbl K{k}",
    "j L{l}",
    "rtn",
    "goto",
    "ikp K{k} P{p}",
    "ikg K{k} G{g}",
    "ikl K{k} L30",
    "ip P{p}",
    "ig G{g}",
    "il L30",
    "jeq L{l}",
    "jne L{l}",
    "jls L{l}",
    "jgr L{l}",
    "jle L{l}",
    "jge L{l}",
    "jeq0 L{l}",
    "jne0 L{l}",
    "jls0 L{l}",
    "jgr0 L{l}",
    "jle0 L{l}",
    "jge0 L{l}",
    "brk",
    "nop",
    "chgco",
    "mdiv",
    "sys",
    "lstr M1",
    "float",
    "fix",
    "fabs",
    "fmul",
    "fdiv",
    "fxdiv",
    "fmod",
    "fxmod",
    "fadd",
    "fsub",
    "fxsub",
    "fneg",
    "feq",
    "fne",
    "fls",
    "fgr",
    "fle",
    "fge",
    "feq0",
    "fne0",
    "fls0",
    "fgr0",
    "fle0",
    "fge0",
    "jfeq L{l}",
    "jfne L{l}",
    "jfls L{l}",
    "jfgr L{l}",
    "jfle L{l}",
    "jfge L{l}",
    "jfeq0 L{l}",
    "jfne0 L{l}",
    "jfls0 L{l}",
    "jfgr0 L{l}",
    "jfle0 L{l}",
    "jfge0 L{l}",
    "res",
    "ldres",
    "selld K{len} K{sh}",
    "selst K{sf} K{len} K{sh}",
    "xselst K{sf} K{len} K{sh}",
    // The pairs the interpreter fuses into superinstructions.
    "sp P{p}\nlp P{p}",
    "lp P{p}\nap P{p}",
    "lp P{p}\natblp P{p}",
    "lp P{p}\nrvp P{p}",
    "lp P{p}\natbl K{k}",
    "lp P{p}\natb",
    "atbl K{k}\njle L{l}",
    "atblp P{p}\njgr L{l}",
    "l K{k}\nsp P{p}",
    "ap P{p}\nsp P{p}",
    "l K{k}\natblp P{p}",
    "atbl K{k}\nmul",
    "atbl K{k}\ndiv",
    "atbl K{k}\nmod",
    "atbl K{k}\nlsh",
    "atbl K{k}\nrsh",
    "ikp K{k} P{p}\njge0 L{l}",
    "lp P{p}\njne0 L{l}",
    "lf L{l}\nk P{p}",
    "atblp P{p}\nmul",
    "atblp P{p}\nmod",
    "and\nsp P{p}",
    "lp P{p}\nkpg P{p} G{g}",
    "lp P{p}\nsp P{p}",
    "stkp K{k} P{p}\nlp P{p}",
    "lg G{g}\nstkp K{k} P{p}",
    "lkp K{k} P{p}\nsp P{p}",
    "lkg K{k} G{g}\nsp P{p}",
    "sp P{p}\nll L30",
    "lg G{g}\njeq0 L{l}",
    "l K{k}\nstkp K{k} P{p}",
    "atb\nl K{k}",
    "ap P{p}\natbl K{k}",
    "atblp P{p}\nor",
    "lp P{p}\nsp P{p}\nlp P{p}\nkpg P{p} G{g}",
];

const KS: &[i64] = &[
    0,
    1,
    -1,
    2,
    7,
    63,
    64,
    65,
    -64,
    255,
    256,
    100_000,
    i64::MAX,
    i64::MIN,
    1 << 40,
];

fn instr() -> impl Strategy<Value = String> {
    (
        0..TEMPLATES.len(),
        0u32..40,
        prop_oneof![0u32..20, 195u32..260, Just(2000u32)],
        0..KS.len(),
        10u32..18,
        (0u8..18, 0u8..65, 0u8..64),
    )
        .prop_map(|(t, p, g, k, l, (sf, len, sh))| {
            TEMPLATES[t]
                .replace("{p}", &p.to_string())
                .replace("{g}", &g.to_string())
                .replace("{k}", &KS[k].to_string())
                .replace("{l}", &l.to_string())
                .replace("{sf}", &sf.to_string())
                .replace("{len}", &len.to_string())
                .replace("{sh}", &sh.to_string())
        })
}

fn program() -> impl Strategy<Value = String> {
    prop::collection::vec(instr(), 1..60).prop_map(|body| {
        let mut s = String::from("entry \"start\"\nlab L10\n");
        let per = body.len() / 8 + 1;
        for (i, ins) in body.iter().enumerate() {
            if i % per == 0 && i / per < 7 {
                s.push_str(&format!("lab L{}\n", 11 + i / per));
            }
            s.push_str(ins);
            s.push('\n');
        }
        for l in 11..18 {
            if !s.contains(&format!("lab L{l}\n")) {
                s.push_str(&format!("lab L{l}\n"));
            }
        }
        s.push_str("  rtn\nstatic L30 W5 W6\nstring M1 \"hello\"\nconst M2 W-3\nglobal G1 L10 G200 L11 G200\n");
        s
    })
}

fn small_config() -> RunConfig {
    RunConfig {
        stack_words: 2000,
        memory_words: 60_000,
        step_limit: 20_000,
        ..RunConfig::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_programs_end_with_a_classified_outcome(text in program()) {
        let p = sial::parse(&text, "random.sial").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let o = interp::run(&[("random.sial".into(), p)], &small_config(), None);
        prop_assert!(o.steps <= 20_000);
        prop_assert!(!matches!(o.ending, Ending::EngineError(_)), "{:?}\n{}", o.ending, text);
    }

    /// Superinstructions change nothing: same stdout, ending (with its
    /// location) and exact step count, also when the budget runs out in the
    /// middle of a fused pair.
    #[test]
    fn superinstructions_are_invisible(text in program(), limit in 1u64..400) {
        let p = sial::parse(&text, "random.sial").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let progs = [("random.sial".to_string(), p)];
        for step_limit in [limit, 20_000] {
            let config = RunConfig { step_limit, ..small_config() };
            let fused = interp::run_with(&progs, &config, None, true);
            let plain = interp::run_with(&progs, &config, None, false);
            prop_assert_eq!(&fused, &plain, "{}", text);
        }
    }
}

#[test]
fn mutated_corpus_programs_never_panic() {
    let dir = std::env::var("CINTCHECK_CORPUS").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus").to_string()
    });
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("no corpus at {dir}: skipping the mutated-corpus check");
        return;
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sial"))
        .collect();
    files.sort();
    let mut rng = 0x9E3779B97F4A7C15u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut ran = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let tokens: Vec<&str> = text.split_whitespace().collect();
        for _ in 0..20 {
            // Replace a few operand tokens by other operand tokens of the same letter.
            let mut t: Vec<String> = tokens.iter().map(|s| s.to_string()).collect();
            for _ in 0..3 {
                let i = (next() as usize) % t.len();
                let j = (next() as usize) % t.len();
                if t[i].as_bytes()[0] == t[j].as_bytes()[0] && !t[i].starts_with('F') {
                    t[i] = t[j].clone();
                }
            }
            let mutated = format!("\n{}\n", t.join(" ").replace(" F", "\nF"));
            if let Ok(p) = sial::parse(&mutated, "mutated.sial") {
                let o = interp::run(&[("m".into(), p)], &small_config(), None);
                assert!(
                    !matches!(o.ending, Ending::EngineError(_)),
                    "{}: {:?}",
                    path.display(),
                    o.ending
                );
                ran += 1;
            }
        }
    }
    eprintln!("ran {ran} mutated corpus programs");
}

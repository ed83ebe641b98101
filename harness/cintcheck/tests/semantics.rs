//! Both engines against the spec's tables, opcode group by opcode group.
//! Every expected value is quoted from sial.md or runtime.md (section given
//! per test), never taken from an engine's output.
//!
//! Each test is a small `start` function in readable Sial whose result (the
//! value left in A at `rtn`) becomes the command's return code. Every run
//! goes through the reference interpreter and the a64 backend, which must
//! agree exactly (stdout, ending, fault location) before the ending is
//! checked against the spec's value.

use reference::{Ending, Outcome, RunConfig};

const MIN: i64 = i64::MIN;

fn small_config() -> RunConfig {
    RunConfig {
        stack_words: 10_000,
        memory_words: 200_000,
        step_limit: 10_000_000,
        ..RunConfig::default()
    }
}

/// Run on both engines; they must agree; return the reference's outcome.
fn run_config(text: &str, config: &RunConfig) -> Outcome {
    let program = sial::parse(text, "test.sial").unwrap_or_else(|e| panic!("{e}\n{text}"));
    let programs = [("test.sial".to_string(), program)];
    let r = reference::interp::run(&programs, config, None);
    let a = backend::run(&programs, config, None);
    assert_eq!(
        String::from_utf8_lossy(&r.stdout),
        String::from_utf8_lossy(&a.stdout),
        "stdout: reference vs a64 on\n{text}"
    );
    match (&r.ending, &a.ending) {
        // Each engine counts its own budget units: both must stop, anywhere.
        (Ending::StepLimit { .. }, Ending::StepLimit { .. }) => {}
        (x, y) => assert_eq!(x, y, "ending: reference vs a64 on\n{text}"),
    }
    r
}

fn run_text(text: &str) -> Outcome {
    run_config(text, &small_config())
}

/// `body` runs as start's code; `data` holds directives after the function.
fn program(body: &str, data: &str) -> String {
    format!("entry \"start\"\nlab L10\n{body}\n  rtn\n{data}\nglobal G1 L10 G1\n")
}

fn eval_with(body: &str, data: &str) -> Ending {
    run_text(&program(body, data)).ending
}

fn eval(body: &str) -> Ending {
    eval_with(body, "")
}

fn returns(code: i64) -> Ending {
    Ending::Returned { code }
}

/// A binary operation `B op A` with B = x and A = y.
fn binop(op: &str, x: i64, y: i64) -> Ending {
    eval_with(
        &format!("  lw M1\n  atb\n  lw M2\n  {op}"),
        &format!("const M1 W{x}\nconst M2 W{y}"),
    )
}

fn fbits(x: f64) -> i64 {
    x.to_bits() as i64
}

#[test]
fn loads_and_constants() {
    // s.3.1: l, lm (wrapping), lw.
    assert_eq!(eval("  l K42"), returns(42));
    assert_eq!(eval("  lm K5"), returns(-5));
    assert_eq!(eval("  lm K-9223372036854775808"), returns(MIN));
    assert_eq!(
        eval_with("  lw M1", "const M1 W-9223372036854775808"),
        returns(MIN)
    );
    assert_eq!(eval("  l K100000000000"), returns(100_000_000_000));
    // a / s with 64-bit operands (s.2.4): s K-MIN wraps to +MIN.
    assert_eq!(eval("  l K0\n  s K-9223372036854775808"), returns(MIN));
    assert_eq!(eval("  l K1\n  a K-3"), returns(-2));
}

#[test]
fn locals_globals_statics() {
    // s.3.1 sp/lp/ap, sg/lg/ag, sl/ll, llp/lkp/stkp, ikp/ip/ikg/ig/ikl/il.
    assert_eq!(eval("  l K7\n  sp P5\n  l K3\n  ap P5"), returns(10));
    assert_eq!(eval("  l K7\n  sg G300\n  l K5\n  ag G300"), returns(12));
    assert_eq!(
        eval_with("  l K9\n  sl L20\n  ll L20", "static L20 W1"),
        returns(9)
    );
    assert_eq!(eval_with("  ll L20", "static L20 W-77"), returns(-77));
    assert_eq!(
        eval_with("  lll L20\n  rvk K2", "static L20 W1 W2 W3"),
        returns(3)
    );
    assert_eq!(
        eval("  l K5\n  sp P5\n  ikp K-1 P5\n  ikp K10 P5\n  lp P5"),
        returns(14)
    );
    assert_eq!(
        eval("  l K5\n  sp P5\n  l K2\n  ip P5\n  lp P5"),
        returns(7)
    );
    assert_eq!(
        eval("  l K5\n  sg G250\n  ikg K3 G250\n  l K1\n  ig G250"),
        returns(9)
    );
    assert_eq!(
        eval_with("  ikl K3 L20\n  l K1\n  il L20", "static L20 W5"),
        returns(9)
    );
    // llp gives a word address usable with rv; lkp reads m[P!n + k].
    assert_eq!(
        eval("  l K11\n  sp P6\n  llp P5\n  sp P7\n  lkp K1 P7"),
        returns(11)
    );
    // stkp: m[P!n + k] := A; llg + rv reads a global.
    assert_eq!(
        eval("  llp P5\n  sp P8\n  l K66\n  stkp K1 P8\n  lp P6"),
        returns(66)
    );
    assert_eq!(eval("  l K31\n  sg G222\n  llg G222\n  rv"), returns(31));
    // lkg / skg through a global holding a pointer.
    assert_eq!(
        eval("  llp P5\n  sg G240\n  l K4\n  skg K2 G240\n  lkg K2 G240"),
        returns(4)
    );
}

#[test]
fn indirection_and_stores() {
    // st: m[A] := B; xst: m[B] := A; stp: m[P!n + A] := B; stk: m[A+k] := B; rvp.
    assert_eq!(eval("  l K9\n  atb\n  llp P5\n  st\n  lp P5"), returns(9));
    assert_eq!(eval("  llp P5\n  atb\n  l K8\n  xst\n  lp P5"), returns(8));
    assert_eq!(
        eval("  llp P5\n  sp P9\n  l K6\n  atb\n  l K2\n  stp P9\n  lp P7"),
        returns(6)
    );
    assert_eq!(
        eval("  l K4\n  atb\n  llp P5\n  stk K1\n  lp P6"),
        returns(4)
    );
    assert_eq!(
        eval("  l K13\n  sp P7\n  llp P5\n  sp P9\n  l K2\n  rvp P9"),
        returns(13)
    );
}

#[test]
fn integer_arithmetic() {
    // s.3.3 and s.10.2: B op A, wrapping.
    assert_eq!(binop("add", 5, 7), returns(12));
    assert_eq!(binop("sub", 5, 7), returns(-2));
    assert_eq!(binop("xsub", 5, 7), returns(2));
    assert_eq!(binop("mul", -3, 7), returns(-21));
    assert_eq!(binop("add", i64::MAX, 1), returns(MIN));
    assert_eq!(binop("mul", i64::MAX, 2), returns(-2));
    assert_eq!(
        eval_with("  lw M1\n  neg", "const M1 W-9223372036854775808"),
        returns(MIN)
    );
    assert_eq!(
        eval_with("  lw M1\n  abs", "const M1 W-9223372036854775808"),
        returns(MIN)
    );
    assert_eq!(eval("  lm K5\n  abs"), returns(5));
    assert_eq!(eval("  l K0\n  not"), returns(-1));
    assert_eq!(eval("  lm K1\n  not"), returns(0)); // ~TRUE = 0
}

#[test]
fn division_and_remainder() {
    // s.10.1: truncation, sign of the dividend.
    for (x, y, q, r) in [
        (7, 2, 3, 1),
        (-7, 2, -3, -1),
        (7, -2, -3, 1),
        (-7, -2, 3, -1),
    ] {
        assert_eq!(binop("div", x, y), returns(q), "{x}/{y}");
        assert_eq!(binop("mod", x, y), returns(r), "{x} MOD {y}");
        // x-forms take the operands the other way round: A op B.
        assert_eq!(binop("xdiv", y, x), returns(q), "xdiv {x}/{y}");
        assert_eq!(binop("xmod", y, x), returns(r), "xmod {x} MOD {y}");
    }
    // MIN / -1 and MIN MOD -1: the recommended MIN and 0.
    assert_eq!(binop("div", MIN, -1), returns(MIN));
    assert_eq!(binop("mod", MIN, -1), returns(0));
}

#[test]
fn division_by_zero_is_fault_5() {
    // s.10.1: fault 5 through the fault path; the pending line is lost and
    // the ABORT message is written unbuffered.
    for op in ["div", "mod"] {
        let o = run_text(&program(
            &format!("  lstr M1\n  kpg P5 G89\n  l K7\n  atb\n  l K0\n  {op}"),
            "string M1 \"lost\"",
        ));
        assert!(
            matches!(o.ending, Ending::Fault { code: 5, .. }),
            "{op}: {:?}",
            o.ending
        );
        assert_eq!(o.stdout, b"\n!! ABORT 5: Division by zero\n* \n");
        let at = o.ending.location().unwrap();
        assert_eq!((at.line, at.function.as_deref()), (8, Some("start")));
    }
    for op in ["xdiv", "xmod"] {
        let o = eval(&format!("  l K0\n  atb\n  l K7\n  {op}"));
        assert!(matches!(o, Ending::Fault { code: 5, .. }), "{op}: {o:?}");
    }
}

#[test]
fn relations_are_minus_one_or_zero() {
    // s.1.2 / s.3.3: TRUE = -1 for every relation; B rel A, signed.
    let cases: [(&str, i64, i64, bool); 12] = [
        ("eq", 5, 5, true),
        ("eq", 5, 6, false),
        ("ne", 5, 6, true),
        ("ne", 5, 5, false),
        ("ls", -1, 0, true),
        ("ls", 0, -1, false),
        ("gr", 0, MIN, true),
        ("gr", 5, 6, false),
        ("le", 5, 5, true),
        ("le", 6, 5, false),
        ("ge", i64::MAX, MIN, true),
        ("ge", MIN, i64::MAX, false),
    ];
    for (op, x, y, t) in cases {
        assert_eq!(binop(op, x, y), returns(-(t as i64)), "{x} {op} {y}");
        // The same relation as a conditional jump.
        let j = format!("j{op}");
        let r = eval_with(
            &format!("  lw M1\n  atb\n  lw M2\n  {j} L11\n  l K0\n  rtn\nlab L11\n  lm K1"),
            &format!("const M1 W{x}\nconst M2 W{y}"),
        );
        assert_eq!(r, returns(-(t as i64)), "{x} {j} {y}");
    }
    for (op, v, t) in [
        ("eq0", 0, true),
        ("ne0", 0, false),
        ("ls0", -1, true),
        ("gr0", 0, false),
        ("le0", 0, true),
        ("ge0", -1, false),
    ] {
        assert_eq!(
            eval_with(&format!("  lw M1\n  {op}"), &format!("const M1 W{v}")),
            returns(-(t as i64))
        );
        let r = eval_with(
            &format!("  lw M1\n  j{op} L11\n  l K0\n  rtn\nlab L11\n  lm K1"),
            &format!("const M1 W{v}"),
        );
        assert_eq!(r, returns(-(t as i64)), "j{op} {v}");
    }
}

#[test]
fn relations_preserve_b() {
    // s.1.3: B must survive relations, mul, add, sub and non-taken jumps.
    for op in [
        "eq", "ls", "mul", "add", "sub", "xsub", "feq", "fdiv", "fmod",
    ] {
        assert_eq!(
            eval(&format!("  l K9\n  atb\n  l K3\n  {op}\n  bta")),
            returns(9),
            "{op}"
        );
    }
    assert_eq!(
        eval("  l K9\n  atb\n  l K3\n  jeq L11\nlab L11\n  bta"),
        returns(9)
    );
}

#[test]
fn logic_and_shifts() {
    assert_eq!(binop("and", 0b1100, 0b1010), returns(0b1000));
    assert_eq!(binop("or", 0b1100, 0b1010), returns(0b1110));
    assert_eq!(binop("xor", 0b1100, 0b1010), returns(0b0110));
    assert_eq!(binop("eqv", 0b1100, 0b1010), returns(!0b0110));
    // s.10.3 examples: B shifted by A.
    assert_eq!(binop("lsh", 1, 64), returns(0));
    assert_eq!(binop("lsh", 1, 63), returns(MIN));
    assert_eq!(binop("rsh", -1, 63), returns(1));
    assert_eq!(binop("rsh", -1, 64), returns(0));
    assert_eq!(binop("lsh", 8, -1), returns(4));
    assert_eq!(binop("rsh", 8, -1), returns(16));
    assert_eq!(binop("lsh", 1, 100), returns(0));
    assert_eq!(binop("lsh", 5, 0), returns(5));
    // Intended semantics, not cinterp's 32-bit quirk: |n| >= 64 gives 0.
    assert_eq!(binop("lsh", 5, 1 << 32), returns(0));
    assert_eq!(binop("lsh", 5, (1 << 32) + 1), returns(0));
    assert_eq!(binop("lsh", 5, 0xFFFF_FFFF), returns(0));
    assert_eq!(binop("lsh", 1, -64), returns(0));
    assert_eq!(binop("rsh", MIN, -63), returns(0));
    assert_eq!(binop("rsh", MIN, 1), returns(1 << 62)); // logical, not arithmetic
    assert_eq!(binop("lsh", MIN, -63), returns(1));
    assert_eq!(binop("rsh", 1, MIN), returns(0));
}

#[test]
fn bytes() {
    // s.10.4: v!0 = #xFFEEDDCCBBAA9988: v%0 = #x88, v%7 = #xFF.
    let data = "static L20 W-4822678189205112 W0";
    assert_eq!(-4822678189205112i64 as u64, 0xFFEEDDCCBBAA9988);
    assert_eq!(
        eval_with("  lll L20\n  atb\n  l K0\n  gbyt", data),
        returns(0x88)
    );
    assert_eq!(
        eval_with("  lll L20\n  atb\n  l K7\n  gbyt", data),
        returns(0xFF)
    );
    assert_eq!(
        eval_with("  l K1\n  atb\n  lll L20\n  xgbyt", data),
        returns(0x99)
    );
    // Index 8 reaches the next word.
    assert_eq!(
        eval_with("  lll L20\n  atb\n  l K8\n  gbyt", "static L20 W0 W65"),
        returns(65)
    );
    // Storing 300 into v%0 leaves #xFFEEDDCCBBAA992C.
    assert_eq!(
        eval_with(
            "  l K300\n  atc\n  lll L20\n  atb\n  l K0\n  pbyt\n  ll L20",
            data
        ),
        returns(0xFFEEDDCCBBAA992Cu64 as i64)
    );
    assert_eq!(
        eval_with(
            "  l K255\n  atc\n  l K6\n  atb\n  lll L20\n  xpbyt\n  ll L20",
            "static L20 W0"
        ),
        returns(0x00FF_0000_0000_0000)
    );
    // "abc"%0 = 3, "abc"%1 = 97.
    assert_eq!(
        eval_with("  lstr M1\n  atb\n  l K0\n  gbyt", "string M1 \"abc\""),
        returns(3)
    );
    assert_eq!(
        eval_with("  lstr M1\n  atb\n  l K1\n  gbyt", "string M1 \"abc\""),
        returns(97)
    );
    // ("abcdefghij")!1 AND 255 = 'h'.
    assert_eq!(
        eval_with(
            "  lstr M1\n  rvk K1\n  atb\n  l K255\n  and",
            "string M1 \"abcdefghij\""
        ),
        returns(b'h' as i64)
    );
}

#[test]
fn register_moves_and_res() {
    assert_eq!(eval("  l K1\n  atb\n  l K2\n  xch\n  sub"), returns(1)); // B=2, A=1: 2-1
    assert_eq!(
        eval("  l K3\n  sp P5\n  l K4\n  atblp P5\n  sub"),
        returns(1)
    ); // B=4, A=3
    assert_eq!(
        eval("  l K3\n  sg G260\n  l K4\n  atblg G260\n  sub"),
        returns(1)
    );
    assert_eq!(eval("  l K4\n  atbl K3\n  sub"), returns(1));
    assert_eq!(eval("  l K5\n  res\n  l K6\n  ldres"), returns(5));
    assert_eq!(eval("  l K5\n  atb\n  l K6\n  bta"), returns(5));
    // btc: C := B, then pbyt stores it.
    assert_eq!(
        eval_with(
            "  l K65\n  atb\n  btc\n  lll L20\n  atb\n  l K0\n  pbyt\n  ll L20",
            "static L20 W0"
        ),
        returns(65)
    );
}

#[test]
fn switches() {
    // s.7.2 example: cases -100,7,40,77,300,1000,20000 after `a K100`.
    let sw =
        "  a K100\n  swb L20 K177 L27 K1100 L23 K107 L22 K20100 L24 K400 L25 K140 L26 K0 L21\n";
    let targets = "lab L20\n  l K-1\n  rtn\nlab L21\n  l K1\n  rtn\nlab L22\n  l K2\n  rtn\nlab L23\n  l K3\n  rtn\nlab L24\n  l K4\n  rtn\nlab L25\n  l K5\n  rtn\nlab L26\n  l K6\n  rtn\nlab L27\n  l K7\n  rtn";
    for (v, want) in [
        (-100, 1),
        (7, 2),
        (40, 6),
        (77, 7),
        (300, 5),
        (1000, 3),
        (20000, 4),
        (8, -1),
        (-101, -1),
    ] {
        let body = format!("  lw M1\n{sw}{targets}");
        assert_eq!(
            eval_with(&body, &format!("const M1 W{v}")),
            returns(want),
            "swb {v}"
        );
    }
    // s.7.1 swl: 0 <= A < n, else default.
    let body = "  lw M1\n  swl L20 L21 L22 L23\nlab L20\n  l K-1\n  rtn\nlab L21\n  l K10\n  rtn\nlab L22\n  l K11\n  rtn\nlab L23\n  l K12";
    for (v, want) in [(0, 10), (1, 11), (2, 12), (3, -1), (-1, -1), (MIN, -1)] {
        assert_eq!(
            eval_with(body, &format!("const M1 W{v}")),
            returns(want),
            "swl {v}"
        );
    }
}

#[test]
fn floats() {
    // s.8 and s.10.5.
    let f1 = |op: &str, x: f64| {
        eval_with(
            &format!("  lw M1\n  {op}"),
            &format!("const M1 W{}", fbits(x)),
        )
    };
    for (x, want) in [
        (2.5, 3),
        (-2.5, -3),
        (3.5, 4),
        (1.4999, 1),
        (4503599627370497.0, 4503599627370498),
        (0.5, 1),
        (-0.5, -1),
        (-0.0, 0),
        (1e30, MIN),
        (f64::NAN, MIN),
        (f64::INFINITY, MIN),
        (f64::NEG_INFINITY, MIN),
        (9.3e18, MIN),
    ] {
        assert_eq!(f1("fix", x), returns(want), "FIX {x}");
    }
    assert_eq!(
        eval_with("  lw M1\n  float", "const M1 W9223372036854775807"),
        returns(0x43E0000000000000)
    );
    assert_eq!(f1("fabs", -0.0), returns(fbits(-0.0)));
    assert_eq!(f1("fabs", -2.0), returns(fbits(2.0)));
    assert_eq!(f1("fneg", 0.0), returns(fbits(-0.0)));
    let fb = |op: &str, x: f64, y: f64| {
        eval_with(
            &format!("  lw M1\n  atb\n  lw M2\n  {op}"),
            &format!("const M1 W{}\nconst M2 W{}", fbits(x), fbits(y)),
        )
    };
    assert_eq!(fb("fmod", 10.1, 3.0), returns(0x3FF1999A00000000));
    assert_eq!(fb("fxmod", 3.0, 10.1), returns(0x3FF1999A00000000));
    assert_eq!(fb("fmod", 1.1, 0.3), returns(0x3FC9999980000000));
    assert_eq!(fb("fmod", -7.5, 2.0), returns(fbits(-1.5)));
    assert_eq!(fb("fadd", 1.5, 2.25), returns(fbits(3.75)));
    assert_eq!(fb("fsub", 1.5, 2.25), returns(fbits(-0.75)));
    assert_eq!(fb("fxsub", 1.5, 2.25), returns(fbits(0.75)));
    assert_eq!(fb("fmul", 1.5, 2.0), returns(fbits(3.0)));
    assert_eq!(fb("fdiv", 1.0, 0.0), returns(fbits(f64::INFINITY)));
    assert_eq!(fb("fxdiv", 2.0, 1.0), returns(fbits(0.5)));
    // Relations: NaN makes every relation false except fne; -0.0 #= 0.0.
    let nan = f64::NAN;
    for (op, x, y, t) in [
        ("feq", -0.0, 0.0, true),
        ("feq", nan, nan, false),
        ("fne", nan, 1.0, true),
        ("fls", nan, 1.0, false),
        ("fgr", 1.0, nan, false),
        ("fle", nan, nan, false),
        ("fge", f64::INFINITY, 1e308, true),
        ("fls", f64::NEG_INFINITY, -1e308, true),
    ] {
        assert_eq!(fb(op, x, y), returns(-(t as i64)), "{x} {op} {y}");
        let j = eval_with(
            &format!("  lw M1\n  atb\n  lw M2\n  j{op} L11\n  l K0\n  rtn\nlab L11\n  lm K1"),
            &format!("const M1 W{}\nconst M2 W{}", fbits(x), fbits(y)),
        );
        assert_eq!(j, returns(-(t as i64)), "{x} j{op} {y}");
    }
    assert_eq!(f1("feq0", -0.0), returns(-1));
    assert_eq!(f1("fne0", nan), returns(-1));
    assert_eq!(f1("fge0", nan), returns(0));
    assert_eq!(f1("fls0", -1e-300), returns(-1));
}

#[test]
fn selectors() {
    // s.9 examples on #xFEDCBA9876543210.
    let data = "static L20 W-81985529216486896";
    assert_eq!(-81985529216486896i64 as u64, 0xFEDCBA9876543210);
    assert_eq!(eval_with("  lll L20\n  selld K8 K4", data), returns(0x21));
    assert_eq!(eval_with("  lll L20\n  selld K0 K60", data), returns(0xF));
    // Intended semantics for wide fields (not cinterp's 32-bit mask). sial.md
    // s.9 gives #xDCBA98765432 for SLCT 40:8, but that is 48 bits: by the
    // spec's own formula a 40-bit field at bit 8 is #xBA98765432.
    assert_eq!(
        eval_with("  lll L20\n  selld K40 K8", data),
        returns(0xBA98765432)
    );
    assert_eq!(
        eval_with("  lll L20\n  selld K32 K0", data),
        returns(0x76543210)
    );
    assert_eq!(
        eval_with("  lll L20\n  selld K0 K0", data),
        returns(0xFEDCBA9876543210u64 as i64)
    );
    // Store #x1FF into 8:4, then +:= 1 (carry out of the field discarded).
    assert_eq!(
        eval_with(
            "  l K511\n  atb\n  lll L20\n  selst K0 K8 K4\n  ll L20",
            data
        ),
        returns(0xFEDCBA9876543FF0u64 as i64)
    );
    assert_eq!(
        eval_with(
            "  l K511\n  atb\n  lll L20\n  selst K0 K8 K4\n  l K1\n  atb\n  lll L20\n  selst K10 K8 K4\n  ll L20",
            data
        ),
        returns(0xFEDCBA9876543000u64 as i64)
    );
    // xselst: address in B, value in A; len 0 sh 0 is the whole word (v!1 *:= x).
    assert_eq!(
        eval_with(
            "  lll L20\n  atb\n  l K7\n  xselst K7 K0 K0\n  ll L20",
            "static L20 W6"
        ),
        returns(42)
    );
    for (sf, old, x, want) in [
        (8, 43, 5, 8),
        (9, -43, 5, -3),
        (11, 5, 7, -2),
        (12, 1, 63, MIN),
        (13, -1, 60, 15),
        (14, 12, 10, 8),
        (15, 12, 10, 14),
        (16, 12, 10, !6),
        (17, 12, 10, 6),
    ] {
        let r = eval_with(
            &format!("  lw M1\n  atb\n  lll L20\n  selst K{sf} K0 K0\n  ll L20"),
            &format!("static L20 W{old}\nconst M1 W{x}"),
        );
        assert_eq!(r, returns(want), "sf {sf}: {old} op {x}");
    }
    // sf 1 (`!:=`): new value m[old + x].
    assert_eq!(
        eval_with(
            "  lll L21\n  sl L20\n  l K1\n  atb\n  lll L20\n  selst K1 K0 K0\n  ll L20",
            "static L21 W0 W99\nstatic L20 W0"
        ),
        returns(99)
    );
    // sf 8 by zero: fault 5.
    assert!(matches!(
        eval_with(
            "  l K0\n  atb\n  lll L20\n  selst K8 K0 K0",
            "static L20 W5"
        ),
        Ending::Fault { code: 5, .. }
    ));
}

#[test]
fn calls_frames_and_recursion() {
    // s.5: factorial by recursion through k (A = function, B = argument).
    let text = "entry \"start\"\nlab L10\n  l K10\n  atb\n  lf L13\n  k P3\n  rtn\n\
entry \"fact\"\nlab L13\n  jne0 L14\n  l K1\n  rtn\nlab L14\n  sp P3\n  s K1\n  atb\n  lf L13\n  k P4\n  atb\n  lp P3\n  mul\n  rtn\n\
global G1 L10 G1\n";
    assert_eq!(run_text(text).ending, returns(3628800));
    // kpg: first argument in A, later arguments at P!(n+4)...
    let text = "entry \"start\"\nlab L10\n  l K5\n  sp P8\n  l K7\n  kpg P4 G250\n  rtn\n\
entry \"g\"\nlab L11\n  ap P4\n  rtn\n\
global G1 L10 G250 L11 G250\n";
    assert_eq!(run_text(text).ending, returns(12));
    // P!0 holds the caller's P as a byte address (8 x word address).
    let text = "entry \"start\"\nlab L10\n  l K0\n  kpg P6 G250\n  sp P5\n  llp P0\n  atb\n  l K8\n  mul\n  atb\n  lp P5\n  sub\n  rtn\n\
entry \"g\"\nlab L11\n  lp P0\n  rtn\nglobal G1 L10 G250 L11 G250\n";
    assert_eq!(run_text(text).ending, returns(0));
    // P!2 holds the function that was called.
    let text = "entry \"start\"\nlab L10\n  l K0\n  kpg P6 G250\n  atb\n  lg G250\n  sub\n  rtn\n\
entry \"g\"\nlab L11\n  lp P2\n  rtn\nglobal G1 L10 G250 L11 G250\n";
    assert_eq!(run_text(text).ending, returns(0));
}

#[test]
fn goto_and_level_longjump() {
    // goto: PC := A (a label value from lf).
    assert_eq!(
        eval("  lf L11\n  goto\n  l K1\n  rtn\nlab L11\n  l K2"),
        returns(2)
    );
    // level/longjump (runtime.md s.6.3): jump out of a nested call to L12
    // in start's frame, with start's locals intact.
    let text = "entry \"start\"\nlab L10\n  l K5\n  sp P3\n  l K0\n  kpg P4 G15\n  sp P4\n  l K0\n  kpg P5 G250\n  l K1\n  rtn\nlab L12\n  lp P3\n  rtn\n\
entry \"deep\"\nlab L11\n  lf L12\n  sp P8\n  lg G251\n  kpg P4 G16\n  rtn\n\
global G1 L10 G250 L11 G251\n";
    // deep needs start's level: pass it through G251.
    let text = text.replace(
        "  sp P4\n  l K0\n  kpg P5 G250",
        "  sg G251\n  l K0\n  kpg P5 G250",
    );
    assert_eq!(run_text(&text).ending, returns(5));
}

#[test]
fn unset_global_call_is_fault_4() {
    // s.5.5 / runtime.md s.6.2.
    let o = run_text(&program("  l K0\n  kpg P4 G300", ""));
    assert_eq!(
        o.ending.clone(),
        Ending::Fault {
            code: 4,
            message: "G300 unassigned".into(),
            at: o.ending.location().cloned()
        }
    );
    assert_eq!(o.stdout, b"\n!! ABORT 4: G300 unassigned\n* \n");
}

#[test]
fn harness_classifications() {
    // A runaway loop ends at the step budget; a wild access and a jump to a
    // non-code value end with their own classifications.
    assert!(matches!(eval("lab L11\n  j L11"), Ending::StepLimit { .. }));
    assert!(matches!(
        eval("  lm K1\n  rv"),
        Ending::BadAddress { addr: -1, .. }
    ));
    assert!(matches!(
        eval("  l K12345\n  goto"),
        Ending::BadJump { target: 12345, .. }
    ));
    assert!(matches!(
        eval("  l K0\n  atb\n  l K12345\n  k P5"),
        Ending::BadJump { .. }
    ));
    assert!(matches!(eval("  brk"), Ending::Fault { code: 2, .. }));
}

#[test]
fn globals_initial_values() {
    // s.5.5: G!0 = 2000, unset globals hold globword + n; runtime G127 = 12345.
    assert_eq!(eval("  lg G0"), returns(2000));
    assert_eq!(
        eval("  lg G500"),
        returns(0xFFFFFFFF8F8F0000u64 as i64 + 500)
    );
    assert_eq!(eval("  lg G127"), returns(12345));
    // result2 is -1 when start is entered (runtime.md s.6.1).
    assert_eq!(eval("  lg G10"), returns(-1));
}

#[test]
fn output_buffering_and_return_codes() {
    // runtime.md s.0.1: the final partial line is lost; \r follows \n.
    let o = run_text(&program(
        "  lstr M1\n  kpg P5 G89\n  l K0",
        "string M1 \"abc\"",
    ));
    assert_eq!((o.stdout.as_slice(), o.ending), (&b""[..], returns(0)));
    let o = run_text(&program(
        "  lstr M1\n  kpg P5 G89\n  l K0",
        "string M1 \"hi\\n\"",
    ));
    assert_eq!(o.stdout, b"hi\n\r");
    // s.6.1: return code >= 10 prints the CLI's message (flushing the line).
    let o = run_text(&program(
        "  lstr M1\n  kpg P5 G89\n  l K10",
        "string M1 \"x\"",
    ));
    assert_eq!(o.stdout, b"xprogram failed returncode 10 reason -1\n\r");
    assert_eq!(o.ending.exit_status(), 10);
    // stop(20, 7) from the main program.
    let o = run_text(&program("  l K7\n  sp P9\n  l K20\n  kpg P5 G2", ""));
    assert_eq!(o.stdout, b"program failed returncode 20 reason 7\n\r");
    assert_eq!(o.ending, returns(20));
    // abort(99) after a partial line.
    let o = run_text(&program(
        "  lstr M1\n  kpg P5 G89\n  lstr M2\n  kpg P5 G89\n  l K99\n  kpg P5 G28",
        "string M1 \"x\\n\"\nstring M2 \"partial\"",
    ));
    assert_eq!(o.stdout, b"x\n\r\n!! ABORT 99: User requested\n* \n");
    // sys(Sys_quit, 0): silent.
    let o = run_text(&program("  l K0\n  sp P9\n  l K0\n  kpg P5 G3", ""));
    assert_eq!(o.ending, Ending::Quit);
}

#[test]
fn muldiv_global() {
    // s.6.4: muldiv(7, -5, 3) = -11, result2 = -2.
    assert_eq!(
        eval("  lm K5\n  sp P9\n  l K3\n  sp P10\n  l K7\n  kpg P5 G5"),
        returns(-11)
    );
    assert_eq!(
        eval("  lm K5\n  sp P9\n  l K3\n  sp P10\n  l K7\n  kpg P5 G5\n  lg G10"),
        returns(-2)
    );
}

#[test]
fn coroutines_measured_sequence() {
    // runtime.md s.5.3: f(a) = { a := cowait(a+1); a := cowait(a*10);
    // RESULTIS a+1000 }; callco(c, 1..4) returns 2, 20, 1003, 5 (the 4th call
    // re-enters f with a = 4). start returns the four results packed.
    let text = "entry \"f\"\nlab L11\n  a K1\n  kpg P4 G20\n  sp P3\n  l K10\n  atb\n  lp P3\n  mul\n  kpg P4 G20\n  a K1000\n  rtn\n\
entry \"start\"\nlab L10\n  l K100\n  sp P13\n  lf L11\n  kpg P9 G17\n  sp P3\n\
  l K1\n  sp P13\n  lp P3\n  kpg P9 G19\n  sp P4\n\
  l K2\n  sp P13\n  lp P3\n  kpg P9 G19\n  sp P5\n\
  l K3\n  sp P13\n  lp P3\n  kpg P9 G19\n  sp P6\n\
  l K4\n  sp P13\n  lp P3\n  kpg P9 G19\n  sp P7\n\
  lp P3\n  kpg P9 G18\n\
  lp P4\n  atb\n  l K1000\n  mul\n  ap P5\n  atb\n  l K1000\n  mul\n  ap P6\n  atb\n  l K1000\n  mul\n  ap P7\n  rtn\n\
global G1 L10 G1\n";
    // 2*10^9 + 20*10^6 + 1003*10^3 + 5
    assert_eq!(run_text(text).ending, returns(2_021_003_005));
}

#[test]
fn mlab_and_jge0m() {
    // s.3.2: jge0m Mn jumps to the code label Mn (mlab) if A >= 0.
    for (v, want) in [(0, 1), (5, 1), (-1, 0)] {
        let body = "  lw M1\n  jge0m M5\n  l K0\n  rtn\nmlab M5\n  l K1";
        assert_eq!(
            eval_with(body, &format!("const M1 W{v}")),
            returns(want),
            "jge0m {v}"
        );
    }
    // nop does nothing.
    assert_eq!(eval("  l K3\n  nop"), returns(3));
}

#[test]
fn runaway_output_is_stopped() {
    // writef("%999999999999i", 1) would print about a terabyte of spaces.
    let text = program(
        "  l K1\n  sp P9\n  lstr M1\n  kpg P5 G94\n  l K0",
        "string M1 \"%999999999999i\"",
    );
    let config = RunConfig {
        stdout_limit: 1000,
        ..small_config()
    };
    let o = run_config(&text, &config);
    assert!(
        matches!(o.ending, Ending::OutputLimit { .. }),
        "{:?}",
        o.ending
    );
    assert_eq!(o.stdout.len(), 1000);
    // writef is BCPL (writers.b, calling through the global vector), whose
    // host half runs through sys (G3): the run stops in the library's `sys`.
    let at = o.ending.location().unwrap();
    assert_eq!(
        (at.file.as_str(), at.function.as_deref()),
        ("prelude.sial", Some("sys"))
    );
}

#[test]
fn input_starts_with_the_rest_of_the_command_line() {
    // runtime.md s.2.1: rdch() sees " ARGS\n" (the command name was read by
    // the CLI), then stdin, then -1 forever.
    let text = program(
        "  kpg P5 G38\n  sp P3\n  kpg P5 G38\n  sp P4\n  lp P3\n  atb\n  l K1000\n  mul\n  ap P4",
        "",
    );
    let config = RunConfig {
        args: b"xy".to_vec(),
        ..small_config()
    };
    let o = run_config(&text, &config);
    assert_eq!(o.ending, returns(32 * 1000 + b'x' as i64));
    // Empty arguments: "\n" then end of file.
    let o = run_text(&text);
    assert_eq!(o.ending, returns(10 * 1000 - 1));
}

/// Values needing 1, 2, 3 and 4 16-bit chunks, sign boundaries and
/// logical-immediate shapes (the "MW extension" of cintcode64.md s.2.3).
const WIDE: &[i64] = &[
    0,
    1,
    -1,
    0xFFFF,
    0x1_0000,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_FFFF,
    0x1_0000_0000,
    0x1234_5678,
    0x1234_0000_5678,
    0x1234_5678_9ABC,
    0x1234_5678_9ABC_DEF0,
    -0x1234_5678_9ABC_DEF0,
    0x00FF_00FF_00FF_00FF,
    16_777_215,
    16_777_216,
    -16_777_216,
    i64::MAX,
    i64::MIN,
    i64::MIN + 1,
];

#[test]
fn wide_constants_through_every_path() {
    // s.2.4: K is signed 64-bit in l/lm/a/s/atbl; W in const and static.
    for &v in WIDE {
        assert_eq!(eval(&format!("  l K{v}")), returns(v), "l {v}");
        assert_eq!(
            eval(&format!("  lm K{v}")),
            returns(v.wrapping_neg()),
            "lm {v}"
        );
        assert_eq!(
            eval_with("  lw M1", &format!("const M1 W{v}")),
            returns(v),
            "lw {v}"
        );
        assert_eq!(
            eval_with("  ll L20", &format!("static L20 W{v}")),
            returns(v),
            "static {v}"
        );
        assert_eq!(
            eval(&format!("  l K7\n  a K{v}")),
            returns(7i64.wrapping_add(v)),
            "a {v}"
        );
        assert_eq!(
            eval(&format!("  l K7\n  s K{v}")),
            returns(7i64.wrapping_sub(v)),
            "s {v}"
        );
        assert_eq!(
            eval(&format!("  l K7\n  atbl K{v}\n  sub")),
            returns(7i64.wrapping_sub(v)),
            "atbl {v}"
        );
        // Increments and offsets with wide K.
        assert_eq!(
            eval(&format!("  l K3\n  sp P5\n  ikp K{v} P5\n  lp P5")),
            returns(3i64.wrapping_add(v)),
            "ikp {v}"
        );
        // A switch on the wide value: swb key and the default.
        let body = format!("  lw M1\n  swb L20 K{v} L21\nlab L20\n  l K0\n  rtn\nlab L21\n  l K1");
        assert_eq!(
            eval_with(&body, &format!("const M1 W{v}")),
            returns(1),
            "swb key {v}"
        );
        assert_eq!(
            eval_with(&body, &format!("const M1 W{}", v.wrapping_add(1))),
            returns(0),
            "swb miss {v}"
        );
    }
}

#[test]
fn large_frame_offsets_and_global_numbers() {
    // P offsets beyond the 12-bit scaled load range and globals above 4095.
    for n in [4095u32, 4096, 5000, 40_000] {
        assert_eq!(
            eval(&format!("  l K{n}\n  sp P{n}\n  l K0\n  lp P{n}")),
            returns(n as i64),
            "P{n}"
        );
    }
    let text = "entry \"start\"\nlab L10\n  l K77\n  sg G5000\n  l K0\n  lg G5000\n  ikg K1 G5000\n  rtn\nglobal G1 L10 G5000\n";
    assert_eq!(run_text(text).ending, returns(78));
}

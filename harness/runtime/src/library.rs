//! The table of library globals implemented as host functions, and their
//! bodies as thin adapters from a BCPL frame to the functions of the other
//! runtime modules. An engine stores a callable address for entry `i` in
//! global `LIBRARY[i].global` and, when BCPL code calls that address with a
//! new frame `np`, calls [`call`]`(i, ...)` and puts the result in A.
//!
//! The host functions call each other directly. The library globals whose
//! real versions call other library functions (newline, writes, writef,
//! readn, ...) are BCPL functions of `writers.b`, which call through the
//! global vector as the real library does (runtime.md s.0.11) and use the
//! host functions here as their fast path (see [`super::writers`]).

use super::format::{self, writef};
use super::{rdargs, strings, sys, Frame, Runtime, Stop};
use crate::memory::{Memory, RESULT2};

/// A host function: runs with the callee frame `f` already built.
pub type HostFn = fn(&mut Runtime, &mut Memory, Frame) -> Result<i64, Stop>;

/// One library global served by the host.
pub struct LibEntry {
    pub global: u32,
    pub name: &'static str,
    pub func: HostFn,
}

/// Global holding the random seed (`randseed`), initially 12345.
pub const RANDSEED: i64 = 127;
pub const CIS: i64 = 12;
pub const COS: i64 = 13;
/// libhdr `globword`: unset global n holds GLOBWORD + n.
pub const GLOBWORD: i64 = 0xFFFFFFFF8F8F0000u64 as i64;
/// Stream control block ids (runtime.md s.1.1).
pub const SCB_ID_IN: i64 = 0x81;
pub const SCB_ID_OUT: i64 = 0x82;
/// Words in a stream control block.
pub const SCB_WORDS: i64 = 24;

macro_rules! lib {
    ($( $g:literal $name:literal $f:expr ; )*) => {
        /// Every host-implemented library global, by global number.
        pub static LIBRARY: &[LibEntry] = &[ $( LibEntry { global: $g, name: $name, func: $f }, )* ];
    };
}

fn a(mem: &Memory, f: Frame, i: i64) -> Result<i64, Stop> {
    f.arg(mem, i)
}

fn result2(mem: &mut Memory, v: i64) -> Result<(), Stop> {
    mem.set_global(RESULT2, v)
}

lib! {
    18 "deleteco" deleteco;
    25 "getvec" |rt, mem, f| { let upb = a(mem, f, 0)?; rt.heap.getvec(mem, &mut rt.out, upb) };
    27 "freevec" |rt, mem, f| { let v = a(mem, f, 0)?; rt.heap.freevec(mem, &mut rt.out, v).map(|_| -1) };
    28 "abort" |_, mem, f| match a(mem, f, 0)? { 0 => Err(Stop::Quit), -1 | -2 => Ok(0), c => Err(Stop::abort(c)) };
    30 "packstring" |_, mem, f| { let (v, s) = (a(mem, f, 0)?, a(mem, f, 1)?); strings::packstring(mem, v, s) };
    31 "unpackstring" |_, mem, f| { let (s, v) = (a(mem, f, 0)?, a(mem, f, 1)?); strings::unpackstring(mem, s, v).map(|_| 0) };
    34 "randno" randno;
    35 "setseed" |_, mem, f| { let old = mem.global(RANDSEED)?; mem.set_global(RANDSEED, a(mem, f, 0)?)?; Ok(old) };
    36 "sardch" |rt, _, _| Ok(rt.input.sardch());
    37 "sawrch" |rt, mem, f| { rt.out.sawrch(a(mem, f, 0)?); Ok(0) };
    38 "rdch" |rt, mem, _| rdch(rt, mem, true);
    39 "binrdch" |rt, mem, _| rdch(rt, mem, false);
    40 "unrdch" |rt, mem, _| { let cis = mem.global(CIS)?; let ok = rt.streams.unrdch(cis).unwrap_or_else(|| rt.input.unrdch()); Ok(if ok { -1 } else { 0 }) };
    41 "wrch" |rt, mem, f| { let (cos, ch) = (mem.global(COS)?, a(mem, f, 0)?); Ok(if rt.streams.wrch(cos, ch) || rt.out.wrch(ch) { -1 } else { 0 }) };
    43 "deplete" |rt, mem, f| { let scb = a(mem, f, 0)?; if rt.streams.is_open(scb) { rt.streams.deplete(scb) } else { rt.out.deplete() } Ok(-1) };
    48 "findinput" |rt, mem, f| find_stream(rt, mem, f, false);
    49 "findoutput" |rt, mem, f| find_stream(rt, mem, f, true);
    56 "selectinput" |rt, mem, f| select(rt, mem, f, CIS);
    57 "selectoutput" |rt, mem, f| select(rt, mem, f, COS);
    58 "input" |_, mem, _| mem.global(CIS);
    59 "output" |_, mem, _| mem.global(COS);
    60 "endread" |rt, mem, _| { let cis = mem.global(CIS)?; endstream(rt, mem, cis) };
    61 "endwrite" |rt, mem, _| { let cos = mem.global(COS)?; endstream(rt, mem, cos) };
    62 "endstream" |rt, mem, f| { let scb = a(mem, f, 0)?; endstream(rt, mem, scb) };
    73 "writeflt" |rt, mem, f| { let (x, w, p) = (a(mem, f, 0)?, a(mem, f, 1)?, a(mem, f, 2)?); format::writeflt(&mut rt.out, false, x, w, p, &mut rt.host_r2); result2(mem, rt.host_r2)?; Ok(0) };
    83 "readn" |rt, mem, _| { let mut r2 = mem.global(RESULT2)?; let n = rt.input.readn(&mut rt.out, &mut r2); result2(mem, r2)?; Ok(n) };
    85 "writed" |rt, mem, f| { format::writed(&mut rt.out, false, a(mem, f, 0)?, a(mem, f, 1)?); Ok(-1) };
    86 "writen" |rt, mem, f| { format::writen(&mut rt.out, false, a(mem, f, 0)?); Ok(-1) };
    87 "writehex" |rt, mem, f| { format::writehex(&mut rt.out, false, a(mem, f, 0)?, a(mem, f, 1)?); Ok(-1) };
    88 "writeoct" |rt, mem, f| { format::writeoct(&mut rt.out, false, a(mem, f, 0)?, a(mem, f, 1)?); Ok(-1) };
    89 "writes" |rt, mem, f| { format::writes(&mut rt.out, mem, false, a(mem, f, 0)?); Ok(-1) };
    90 "writet" |rt, mem, f| { format::writet(&mut rt.out, mem, false, a(mem, f, 0)?, a(mem, f, 1)?); Ok(-1) };
    91 "writeu" |rt, mem, f| { format::writeu(&mut rt.out, false, a(mem, f, 0)?, a(mem, f, 1)?); Ok(-1) };
    92 "writez" |rt, mem, f| { format::writez(&mut rt.out, false, a(mem, f, 0)?, a(mem, f, 1)?); Ok(-1) };
    93 "get_text" get_text;
    94 "writef" |rt, mem, f| { let r2 = mem.global(RESULT2)?; writef(&mut rt.out, mem, &mut rt.host_r2, false, a(mem, f, 0)?, f.arg_addr(1))?; Ok(r2) };
    95 "sawritef" |rt, mem, f| { let r2 = mem.global(RESULT2)?; writef(&mut rt.out, mem, &mut rt.host_r2, true, a(mem, f, 0)?, f.arg_addr(1))?; Ok(r2) };
    96 "capitalch" |_, mem, f| Ok(strings::capitalch(a(mem, f, 0)?));
    97 "compch" |_, mem, f| Ok(strings::compch(a(mem, f, 0)?, a(mem, f, 1)?));
    98 "compstring" |_, mem, f| { let (x, y) = (a(mem, f, 0)?, a(mem, f, 1)?); strings::compstring(mem, x, y) };
    99 "copystring" |_, mem, f| { let (x, y) = (a(mem, f, 0)?, a(mem, f, 1)?); strings::copystring(mem, x, y).map(|_| 0) };
    100 "string_to_number" |_, mem, f| { let s = a(mem, f, 0)?; let (ok, v) = strings::string_to_number(mem, s)?; result2(mem, v)?; Ok(if ok { -1 } else { 0 }) };
    101 "str2numb" |_, mem, f| { let s = a(mem, f, 0)?; strings::str2numb(mem, s) };
    102 "rdargs" |rt, mem, f| { let (k, v, u) = (a(mem, f, 0)?, a(mem, f, 1)?, a(mem, f, 2)?); rdargs::rdargs(&mut rt.input, &mut rt.out, mem, k, v, u) };
    114 "copy_words" |_, mem, f| { let (s, d, n) = (a(mem, f, 0)?, a(mem, f, 1)?, a(mem, f, 2)?); for i in 0..n.max(0) { let w = mem.get(s + i)?; mem.set(d + i, w)?; } Ok(0) };
    115 "clear_words" |_, mem, f| { let (v, n) = (a(mem, f, 0)?, a(mem, f, 1)?); for i in 0..n.max(0) { mem.set(v + i, 0)?; } Ok(0) };
    119 "intflag" |_, _, _| Ok(0);
    126 "codewrch" |rt, mem, f| { format::codewrch(&mut rt.out, false, a(mem, f, 0)?); Ok(0) };
    131 "memoryfree" |rt, mem, _| Ok(rt.heap.free_words(mem));
    180 "writee" |rt, mem, f| { let (x, w, p) = (a(mem, f, 0)?, a(mem, f, 1)?, a(mem, f, 2)?); format::writee(&mut rt.out, false, x, w, p, &mut rt.host_r2); result2(mem, rt.host_r2)?; Ok(0) };
    181 "setvec" |_, mem, f| { let (v, n) = (a(mem, f, 0)?, a(mem, f, 1)?); for i in 0..n.max(0) { let w = a(mem, f, 2 + i)?; mem.set(v + i, w)?; } Ok(v) };
}

/// Call library entry `index` (an index into [`LIBRARY`]).
pub fn call(index: usize, rt: &mut Runtime, mem: &mut Memory, f: Frame) -> Result<i64, Stop> {
    match LIBRARY.get(index) {
        Some(e) => (e.func)(rt, mem, f),
        None => Err(Stop::abort(4)),
    }
}

/// `randno(upb)` (runtime.md s.3).
fn randno(_: &mut Runtime, mem: &mut Memory, f: Frame) -> Result<i64, Stop> {
    let upb = a(mem, f, 0)?;
    let seed = mem
        .global(RANDSEED)?
        .wrapping_mul(2147001325)
        .wrapping_add(715136305);
    mem.set_global(RANDSEED, seed)?;
    if upb == 0 {
        return Err(Stop::division_by_zero());
    }
    Ok((seed / 3).wrapping_abs().wrapping_rem(upb).wrapping_add(1))
}

/// `deleteco(c)` (runtime.md s.5.2): unlink c from colist and free it.
fn deleteco(rt: &mut Runtime, mem: &mut Memory, f: Frame) -> Result<i64, Stop> {
    let c = a(mem, f, 0)?;
    let currco = mem.global(sys::CURRCO)?;
    // Walk the list of links: the colist global, then each block's c!2.
    let mut link = mem.gbase + sys::COLIST;
    let mut steps = 0u64;
    loop {
        let next = mem.get(link)?;
        if next == 0 || steps > 100_000_000 {
            rt.out.message(&format!(
                "BLIB co={currco}: cannot deleteco {c} -- not found\n"
            ));
            return Err(Stop::abort(112));
        }
        if next == c {
            break;
        }
        link = next + 2;
        steps += 1;
    }
    if mem.get(c + 1)? != 0 {
        rt.out.message(&format!(
            "BLIB co={currco}: cannot deleteco {c} -- has a parent\n"
        ));
        return Err(Stop::abort(112));
    }
    let after = mem.get(c + 2)?;
    mem.set(link, after)?;
    rt.heap.freevec(mem, &mut rt.out, c)?;
    Ok(-1)
}

/// `get_text(n, buf, upb)`: the default message text `<mess:%-%n>`.
fn get_text(_: &mut Runtime, mem: &mut Memory, f: Frame) -> Result<i64, Stop> {
    let buf = a(mem, f, 1)?;
    mem.set_string(buf, b"<mess:%-%n>")?;
    Ok(buf)
}

/// `findinput` / `findoutput` (runtime.md s.6.7): `**` is the console;
/// `NIL:` and file names open a stream of [`super::streams`] (files in the
/// run's scratch directory) with a new SCB; a file that cannot be opened
/// gives 0 with result2 = 100.
fn find_stream(rt: &mut Runtime, mem: &mut Memory, f: Frame, output: bool) -> Result<i64, Stop> {
    let name = mem.string(a(mem, f, 0)?)?;
    if name == b"**" {
        return Ok(if output {
            rt.console_out
        } else {
            rt.console_in
        });
    }
    if name.is_empty() || (!output && !rt.streams.can_open_input(&name)) {
        result2(mem, 100)?;
        return Ok(0);
    }
    let scb = rt.heap.getvec(mem, &mut rt.out, SCB_WORDS)?;
    if scb == 0 {
        result2(mem, 100)?;
        return Ok(0);
    }
    let nil = name.eq_ignore_ascii_case(b"NIL:");
    mem.set(scb, if output { SCB_ID_OUT } else { SCB_ID_IN })?;
    mem.set(scb + 1, if nil { 0 } else { 1 })?;
    // result2: 0 after opening a file for output (measured); findinput and
    // NIL: leave it as it was (cintsys64 leaves an unspecified host value
    // after opening a file for input).
    if output {
        rt.streams.open_output(scb, &name);
        if !nil {
            result2(mem, 0)?;
        }
    } else {
        rt.streams.open_input(scb, &name);
    }
    Ok(scb)
}

/// `rdch` (`skip_cr`) or `binrdch` on the current input stream `cis`:
/// abort 186 when there is none.
fn rdch(rt: &mut Runtime, mem: &mut Memory, skip_cr: bool) -> Result<i64, Stop> {
    let cis = mem.global(CIS)?;
    if cis == 0 {
        return Err(Stop::abort(186));
    }
    if let Some(c) = rt.streams.rdch(cis, skip_cr) {
        return Ok(c);
    }
    let mut r2 = mem.global(RESULT2)?;
    let c = if skip_cr {
        rt.input.rdch(&mut rt.out, &mut r2)
    } else {
        rt.input.binrdch(&mut rt.out, &mut r2)
    };
    result2(mem, r2)?;
    Ok(c)
}

/// `selectinput` / `selectoutput`: the SCB must be 0 or of the right kind,
/// else abort 186 / 187.
fn select(_: &mut Runtime, mem: &mut Memory, f: Frame, global: i64) -> Result<i64, Stop> {
    let scb = a(mem, f, 0)?;
    let (want, fault) = if global == CIS {
        ([SCB_ID_IN, 0x83, 0x83], 186)
    } else {
        ([SCB_ID_OUT, 0x83, 0x84], 187)
    };
    if scb != 0 {
        let id = mem.get(scb).map_err(|_| Stop::abort(fault))?;
        if !want.contains(&id) {
            return Err(Stop::abort(fault));
        }
    }
    mem.set_global(global, scb)?;
    Ok(-1)
}

/// `endstream(scb)`: a file is written out and closed and its SCB freed;
/// the console's end function does nothing (its pending bytes stay
/// unflushed); cis/cos are cleared when they name the stream. result2 is
/// kept.
fn endstream(rt: &mut Runtime, mem: &mut Memory, scb: i64) -> Result<i64, Stop> {
    if scb < 0 {
        return Err(Stop::abort(999));
    }
    if scb == 0 {
        return Ok(0);
    }
    for g in [CIS, COS] {
        if mem.global(g)? == scb {
            mem.set_global(g, 0)?;
        }
    }
    if rt.streams.close(scb) {
        let r2 = mem.global(RESULT2)?;
        rt.heap.freevec(mem, &mut rt.out, scb)?;
        result2(mem, r2)?;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt_mem() -> (Runtime, Memory) {
        let mut mem = Memory::new(0, 4000);
        mem.gbase = 10;
        mem.set_global(RANDSEED, 12345).unwrap();
        (Runtime::new("test", b"", b"", 3000..4000), mem)
    }

    fn call_with(
        rt: &mut Runtime,
        mem: &mut Memory,
        name: &str,
        args: &[i64],
    ) -> Result<i64, Stop> {
        let np = 2500;
        for (i, v) in args.iter().enumerate() {
            mem.set(np + 3 + i as i64, *v).unwrap();
        }
        let i = LIBRARY.iter().position(|e| e.name == name).unwrap();
        call(i, rt, mem, Frame { np })
    }

    #[test]
    fn randno_measured_sequence() {
        // runtime.md s.3: from a fresh start, randno(1000) x10.
        let (mut rt, mut mem) = rt_mem();
        let got: Vec<i64> = (0..10)
            .map(|_| call_with(&mut rt, &mut mem, "randno", &[1000]).unwrap())
            .collect();
        assert_eq!(got, [144, 102, 789, 346, 513, 311, 526, 99, 247, 950]);
        assert_eq!(mem.global(RANDSEED).unwrap(), -9027264673210661849);
    }

    #[test]
    fn randno_other_seeds() {
        let (mut rt, mut mem) = rt_mem();
        call_with(&mut rt, &mut mem, "setseed", &[12345]).unwrap();
        let got: Vec<i64> = (0..10)
            .map(|_| call_with(&mut rt, &mut mem, "randno", &[100]).unwrap())
            .collect();
        assert_eq!(got, [44, 2, 89, 46, 13, 11, 26, 99, 47, 50]);
        call_with(&mut rt, &mut mem, "setseed", &[1]).unwrap();
        let got: Vec<i64> = (0..5)
            .map(|_| call_with(&mut rt, &mut mem, "randno", &[i64::MAX]).unwrap())
            .collect();
        assert_eq!(
            got,
            [
                954045877,
                2048337761552498686,
                983291109369897485,
                892137381970020876,
                1585671239031661721
            ]
        );
        // setseed returns the old seed: the state after the five calls.
        let before = mem.global(RANDSEED).unwrap();
        assert_eq!(
            call_with(&mut rt, &mut mem, "setseed", &[-7]).unwrap(),
            before
        );
    }

    #[test]
    fn randno_negative_seed_and_zero_upb() {
        let (mut rt, mut mem) = rt_mem();
        call_with(&mut rt, &mut mem, "setseed", &[-7]).unwrap();
        let got: Vec<i64> = (0..5)
            .map(|_| call_with(&mut rt, &mut mem, "randno", &[10]).unwrap())
            .collect();
        assert_eq!(got, [1, 10, 5, 2, 7]);
        assert_eq!(
            call_with(&mut rt, &mut mem, "randno", &[0]),
            Err(Stop::division_by_zero())
        );
    }

    #[test]
    fn globals_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for e in LIBRARY {
            assert!(seen.insert(e.global), "G{} twice", e.global);
        }
    }
}

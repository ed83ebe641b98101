//! `rdargs(keys, argv, upb)` (G102, runtime.md s.2.4): read the command
//! arguments from the console input according to a key string such as
//! `"FROM=DATA/A,TO/K/P,VAL/K/N,T=TRACE/S"`.
//!
//! Keys are separated by `,`, aliases by `=`; qualifiers are `/A`
//! (required), `/K` (keyword required), `/S` (switch), `/N` (number) and
//! `/P` (prompt). Items are read with `rdch` (`rditem`): unquoted words,
//! quoted strings with `*n` and `*"` escapes, `=`, newline, `;` and end of
//! file. Values are stored as BCPL strings in argv after the key slots
//! (numbers as one word holding the value); argv!i points at them and a
//! switch is TRUE. Errors skip to the end of the line and give 0 with
//! result2 = 120; success gives the first unused word with result2 = 0.
//!
//! The console is assumed to be the selected input and output stream, as it
//! is for every program the harness runs, so unset `/P` keys are prompted
//! for (the prompt goes through the buffered console `wrch`).

use super::format::writes_bytes;
use super::input::{Input, ENDSTREAMCH};
use super::output::Output;
use super::strings::{capitalch, compch, compstring_bytes, string_to_number};
use super::Stop;
use crate::memory::{Memory, RESULT2};

const A_BIT: i64 = 1;
const K_BIT: i64 = 2;
const S_BIT: i64 = 4;
const N_BIT: i64 = 8;
const P_BIT: i64 = 16;
const D_BIT: i64 = 32;

/// result2 after a failed rdargs: "bad argument format or bad arguments".
pub const RDARGS_ERROR: i64 = 120;

/// Item types returned by [`rditem`].
pub const ITEM_ERROR: i64 = -1;
pub const ITEM_EOF: i64 = 0;
pub const ITEM_WORD: i64 = 1;
pub const ITEM_QUOTED: i64 = 2;
pub const ITEM_NEWLINE: i64 = 3;
pub const ITEM_SEMICOLON: i64 = 4;
pub const ITEM_EQUALS: i64 = 5;

const NL: i64 = b'\n' as i64;
const SEMI: i64 = b';' as i64;
const EQUALS: i64 = b'=' as i64;

/// Everything rdargs reads and writes.
struct Ctx<'a> {
    input: &'a mut Input,
    out: &'a mut Output,
    mem: &'a mut Memory,
    /// Scratch result2 for rdch (its value is overwritten before rdargs
    /// returns, as in the real library).
    r2: i64,
}

impl Ctx<'_> {
    fn rdch(&mut self) -> i64 {
        self.input.rdch(self.out, &mut self.r2)
    }

    fn unrdch(&mut self) {
        self.input.unrdch();
    }
}

/// `rditem(v, upb)`: read one item into the vector v (v!0..v!upb are
/// cleared first). Returns -1 (error: too long, or a quoted string not
/// closed before the end of the line), 0 (end of file), 1 (unquoted word,
/// whose terminator is pushed back unless it is end of file), 2 (quoted
/// string), 3 (newline), 4 (`;`) or 5 (`=`).
pub fn rditem(
    input: &mut Input,
    out: &mut Output,
    mem: &mut Memory,
    v: i64,
    upb: i64,
) -> Result<i64, Stop> {
    let mut cx = Ctx {
        input,
        out,
        mem,
        r2: 0,
    };
    rditem_cx(&mut cx, v, upb)
}

fn rditem_cx(cx: &mut Ctx, v: i64, upb: i64) -> Result<i64, Stop> {
    let pmax = upb.wrapping_add(1).wrapping_mul(8).wrapping_sub(1);
    let mut p: i64 = 0;
    let mut ch = cx.rdch();
    let mut i: i64 = 0;
    while i <= upb {
        cx.mem.set(v.wrapping_add(i), 0)?;
        if i == i64::MAX {
            break;
        }
        i += 1;
    }
    while ch == b' ' as i64 || ch == b'\t' as i64 || ch == b'\r' as i64 {
        ch = cx.rdch();
    }
    match ch {
        ENDSTREAMCH => return Ok(ITEM_EOF),
        NL => return Ok(ITEM_NEWLINE),
        SEMI => return Ok(ITEM_SEMICOLON),
        EQUALS => return Ok(ITEM_EQUALS),
        _ => {}
    }
    if ch == b'"' as i64 {
        loop {
            ch = cx.rdch();
            if ch == b'\r' as i64 {
                continue;
            }
            if ch == NL || ch == ENDSTREAMCH {
                return Ok(ITEM_ERROR);
            }
            if ch == b'"' as i64 {
                return Ok(ITEM_QUOTED);
            }
            if ch == b'*' as i64 {
                ch = cx.rdch();
                if capitalch(ch) == b'N' as i64 {
                    ch = NL;
                }
                // `*"` is a quote (and `**` a star): ch stays as read.
            }
            p += 1;
            if p > pmax {
                return Ok(ITEM_ERROR);
            }
            cx.mem.set_byte(v, 0, p as u8)?;
            cx.mem.set_byte(v, p, ch as u8)?;
        }
    }
    let ends = |c: i64| {
        c == NL
            || c == b' ' as i64
            || c == b'\t' as i64
            || c == SEMI
            || c == b'=' as i64
            || c == ENDSTREAMCH
    };
    while !ends(ch) {
        p += 1;
        if p > pmax {
            return Ok(ITEM_ERROR);
        }
        cx.mem.set_byte(v, 0, p as u8)?;
        cx.mem.set_byte(v, p, ch as u8)?;
        loop {
            ch = cx.rdch();
            if ch != b'\r' as i64 {
                break;
            }
        }
    }
    if ch != ENDSTREAMCH {
        cx.unrdch();
    }
    Ok(ITEM_WORD)
}

/// `findarglen(keys, len, w)`: the number of the key (counting from 0) one
/// of whose names matches the string w case-insensitively, or -1.
fn findarg(mem: &Memory, keys: i64, len: i64, w: i64) -> Result<i64, Stop> {
    let wlen = mem.get_byte(w, 0)? as i64;
    let mut matching = true;
    let mut wp: i64 = 0;
    let mut argno: i64 = 0;
    for i in 1..=len {
        let kch = mem.get_byte(keys, i)? as i64;
        if matching {
            if (kch == b'=' as i64 || kch == b'/' as i64 || kch == b',' as i64) && wp == wlen {
                return Ok(argno);
            }
            wp += 1;
            if compch(kch, mem.get_byte(w, wp)? as i64) != 0 {
                matching = false;
            }
        }
        if kch == b',' as i64 || kch == b'=' as i64 {
            matching = true;
            wp = 0;
        }
        if kch == b',' as i64 {
            argno += 1;
        }
    }
    Ok(if matching && wp == wlen { argno } else { -1 })
}

/// `getkeylen(keys, len, i, keyword)`: the first name of key i (newlines
/// in the key string are left out).
fn keyword(mem: &Memory, keys: i64, len: i64, i: i64) -> Result<Vec<u8>, Stop> {
    let mut i = i;
    let mut p: i64 = 1;
    while p <= len {
        if i == 0 {
            break;
        }
        if mem.get_byte(keys, p)? == b',' {
            i -= 1;
        }
        p += 1;
    }
    let mut word = Vec::new();
    while p <= len {
        let ch = mem.get_byte(keys, p)?;
        if ch == b'/' || ch == b'=' || ch == b',' {
            break;
        }
        if ch != b'\n' {
            word.push(ch);
        }
        p += 1;
    }
    // keyword%0 := n keeps the low byte of the length.
    word.truncate(word.len() & 255);
    Ok(word)
}

/// The error exit: step back one byte, skip to the end of the line (`\n`,
/// `;` or end of file), result2 := 120, return 0.
fn fail(cx: &mut Ctx) -> Result<i64, Stop> {
    cx.unrdch();
    loop {
        let ch = cx.rdch();
        if ch == NL || ch == SEMI || ch == ENDSTREAMCH {
            break;
        }
    }
    cx.mem.set_global(RESULT2, RDARGS_ERROR)?;
    Ok(0)
}

/// Skip the rest of a prompted reply line (after an unrdch).
fn skip_line(cx: &mut Ctx) {
    cx.unrdch();
    loop {
        let ch = cx.rdch();
        if ch == NL || ch == SEMI || ch == ENDSTREAMCH {
            break;
        }
    }
}

/// `rdargs(keys, argv, upb)` (G102): see the module documentation.
pub fn rdargs(
    input: &mut Input,
    out: &mut Output,
    mem: &mut Memory,
    keys: i64,
    argv: i64,
    upb: i64,
) -> Result<i64, Stop> {
    let mut cx = Ctx {
        input,
        out,
        mem,
        r2: 0,
    };
    let cx = &mut cx;
    let len = cx.mem.get_byte(keys, 0)? as i64;

    // clear_words(argv, upb+1)
    let mut i: i64 = 0;
    while i <= upb {
        cx.mem.set(argv.wrapping_add(i), 0)?;
        if i == i64::MAX {
            break;
        }
        i += 1;
    }

    // The qualifier bits of each key.
    let mut argtype = [0i64; 128];
    let mut argmax: usize = 0;
    for p in 1..=len {
        let kch = cx.mem.get_byte(keys, p)?;
        if kch == b'/' {
            let bit = match capitalch(cx.mem.get_byte(keys, p + 1)? as i64) as u8 {
                b'A' => A_BIT,
                b'K' => K_BIT,
                b'S' => S_BIT,
                b'N' => N_BIT,
                b'P' => P_BIT,
                _ => return fail(cx),
            };
            if let Some(t) = argtype.get_mut(argmax) {
                *t |= bit;
            }
        }
        if kch == b',' {
            argmax += 1;
            if argmax > 127 {
                for b in b"Error: rdargs format specified too many arguments\n" {
                    cx.out.sawrch(*b as i64);
                }
                return Ok(0);
            }
        }
    }
    if argtype[..=argmax]
        .iter()
        .any(|t| t & (S_BIT | N_BIT) == S_BIT | N_BIT)
    {
        return fail(cx);
    }

    let mut w = argv.wrapping_add(argmax as i64 + 1);
    loop {
        let mut argno: i64 = -1;
        let mut wupb = upb.wrapping_sub(w.wrapping_sub(argv));
        let item = rditem_cx(cx, w, wupb)?;
        match item {
            ITEM_EOF | ITEM_NEWLINE | ITEM_SEMICOLON => {
                // End of the list: prompt for unset /P keys.
                for (i, entry) in argtype.iter_mut().enumerate().take(argmax + 1) {
                    let ty = *entry;
                    if ty & (P_BIT | D_BIT) != P_BIT {
                        continue;
                    }
                    let word = keyword(cx.mem, keys, len, i as i64)?;
                    writes_bytes(cx.out, false, &word);
                    if ty & S_BIT != 0 {
                        writes_bytes(cx.out, false, b" (yes/no)");
                    }
                    writes_bytes(cx.out, false, b" > ");
                    cx.out.deplete();
                    let it = rditem_cx(cx, w, wupb)?;
                    let slot = argv.wrapping_add(i as i64);
                    match it {
                        ITEM_EOF | ITEM_NEWLINE | ITEM_SEMICOLON => continue,
                        ITEM_WORD if ty & S_BIT != 0 => {
                            let reply = cx.mem.string(w)?;
                            let yes = compstring_bytes(&reply, b"yes") == 0
                                || compstring_bytes(&reply, b"y") == 0;
                            cx.mem.set(slot, if yes { -1 } else { 0 })?;
                            *entry |= D_BIT;
                        }
                        ITEM_WORD if ty & N_BIT != 0 => {
                            cx.mem.set(slot, w)?;
                            let (ok, v) = string_to_number(cx.mem, w)?;
                            if !ok {
                                return fail(cx);
                            }
                            cx.mem.set(w, v)?;
                            cx.mem.set(slot, w)?;
                            *entry |= D_BIT;
                            w = w.wrapping_add(1);
                            wupb = wupb.wrapping_sub(1);
                        }
                        ITEM_WORD | ITEM_QUOTED => {
                            cx.mem.set(slot, w)?;
                            *entry |= D_BIT;
                            w = w.wrapping_add(cx.mem.get_byte(w, 0)? as i64 / 8 + 1);
                            wupb = upb.wrapping_sub(w.wrapping_sub(argv));
                        }
                        _ => return fail(cx),
                    }
                    skip_line(cx);
                }
                if argtype[..=argmax]
                    .iter()
                    .any(|t| t & (A_BIT | D_BIT) == A_BIT)
                {
                    return fail(cx);
                }
                cx.mem.set_global(RESULT2, 0)?;
                return Ok(w);
            }
            ITEM_WORD => {
                argno = findarg(cx.mem, keys, len, w)?;
                if argno >= 0 {
                    let ty = argtype.get(argno as usize).copied().unwrap_or(0);
                    if ty & D_BIT != 0 {
                        return fail(cx);
                    }
                    if ty & S_BIT != 0 {
                        cx.mem.set(argv.wrapping_add(argno), -1)?;
                        if let Some(t) = argtype.get_mut(argno as usize) {
                            *t |= D_BIT;
                        }
                        continue;
                    }
                    let mut value = rditem_cx(cx, w, wupb)?;
                    if value == ITEM_EQUALS {
                        value = rditem_cx(cx, w, wupb)?;
                    }
                    if value != ITEM_WORD && value != ITEM_QUOTED {
                        return fail(cx);
                    }
                } else {
                    let ch = cx.rdch();
                    if ch == NL && compstring_bytes(b"?", &cx.mem.string(w)?) == 0 {
                        // "?" on its own: show the key string and read again.
                        for p in 1..=len {
                            let b = cx.mem.get_byte(keys, p)?;
                            cx.out.wrch(b as i64);
                        }
                        writes_bytes(cx.out, false, b": ");
                        cx.out.deplete();
                        continue;
                    }
                    cx.unrdch();
                }
            }
            ITEM_QUOTED => {}
            _ => return fail(cx),
        }

        // A positional value (or the value of a keyword): the first unset
        // key without /K or /S.
        if argno < 0 {
            if let Some(i) = argtype[..=argmax]
                .iter()
                .position(|t| t & (D_BIT | K_BIT | S_BIT) == 0)
            {
                argno = i as i64;
            }
        }
        let Some(ty) = usize::try_from(argno)
            .ok()
            .and_then(|i| argtype.get(i).copied())
        else {
            return fail(cx);
        };
        if ty & D_BIT != 0 {
            return fail(cx);
        }
        let slot = argv.wrapping_add(argno);
        if ty & N_BIT != 0 {
            let (ok, v) = string_to_number(cx.mem, w)?;
            if !ok {
                return fail(cx);
            }
            cx.mem.set(w, v)?;
            cx.mem.set(slot, w)?;
            argtype[argno as usize] |= D_BIT;
            w = w.wrapping_add(1);
            continue;
        }
        cx.mem.set(slot, w)?;
        argtype[argno as usize] |= D_BIT;
        w = w.wrapping_add(cx.mem.get_byte(w, 0)? as i64 / 8 + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS_AT: i64 = 100;
    const ARGV: i64 = 200;
    const GBASE: i64 = 10;

    struct Run {
        input: Input,
        out: Output,
        mem: Memory,
    }

    impl Run {
        fn new(args: &[u8], stdin: &[u8]) -> Run {
            let mut mem = Memory::new(0, 1000);
            mem.gbase = GBASE;
            mem.set_global(RESULT2, 555).unwrap();
            // Stale words where argv will be, to check the clearing.
            for i in 0..=60 {
                mem.set(ARGV + i, 0x5555).unwrap();
            }
            Run {
                input: Input::new(args, stdin),
                out: Output::new(),
                mem,
            }
        }

        fn rdargs(&mut self, keys: &[u8], upb: i64) -> i64 {
            self.mem.set_string(KEYS_AT, keys).unwrap();
            rdargs(
                &mut self.input,
                &mut self.out,
                &mut self.mem,
                KEYS_AT,
                ARGV,
                upb,
            )
            .unwrap()
        }

        fn argv(&self, i: i64) -> i64 {
            self.mem.get(ARGV + i).unwrap()
        }

        fn arg_string(&self, i: i64) -> Vec<u8> {
            self.mem.string(self.argv(i)).unwrap()
        }

        fn result2(&self) -> i64 {
            self.mem.global(RESULT2).unwrap()
        }

        fn rdch(&mut self) -> i64 {
            let mut r2 = 0;
            self.input.rdch(&mut self.out, &mut r2)
        }
    }

    #[test]
    fn empty_arguments() {
        // runtime.md s.2.4: rdargs("FROM,TO/K,N/N,Q/S", argv, 50) -> argv+4,
        // every argv!i = 0, result2 = 0, and the next rdch() is -1.
        let mut r = Run::new(b"", b"");
        assert_eq!(r.rdargs(b"FROM,TO/K,N/N,Q/S", 50), ARGV + 4);
        for i in 0..=50 {
            assert_eq!(r.argv(i), 0, "argv!{i}");
        }
        assert_eq!(r.argv(51), 0x5555, "only argv!0..upb is cleared");
        assert_eq!(r.result2(), 0);
        assert_eq!(r.rdch(), -1);
        assert!(r.out.stdout.is_empty());
    }

    #[test]
    fn empty_key_string() {
        // rdargs("", argv, 50) -> argv+1.
        let mut r = Run::new(b"", b"");
        assert_eq!(r.rdargs(b"", 50), ARGV + 1);
        assert_eq!(r.result2(), 0);
    }

    #[test]
    fn missing_required_argument() {
        // rdargs("FROM/A", argv, 50) with empty arguments -> 0, result2 120.
        let mut r = Run::new(b"", b"");
        assert_eq!(r.rdargs(b"FROM/A", 50), 0);
        assert_eq!(r.result2(), 120);
        assert_eq!(r.rdch(), -1);
    }

    #[test]
    fn measured_arguments() {
        // Arguments "abc n 12 q" for "FROM,TO/K,N/N,Q/S": argv!0 -> "abc",
        // argv!1 = 0, !(argv!2) = 12, argv!3 = -1, result argv+6.
        let mut r = Run::new(b"abc n 12 q", b"");
        assert_eq!(r.rdargs(b"FROM,TO/K,N/N,Q/S", 50), ARGV + 6);
        assert_eq!(r.arg_string(0), b"abc");
        assert_eq!(r.argv(0), ARGV + 4);
        assert_eq!(r.argv(1), 0);
        assert_eq!(r.argv(2), ARGV + 5);
        assert_eq!(r.mem.get(r.argv(2)).unwrap(), 12);
        assert_eq!(r.argv(3), -1);
        assert_eq!(r.result2(), 0);
        assert_eq!(r.rdch(), -1);
    }

    #[test]
    fn keywords_aliases_and_equals() {
        let mut r = Run::new(b"to=out.txt -x \"a b\"", b"");
        assert_eq!(r.rdargs(b"FROM=IN,TO/K,X=-X/S,Y", 50), ARGV + 4 + 2);
        assert_eq!(r.arg_string(1), b"out.txt");
        assert_eq!(r.argv(2), -1);
        assert_eq!(r.arg_string(0), b"a b");
        assert_eq!(r.argv(3), 0);
        // Alias, and the value after a key given with "=".
        let mut r = Run::new(b"in = data", b"");
        assert_eq!(r.rdargs(b"FROM=IN,TO/K", 50), ARGV + 3);
        assert_eq!(r.arg_string(0), b"data");
    }

    #[test]
    fn quoted_escapes() {
        let mut r = Run::new(b"\"x*\"y*Nz**\"", b"");
        assert_eq!(r.rdargs(b"A", 50), ARGV + 2);
        assert_eq!(r.arg_string(0), b"x\"y\nz*");
    }

    #[test]
    fn errors_skip_the_line() {
        // /K key given positionally, an unknown qualifier, /S with /N,
        // a key given twice, too many positional values, a bad number and
        // an unclosed quote.
        for (keys, args) in [
            (&b"TO/K"[..], &b"x"[..]),
            (b"A/Q", b""),
            (b"A/S/N", b""),
            (b"A", b"a=1 a=2"),
            (b"A", b"x y"),
            (b"N/N", b"12x"),
            (b"A", b"\"abc"),
            (b"A/K", b"a"),
        ] {
            let mut r = Run::new(args, b"next\n");
            assert_eq!(r.rdargs(keys, 50), 0, "{keys:?} {args:?}");
            assert_eq!(r.result2(), 120);
            // The rest of the argument line was skipped.
            assert_eq!(r.rdch(), b'n' as i64, "{keys:?} {args:?}");
        }
    }

    #[test]
    fn too_little_room_is_an_error() {
        let mut r = Run::new(b"abcdefghijklmnop", b"");
        assert_eq!(r.rdargs(b"A", 2), 0);
        assert_eq!(r.result2(), 120);
        let mut r = Run::new(b"abcdefghijklmnop", b"");
        assert_eq!(r.rdargs(b"A", 3), ARGV + 4);
        assert_eq!(r.arg_string(0), b"abcdefghijklmnop");
    }

    #[test]
    fn semicolon_ends_the_list() {
        let mut r = Run::new(b"a;b", b"");
        assert_eq!(r.rdargs(b"X,Y", 50), ARGV + 3);
        assert_eq!(r.arg_string(0), b"a");
        assert_eq!(r.argv(1), 0);
        assert_eq!(r.rdch(), b'b' as i64);
    }

    #[test]
    fn question_mark_shows_the_keys() {
        let mut r = Run::new(b"?", b"val\n");
        assert_eq!(r.rdargs(b"FROM,TO/K", 50), ARGV + 3);
        assert_eq!(r.out.stdout, b"FROM,TO/K: ");
        assert_eq!(r.arg_string(0), b"val");
    }

    #[test]
    fn prompts_for_p_keys() {
        let mut r = Run::new(b"", b"fred\nyes\n42 extra\n");
        assert_eq!(
            r.rdargs(b"NAME/P,V=VERBOSE/S/P,N/N/P", 50),
            ARGV + 3 + 1 + 1
        );
        assert_eq!(r.out.stdout, b"NAME > V (yes/no) > N > ");
        assert_eq!(r.arg_string(0), b"fred");
        assert_eq!(r.argv(1), -1);
        assert_eq!(r.mem.get(r.argv(2)).unwrap(), 42);
        assert_eq!(r.result2(), 0);
        assert_eq!(r.rdch(), -1, "the reply lines were consumed");
    }

    #[test]
    fn too_many_keys() {
        let keys = vec![b','; 128];
        let mut r = Run::new(b"", b"");
        assert_eq!(r.rdargs(&keys, 50), 0);
        assert_eq!(
            r.out.stdout,
            b"Error: rdargs format specified too many arguments\n"
        );
        assert_eq!(r.result2(), 555, "result2 is not set on this path");
    }

    #[test]
    fn rditem_types() {
        let mut input = Input::new(b"w \"q\" = ;", b"");
        let mut out = Output::new();
        let mut mem = Memory::new(0, 100);
        let mut item = || rditem(&mut input, &mut out, &mut mem, 10, 5).unwrap();
        assert_eq!(item(), ITEM_WORD);
        assert_eq!(item(), ITEM_QUOTED);
        assert_eq!(item(), ITEM_EQUALS);
        assert_eq!(item(), ITEM_SEMICOLON);
        assert_eq!(item(), ITEM_NEWLINE);
        assert_eq!(item(), ITEM_EOF);
        assert_eq!(item(), ITEM_EOF);
    }

    #[test]
    fn argv_outside_memory_is_an_error() {
        let mut r = Run::new(b"", b"");
        r.mem.set_string(KEYS_AT, b"A").unwrap();
        let got = rdargs(&mut r.input, &mut r.out, &mut r.mem, KEYS_AT, 990, 50);
        assert_eq!(got, Err(Stop::BadAddress { addr: 1000 }));
    }
}

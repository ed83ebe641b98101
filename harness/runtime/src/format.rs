//! The library's output formatting (runtime.md s.1.2-1.7): `writes`,
//! `writet`, `writed`, `writez`, `writeu`, `writehex`, `writeoct`,
//! `writebin`, `writen`, `codewrch`, `writeflt`, `writee` and `writef`.
//!
//! Every function takes a `raw` flag that selects the byte sink: `false`
//! sends bytes through the console `wrch` (buffered, `\r` after `\n`), `true`
//! through `sawrch` (unbuffered, no `\r`), which is how `sawritef` behaves
//! (it temporarily replaces `wrch` by `sawrch`, s.1.7).
//!
//! `%f`/`%e` split their value with `fl_unmk`, which writes the host's
//! result2 variable (`host_r2`, runtime.md s.7.3); `writef` itself does not
//! touch the global result2 (the caller saves and restores it).

use super::float::{n2f, unmk};
use super::output::Output;
use super::Stop;
use crate::memory::Memory;

/// `"##Bad string##"` as a BCPL string (length byte first).
const BAD_STRING: &[u8] = b"\x0e##Bad string##";
/// `"##Bad format##"` as a BCPL string.
const BAD_FORMAT: &[u8] = b"\x0e##Bad format##";
/// The default `get_text` message used by `%m` (BCPL string).
const MESS_FORMAT: &[u8] = b"\x0b<mess:%-%n>";

/// Deepest nesting of `%f`/`%m` formats before writef gives up. The real
/// system has no limit: it recurses until its stack overflows and memory is
/// corrupted, which ends in a segmentation fault; that is what this reports.
pub const MAX_NESTING: usize = 100_000;

/// `capitalch` on a byte or character value.
fn upper(c: i64) -> i64 {
    if (b'a' as i64..=b'z' as i64).contains(&c) {
        c - 32
    } else {
        c
    }
}

/// Whether `s` is acceptable to `writes`: 0 < s, s inside memory, and the
/// whole string (length byte and `s%0` bytes) inside memory too.
pub fn string_ok(mem: &Memory, s: i64) -> bool {
    if s <= 0 || !mem.contains(s) {
        return false;
    }
    match mem.get_byte(s, 0) {
        Ok(len) => mem.contains(s.wrapping_add(len as i64 / 8)),
        Err(_) => false,
    }
}

/// Write the bytes 1..=len of a host BCPL string.
fn put_host(out: &mut Output, raw: bool, s: &[u8]) {
    for &b in s.iter().skip(1) {
        out.put(raw, b as i64);
    }
}

/// Write host bytes through the selected sink (what `writes` does for a
/// string the library builds itself).
pub fn writes_bytes(out: &mut Output, raw: bool, bytes: &[u8]) {
    for &b in bytes {
        out.put(raw, b as i64);
    }
}

/// `writes(s)` (G89): the bytes s%1..s%(s%0); `##Bad string##` when s is not
/// a string inside memory.
pub fn writes(out: &mut Output, mem: &Memory, raw: bool, s: i64) {
    if !string_ok(mem, s) {
        put_host(out, raw, BAD_STRING);
        return;
    }
    let len = mem.get_byte(s, 0).unwrap_or(0) as i64;
    for i in 1..=len {
        out.put(raw, mem.get_byte(s, i).unwrap_or(0) as i64);
    }
}

/// `writet(s, d)` (G90): `writes(s)` then `d - s%0` spaces. As in the real
/// library the padding uses the length byte of the original `s` even when
/// `writes` printed `##Bad string##` (0 if that byte is outside memory).
pub fn writet(out: &mut Output, mem: &Memory, raw: bool, s: i64, d: i64) {
    writes(out, mem, raw, s);
    let len = mem.get_byte(s, 0).unwrap_or(0) as i64;
    let mut i = 1i64;
    while i <= d.wrapping_sub(len) && !out.full() {
        out.put(raw, b' ' as i64);
        i += 1;
    }
}

/// The shared core `writedz(n, d, zeroes, neg)` of `writed` and `writez`
/// (runtime.md s.1.2).
pub fn writedz(out: &mut Output, raw: bool, n: i64, d: i64, zeroes: bool, neg: bool) {
    let mut d = d;
    let mut k = n.wrapping_neg();
    if neg {
        d = d.wrapping_sub(1);
        k = n;
    }
    let mut digits = [0u8; 24];
    let mut i = 0usize;
    loop {
        let digit = k.wrapping_rem(10).wrapping_neg();
        if let Some(slot) = digits.get_mut(i) {
            *slot = b'0'.wrapping_add(digit as u8);
        }
        k /= 10;
        i += 1;
        if k == 0 || i >= digits.len() {
            break;
        }
    }
    if neg && zeroes {
        out.put(raw, b'-' as i64);
    }
    let pad = if zeroes { b'0' } else { b' ' };
    let mut j = i as i64 + 1;
    while j <= d && !out.full() {
        out.put(raw, pad as i64);
        j += 1;
    }
    if neg && !zeroes {
        out.put(raw, b'-' as i64);
    }
    for &c in digits[..i].iter().rev() {
        out.put(raw, c as i64);
    }
}

/// `writed(n, d)` (G85): decimal, right-aligned in d columns with spaces.
pub fn writed(out: &mut Output, raw: bool, n: i64, d: i64) {
    writedz(out, raw, n, d, false, n < 0);
}

/// `writez(n, d)` (G92): as `writed`, padded with zeros after the sign.
pub fn writez(out: &mut Output, raw: bool, n: i64, d: i64) {
    writedz(out, raw, n, d, true, n < 0);
}

/// `writen(n)` (G86) = `writed(n, 0)`.
pub fn writen(out: &mut Output, raw: bool, n: i64) {
    writed(out, raw, n, 0);
}

/// `writeu(n, d)` (G91): n as an unsigned 64-bit number.
pub fn writeu(out: &mut Output, raw: bool, n: i64, d: i64) {
    let mut d = d;
    let m = ((n as u64) >> 1) as i64 / 5;
    if m != 0 {
        writed(out, raw, m, d.wrapping_sub(1));
        d = 1;
    }
    writed(out, raw, n.wrapping_sub(m.wrapping_mul(10)), d);
}

/// Exactly max(d, 1) digits of `bits` bits each, most significant first,
/// taken with logical shifts (digits beyond bit 63 are 0).
fn write_radix(out: &mut Output, raw: bool, n: i64, d: i64, bits: u32) {
    let count = d.max(1);
    let mask = (1u64 << bits) - 1;
    let mut i = count - 1;
    while i >= 0 && !out.full() {
        let shift = i.saturating_mul(bits as i64);
        let v = if shift >= 64 {
            0
        } else {
            ((n as u64) >> shift) & mask
        };
        let c = b"0123456789ABCDEF"[v as usize];
        out.put(raw, c as i64);
        i -= 1;
    }
}

/// `writehex(n, d)` (G87): the low max(d,1) nibbles, upper-case.
pub fn writehex(out: &mut Output, raw: bool, n: i64, d: i64) {
    write_radix(out, raw, n, d, 4);
}

/// `writeoct(n, d)` (G88): the low max(d,1) octal digits.
pub fn writeoct(out: &mut Output, raw: bool, n: i64, d: i64) {
    write_radix(out, raw, n, d, 3);
}

/// `writebin(n, d)` (used by `%b`): the low max(d,1) bits.
pub fn writebin(out: &mut Output, raw: bool, n: i64, d: i64) {
    write_radix(out, raw, n, d, 1);
}

/// `codewrch(code)` (G126): a negative code sets the stream encoding (-1
/// UTF-8, -2 GB2312) and writes nothing; otherwise the code is written in
/// the current encoding. UTF-8 uses up to 6 bytes; larger codes are written
/// as `#`, `%x4` of the code, `#`.
pub fn codewrch(out: &mut Output, raw: bool, code: i64) {
    if code < 0 {
        out.encoding = code;
        return;
    }
    if out.encoding == -2 {
        if code <= 127 {
            out.put(raw, code);
        } else {
            out.put(raw, code / 100 + 160);
            out.put(raw, code % 100 + 160);
        }
        return;
    }
    let cont = |shift: u32| 0x80 + ((code >> shift) & 0x3F);
    let (lead, extra): (i64, u32) = if code <= 0x7F {
        out.put(raw, code);
        return;
    } else if code <= 0x7FF {
        (0xC0, 1)
    } else if code <= 0xFFFF {
        (0xE0, 2)
    } else if code <= 0x1F_FFFF {
        (0xF0, 3)
    } else if code <= 0x3FF_FFFF {
        (0xF8, 4)
    } else if code <= 0x7FFF_FFFF {
        (0xFC, 5)
    } else {
        out.put(raw, b'#' as i64);
        writehex(out, raw, code, 4);
        out.put(raw, b'#' as i64);
        return;
    };
    out.put(raw, lead + (code >> (6 * extra)));
    for k in (0..extra).rev() {
        out.put(raw, cont(6 * k));
    }
}

/// Decimal digits of a non-negative `val`, least significant first, in a
/// fixed array (at most 19 digits plus one for a rounding carry).
fn digits_of(val: i64) -> ([i64; 24], i64) {
    let mut dig = [0i64; 24];
    let mut v = val;
    let mut n = 0i64;
    loop {
        if let Some(slot) = dig.get_mut(n as usize) {
            *slot = (v % 10).abs();
        }
        v /= 10;
        n += 1;
        if v == 0 || n as usize >= dig.len() - 1 {
            break;
        }
    }
    (dig, n)
}

fn dig_at(dig: &[i64; 24], i: i64) -> i64 {
    usize::try_from(i)
        .ok()
        .and_then(|i| dig.get(i))
        .copied()
        .unwrap_or(0)
}

fn set_dig(dig: &mut [i64; 24], i: i64, v: i64) {
    if let Some(slot) = usize::try_from(i).ok().and_then(|i| dig.get_mut(i)) {
        *slot = v;
    }
}

/// Whether every digit dig[j] with lo <= j <= hi and 0 <= j < n is zero.
fn all_zero(dig: &[i64; 24], lo: i64, hi: i64, n: i64) -> bool {
    let lo = lo.max(0);
    let hi = hi.min(n - 1);
    let mut j = lo;
    while j <= hi {
        if dig_at(dig, j) != 0 {
            return false;
        }
        j += 1;
    }
    true
}

/// `writeflt(x, w, p)` (G73, `%w.pf`), runtime.md s.1.6, with x the bit
/// pattern of a double. Normally w+1 bytes: w columns including the sign
/// column, plus the decimal point (always written). Sets `*host_r2` to the
/// exponent from `fl_unmk`, as the real `sys(Sys_flt, fl_unmk, x)` call does.
pub fn writeflt(out: &mut Output, raw: bool, x_bits: i64, w: i64, p: i64, host_r2: &mut i64) {
    let (mut val, mut e) = unmk(n2f(x_bits));
    *host_r2 = e;
    let mut neg = false;
    if val < 0 {
        neg = true;
        val = val.wrapping_neg();
    }
    if val == 0 {
        e = 0;
    }
    let p = p.max(0);
    let w = w.max(4);
    let (mut dig, mut n) = digits_of(val);
    let q = e.wrapping_neg();
    let r = q.wrapping_sub(p);
    if 1 <= r && r <= n && dig_at(&dig, r - 1) >= 5 {
        let mut carry = 1;
        let mut i = r;
        while carry != 0 && i < n {
            let d = dig_at(&dig, i) + carry;
            set_dig(&mut dig, i, d % 10);
            carry = d / 10;
            i += 1;
        }
        if carry != 0 {
            set_dig(&mut dig, n, 1);
            n += 1;
        }
    }
    let f = n - 1;
    let s = if f > q { f + 1 } else { q + 1 };
    let t = r.wrapping_add(w).wrapping_sub(1);
    if neg && all_zero(&dig, r, f.max(q), n) {
        neg = false;
    }
    let mut i = t;
    while i > s && !out.full() {
        out.put(raw, b' ' as i64);
        i -= 1;
    }
    out.put(raw, if neg { b'-' } else { b' ' } as i64);
    let mut i = s - 1;
    while i >= r && !out.full() {
        let d = if 0 <= i && i < n { dig_at(&dig, i) } else { 0 };
        out.put(raw, b'0' as i64 + d);
        if i == q {
            out.put(raw, b'.' as i64);
        }
        if i == i64::MIN {
            break;
        }
        i -= 1;
    }
}

/// `writee(x, w, p)` (G180, `%w.pe`), runtime.md s.1.6, including the
/// rounding-carry bug that prints `10.000e+00` for 9.9996 at `%8.3e`. Sets
/// `*host_r2` to the exponent from `fl_unmk`.
pub fn writee(out: &mut Output, raw: bool, x_bits: i64, w: i64, p: i64, host_r2: &mut i64) {
    let (mut val, mut e) = unmk(n2f(x_bits));
    *host_r2 = e;
    let mut neg = false;
    if val < 0 {
        neg = true;
        val = val.wrapping_neg();
    }
    let p = p.max(1);
    let w = w.max(8);
    let (mut dig, count) = digits_of(val);
    let mut n = count - 1; // index of the top digit
    let q = n;
    e += n;
    let r = q.wrapping_sub(p);
    if 1 <= r && r <= n + 1 && dig_at(&dig, r - 1) >= 5 {
        let mut carry = 1;
        let mut i = r;
        while carry != 0 && i <= n {
            let d = dig_at(&dig, i) + carry;
            set_dig(&mut dig, i, d % 10);
            carry = d / 10;
            i += 1;
        }
        if carry != 0 {
            n += 1;
            set_dig(&mut dig, n, 1);
        }
    }
    let s = q.max(n) + 1;
    let mut t = r.wrapping_add(w).wrapping_sub(6);
    if t < n + 1 {
        t = n + 1;
    }
    if neg && all_zero(&dig, r, q, n + 1) {
        neg = false;
    }
    let mut i = t;
    while i >= r && !out.full() {
        if i > s {
            out.put(raw, b' ' as i64);
        } else if i == s {
            out.put(raw, if neg { b'-' } else { b' ' } as i64);
        } else {
            let d = if 0 <= i && i <= n { dig_at(&dig, i) } else { 0 };
            out.put(raw, b'0' as i64 + d);
            if i == q {
                out.put(raw, b'.' as i64);
            }
        }
        if i == i64::MIN {
            break;
        }
        i -= 1;
    }
    out.put(raw, b'e' as i64);
    if e < 0 {
        out.put(raw, b'-' as i64);
        writez(out, raw, e.wrapping_neg(), 2);
    } else {
        out.put(raw, b'+' as i64);
        writez(out, raw, e, 2);
    }
}

/// Where a format string lives: in BCPL memory, or a host constant (a BCPL
/// string with its length byte first; bytes past its end read as 0, like the
/// zero padding of a real string).
#[derive(Clone, Copy)]
enum Src {
    Mem(i64),
    Host(&'static [u8]),
}

/// One active format: nested `%f` and `%m` formats push a new level.
struct Level {
    src: Src,
    p: i64,
    len: i64,
}

impl Level {
    /// Open `format` with the safety check of write_format: a format that is
    /// not a string inside memory becomes `##Bad format##`.
    fn open(mem: &Memory, format: i64) -> Level {
        if string_ok(mem, format) {
            let len = mem.get_byte(format, 0).unwrap_or(0) as i64;
            Level {
                src: Src::Mem(format),
                p: 1,
                len,
            }
        } else {
            Level::host(BAD_FORMAT)
        }
    }

    fn host(s: &'static [u8]) -> Level {
        Level {
            src: Src::Host(s),
            p: 1,
            len: s.first().copied().unwrap_or(0) as i64,
        }
    }
}

/// Byte `i` of a format.
fn fbyte(mem: &Memory, src: Src, i: i64) -> Result<i64, Stop> {
    match src {
        Src::Mem(a) => Ok(mem.get_byte(a, i)? as i64),
        Src::Host(h) => Ok(usize::try_from(i)
            .ok()
            .and_then(|i| h.get(i))
            .copied()
            .unwrap_or(0) as i64),
    }
}

/// Width from the single character after a width-taking directive: `0`-`9`
/// give 0-9, anything else c (upper-cased) gives 10 + c - 'A'.
fn width_char(c: i64) -> i64 {
    let c = upper(c);
    if (b'0' as i64..=b'9' as i64).contains(&c) {
        c - b'0' as i64
    } else {
        10 + c - b'A' as i64
    }
}

fn is_digit(c: i64) -> bool {
    (b'0' as i64..=b'9' as i64).contains(&c)
}

/// `writef(format, a, b, ...)` (G94) and, with `raw` = true, `sawritef`
/// (G95): runtime.md s.1.3. `argp` is the word address of the first argument
/// after the format (the callee frame's np!4); the argument pointer walks
/// memory from there, one word per consumed argument, shared with nested
/// `%f` and `%m` formats. Memory reads outside BCPL memory stop the run
/// with [`Stop::BadAddress`]. `%n.mD` with m >= 64 divides by a wrapped
/// scale of 0, which is fault 5 as in the real system.
pub fn writef(
    out: &mut Output,
    mem: &Memory,
    host_r2: &mut i64,
    raw: bool,
    format: i64,
    argp: i64,
) -> Result<(), Stop> {
    let mut argp = argp;
    let mut stack = vec![Level::open(mem, format)];
    while let Some(top) = stack.last_mut() {
        if top.p > top.len {
            stack.pop();
            continue;
        }
        let src = top.src;
        let mut p = top.p;
        let k = fbyte(mem, src, p)?;
        p += 1;
        if k != b'%' as i64 {
            out.put(raw, k);
            top.p = p;
            continue;
        }
        let mut ty = fbyte(mem, src, p)?;
        let arg = mem.get(argp)?;
        let (mut n, mut m, mut width_given) = (0i64, 0i64, false);
        let mut nested: Option<Level> = None;
        // p points at `ty`, the character after %, %n or %n.m.
        loop {
            // ty is a byte, so its upper-case form fits in a u8.
            let c = upper(ty) as u8;
            match c {
                b'0'..=b'9' => {
                    while is_digit(ty) {
                        n = n.wrapping_mul(10).wrapping_add(ty - b'0' as i64);
                        p += 1;
                        ty = fbyte(mem, src, p)?;
                    }
                    width_given = true;
                    if ty == b'.' as i64 {
                        p += 1;
                        ty = fbyte(mem, src, p)?;
                        while is_digit(ty) {
                            m = m.wrapping_mul(10).wrapping_add(ty - b'0' as i64);
                            p += 1;
                            ty = fbyte(mem, src, p)?;
                        }
                    }
                    continue;
                }
                b'D' if width_given => {
                    // Fixed point %n.mD: scale = 10^m (wrapping; 0 once m >= 64).
                    let mut scale = 1i64;
                    let mut i = 0;
                    while i < m.min(70) {
                        scale = scale.wrapping_mul(10);
                        i += 1;
                    }
                    if scale == 0 {
                        return Err(Stop::division_by_zero());
                    }
                    writedz(
                        out,
                        raw,
                        arg.wrapping_div(scale),
                        n.wrapping_sub(1).wrapping_sub(m),
                        false,
                        arg < 0,
                    );
                    out.put(raw, b'.' as i64);
                    writez(out, raw, arg.wrapping_rem(scale).wrapping_abs(), m);
                    argp = argp.wrapping_add(1);
                    p += 1;
                }
                b'D' | b'I' | b'T' | b'O' | b'X' | b'U' | b'Z' | b'B' => {
                    // D I T O X U Z B: items that take a width.
                    if !width_given {
                        p += 1;
                        n = width_char(fbyte(mem, src, p)?);
                    }
                    match c {
                        b'D' | b'I' => writed(out, raw, arg, n),
                        b'T' => writet(out, mem, raw, arg, n),
                        b'O' => writeoct(out, raw, arg, n),
                        b'X' => writehex(out, raw, arg, n),
                        b'U' => writeu(out, raw, arg, n),
                        b'Z' => writez(out, raw, arg, n),
                        _ => writebin(out, raw, arg, n),
                    }
                    argp = argp.wrapping_add(1);
                    p += 1;
                }
                b'S' | b'C' | b'#' | b'N' => {
                    // S C # N: no width (a width prefix is ignored).
                    match c {
                        b'S' => writes(out, mem, raw, arg),
                        b'C' => out.put(raw, arg),
                        b'#' => codewrch(out, raw, arg),
                        _ => writen(out, raw, arg),
                    }
                    argp = argp.wrapping_add(1);
                    p += 1;
                }
                b'$' | b'+' => {
                    // $ +: skip an argument.
                    argp = argp.wrapping_add(1);
                    p += 1;
                }
                b'-' => {
                    // -: back one argument.
                    argp = argp.wrapping_sub(1);
                    p += 1;
                }
                b'M' => {
                    // M: the default get_text message, sharing the pointer.
                    argp = argp.wrapping_add(1);
                    nested = Some(Level::host(MESS_FORMAT));
                    p += 1;
                }
                b'E' => {
                    // E: writee(arg, n, m); without a prefix n = m = 0.
                    argp = argp.wrapping_add(1);
                    writee(out, raw, arg, n, m, host_r2);
                    p += 1;
                }
                b'F' => {
                    // F: writeflt with a width prefix, else a nested format.
                    argp = argp.wrapping_add(1);
                    if width_given {
                        writeflt(out, raw, arg, n, m, host_r2);
                    } else {
                        nested = Some(Level::open(mem, arg));
                    }
                    p += 1;
                }
                b'P' => {
                    // P: plural.
                    let plural = arg != 1;
                    argp = argp.wrapping_add(1);
                    p += 1;
                    let t = fbyte(mem, src, p)?;
                    p += 1;
                    if t == b'\\' as i64 {
                        let mut skipping = plural;
                        let len = top.len;
                        while p <= len {
                            let ch = fbyte(mem, src, p)?;
                            p += 1;
                            if ch == b'\\' as i64 {
                                skipping = !skipping;
                                if skipping == plural {
                                    break;
                                }
                            } else if !skipping {
                                out.put(raw, ch);
                            }
                        }
                    } else if plural {
                        out.put(raw, t);
                    }
                }
                _ => {
                    // Unknown: the original (not upper-cased) byte.
                    out.put(raw, ty);
                    p += 1;
                }
            }
            break;
        }
        top.p = p;
        if let Some(level) = nested {
            if stack.len() >= MAX_NESTING {
                return Err(Stop::abort(17));
            }
            stack.push(level);
        }
    }
    Ok(())
}

#[cfg(test)]
// 3.14159 and 3.14 are the spec's measured inputs, not approximations of pi.
#[allow(clippy::approx_constant)]
mod tests {
    use super::*;
    use crate::float::f2n;

    /// An argument for a test call of writef.
    #[derive(Clone, Copy)]
    enum A<'a> {
        I(i64),
        F(f64),
        S(&'a [u8]),
    }
    use A::{F, I, S};

    /// A small memory with a bump allocator for strings and argument blocks.
    struct Mem {
        mem: Memory,
        next: i64,
    }

    impl Mem {
        fn new() -> Mem {
            Mem {
                mem: Memory::new(0, 4000),
                next: 100,
            }
        }

        fn string(&mut self, s: &[u8]) -> i64 {
            let at = self.next;
            self.mem.set_string(at, s).unwrap();
            self.next += s.len() as i64 / 8 + 1;
            at
        }

        /// Lay out the arguments as a frame would (consecutive words) and
        /// return the address of the first.
        fn args(&mut self, args: &[A]) -> i64 {
            let vals: Vec<i64> = args
                .iter()
                .map(|a| match *a {
                    I(v) => v,
                    F(x) => f2n(x),
                    S(s) => self.string(s),
                })
                .collect();
            let at = self.next;
            for (i, v) in vals.iter().enumerate() {
                self.mem.set(at + i as i64, *v).unwrap();
            }
            self.next += vals.len() as i64 + 1;
            at
        }
    }

    /// writef through the sawrch path: exactly the bytes produced.
    fn wf(format: &[u8], args: &[A]) -> Vec<u8> {
        let mut m = Mem::new();
        let f = m.string(format);
        let argp = m.args(args);
        let mut out = Output::new();
        let mut r2 = 0;
        writef(&mut out, &m.mem, &mut r2, true, f, argp).unwrap();
        out.stdout
    }

    /// writef through the console wrch, then a deplete: console bytes.
    fn wf_console(format: &[u8], args: &[A]) -> Vec<u8> {
        let mut m = Mem::new();
        let f = m.string(format);
        let argp = m.args(args);
        let mut out = Output::new();
        let mut r2 = 0;
        writef(&mut out, &m.mem, &mut r2, false, f, argp).unwrap();
        out.deplete();
        out.stdout
    }

    fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    fn rep(b: u8, n: usize) -> Vec<u8> {
        vec![b; n]
    }

    fn raw_out(f: impl FnOnce(&mut Output)) -> Vec<u8> {
        let mut out = Output::new();
        f(&mut out);
        out.stdout
    }

    #[test]
    fn simple_writers_measured() {
        // runtime.md s.1.2.
        assert_eq!(raw_out(|o| writed(o, true, -12, -3)), b"-12");
        assert_eq!(raw_out(|o| writed(o, true, -12, 5)), b"  -12");
        assert_eq!(raw_out(|o| writez(o, true, -12, 5)), b"-0012");
        assert_eq!(raw_out(|o| writez(o, true, 0, 0)), b"0");
        assert_eq!(raw_out(|o| writez(o, true, -5, 1)), b"-5");
        assert_eq!(
            raw_out(|o| writed(o, true, i64::MIN, 0)),
            b"-9223372036854775808"
        );
        assert_eq!(raw_out(|o| writeu(o, true, -1, 0)), b"18446744073709551615");
        assert_eq!(raw_out(|o| writeu(o, true, 123, 6)), b"   123");
        assert_eq!(raw_out(|o| writeu(o, true, 5, 3)), b"  5");
        assert_eq!(
            raw_out(|o| writeu(o, true, i64::MIN, 0)),
            b"9223372036854775808"
        );
        assert_eq!(raw_out(|o| writehex(o, true, -1, 0)), b"F");
        assert_eq!(raw_out(|o| writehex(o, true, 0x123, 2)), b"23");
        assert_eq!(raw_out(|o| writeoct(o, true, -1, 0)), b"7");
        assert_eq!(raw_out(|o| writeoct(o, true, -8, 3)), b"770");
        assert_eq!(raw_out(|o| writen(o, true, 42)), b"42");
        assert_eq!(raw_out(|o| writebin(o, true, 5, 4)), b"0101");
    }

    #[test]
    fn writes_and_writet_measured() {
        let mut m = Mem::new();
        let abcdef = m.string(b"abcdef");
        let empty = m.string(b"");
        let mem = &m.mem;
        assert_eq!(raw_out(|o| writet(o, mem, true, abcdef, 3)), b"abcdef");
        assert_eq!(raw_out(|o| writet(o, mem, true, empty, 2)), b"  ");
        assert_eq!(raw_out(|o| writes(o, mem, true, abcdef)), b"abcdef");
        // Bad strings: 0, negative, outside memory, running off the end.
        for s in [0, -5, 4000, i64::MAX, i64::MIN] {
            assert_eq!(raw_out(|o| writes(o, mem, true, s)), b"##Bad string##");
        }
        let mut m2 = Memory::new(0, 10);
        m2.set_byte(9, 0, 200).unwrap();
        assert_eq!(raw_out(|o| writes(o, &m2, true, 9)), b"##Bad string##");
        // writes through the console: partial line stays buffered.
        let mut out = Output::new();
        writes(&mut out, mem, false, abcdef);
        assert!(out.stdout.is_empty());
        assert_eq!(out.pending(), b"abcdef");
    }

    #[test]
    fn writes_newline_gets_cr() {
        // s.1.1: writes("hi*n") -> hi\n\r
        let mut m = Mem::new();
        let s = m.string(b"hi\n");
        let mut out = Output::new();
        writes(&mut out, &m.mem, false, s);
        assert_eq!(out.stdout, b"hi\n\r");
    }

    #[test]
    fn writef_table_integers() {
        // runtime.md s.1.4.
        assert_eq!(wf_console(b"A%nB\n", &[I(42)]), b"A42B\n\r");
        let v = [I(42); 5];
        assert_eq!(
            wf(b"[%i5][%I5][%5i][%iA][%iZ]", &v),
            cat(&[
                b"[   42][   42][   42][        42][",
                &rep(b' ', 33),
                b"42]"
            ])
        );
        assert_eq!(wf_console(b"1[%i\n]\n", &[I(42)]), b"1[42]\n\r");
        assert_eq!(wf(b"[%x]", &[I(255)]), cat(&[b"[", &rep(b'0', 36), b"FF"]));
        assert_eq!(
            wf(b"[%05i][%12x][%3i]", &[I(42), I(255), I(123456)]),
            b"[   42][0000000000FF][123456]"
        );
        assert_eq!(
            wf(b"[%n][%n][%n]", &[I(i64::MIN), I(i64::MAX), I(-1)]),
            b"[-9223372036854775808][9223372036854775807][-1]"
        );
        assert_eq!(wf(b"[%i22]", &[I(i64::MIN)]), b"[-92233720368547758082]");
        assert_eq!(
            wf(b"[%u5][%uK]", &[I(-1), I(7)]),
            b"[18446744073709551615][                   7]"
        );
        assert_eq!(
            wf(b"[%x0][%x1][%xG][%xH]", &[I(0xABC), I(0xABC), I(-1), I(-1)]),
            b"[C][C][FFFFFFFFFFFFFFFF][0FFFFFFFFFFFFFFFF]"
        );
        assert_eq!(
            wf(b"[%o0][%oM][%b0][%bZ]", &[I(8), I(-1), I(5), I(-1)]),
            cat(&[b"[0][1777777777777777777777][1][", &rep(b'1', 35), b"]"])
        );
        assert_eq!(
            wf(
                b"[%z0][%z5][%z5][%zB]",
                &[I(7), I(-7), I(123456), I(i64::MIN)]
            ),
            b"[7][-0007][123456][-9223372036854775808]"
        );
    }

    #[test]
    fn writef_table_strings_and_chars() {
        assert_eq!(
            wf(b"[%t0][%t5][%tA]", &[S(b"hello"), S(b"hi"), S(b"x")]),
            b"[hello][hi   ][x         ]"
        );
        assert_eq!(
            wf_console(b"[%c][%c][%c]", &[I(65), I(256 + 66), I(-1)]),
            b"[A][B][\xFF]"
        );
        assert_eq!(wf_console(b"[%c%c]", &[I(0), I(10)]), b"[\0\n\r]");
        assert_eq!(wf(b"[%%][%q][%Q][%!]", &[]), b"[%][q][Q][!]");
        assert_eq!(wf(b"[50% off][%%d]", &[]), b"[50 off][%d]");
        assert_eq!(
            wf(
                b"[%10n][%10s][%10c][%3.1n]",
                &[I(42), S(b"ab"), I(120), I(7)]
            ),
            b"[42][ab][x][7]"
        );
        assert_eq!(wf(b"[%s]", &[F(1.5)]), b"[##Bad string##]");
    }

    #[test]
    fn writef_table_fixed_point() {
        assert_eq!(
            wf(
                b"[%d5][%8.2d][%8.0d][%6.2d][%6.2d][%4.3d]",
                &[I(42), I(1234567), I(1234567), I(-5), I(-123), I(5)]
            ),
            b"[   42][12345.67][1234567.0][ -0.05][ -1.23][0.005]"
        );
        assert_eq!(
            wf(
                b"[%6d][%6D][%3d][%2.1d][%1.1d][%0.2d][%.2d]",
                &[I(42), I(-42), I(12345), I(5), I(-5), I(123), I(7)]
            ),
            b"[   42.0][  -42.0][12345.0][0.5][-0.5][1.23][.2d]"
        );
        // minint: the absolute value is taken after MOD.
        assert_eq!(wf(b"[%4.2d]", &[I(i64::MIN)]), b"[-92233720368547758.08]");
        // A scale that wraps to 0 is a division by zero.
        let mut m = Mem::new();
        let f = m.string(b"%1.64d");
        let argp = m.args(&[I(5)]);
        let mut out = Output::new();
        let mut r2 = 0;
        assert_eq!(
            writef(&mut out, &m.mem, &mut r2, true, f, argp),
            Err(Stop::division_by_zero())
        );
    }

    #[test]
    fn writef_table_widths() {
        assert_eq!(
            wf(b"[%6i][%6.2i][%6.2x]", &[I(42), I(42), I(255)]),
            b"[    42][    42][0000FF]"
        );
        assert_eq!(
            wf(
                b"[%5x][%5o][%5b][%5u][%5z][%5t]",
                &[I(255), I(8), I(5), I(9), I(3), S(b"ab")]
            ),
            b"[000FF][00010][00101][    9][00003][ab   ]"
        );
        assert_eq!(wf(b"[%i-5][%x*]", &[I(42), I(255)]), b"[425][F]");
        // Width characters: space -23, newline -45: no padding.
        assert_eq!(wf(b"[%i ]", &[I(42)]), b"[42]");
    }

    #[test]
    fn writef_table_argument_pointer() {
        assert_eq!(
            wf(b"[%+%n][%n%-%n][%$%n]", &[I(1), I(2), I(3), I(4), I(5)]),
            b"[2][33][5]"
        );
        assert_eq!(
            wf(
                b"[%p\\is\\are\\][%-%p\\is\\are\\][%ps][%ps]",
                &[I(1), I(2), I(1), I(3)]
            ),
            b"[is][is][s][]"
        );
        assert_eq!(wf(b"[%5p\\is\\are\\]", &[I(2)]), b"[are]");
        assert_eq!(wf(b"[%f]", &[S(b"in[%n,%n]"), I(7), I(8)]), b"[in[7,8]]");
        assert_eq!(wf(b"[%f]", &[F(1.5)]), b"[##Bad format##]");
        assert_eq!(wf(b"[%m]", &[I(42)]), b"[<mess:42>]");
        // %m and a following item share the pointer: 42 then 43.
        assert_eq!(wf(b"%m %n", &[I(42), I(43)]), b"<mess:42> 43");
        // blib's example of %p.
        for (count, want) in [
            (0, &b"There are 0 things."[..]),
            (1, b"There is 1 thing."),
            (2, b"There are 2 things."),
        ] {
            assert_eq!(
                wf(b"There %p\\is\\are\\ %-%n thing%-%ps.", &[I(count)]),
                want
            );
        }
        // An unterminated plural text stops at the end of the format.
        assert_eq!(wf(b"[%p\\one\\many", &[I(5)]), b"[many");
    }

    #[test]
    fn writef_table_codewrch() {
        assert_eq!(
            wf(
                b"[%#][%#][%#][%#]",
                &[I(65), I(0xE9), I(0x20AC), I(0x1F600)]
            ),
            b"[A][\xC3\xA9][\xE2\x82\xAC][\xF0\x9F\x98\x80]"
        );
        assert_eq!(
            wf(b"[%#][%#][%#]", &[I(-2), I(4566), I(65)]),
            b"[][\xCD\xE2][A]"
        );
    }

    #[test]
    fn writef_table_misc() {
        assert_eq!(wf(b"[%g][%8.3g]", &[F(1.5), F(2.5)]), b"[g][g]");
        assert_eq!(wf(b"[%.3f]", &[F(3.14)]), b"[.3f]");
        assert_eq!(
            wf(b"[%n][%x]]", &[F(1.0), F(-1.0)]),
            cat(&[
                b"[4607182418800017408][",
                &rep(b'0', 22),
                b"BFF0000000000000]"
            ])
        );
        assert_eq!(wf(b"21[%", &[]), b"21[\0");
        assert_eq!(wf(b"22[%5", &[]), b"22[\0");
        // A bad format pointer.
        let m = Mem::new();
        let mut out = Output::new();
        let mut r2 = 0;
        writef(&mut out, &m.mem, &mut r2, true, 0, 50).unwrap();
        assert_eq!(out.stdout, b"##Bad format##");
    }

    #[test]
    fn writef_percent_at_end_reads_the_byte_after_the_string() {
        // A format of 7 bytes fills its word exactly: "%" at the end reads
        // byte 8, the first byte of the next word.
        let mut m = Mem::new();
        let f = m.string(b"abcdef%");
        m.mem.set(f + 1, b'!' as i64).unwrap();
        let argp = m.args(&[]);
        let mut out = Output::new();
        let mut r2 = 0;
        writef(&mut out, &m.mem, &mut r2, true, f, argp).unwrap();
        assert_eq!(out.stdout, b"abcdef!");
    }

    #[test]
    fn writef_console_and_sawritef_paths() {
        // Console: \r after \n and the partial line stays buffered.
        let mut m = Mem::new();
        let f = m.string(b"x%n\nab");
        let argp = m.args(&[I(1)]);
        let mut out = Output::new();
        let mut r2 = 0;
        writef(&mut out, &m.mem, &mut r2, false, f, argp).unwrap();
        assert_eq!(out.stdout, b"x1\n\r");
        assert_eq!(out.pending(), b"ab");
        // sawritef: unbuffered, no \r, overtakes the buffer.
        writef(&mut out, &m.mem, &mut r2, true, f, argp).unwrap();
        assert_eq!(out.stdout, b"x1\n\rx1\nab");
    }

    #[test]
    fn writef_argument_outside_memory_stops() {
        let mut m = Mem::new();
        let f = m.string(b"%n");
        let mut out = Output::new();
        let mut r2 = 0;
        assert_eq!(
            writef(&mut out, &m.mem, &mut r2, true, f, 5000),
            Err(Stop::BadAddress { addr: 5000 })
        );
    }

    #[test]
    fn writef_self_nesting_is_bounded() {
        // "%-%f" re-reads its own argument forever; the real system runs out
        // of stack. Here it stops with a fault instead of hanging.
        let mut m = Mem::new();
        let f = m.string(b"%-%f");
        let argp = m.args(&[I(f), I(0)]) + 1;
        let mut out = Output::new();
        let mut r2 = 0;
        assert_eq!(
            writef(&mut out, &m.mem, &mut r2, true, f, argp),
            Err(Stop::abort(17))
        );
    }

    fn flt(spec: &[u8], x: f64) -> Vec<u8> {
        wf(spec, &[F(x)])
    }

    #[test]
    fn writeflt_measured() {
        // runtime.md s.1.6.
        assert_eq!(flt(b"%8.3f", 3.14159), b"    3.142");
        assert_eq!(flt(b"%8.3f", -3.14159), b"   -3.142");
        assert_eq!(flt(b"%8.3f", 0.0), b"    0.000");
        assert_eq!(flt(b"%8.3f", -0.0), b"    0.000");
        assert_eq!(flt(b"%5.0f", 2.5), b"    3.");
        assert_eq!(flt(b"%5.0f", 3.5), b"    4.");
        assert_eq!(flt(b"%5.0f", -2.5), b"   -3.");
        assert_eq!(flt(b"%5.0f", 0.4), b"    0.");
        assert_eq!(flt(b"%0.0f", 1.25), b"   1.");
        assert_eq!(flt(b"%1.1f", 1.25), b"  1.3");
        assert_eq!(flt(b"%2.2f", 1.25), b" 1.25");
        assert_eq!(flt(b"%3.3f", 1.25), b" 1.250");
        assert_eq!(flt(b"%10.4f", 123456789.123), b" 123456789.1230");
        assert_eq!(flt(b"%10.4f", 0.00001234), b"     0.0000");
        assert_eq!(flt(b"%10.4f", -0.00004), b"     0.0000");
        assert_eq!(
            flt(b"%30.20f", 1.0 / 3.0),
            b"         0.33333333333333330000"
        );
        assert_eq!(flt(b"%6.2f", 0.005), b"   0.01");
        assert_eq!(flt(b"%6.2f", 0.015), b"   0.02");
        assert_eq!(flt(b"%6.2f", 0.994), b"   0.99");
        assert_eq!(flt(b"%6.2f", 0.995), b"   1.00");
        assert_eq!(flt(b"%8.2f", 2.675), b"     2.68");
        assert_eq!(flt(b"%8.2f", 123.456), b"   123.46");
        assert_eq!(flt(b"%5.1f", 99.96), b" 100.0");
        assert_eq!(flt(b"%9.5f", 1e-7), b"   0.00000");
        assert_eq!(flt(b"%4.1f", 12345.6), b" 12345.6");
        assert_eq!(flt(b"%3.1f", 1.0), b"  1.0");
        assert_eq!(flt(b"%1.0f", 7.0), b"   7.");
        assert_eq!(flt(b"%1.0f", 0.5), b"   1.");
        assert_eq!(flt(b"%1.0f", 1.5), b"   2.");
        assert_eq!(flt(b"%2.0f", -0.5), b"  -1.");
        assert_eq!(flt(b"%8f", 3.14159), b"       3.");
        assert_eq!(flt(b"%2.5f", 3.14159), b" 3.14159");
        assert_eq!(flt(b"%8.3f", 0.0005), b"    0.001");
        assert_eq!(flt(b"%8.3f", 0.0004999), b"    0.000");
        assert_eq!(flt(b"%8.3f", -0.0005), b"   -0.001");
        assert_eq!(flt(b"%8.3f", f64::NAN), b" -922.337");
        let big = cat(&[b" 1", &rep(b'0', 100), b".000"]);
        assert_eq!(flt(b"%8.3f", f64::INFINITY), big);
        assert_eq!(flt(b"%8.3f", 1e100), big);
        assert_eq!(flt(b"%8.3f", 1e200), big);
        assert_eq!(wf(b"%5.2f", &[I(3)]), b"  0.00");
        // tstflt: %6.3f of 1.0.
        assert_eq!(flt(b"%6.3f", 1.0), b"  1.000");
    }

    #[test]
    fn writee_measured() {
        assert_eq!(flt(b"%e", 1234.5), b" 1.2e+03");
        assert_eq!(flt(b"%e", 0.0), b" 0.0e+00");
        assert_eq!(flt(b"%8.3e", 1234.5), b" 1.235e+03");
        assert_eq!(flt(b"%12.4e", -0.000123456), b" -1.2346e-04");
        assert_eq!(flt(b"%8e", 3.14159), b" 3.1e+00");
        assert_eq!(flt(b"%8.0e", 3.14159), b" 3.1e+00");
        assert_eq!(flt(b"%8.2e", 1e-5), b" 1.00e-05");
        assert_eq!(flt(b"%14.6e", 6.02214076e23), b"  6.022141e+23");
        assert_eq!(flt(b"%8.3e", f64::NAN), b"-9.223e+02");
        assert_eq!(flt(b"%8.3e", f64::INFINITY), b" 1.000e+100");
        assert_eq!(flt(b"%8.3e", 9.9996), b" 10.000e+00");
        assert_eq!(flt(b"%12.4e", 1e99), b" 10.0000e+98");
        assert_eq!(flt(b"%12.4e", f64::NEG_INFINITY), b"  1.0000e+100");
        // BCPL's -1.0e30 #* 1.0e30 #* 1.0e30 #* 1.0e10 is just below 1e100 in
        // magnitude (its compiler converts decimals its own way); Rust's
        // product is 1e100 or more, so take a double just below instead.
        let x = -f64::from_bits(0x54B2_49AD_2594_C37B);
        assert_eq!(flt(b"%10.1e", x), b"  10.0e+99");
    }

    #[test]
    fn float_formats_set_host_result2() {
        // runtime.md s.7.3: the fl_unmk inside %f/%e writes the host variable.
        let mut m = Mem::new();
        let f = m.string(b"%8.3f");
        let argp = m.args(&[F(1.234)]);
        let mut out = Output::new();
        let mut r2 = 99;
        writef(&mut out, &m.mem, &mut r2, true, f, argp).unwrap();
        assert_eq!(r2, -3);
        let mut r2 = 99;
        writee(&mut out, true, f2n(1e22), 8, 2, &mut r2);
        assert_eq!(r2, 22);
    }

    #[test]
    fn writee_exponents_and_widths() {
        // writee's result is max(w, p+7) bytes (+1 for a 3-digit exponent).
        assert_eq!(flt(b"%8.1e", 1e-100), b" 0.0e+00");
        assert_eq!(flt(b"%8.1e", 1.5e-99), b" 1.5e-99");
        assert_eq!(flt(b"%12.1e", 2.0), b"     2.0e+00");
    }

    #[test]
    fn codewrch_encodings() {
        let o = |code: i64| raw_out(|o| codewrch(o, true, code));
        assert_eq!(o(0x7F), b"\x7F");
        assert_eq!(o(0x7FF), b"\xDF\xBF");
        assert_eq!(o(0xFFFF), b"\xEF\xBF\xBF");
        assert_eq!(o(0x1F_FFFF), b"\xF7\xBF\xBF\xBF");
        assert_eq!(o(0x200000), b"\xF8\x88\x80\x80\x80");
        assert_eq!(o(0x3FF_FFFF), b"\xFB\xBF\xBF\xBF\xBF");
        assert_eq!(o(0x7FFF_FFFF), b"\xFD\xBF\xBF\xBF\xBF\xBF");
        assert_eq!(o(0x8000_0000), b"#0000#");
        assert_eq!(o(0x1_2345_6789), b"#6789#");
        // Negative codes set the encoding and write nothing.
        let mut out = Output::new();
        codewrch(&mut out, true, -2);
        assert_eq!(out.encoding, -2);
        codewrch(&mut out, true, 127);
        codewrch(&mut out, true, 4566);
        codewrch(&mut out, true, -1);
        codewrch(&mut out, true, 0xE9);
        assert_eq!(out.stdout, b"\x7F\xCD\xE2\xC3\xA9");
        // Through the console a code of 10 is a newline (with \r).
        let mut out = Output::new();
        codewrch(&mut out, false, 10);
        assert_eq!(out.stdout, b"\n\r");
    }

    #[test]
    fn wrapping_widths_do_not_panic() {
        // A width of 2^64 - 1 wraps to -1: no padding. Minimum widths and
        // precisions apply to hugely negative values.
        assert_eq!(wf(b"[%18446744073709551615i]", &[I(1)]), b"[1]");
        let mut out = Output::new();
        let mut r2 = 0;
        writeflt(&mut out, true, f2n(1.5), i64::MIN, i64::MIN, &mut r2);
        writee(&mut out, true, f2n(-1.5), i64::MIN, i64::MIN, &mut r2);
        writedz(&mut out, true, i64::MIN, i64::MIN, true, false);
        writehex(&mut out, true, i64::MIN, i64::MIN);
        codewrch(&mut out, true, i64::MAX);
        assert_eq!(out.stdout, b"   2.-1.5e+0092233720368547758080#FFFF#");
    }
}

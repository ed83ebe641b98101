//! `sys(op, a1, a2, ...)` (G3, the `sys` instruction; runtime.md s.7 and
//! cintcode64.md s.11), exact `muldiv` (the `mdiv` instruction, sial.md
//! s.6.4) and cintcheck's private sys operations used by the prelude (those
//! of `writers.b` are in [`super::writers`]).

use super::{float, Frame, Runtime, Stop};
use crate::memory::{Memory, RESULT2};

pub const SYS_QUIT: i64 = 0;
pub const SYS_SARDCH: i64 = 10;
pub const SYS_SAWRCH: i64 = 11;
pub const SYS_GETVEC: i64 = 21;
pub const SYS_FREEVEC: i64 = 22;
pub const SYS_MULDIV: i64 = 26;
pub const SYS_INTFLAG: i64 = 28;
pub const SYS_CPUTIME: i64 = 30;
pub const SYS_DATSTAMP: i64 = 44;
pub const SYS_GETSYSVAL: i64 = 48;
pub const SYS_PUTSYSVAL: i64 = 49;
pub const SYS_PLATFORM: i64 = 54;
pub const SYS_INC: i64 = 55;
pub const SYS_DELAY: i64 = 57;
pub const SYS_FLT: i64 = 63;
pub const SYS_POLLSARDCH: i64 = 64;
pub const SYS_GETBUILDNO: i64 = 71;
pub const SYS_MEMMOVEWORDS: i64 = 73;
pub const SYS_MEMMOVEBYTES: i64 = 74;

/// Private operation of cintcheck's prelude (not a real sys number):
/// `sys(SYS_CO_ALLOC, fn, size)` allocates and initialises a coroutine block
/// (runtime.md s.5.1) and links it into colist; 0 when memory is full.
pub const SYS_CO_ALLOC: i64 = 0x0C1C_0001;

/// Word filled into a new coroutine stack (libhdr `stackword`).
pub const STACKWORD: i64 = 0xFFFFFFFFABCD1234u64 as i64;
/// Globals the coroutine code uses.
pub const CURRCO: i64 = 7;
pub const COLIST: i64 = 8;

/// Exact muldiv (sial.md s.6.4): q = trunc(a*b/c) from the 128-bit product,
/// wrapped to 64 bits; r = a*b - q*c exactly (sign of the product); c = 0
/// counts as 1.
pub fn muldiv(a: i64, b: i64, c: i64) -> (i64, i64) {
    let c = if c == 0 { 1 } else { c as i128 };
    let p = a as i128 * b as i128;
    // |p| < 2^126 so p / c cannot overflow i128 (c = -1 included).
    let q = p / c;
    let r = p - q * c;
    (q as i64, r as i64)
}

/// Execute `sys` with the frame `f` (op at f!3, arguments at f!4...).
pub fn sys(rt: &mut Runtime, mem: &mut Memory, f: Frame) -> Result<i64, Stop> {
    let op = f.arg(mem, 0)?;
    let arg = |i: i64| f.arg(mem, i);
    match op {
        SYS_QUIT => {
            let code = arg(1)?;
            match code {
                0 => Err(Stop::Quit),
                -1 => Ok(0),
                -2 => {
                    rt.out.message("\nMemory dumped to DUMP.mem, context=4\n");
                    Ok(0)
                }
                _ => Err(Stop::abort(code)),
            }
        }
        SYS_SARDCH => Ok(rt.input.sardch()),
        SYS_SAWRCH => {
            rt.out.sawrch(arg(1)?);
            Ok(0)
        }
        SYS_GETVEC => {
            let upb = arg(1)?;
            if upb < 0 {
                return Ok(0);
            }
            rt.heap.getvec(mem, &mut rt.out, upb)
        }
        SYS_FREEVEC => {
            let v = arg(1)?;
            Ok(match rt.heap.freevec(mem, &mut rt.out, v) {
                Ok(()) => -1,
                Err(_) => 0,
            })
        }
        SYS_MULDIV => {
            // The wrapping 64-bit product version (runtime.md s.6.5).
            let (a, b, c) = (arg(1)?, arg(2)?, arg(3)?);
            let c = if c == 0 { 1 } else { c };
            let p = a.wrapping_mul(b);
            let (q, r) = (p.wrapping_div(c), p.wrapping_rem(c));
            rt.host_r2 = r;
            mem.set_global(RESULT2, r)?;
            Ok(q)
        }
        SYS_INTFLAG => Ok(0),
        SYS_CPUTIME => {
            rt.host_r2 = 0;
            Ok(0)
        }
        SYS_DATSTAMP => {
            // A fixed, deterministic date: 1 Jan 2026, midnight.
            let v = arg(1)?;
            mem.set(v, 20454)?;
            mem.set(v + 1, 0)?;
            Ok(-1)
        }
        SYS_GETSYSVAL => mem.get(arg(1)?),
        SYS_PUTSYSVAL => {
            mem.set(arg(1)?, arg(2)?)?;
            Ok(0)
        }
        SYS_PLATFORM => Ok(5),
        SYS_INC => {
            let a = arg(1)?;
            let v = mem.get(a)?.wrapping_add(arg(2)?);
            mem.set(a, v)?;
            Ok(v)
        }
        SYS_DELAY => Ok(0),
        SYS_FLT => {
            let r = float::sys_flt(
                &mut rt.out,
                &mut rt.host_r2,
                arg(1)?,
                arg(2)?,
                arg(3)?,
                arg(4)?,
            );
            mem.set_global(RESULT2, rt.host_r2)?;
            Ok(r)
        }
        SYS_POLLSARDCH => Ok(rt.input.sardch()),
        SYS_GETBUILDNO => {
            mem.set_global(RESULT2, 3)?;
            Ok(1)
        }
        SYS_MEMMOVEWORDS => {
            let (d, s, n) = (arg(1)?, arg(2)?, arg(3)?);
            let words: Vec<i64> = (0..n.max(0))
                .map(|i| mem.get(s + i))
                .collect::<Result<_, _>>()?;
            for (i, w) in words.into_iter().enumerate() {
                mem.set(d + i as i64, w)?;
            }
            Ok(0)
        }
        SYS_MEMMOVEBYTES => {
            let (d, s, n) = (arg(1)?, arg(2)?, arg(3)?);
            let bytes: Vec<u8> = (0..n.max(0))
                .map(|i| mem.get_byte(s, i))
                .collect::<Result<_, _>>()?;
            for (i, b) in bytes.into_iter().enumerate() {
                mem.set_byte(d, i as i64, b)?;
            }
            Ok(0)
        }
        SYS_CO_ALLOC => co_alloc(rt, mem, arg(1)?, arg(2)?),
        _ => {
            if let Some(r) = super::writers::sys_op(rt, mem, op, f) {
                return r;
            }
            rt.out.message(&format!("\nBad sys number: {op}\n"));
            Ok(op)
        }
    }
}

/// The data half of `createco(fn, size)` (runtime.md s.5.1-5.2): getvec the
/// block, fill the stack with `stackword`, write the header (c!0 = c as a
/// saved-P byte address, c!1 = the creator so that the first `cowait`
/// returns to it, colist link, fn, size, c) and push it on colist.
fn co_alloc(rt: &mut Runtime, mem: &mut Memory, func: i64, size: i64) -> Result<i64, Stop> {
    let Some(upb) = size.checked_add(6) else {
        return Ok(0);
    };
    let c = rt.heap.getvec(mem, &mut rt.out, upb)?;
    if c == 0 {
        return Ok(0);
    }
    for i in 6..=upb {
        mem.set(c + i, STACKWORD)?;
    }
    let header = [
        c.wrapping_mul(8),
        mem.global(CURRCO)?,
        mem.global(COLIST)?,
        func,
        size,
        c,
    ];
    for (i, w) in header.into_iter().enumerate() {
        mem.set(c + i as i64, w)?;
    }
    mem.set_global(COLIST, c)?;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn muldiv_measured_values() {
        // sial.md s.6.4 and runtime.md s.6.5.
        let t = 1_000_000_000_000i64;
        assert_eq!(muldiv(t, t, 3 * t), (333333333333, t));
        assert_eq!(muldiv(7, -5, 3), (-11, -2));
        assert_eq!(muldiv(-7, 5, -3), (11, -2));
        assert_eq!(muldiv(7, 5, 0), (35, 0));
        assert_eq!(muldiv(-7, -5, 0), (35, 0));
        assert_eq!(muldiv(i64::MAX, i64::MAX, 1), (1, 0));
        assert_eq!(muldiv(i64::MIN, -1, 1), (i64::MIN, 0));
        assert_eq!(
            muldiv(i64::MIN, i64::MIN, i64::MAX),
            (-9223372036854775807, 1)
        );
        assert_eq!(muldiv(i64::MIN, -1, 110), (83848836698679780, 8));
    }
}

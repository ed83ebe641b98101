//! The host side of `writers.b`, the library functions that call other
//! library functions through the global vector (runtime.md s.0.11, s.6.8):
//! cintcheck's private sys operations that let each of them run as one host
//! call while none of the globals it would call has been replaced (the fast
//! path), and otherwise hand a leaf writer's bytes to the BCPL code one at a
//! time so that it can send each through whatever `wrch` is now.

use std::collections::VecDeque;

use super::format::string_ok;
use super::library::{self, LIBRARY};
use super::{Frame, Runtime, Stop};
use crate::memory::Memory;

/// `sys(LIB_FAST, g, argv, resp)`: when none of the library globals that
/// `g` calls has changed since loading, run the host version of
/// library global `g` with the arguments at `argv`, store its result at
/// `resp` and return TRUE; otherwise return FALSE and do nothing.
pub const LIB_FAST: i64 = 0x0C1C_0002;
/// `sys(LIB_FORMAT, g, argv)`: run the host version of `g` with its output
/// captured; [`LIB_NEXT`] then returns the captured bytes one by one.
pub const LIB_FORMAT: i64 = 0x0C1C_0003;
/// `sys(LIB_NEXT)`: the next captured byte, or -1 when there is none.
pub const LIB_NEXT: i64 = 0x0C1C_0004;
/// `sys(LIB_STROK, s)`: TRUE when `s` is a string inside memory (the check
/// `writes` and `writef` make before using a string).
pub const LIB_STROK: i64 = 0x0C1C_0005;
/// `sys(LIB_LEN, s)`: `s%0`, or 0 when that byte is outside memory (what
/// `writet` pads against).
pub const LIB_LEN: i64 = 0x0C1C_0006;
/// `sys(LIB_STORE, ch)`: the first step of `wrch`, putting the low byte of
/// `ch` in the buffer of the current output stream (the rest of `wrch` is
/// in `writers.b`); TRUE when that stream is interactive (the console),
/// where control characters have more effects.
pub const LIB_STORE: i64 = 0x0C1C_0007;

/// The library globals that some function of `writers.b` calls: sawrch,
/// rdch, unrdch, wrch, writeflt, writed, writen, writehex, writeoct, writes,
/// writet, writeu, writez, get_text, writef, codewrch and writee.
pub const CALLED_GLOBALS: [i64; 17] = [
    37, 38, 40, 41, 73, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 126, 180,
];

/// The globals library function `g` of `writers.b` calls, directly or
/// through the functions it calls. While all of them hold the library's
/// own values, the host version of `g` (whose parts call each other
/// directly) behaves exactly as the BCPL that calls through the globals.
fn calls(g: i64) -> &'static [i64] {
    /// What writef calls: wrch, writes, writen, codewrch, writed, writet,
    /// writeoct, writehex, writeu, writez, writeflt, writee, get_text.
    const WRITEF: &[i64] = &[41, 89, 86, 126, 85, 90, 88, 87, 91, 92, 73, 180, 93];
    match g {
        86 | 91 => &[85, 41], // writen, writeu: writed
        90 => &[89, 41],      // writet: writes, wrch
        83 => &[38, 40],      // readn: rdch, unrdch
        94 => WRITEF,         // writef
        // sawritef: writef with wrch := sawrch for the call.
        95 => &[37, 94, 89, 86, 126, 85, 90, 88, 87, 91, 92, 73, 180, 93],
        _ => &[41], // the leaf writers and wrch itself
    }
}

/// What the fast path needs to remember of a run.
#[derive(Debug)]
pub struct WritersState {
    /// Whether [`LIB_FAST`] may run the host versions at all.
    pub fast_path: bool,
    /// Values of [`CALLED_GLOBALS`] once the library was loaded.
    library_values: Vec<i64>,
    /// Bytes captured by [`LIB_FORMAT`] not yet handed out.
    pending: VecDeque<i64>,
}

impl Default for WritersState {
    fn default() -> Self {
        WritersState {
            fast_path: true,
            library_values: Vec::new(),
            pending: VecDeque::new(),
        }
    }
}

/// Record the library's values of [`CALLED_GLOBALS`] (called by the loader
/// after the library's `global` directives and before the program's).
pub fn record_library_globals(rt: &mut Runtime, mem: &Memory) -> Result<(), Stop> {
    rt.writers.library_values = CALLED_GLOBALS
        .iter()
        .map(|&g| mem.global(g))
        .collect::<Result<_, _>>()?;
    Ok(())
}

/// Whether every global that library function `g` calls still holds its
/// library value.
fn intact(rt: &Runtime, mem: &Memory, g: i64) -> bool {
    rt.writers.fast_path
        && rt.writers.library_values.len() == CALLED_GLOBALS.len()
        && calls(g).iter().all(|c| {
            let i = CALLED_GLOBALS.iter().position(|x| x == c);
            let v = i.and_then(|i| rt.writers.library_values.get(i));
            v.is_some_and(|v| mem.global(*c).is_ok_and(|now| now == *v))
        })
}

/// The host function of library global `g` (an index into [`LIBRARY`],
/// looked up in a table built once: this is on the path of every `wrch`).
fn host(g: i64) -> Result<usize, Stop> {
    static BY_GLOBAL: std::sync::OnceLock<Vec<Option<usize>>> = std::sync::OnceLock::new();
    let table = BY_GLOBAL.get_or_init(|| {
        let top = LIBRARY.iter().map(|e| e.global as usize).max().unwrap_or(0);
        let mut t = vec![None; top + 1];
        for (i, e) in LIBRARY.iter().enumerate() {
            t[e.global as usize] = Some(i);
        }
        t
    });
    usize::try_from(g)
        .ok()
        .and_then(|g| table.get(g).copied().flatten())
        .ok_or(Stop::abort(4))
}

/// Execute one of the private operations above (`op` at f!3, its
/// arguments at f!4...), or `None` when `op` is not one of them.
pub fn sys_op(rt: &mut Runtime, mem: &mut Memory, op: i64, f: Frame) -> Option<Result<i64, Stop>> {
    let arg = |mem: &Memory, i: i64| f.arg(mem, i);
    let run = |rt: &mut Runtime, mem: &mut Memory| -> Result<i64, Stop> {
        match op {
            LIB_FAST => {
                let (g, argv, resp) = (arg(mem, 1)?, arg(mem, 2)?, arg(mem, 3)?);
                // The host writers and readn know the console only: with
                // another stream selected, the BCPL path sends each byte
                // through wrch or takes each from rdch, which follow cos/cis.
                let console = match g {
                    41 => true,
                    83 => mem.global(library::CIS)? == rt.console_in,
                    _ => mem.global(library::COS)? == rt.console_out,
                };
                if !console || !intact(rt, mem, g) {
                    return Ok(0);
                }
                let r = library::call(host(g)?, rt, mem, Frame { np: argv - 3 })?;
                mem.set(resp, r)?;
                Ok(-1)
            }
            LIB_FORMAT => {
                let (g, argv) = (arg(mem, 1)?, arg(mem, 2)?);
                let index = host(g)?;
                rt.out.capture = Some(Vec::new());
                let r = library::call(index, rt, mem, Frame { np: argv - 3 });
                let bytes = rt.out.capture.take().unwrap_or_default();
                r?;
                rt.writers.pending = bytes.into();
                Ok(rt.writers.pending.len() as i64)
            }
            LIB_NEXT => Ok(rt.writers.pending.pop_front().unwrap_or(-1)),
            LIB_STROK => Ok(if string_ok(mem, arg(mem, 1)?) { -1 } else { 0 }),
            LIB_LEN => Ok(mem.get_byte(arg(mem, 1)?, 0).map_or(0, |b| b as i64)),
            LIB_STORE => {
                let (cos, ch) = (mem.global(library::COS)?, arg(mem, 1)?);
                if rt.streams.wrch(cos, ch) {
                    return Ok(0);
                }
                rt.out.store(ch);
                Ok(-1)
            }
            _ => unreachable!(),
        }
    };
    match op {
        LIB_FAST | LIB_FORMAT | LIB_NEXT | LIB_STROK | LIB_LEN | LIB_STORE => Some(run(rt, mem)),
        _ => None,
    }
}

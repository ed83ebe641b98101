//! The SYS instruction of 64-bit Cintcode (cintcode64.md s.11), shared by
//! both Cintcode engines: the interpreter selects a few operations on A
//! itself (setcount), everything else goes to the host's `sys` with the
//! frame of `sys` (op at P!3). Two private operations serve the Cintcode
//! library: the host-function stubs (`LW SYS_LIBCALL+i; SYS; RTN`, selected
//! on A, so the stub's own frame holds the caller's arguments at P!3...) and
//! the end of the run (`sys(SYS_EXIT, code)` from the prelude's boot code).

use crate::library;
use crate::memory::Memory;
use crate::{sys, Frame, Runtime, Stop};

/// `sys(Sys_setcount, n)`: A := old Count, Count := n (s.10.3).
pub const SYS_SETCOUNT: i64 = -1;
/// Private: `sys(SYS_EXIT, code)` ends the run; `code` is the command's
/// return code (what `start` returned, or `stop`'s code).
pub const SYS_EXIT: i64 = 0x0C1C_0008;
/// Private: with A = SYS_LIBCALL + i, SYS runs host function `LIBRARY[i]`
/// on the current frame.
pub const SYS_LIBCALL: i64 = 0x0C1C_1000;

/// What a SYS instruction did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SysEffect {
    /// A := the value; continue after SYS.
    Value(i64),
    /// Count := the new value, A := the old Count; continue after SYS.
    SetCount(i64),
    /// The run ends with this return code.
    Exit(i64),
}

/// Execute SYS with accumulator `a` in the frame at word address `p`.
pub fn cintcode_sys(rt: &mut Runtime, mem: &mut Memory, a: i64, p: i64) -> Result<SysEffect, Stop> {
    let f = Frame { np: p };
    if a == SYS_SETCOUNT {
        return Ok(SysEffect::SetCount(f.arg(mem, 1)?));
    }
    let lib = a.wrapping_sub(SYS_LIBCALL);
    if (0..library::LIBRARY.len() as i64).contains(&lib) {
        return library::call(lib as usize, rt, mem, f).map(SysEffect::Value);
    }
    if f.arg(mem, 0)? == SYS_EXIT {
        return Ok(SysEffect::Exit(f.arg(mem, 1)?));
    }
    sys::sys(rt, mem, f).map(SysEffect::Value)
}

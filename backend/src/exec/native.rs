//! Native execution of generated code on aarch64 hosts (Linux, macOS).
//!
//! The code runs in a forked child process so that a crash is a verdict,
//! not a harness crash. In the child, BCPL memory is an ordinary page-aligned
//! buffer whose word addresses are its machine addresses divided by 8 (the
//! identity mapping), the code sits in a dynasmrt executable buffer, and the
//! context block holds real `extern "C"` host functions: the C-ABI bridge
//! runs on the real ABI here. The child concludes the run itself (the same
//! `finish` as the emulator path) and writes the outcome to a pipe as JSON;
//! the parent reads it, or classifies the signal that killed the child.
//!
//! Not available: stdout is handed to `tee` only when the run ends, and A64
//! instructions are not counted.

use std::io::{Read, Write};
use std::os::fd::FromRawFd;

use dynasmrt::mmap::MutableBuffer;
use reference::load::{Linked, RunConfig};
use reference::memory::Memory;
use reference::runtime::library;
use reference::runtime::{float, sys, Frame, Stop};
use reference::{Ending, Outcome};

use super::{EmuEnd, HostStop, RunState};
use crate::abi::{Slot, SLOTS};
use crate::codegen::Compiled;
use crate::engine::{finish, prepare, registers};

/// What the child needs once the code stops.
struct Child {
    state: Option<RunState>,
    layout: reference::load::Layout,
    linked: *const Linked,
    compiled: *const Compiled,
    code_base: u64,
    fd: i32,
}

static mut CHILD: *mut Child = std::ptr::null_mut();

/// The child's state (only ever touched by the child's single thread).
fn child() -> &'static mut Child {
    // SAFETY: set once in the child before the generated code runs; the
    // child is single-threaded and never returns from the code.
    unsafe { &mut *CHILD }
}

/// End the child: conclude the run, send the outcome, exit.
fn stop_child(stop: HostStop) -> ! {
    let c = child();
    let mut state = c.state.take().expect("run state present");
    state.stop = Some(stop);
    // SAFETY: linked/compiled outlive the child (it exits here).
    let (linked, compiled) = unsafe { (&*c.linked, &*c.compiled) };
    let outcome = finish(
        EmuEnd::Host,
        state,
        &c.layout,
        linked,
        compiled,
        c.code_base,
    );
    let text = serde_json_like(&outcome);
    // SAFETY: fd is the write end of the pipe, owned by the child.
    let mut f = unsafe { std::fs::File::from_raw_fd(c.fd) };
    let _ = f.write_all(text.as_bytes());
    let _ = f.flush();
    // SAFETY: ends the child without running the parent's destructors.
    unsafe { libc::_exit(0) }
}

fn serde_json_like(o: &Outcome) -> String {
    serde_json::to_string(o).unwrap_or_default()
}

fn call_site(np: i64) -> u64 {
    let st = child().state.as_ref().expect("state");
    (st.mem.get(np + 1).unwrap_or(0) as u64).wrapping_sub(4)
}

extern "C" fn host_lib(
    _a1: i64,
    _a2: i64,
    _a3: i64,
    _a4: i64,
    _a5: i64,
    np: i64,
    index: i64,
    _ctx: i64,
) -> i64 {
    let st = child().state.as_mut().expect("state");
    match library::call(index as usize, &mut st.rt, &mut st.mem, Frame { np }) {
        Ok(v) if !st.rt.out.overflowed => v,
        Ok(_) => stop_child(HostStop::Library {
            stop: Stop::OutputLimit,
            call: call_site(np),
        }),
        Err(stop) => stop_child(HostStop::Library {
            stop,
            call: call_site(np),
        }),
    }
}

extern "C" fn host_sys(
    _op: i64,
    _a1: i64,
    _a2: i64,
    _a3: i64,
    _a4: i64,
    p: i64,
    _x6: i64,
    _ctx: i64,
) -> i64 {
    let st = child().state.as_mut().expect("state");
    match sys::sys(&mut st.rt, &mut st.mem, Frame { np: p }) {
        Ok(v) if !st.rt.out.overflowed => v,
        Ok(_) => stop_child(HostStop::Library {
            stop: Stop::OutputLimit,
            call: 0,
        }),
        Err(stop) => stop_child(HostStop::Library { stop, call: 0 }),
    }
}

/// Two 64-bit integers, returned in x0 and x1 by AAPCS64.
#[repr(C)]
struct Pair(i64, i64);

extern "C" fn host_muldiv(a: i64, b: i64, c: i64) -> Pair {
    let (q, r) = sys::muldiv(a, b, c);
    if let Some(st) = child().state.as_mut() {
        st.rt.host_r2 = r;
    }
    Pair(q, r)
}

extern "C" fn host_fmod(a: f64, b: f64) -> f64 {
    float::fmod32(a, b)
}

extern "C" fn host_fault(code: i64, site: u64) -> ! {
    stop_child(HostStop::Fault { code, site })
}

extern "C" fn host_exit(code: i64) -> ! {
    stop_child(HostStop::Exit(code))
}

/// Run natively in a child process.
pub fn execute(
    linked: &Linked,
    compiled: &Compiled,
    config: &RunConfig,
    tee: Option<Box<dyn std::io::Write + Send>>,
) -> Result<Outcome, String> {
    let mut fds = [0i32; 2];
    // SAFETY: plain pipe(2) on a two-element array.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err("pipe failed".into());
    }
    // SAFETY: fork(2); the child only runs the code and exits.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err("fork failed".into());
    }
    if pid == 0 {
        // SAFETY: close the read end in the child.
        unsafe { libc::close(fds[0]) };
        run_child(linked, compiled, config, fds[1]);
    }
    // SAFETY: close the write end in the parent, then read the child's report.
    unsafe { libc::close(fds[1]) };
    let mut text = String::new();
    let mut f = unsafe { std::fs::File::from_raw_fd(fds[0]) };
    let _ = f.read_to_string(&mut text);
    let mut status = 0i32;
    // SAFETY: wait for our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    let outcome = match serde_json::from_str::<Outcome>(&text) {
        Ok(o) => o,
        Err(_) => {
            let sig = if libc::WIFSIGNALED(status) {
                libc::WTERMSIG(status)
            } else {
                0
            };
            let ending = match sig {
                libc::SIGSEGV | libc::SIGBUS => Ending::BadAddress { addr: -1, at: None },
                libc::SIGILL => Ending::BadJump {
                    target: -1,
                    at: None,
                },
                0 => Ending::EngineError(format!(
                    "native run ended without a report (status {status})"
                )),
                s => Ending::EngineError(format!("native run killed by signal {s}")),
            };
            Outcome {
                stdout: Vec::new(),
                ending,
                steps: 0,
            }
        }
    };
    if let Some(mut t) = tee {
        let _ = t.write_all(&outcome.stdout);
    }
    Ok(outcome)
}

/// The child: build memory and code, then jump into the trampoline; never returns.
fn run_child(linked: &Linked, compiled: &Compiled, config: &RunConfig, fd: i32) -> ! {
    let fail = |m: String| -> ! {
        let o = Outcome {
            stdout: Vec::new(),
            ending: Ending::EngineError(m),
            steps: 0,
        };
        // SAFETY: the pipe's write end.
        let mut f = unsafe { std::fs::File::from_raw_fd(fd) };
        let _ = f.write_all(serde_json_like(&o).as_bytes());
        unsafe { libc::_exit(0) }
    };
    let mut buf = match MutableBuffer::new(compiled.code.len().max(4)) {
        Ok(b) => b,
        Err(e) => fail(format!("code buffer: {e}")),
    };
    buf.set_len(compiled.code.len());
    buf[..compiled.code.len()].copy_from_slice(&compiled.code);
    let exec = match buf.make_exec() {
        Ok(b) => b,
        Err(e) => fail(format!("code buffer: {e}")),
    };
    dynasmrt::cache_control::synchronize_icache(&exec[..]);
    let code_base = exec.as_ptr() as u64;
    // Identity mapping: word address = machine address / 8.
    let mut mem = Memory::new_page_aligned(0, config.memory_words);
    let base = mem.as_mut_ptr() as i64 / 8;
    let mem = mem.rebased(base);
    let (state, layout) = match prepare(linked, compiled, config, mem, code_base, None) {
        Ok(x) => x,
        Err(m) => fail(m),
    };
    let regs = registers(&layout, config);
    let mut ctx = [0u64; SLOTS];
    ctx[Slot::Lib as usize] = host_lib as *const () as u64;
    ctx[Slot::Sys as usize] = host_sys as *const () as u64;
    ctx[Slot::Muldiv as usize] = host_muldiv as *const () as u64;
    ctx[Slot::Fmod as usize] = host_fmod as *const () as u64;
    ctx[Slot::Fault as usize] = host_fault as *const () as u64;
    ctx[Slot::Exit as usize] = host_exit as *const () as u64;
    let child_state = Box::new(Child {
        state: Some(state),
        layout,
        linked,
        compiled,
        code_base,
        fd,
    });
    // SAFETY: single-threaded child; the pointer stays valid until _exit.
    unsafe { CHILD = Box::into_raw(child_state) };
    let reg = |r: u8| regs.iter().find(|(n, _)| *n == r).map_or(0, |(_, v)| *v);
    let entry = code_base + compiled.entry as u64;
    // SAFETY: jumps into generated code that follows the register contract of
    // `abi`; it only leaves through the host functions above, which exit.
    unsafe {
        core::arch::asm!(
            "mov x29, {p}",
            "br {entry}",
            entry = in(reg) entry,
            p = in(reg) reg(crate::abi::P),
            in("x0") reg(crate::abi::A),
            in("x24") 0u64,
            in("x26") reg(crate::abi::COUNT),
            in("x27") ctx.as_ptr() as u64,
            in("x28") reg(crate::abi::G),
            options(noreturn),
        )
    }
}

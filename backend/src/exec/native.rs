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
//! A wild access or a jump to a non-code address raises a signal in the
//! child; its handler reads the fault address, pc and x30 and classifies the
//! fault the same way as the emulator path. A child that dies otherwise is
//! reported from its wait status. Not available natively: stdout reaches
//! `tee` only when the run ends, and A64 instructions are not counted.
//!
//! The same machinery runs a stand-alone executable ([`run_standalone`],
//! called by the `cintcheck-rt` run-time): there the code is the assembled
//! and linked text of `asm_text`, the process is the executable itself, its
//! stdout is written as the program produces it, and the process exits as
//! the real system's would.

use std::io::{Read, Write};
use std::os::fd::FromRawFd;

use dynasmrt::mmap::MutableBuffer;
use runtime::library;
use runtime::load::{Linked, RunConfig};
use runtime::memory::Memory;
use runtime::{float, sys, Frame, Stop};
use runtime::{Ending, Outcome};

use super::{EmuEnd, ErrorKind, HostStop, RunState};
use crate::abi::{Slot, SLOTS};
use crate::codegen::Compiled;
use crate::engine::{finish, prepare, registers};

/// How the process reports the outcome once the code stops.
enum Report {
    /// A forked child: the outcome as JSON down this pipe.
    Pipe(i32),
    /// A stand-alone executable: exit as the real system does, and write
    /// the outcome as JSON to this file when one is named.
    Exit { outcome_file: Option<String> },
}

/// What the child needs once the code stops.
struct Child {
    state: Option<RunState>,
    layout: runtime::load::Layout,
    linked: *const Linked,
    compiled: *const Compiled,
    code_base: u64,
    report: Report,
}

static mut CHILD: *mut Child = std::ptr::null_mut();

/// The child's state (only ever touched by the child's single thread).
fn child() -> &'static mut Child {
    // SAFETY: set once in the child before the generated code runs; the
    // child is single-threaded and never returns from the code.
    unsafe { &mut *CHILD }
}

/// End the child from a host entry: conclude the run, send the outcome, exit.
fn stop_child(stop: HostStop) -> ! {
    end_child(EmuEnd::Host, Some(stop), None)
}

/// End the child: conclude the run as the emulator path does, send the
/// outcome, exit.
fn end_child(end: EmuEnd, stop: Option<HostStop>, bad_address: Option<u64>) -> ! {
    let c = child();
    let mut state = c.state.take().expect("run state present");
    state.stop = stop;
    state.bad_address = bad_address;
    // SAFETY: linked/compiled outlive the child (it exits here).
    let (linked, compiled) = unsafe { (&*c.linked, &*c.compiled) };
    let outcome = finish(end, state, &c.layout, linked, compiled, c.code_base);
    let status = match &c.report {
        Report::Pipe(fd) => {
            // SAFETY: fd is the write end of the pipe, owned by the child.
            let mut f = unsafe { std::fs::File::from_raw_fd(*fd) };
            let _ = f.write_all(serde_json_like(&outcome).as_bytes());
            let _ = f.flush();
            0
        }
        Report::Exit { outcome_file } => {
            if let Some(path) = outcome_file {
                // stdout went to the process's own stdout already.
                let rest = Outcome {
                    stdout: Vec::new(),
                    ..outcome.clone()
                };
                let _ = std::fs::write(path, serde_json_like(&rest).as_bytes());
            }
            let _ = std::io::stdout().flush();
            exit_status(&outcome.ending)
        }
    };
    // SAFETY: ends the process without running destructors.
    unsafe { libc::_exit(status) }
}

/// The exit status of a stand-alone executable ([`Ending::exit_status`]:
/// as the real system, and 125 for a run stopped for a reason the real
/// system does not have), saying that reason on stderr.
fn exit_status(ending: &Ending) -> i32 {
    let status = ending.exit_status();
    if status == 125 {
        let at = ending
            .location()
            .map(|l| format!(" at {l}"))
            .unwrap_or_default();
        eprintln!("cintcheck-rt: {}{at}", ending.kind());
    }
    status
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
    ctx: i64,
) -> i64 {
    let st = child().state.as_mut().expect("state");
    let host_r2 = host_r2(ctx);
    st.rt.host_r2 = *host_r2;
    let result = library::call(index as usize, &mut st.rt, &mut st.mem, Frame { np });
    *host_r2 = st.rt.host_r2;
    match result {
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

/// The hidden result2 variable (runtime.md s.7.3): while code runs it is
/// the context block's HostR2 slot (the generated muldiv writes it); `ctx`
/// is the block's address (its Context slot, passed in x7).
fn host_r2(ctx: i64) -> &'static mut i64 {
    // SAFETY: `ctx` is the context array of `run_child`, which lives until
    // the child exits, and only this thread touches it between calls.
    unsafe { &mut *(ctx as *mut i64).add(Slot::HostR2 as usize) }
}

extern "C" fn host_sys(
    _op: i64,
    _a1: i64,
    _a2: i64,
    _a3: i64,
    _a4: i64,
    p: i64,
    site: i64,
    ctx: i64,
) -> i64 {
    let st = child().state.as_mut().expect("state");
    let call = site as u64;
    let host_r2 = host_r2(ctx);
    st.rt.host_r2 = *host_r2;
    let result = sys::sys(&mut st.rt, &mut st.mem, Frame { np: p });
    *host_r2 = st.rt.host_r2;
    match result {
        Ok(v) if !st.rt.out.overflowed => v,
        Ok(_) => stop_child(HostStop::Library {
            stop: Stop::OutputLimit,
            call,
        }),
        Err(stop) => stop_child(HostStop::Library { stop, call }),
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

/// A synchronous fault in the generated code (wild access, jump to a
/// non-code address): classify it from the fault address, pc and x30 exactly
/// as the emulator path classifies Unicorn's errors. The child exits here.
extern "C" fn on_signal(sig: libc::c_int, info: *mut libc::siginfo_t, uctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo and ucontext for SA_SIGINFO.
    let addr = unsafe { (*info).si_addr() } as u64;
    let (pc, lr) = pc_lr(uctx);
    let kind = match sig {
        libc::SIGSEGV | libc::SIGBUS if addr == pc => ErrorKind::Fetch,
        libc::SIGSEGV | libc::SIGBUS => ErrorKind::Memory,
        _ => ErrorKind::Other,
    };
    let end = EmuEnd::Error {
        error: format!("signal {sig}"),
        kind,
        pc,
        lr,
    };
    end_child(end, None, Some(addr))
}

#[cfg(target_os = "linux")]
fn pc_lr(uctx: *mut libc::c_void) -> (u64, u64) {
    let uc = uctx as *const libc::ucontext_t;
    // SAFETY: a valid ucontext from the kernel.
    unsafe { ((*uc).uc_mcontext.pc, (*uc).uc_mcontext.regs[30]) }
}

#[cfg(target_os = "macos")]
fn pc_lr(uctx: *mut libc::c_void) -> (u64, u64) {
    let uc = uctx as *const libc::ucontext_t;
    // SAFETY: a valid ucontext from the kernel; uc_mcontext points to its
    // machine context.
    unsafe {
        let mc = (*uc).uc_mcontext;
        ((*mc).__ss.__pc, (*mc).__ss.__lr)
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn pc_lr(_uctx: *mut libc::c_void) -> (u64, u64) {
    (0, 0)
}

fn install_signal_handlers() {
    for sig in [
        libc::SIGSEGV,
        libc::SIGBUS,
        libc::SIGILL,
        libc::SIGTRAP,
        libc::SIGFPE,
    ] {
        // SAFETY: a zeroed sigaction with our SA_SIGINFO handler.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO;
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
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
        run_child(linked, compiled, config, Report::Pipe(fds[1]), None);
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
            Outcome::ended(ending)
        }
    };
    if let Some(mut t) = tee {
        let _ = t.write_all(&outcome.stdout);
    }
    Ok(outcome)
}

/// A stand-alone executable's run: `code` is the linked machine code that
/// `compiled` describes (its bytes included), `config` the run's settings;
/// stdout goes to the process's stdout as it is written. Never returns: the
/// process exits with the status of [`exit_status`].
pub fn run_standalone(
    linked: &Linked,
    compiled: &Compiled,
    config: &RunConfig,
    code: *const u8,
    outcome_file: Option<String>,
) -> ! {
    run_child(
        linked,
        compiled,
        config,
        Report::Exit { outcome_file },
        Some(code as u64),
    )
}

/// The child: build memory and code (unless `code` gives it already
/// placed), then jump into the trampoline; never returns.
fn run_child(
    linked: &Linked,
    compiled: &Compiled,
    config: &RunConfig,
    report: Report,
    code: Option<u64>,
) -> ! {
    let fail = |m: String| -> ! {
        let o = Outcome::ended(Ending::EngineError(m.clone()));
        match report {
            Report::Pipe(fd) => {
                // SAFETY: the pipe's write end.
                let mut f = unsafe { std::fs::File::from_raw_fd(fd) };
                let _ = f.write_all(serde_json_like(&o).as_bytes());
            }
            Report::Exit { ref outcome_file } => {
                eprintln!("cintcheck-rt: {m}");
                if let Some(path) = outcome_file {
                    let _ = std::fs::write(path, serde_json_like(&o).as_bytes());
                }
            }
        }
        unsafe {
            libc::_exit(if matches!(report, Report::Pipe(_)) {
                0
            } else {
                125
            })
        }
    };
    // In a forked child the code goes into an executable buffer; the buffer
    // must live until the process exits.
    let mut _exec = None;
    let code_base = match code {
        Some(base) => base,
        None => {
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
            let base = exec.as_ptr() as u64;
            _exec = Some(exec);
            base
        }
    };
    // Identity mapping: word address = machine address / 8.
    let mut mem = Memory::new_page_aligned(0, config.memory_words);
    let base = mem.as_mut_ptr() as i64 / 8;
    let mem = mem.rebased(base);
    let tee: Option<Box<dyn std::io::Write + Send>> = match report {
        Report::Exit { .. } => Some(Box::new(std::io::stdout())),
        Report::Pipe(_) => None,
    };
    let (state, layout) = match prepare(linked, compiled, config, mem, code_base, tee) {
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
    ctx[Slot::Context as usize] = ctx.as_ptr() as u64;
    let child_state = Box::new(Child {
        state: Some(state),
        layout,
        linked,
        compiled,
        code_base,
        report,
    });
    // SAFETY: single-threaded child; the pointer stays valid until _exit.
    unsafe { CHILD = Box::into_raw(child_state) };
    install_signal_handlers();
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

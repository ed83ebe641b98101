//! Loading, executing and classifying a Cintcode run on the a64 engine.
//!
//! The program is linked and laid out by the shared Cintcode loader
//! (`runtime::cin_load`), so memory, globals and code addresses are the
//! reference's; the translation runs under the Unicorn emulator with BCPL
//! memory (the runtime's own buffer) at guest address 0, the native code at
//! [`CODE_ADDR`], the dispatch table at [`TABLE_ADDR`] and one `ret` per
//! host entry on a host page whose code hook runs the entry ([`Host`]):
//! SYS calls `runtime::cin_sys::cintcode_sys`, exactly as the reference
//! interpreter's loop does. Faults are located with
//! `CinLayout::stop_location` from the byte address of the Cintcode
//! instruction, so the locations equal the reference's.
//!
//! `steps` in the outcome are Cintcode instructions executed (counted
//! exactly, see [`super::translate`]). On aarch64 hosts the Cintcode level
//! is not executed natively yet: the run is an engine error.

use std::collections::HashSet;
use std::io::Write;
use std::time::{Duration, Instant};

use ::cintcode::Object;
use runtime::cin_load::{self, CinLayout, CinLinked};
use runtime::load::RunConfig;
#[cfg(not(target_arch = "aarch64"))]
use runtime::memory::Memory;
use runtime::outcome::{Ending, Outcome};
#[cfg(not(target_arch = "aarch64"))]
use runtime::{Runtime, Stop};

use super::translate::{translate, Translated};
use super::Mutation;

/// Options of a Cintcode a64 run.
#[derive(Clone, Debug, Default)]
pub struct CinOptions {
    pub mutations: HashSet<Mutation>,
    /// Count the A64 instructions executed (a hook per block: slower).
    pub count_instructions: bool,
}

/// A run with its measurements.
#[derive(Debug)]
pub struct CinRun {
    pub outcome: Outcome,
    pub translate_time: Duration,
    pub run_time: Duration,
    pub a64_instructions: Option<u64>,
    pub code_bytes: usize,
    /// Cintcode instructions translated.
    pub translated: usize,
}

/// Guest address of the native code.
pub const CODE_ADDR: u64 = 0x1_0000_0000;
/// Guest address of the dispatch table. It and the context block sit at
/// page numbers whose index in Unicorn's direct-mapped TLB is not that of
/// BCPL memory's first pages: at page index 0 every dynamic transfer
/// evicted the globals' page (measured: nqueens 0.39 s -> 0.30 s).
pub const TABLE_ADDR: u64 = 0x1_80c7_0000;
/// Guest address of the host entry page.
pub const HOST_ADDR: u64 = 0x2_0000_0000;
/// Guest address of the context block (ST).
pub const CTX_ADDR: u64 = 0x2_00c9_0000;

/// Link, lay out and translate `objects` as a run would.
pub fn prepare(
    objects: &[Object],
    config: &RunConfig,
    mutations: &HashSet<Mutation>,
) -> Result<(CinLinked, CinLayout, Translated), String> {
    let linked = CinLinked::new(objects);
    let layout = cin_load::layout(&linked, config.memory_words).map_err(|e| e.0)?;
    let translated = translate(&linked, &layout, mutations)?;
    Ok((linked, layout, translated))
}

/// Run a Cintcode program (objects linked after the library) on the a64
/// engine.
pub fn run(objects: &[Object], config: &RunConfig, tee: Option<Box<dyn Write + Send>>) -> Outcome {
    run_with(objects, config, tee, &CinOptions::default()).outcome
}

/// Run with options, returning measurements too.
pub fn run_with(
    objects: &[Object],
    config: &RunConfig,
    tee: Option<Box<dyn Write + Send>>,
    opts: &CinOptions,
) -> CinRun {
    let start = Instant::now();
    let failed = |m: String, t| CinRun {
        outcome: Outcome::ended(Ending::EngineError(m)),
        translate_time: t,
        run_time: Duration::ZERO,
        a64_instructions: None,
        code_bytes: 0,
        translated: 0,
    };
    let (linked, layout, translated) = match prepare(objects, config, &opts.mutations) {
        Ok(x) => x,
        Err(m) => return failed(m, start.elapsed()),
    };
    let translate_time = start.elapsed();
    let code_bytes = translated.code.len();
    let count = translated.instrs.len();
    let run_start = Instant::now();
    match execute(&linked, &layout, translated, config, tee, opts) {
        Ok((outcome, instructions)) => CinRun {
            outcome,
            translate_time,
            run_time: run_start.elapsed(),
            a64_instructions: opts.count_instructions.then_some(instructions),
            code_bytes,
            translated: count,
        },
        Err(m) => failed(m, translate_time),
    }
}

#[cfg(target_arch = "aarch64")]
fn execute(
    _linked: &CinLinked,
    _layout: &CinLayout,
    _translated: Translated,
    _config: &RunConfig,
    _tee: Option<Box<dyn Write + Send>>,
    _opts: &CinOptions,
) -> Result<(Outcome, u64), String> {
    Err("the Cintcode level of the a64 engine runs under the emulator only; native execution on aarch64 hosts is not built yet".into())
}

#[cfg(not(target_arch = "aarch64"))]
/// Fault 4 at a checked fetch (s.1.3): `Gn unassigned` for globword + n.
fn bad_pc(pc: i64, gsize: i64) -> Stop {
    let n = pc.wrapping_sub(runtime::library::GLOBWORD);
    if (0..gsize).contains(&n) {
        Stop::Abort {
            code: 4,
            message: format!("G{n} unassigned"),
        }
    } else {
        Stop::abort(4)
    }
}

#[cfg(not(target_arch = "aarch64"))]
/// BCPL shifts (s.3.9): counts outside -63..63 give 0, negative reverses.
fn lsh(v: i64, n: i64) -> i64 {
    if !(-63..=63).contains(&n) {
        0
    } else if n >= 0 {
        ((v as u64) << n) as i64
    } else {
        ((v as u64) >> -n) as i64
    }
}

#[cfg(not(target_arch = "aarch64"))]
fn rsh(v: i64, n: i64) -> i64 {
    lsh(v, n.wrapping_neg().clamp(-64, 64))
}

#[cfg(not(target_arch = "aarch64"))]
/// SELST (s.8.3) for the operators the translator leaves to the host:
/// vecap, the float operators, div, rem and the shifts.
fn selst(mem: &mut Memory, a: i64, b: i64, spec: u64) -> Result<(), Stop> {
    let (sop, len, sh) = (spec as u8, (spec >> 8) as u8, (spec >> 16) as u8);
    let word = mem.get(a)?;
    let mask = super::translate::field_mask(len, sh);
    let old = (if sh >= 64 { 0 } else { (word as u64) >> sh } & mask) as i64;
    let f = |x: i64| f64::from_bits(x as u64);
    let w = |x: f64| x.to_bits() as i64;
    let new = match sop {
        1 => mem.get(old.wrapping_add(b))?,
        2 => w(f(old) * f(b)),
        3 => w(f(old) / f(b)),
        4 => w(runtime::float::fmod32(f(old), f(b))),
        5 => w(f(old) + f(b)),
        6 => w(f(old) - f(b)),
        8 | 9 if b == 0 => return Err(Stop::division_by_zero()),
        8 => old.wrapping_div(b),
        9 => old.wrapping_rem(b),
        12 => lsh(old, b),
        13 => rsh(old, b),
        _ => 0,
    };
    let delta = ((new ^ old) as u64) & mask;
    let shifted = if sh >= 64 { 0 } else { delta << sh };
    mem.set(a, word ^ shifted as i64)
}

#[cfg(not(target_arch = "aarch64"))]
use emu::execute;

#[cfg(not(target_arch = "aarch64"))]
mod emu {
    use super::*;
    use std::cell::RefCell;

    use runtime::cin_sys::{cintcode_sys, SysEffect};
    use unicorn_engine::{Arch, Mode, Prot, RegisterARM64 as R, Unicorn};

    use crate::cintcode::regs;
    use crate::cintcode::translate::translate_fragment;
    use crate::cintcode::truncated::{truncated, Truncated};
    use crate::cintcode::{Host, COUNT_ON_SLOT};
    use crate::exec::emulator::{
        data_pages_not_executable, map_memory, watch_wild_accesses, xreg, GuestMemory, WildHooks,
    };

    /// Unicorn's page size at this level. Memory is mapped and unmapped
    /// for every run here, and unmapping costs a TLB flush per page: with
    /// 64 KiB pages that is 1,024 flushes for 64 MB of memory, not 16,384.
    const PAGE: u64 = 65536;

    /// Room after the translation for code translated at run time.
    const CODE_RESERVE: u64 = 4 << 20;

    fn round_up(n: u64) -> u64 {
        n.div_ceil(PAGE).max(1) * PAGE
    }

    /// What a run's host entries work on.
    struct State {
        mem: Memory,
        rt: Runtime,
        translated: Translated,
        gsize: i64,
        /// The checked fetch's limit, 8 x memupb (s.1.3; x22).
        pc_limit: u64,
        /// Count (s.10.3), the step budget left, and the value x26 had at
        /// the last sync.
        count: i64,
        left: u64,
        loaded: u64,
        /// How the run ended and the byte address of the instruction.
        stop: Option<(Result<i64, Stop>, i64)>,
        bad_address: Option<u64>,
        instructions: u64,
        mutations: HashSet<Mutation>,
        /// Code translated at run time: where the next fragment goes, the
        /// end of the mapped code region, byte address -> native offset,
        /// and (native offset, byte address) in native order.
        code_end: u64,
        code_cap: u64,
        extra: std::collections::HashMap<i64, u32>,
        fragments: Vec<(u32, i64)>,
    }

    impl State {
        /// Account for the instructions run since the last sync (x26 now
        /// holds `now`).
        fn sync(&mut self, now: u64) {
            let done = self.loaded.saturating_sub(now);
            if self.count >= 0 {
                self.count -= done as i64;
            }
            self.left -= done.min(self.left);
            self.loaded = now;
        }

        /// The instructions that may run before the next event.
        fn ticks(&self) -> u64 {
            if self.count >= 0 {
                (self.count as u64).min(self.left)
            } else {
                self.left
            }
        }

        fn site(&self, lr: u64) -> i64 {
            self.instr_at(lr.wrapping_sub(CODE_ADDR).wrapping_sub(4))
        }

        /// The byte address of the instruction whose code holds native
        /// offset `off` (-1 if none).
        fn instr_at(&self, off: u64) -> i64 {
            let off = off as u32;
            if let Some(&a) = self.translated.sites.get(&off) {
                return a;
            }
            if off as usize >= self.translated.code.len() {
                let i = self.fragments.partition_point(|e| e.0 <= off);
                return i.checked_sub(1).map_or(-1, |i| self.fragments[i].1);
            }
            self.translated.instr_at(off).unwrap_or(-1)
        }

        /// A fetch at `target` that fails with `stop`, after the fetch
        /// cycle's Count and budget checks (s.1.3), as the reference does.
        fn fetch_fault(&mut self, now: u64, stop: Stop) -> Stop {
            self.charge(now).unwrap_or(stop)
        }

        /// Charge one instruction's fetch to Count and the step budget (x26
        /// holds `now`): what ends the run there, if either is spent.
        fn charge(&mut self, now: u64) -> Option<Stop> {
            self.sync(now);
            if self.count >= 0 {
                if self.count == 0 {
                    return Some(Stop::abort(3));
                }
                self.count -= 1;
            }
            if self.left == 0 {
                return Some(Stop::StepLimit);
            }
            self.left -= 1;
            None
        }

        /// Translate the code at byte address `t` (not yet translated):
        /// the guest offset and bytes to write, or `None` when nothing
        /// decodes there.
        fn fragment(&mut self, t: i64) -> Result<Option<(u64, Vec<u8>)>, String> {
            let words = self.mem.words();
            // SAFETY: the words are plain i64s; viewing them as bytes (in
            // the host's order, little-endian like BCPL memory) is sound.
            let bytes =
                unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), words.len() * 8) };
            let known =
                |a: i64| self.translated.native_of(a).is_some() || self.extra.contains_key(&a);
            let Some((code, emitted, sites)) =
                translate_fragment(bytes, t, &known, 4096, &self.mutations)?
            else {
                return Ok(None);
            };
            let off = self.code_end;
            if off + code.len() as u64 > self.code_cap {
                return Err("no room left for code translated at run time".into());
            }
            let base = off as u32;
            for e in &emitted {
                self.extra.insert(e.addr, base + e.native);
                self.fragments.push((base + e.native, e.addr));
            }
            for (k, v) in sites {
                self.translated.sites.insert(base + k, v);
            }
            self.code_end = round_up(off + code.len() as u64);
            Ok(Some((off, code)))
        }
    }

    #[derive(Default)]
    struct Data {
        run: Option<State>,
        /// One past the last byte of BCPL memory in this run.
        mem_end: u64,
    }

    impl GuestMemory for Data {
        fn mem_end(&self) -> u64 {
            self.mem_end
        }

        fn bad_address(&mut self, addr: u64) {
            if let Some(run) = self.run.as_mut() {
                run.bad_address = Some(addr);
            }
        }
    }

    /// How emulation ended: Unicorn's result, the pc, x0..x30 and the state.
    type Ended = (Result<(), unicorn_engine::uc_error>, u64, [u64; 31], State);

    struct Emulator {
        uc: Unicorn<'static, Data>,
        code_mapped: u64,
        table_mapped: u64,
        counter: Option<unicorn_engine::UcHookId>,
        /// The wild-access hook and the first address it covers (the end
        /// of BCPL memory): see `exec::emulator::watch_wild_accesses`.
        wild: WildHooks,
    }

    impl Emulator {
        fn new() -> Result<Emulator, String> {
            let e = |what: &str, err| format!("emulator: {what}: {err:?}");
            let mut uc = Unicorn::new_with_data(Arch::ARM64, Mode::ARM, Data::default())
                .map_err(|x| e("create", x))?;
            uc.ctl_set_page_size(PAGE as u32)
                .map_err(|x| e("page size", x))?;
            uc.mem_map(HOST_ADDR, PAGE, Prot::READ | Prot::EXEC)
                .map_err(|x| e("map host page", x))?;
            let ret: [u8; 4] = 0xd65f03c0u32.to_le_bytes();
            let page: Vec<u8> = ret.iter().copied().cycle().take(PAGE as usize).collect();
            uc.mem_write(HOST_ADDR, &page)
                .map_err(|x| e("write host page", x))?;
            uc.mem_map(CTX_ADDR, PAGE, Prot::READ | Prot::WRITE)
                .map_err(|x| e("map context", x))?;
            uc.add_code_hook(
                HOST_ADDR,
                HOST_ADDR + 4 * Host::ALL.len() as u64 - 1,
                host_hook,
            )
            .map_err(|x| e("hook host page", x))?;
            // BCPL memory enters the TLB without execute permission, so
            // that stores to it stay on the fast path (as at the Sial level).
            data_pages_not_executable(&mut uc).map_err(|x| e("hook tlb", x))?;
            Ok(Emulator {
                uc,
                code_mapped: 0,
                table_mapped: 0,
                counter: None,
                wild: None,
            })
        }

        fn map_region(
            &mut self,
            addr: u64,
            bytes: &[u8],
            prot: Prot,
            code: bool,
        ) -> Result<u64, String> {
            let e = |what: &str, err| format!("emulator: {what}: {err:?}");
            let reserve = if code { CODE_RESERVE } else { 0 };
            let size = round_up(bytes.len() as u64 + reserve);
            let mapped = if code {
                &mut self.code_mapped
            } else {
                &mut self.table_mapped
            };
            if size > *mapped {
                if *mapped > 0 {
                    self.uc
                        .mem_unmap(addr, *mapped)
                        .map_err(|x| e("unmap", x))?;
                }
                self.uc.mem_map(addr, size, prot).map_err(|x| e("map", x))?;
                *mapped = size;
            }
            self.uc.mem_write(addr, bytes).map_err(|x| e("write", x))?;
            Ok(*mapped)
        }

        fn run(
            &mut self,
            mut state: State,
            entry: u64,
            regs_in: &[(u8, u64)],
            timeout: std::time::Duration,
            counting: bool,
        ) -> Result<Ended, String> {
            let e = |what: &str, err| format!("emulator: {what}: {err:?}");
            let code = std::mem::take(&mut state.translated.code);
            state.code_cap = self.map_region(CODE_ADDR, &code, Prot::READ | Prot::EXEC, true)?;
            state.code_end = round_up(code.len() as u64);
            state.translated.code = code;
            let table: Vec<u8> = state
                .translated
                .table
                .iter()
                .flat_map(|w| w.to_le_bytes())
                .collect();
            self.map_region(TABLE_ADDR, &table, Prot::READ, false)?;
            self.uc.ctl_flush_tb().map_err(|x| e("flush", x))?;
            let mut ctx: Vec<u8> = Vec::new();
            for h in Host::ALL {
                ctx.extend((HOST_ADDR + 4 * h as u64).to_le_bytes());
            }
            ctx.resize(COUNT_ON_SLOT as usize + 8, 0);
            self.uc
                .mem_write(CTX_ADDR, &ctx)
                .map_err(|x| e("write context", x))?;
            let exact = state.mem.len() as u64 * 8;
            let mem_size = round_up(exact);
            let ptr = state.mem.as_mut_ptr();
            // SAFETY: `ptr` points to at least `mem_size` bytes (Memory pads
            // its buffer to the next 64 KiB boundary, PAGE), and the mapping
            // is removed below before `state` (which owns the buffer) is
            // returned.
            unsafe { map_memory(&mut self.uc, ptr, exact, PAGE) }
                .map_err(|x| e("map memory", x))?;
            self.uc.get_data_mut().mem_end = mem_size;
            watch_wild_accesses(&mut self.uc, &mut self.wild, mem_size, None)
                .map_err(|x| e("hook wild accesses", x))?;
            for n in 0..=30u8 {
                self.uc
                    .reg_write(xreg(n), 0)
                    .map_err(|x| e("registers", x))?;
            }
            for &(r, v) in regs_in {
                self.uc
                    .reg_write(xreg(r), v)
                    .map_err(|x| e("registers", x))?;
            }
            match (counting, self.counter) {
                (true, None) => {
                    let id = self
                        .uc
                        .add_block_hook(CODE_ADDR, TABLE_ADDR - 1, |uc, _addr, size| {
                            if let Some(run) = uc.get_data_mut().run.as_mut() {
                                run.instructions += size as u64 / 4;
                            }
                        })
                        .map_err(|x| e("hook blocks", x))?;
                    self.counter = Some(id);
                }
                (false, Some(id)) => {
                    self.uc.remove_hook(id).map_err(|x| e("unhook blocks", x))?;
                    self.counter = None;
                }
                _ => {}
            }
            self.uc.get_data_mut().run = Some(state);
            // No instruction count (Unicorn counts with a hook on every
            // instruction): Count (x26) is the budget, and the timeout only
            // stops code that escapes it.
            let micros = timeout.as_micros().min(u64::MAX as u128) as u64;
            let result = self.uc.emu_start(entry, 0, micros, 0);
            let pc = self.uc.pc_read().unwrap_or(0);
            let x: [u64; 31] =
                std::array::from_fn(|n| self.uc.reg_read(xreg(n as u8)).unwrap_or(0));
            let state = self
                .uc
                .get_data_mut()
                .run
                .take()
                .ok_or("emulator lost its run state")?;
            self.uc
                .mem_unmap(0, mem_size)
                .map_err(|x| e("unmap memory", x))?;
            Ok((result, pc, x, state))
        }
    }

    fn host_hook(uc: &mut Unicorn<'_, Data>, addr: u64, _size: u32) {
        let slot = ((addr - HOST_ADDR) / 4) as usize;
        let reg = |uc: &Unicorn<'_, Data>, n: u8| uc.reg_read(xreg(n)).unwrap_or(0);
        let x0 = reg(uc, 0);
        let x1 = reg(uc, 1);
        let x9 = reg(uc, 9);
        let x10 = reg(uc, 10);
        let x11 = reg(uc, 11);
        let count_reg = reg(uc, regs::COUNT);
        let p = (reg(uc, regs::P) as i64) >> 3;
        let lr = reg(uc, 30);
        let d0 = uc.reg_read(R::D0).unwrap_or(0);
        let d1 = uc.reg_read(R::D1).unwrap_or(0);
        let Some(run) = uc.get_data_mut().run.as_mut() else {
            let _ = uc.emu_stop();
            return;
        };
        let mut stop: Option<(Result<i64, Stop>, i64)> = None;
        let mut write: Vec<(R, u64)> = Vec::new();
        let mut count_on = None;
        let mut code_write: Option<(u64, Vec<u8>)> = None;
        match Host::ALL.get(slot) {
            Some(Host::Event) => {
                run.sync(count_reg);
                let s = if run.count == 0 {
                    Stop::abort(3)
                } else {
                    Stop::StepLimit
                };
                stop = Some((Err(s), run.site(lr)));
            }
            Some(Host::Sys) => {
                run.sync(count_reg);
                let ipc = run.site(lr);
                match cintcode_sys(&mut run.rt, &mut run.mem, x0 as i64, p) {
                    Ok(SysEffect::Value(v)) => write.push((R::X0, v as u64)),
                    Ok(SysEffect::SetCount(n)) => {
                        write.push((R::X0, run.count as u64));
                        run.count = n;
                        count_on = Some(n >= 0);
                    }
                    Ok(SysEffect::Exit(code)) => stop = Some((Ok(code), ipc)),
                    Err(s) => stop = Some((Err(s), ipc)),
                }
                if stop.is_none() && run.rt.out.overflowed {
                    stop = Some((Err(Stop::OutputLimit), ipc));
                }
                let t = run.ticks();
                run.loaded = t;
                write.push((R::X26, t));
            }
            Some(Host::Fault) => {
                let s = match x9 as i64 {
                    5 => Stop::division_by_zero(),
                    // The code stored f in M[1] before the trap
                    // (cintcode64.md s.13); runtime.md s.6.2's message.
                    14 => Stop::Abort {
                        code: 14,
                        message: format!("Unknown FLT op {}", run.mem.words()[1]),
                    },
                    c => Stop::abort(c),
                };
                stop = Some((Err(s), run.site(lr)));
            }
            Some(Host::BadPc) => {
                stop = Some((Err(bad_pc(x9 as i64, run.gsize)), run.site(lr)));
            }
            Some(Host::Miss) => {
                // Resolve the byte address x9 to native code, translating
                // it now if need be (a switch run here moves on to its
                // target).
                let (mut t, mut now) = (x9 as i64, count_reg);
                loop {
                    if t < 0 || (t >> 3) >= run.mem.len() as i64 {
                        let s = run.fetch_fault(now, Stop::BadJump { target: t });
                        stop = Some((Err(s), t));
                    } else if let Some(n) =
                        run.translated.native_of(t).or(run.extra.get(&t).copied())
                    {
                        // Translated before the run, or since (the first
                        // case only after a switch run here).
                        write.push((R::X9, CODE_ADDR + n as u64));
                    } else {
                        match run.fragment(t) {
                            Ok(Some((off, code))) => {
                                let n = run.extra.get(&t).copied().unwrap_or(0);
                                write.push((R::X9, CODE_ADDR + n as u64));
                                code_write = Some((CODE_ADDR + off, code));
                            }
                            Ok(None) => {
                                let s = match truncated(&run.mem, t, x0 as i64) {
                                    Truncated::Fault(s) => s,
                                    Truncated::InMemory => Stop::BadJump { target: t },
                                    Truncated::Switch(target) => {
                                        // The switch's fetch, then the
                                        // checked fetch of its target
                                        // (s.1.3).
                                        if let Some(s) = run.charge(now) {
                                            stop = Some((Err(s), t));
                                            break;
                                        }
                                        now = run.ticks();
                                        run.loaded = now;
                                        write.push((R::X26, now));
                                        if target as u64 > run.pc_limit {
                                            let s = bad_pc(target, run.gsize);
                                            stop = Some((Err(s), t));
                                            break;
                                        }
                                        t = target;
                                        continue;
                                    }
                                };
                                stop = Some((Err(run.fetch_fault(now, s)), t));
                            }
                            Err(_) => stop = Some((Err(Stop::BadJump { target: t }), t)),
                        }
                    }
                    break;
                }
            }
            Some(Host::Muldiv) => {
                let (q, r) = runtime::sys::muldiv(x9 as i64, x10 as i64, x11 as i64);
                write.push((R::X0, q as u64));
                write.push((R::X9, r as u64));
            }
            Some(Host::Fmod) => {
                let r = runtime::float::fmod32(f64::from_bits(d0), f64::from_bits(d1));
                write.push((R::D0, r.to_bits()));
            }
            Some(Host::FlMk) => {
                let r = runtime::float::fl_mk(x0 as i64, x9 as i64);
                write.push((R::X0, r.to_bits()));
            }
            Some(Host::Selst) => {
                if let Err(s) = selst(&mut run.mem, x0 as i64, x1 as i64, x9) {
                    stop = Some((Err(s), run.site(lr)));
                }
            }
            None => {
                stop = Some((
                    Err(Stop::BadJump {
                        target: addr as i64,
                    }),
                    -1,
                ));
            }
        }
        let stopped = stop.is_some();
        if stopped {
            run.stop = stop;
        }
        for (r, v) in write {
            let _ = uc.reg_write(r, v);
        }
        if let Some((at, code)) = code_write {
            let _ = uc.mem_write(at, &code);
        }
        if let Some(on) = count_on {
            let _ = uc.mem_write(CTX_ADDR + COUNT_ON_SLOT as u64, &(on as u64).to_le_bytes());
        }
        if stopped {
            let _ = uc.emu_stop();
        }
    }

    thread_local! {
        static EMULATOR: RefCell<Option<Emulator>> = const { RefCell::new(None) };
    }

    fn with_emulator<T>(f: impl FnOnce(&mut Emulator) -> Result<T, String>) -> Result<T, String> {
        EMULATOR.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.is_none() {
                *slot = Some(Emulator::new()?);
            }
            let emu = slot.as_mut().ok_or("no emulator")?;
            let r = f(emu);
            if r.is_err() {
                *slot = None;
            }
            r
        })
    }

    pub(super) fn execute(
        linked: &CinLinked,
        layout: &CinLayout,
        translated: Translated,
        config: &RunConfig,
        tee: Option<Box<dyn Write + Send>>,
        opts: &CinOptions,
    ) -> Result<(Outcome, u64), String> {
        let mut mem = Memory::new_page_aligned(0, config.memory_words);
        let mut rt = Runtime::for_run(config, layout.heap.clone(), tee);
        cin_load::initialise(&mut mem, &mut rt, linked, layout)
            .map_err(|s| format!("cannot initialise memory: {s:?}"))?;
        // The engine's call of boot(stacksize): its frame on the boot stack.
        let boot = layout.boot_pc(linked);
        for (i, v) in [0, 0, boot, config.stack_words].into_iter().enumerate() {
            let _ = mem.set(layout.boot_frame + i as i64, v);
        }
        let entry = translated
            .native_of(boot)
            .ok_or("the boot function was not translated")?;
        let budget = if config.step_limit == 0 {
            u64::MAX
        } else {
            config.step_limit
        };
        let pc_limit = (config.memory_words as u64)
            .saturating_sub(1)
            .saturating_mul(8);
        let regs_in = [
            (regs::A, config.stack_words as u64),
            (regs::P, (layout.boot_frame * 8) as u64),
            (regs::G, (layout.gbase * 8) as u64),
            (regs::ST, CTX_ADDR),
            (regs::COUNT, budget),
            (regs::TABLE, TABLE_ADDR),
            (regs::CODE, CODE_ADDR),
            (regs::TABLE_LEN, translated.table.len() as u64),
            (regs::PC_LIMIT, pc_limit),
            (regs::TABLE_LO, translated.table_lo as u64),
        ];
        let state = State {
            mem,
            rt,
            translated,
            gsize: layout.gsize,
            pc_limit,
            count: -1,
            left: budget,
            loaded: budget,
            stop: None,
            bad_address: None,
            instructions: 0,
            mutations: opts.mutations.clone(),
            code_end: 0,
            code_cap: 0,
            extra: Default::default(),
            fragments: Vec::new(),
        };
        // A wall-clock safety net far beyond the Count budget, as at the
        // Sial level (none without a step limit: the budget is unlimited).
        let timeout = if config.step_limit == 0 {
            std::time::Duration::ZERO
        } else {
            crate::engine::SAFETY_NET_MIN + std::time::Duration::from_micros(config.step_limit)
        };
        let (result, pc, x, mut state) = with_emulator(|emu| {
            emu.run(
                state,
                CODE_ADDR + entry as u64,
                &regs_in,
                timeout,
                opts.count_instructions,
            )
        })?;
        state.sync(x[regs::COUNT as usize]);
        let p = (x[regs::P as usize] as i64) >> 3;
        let (result, ipc) = match state.stop.take() {
            Some(s) => s,
            None => {
                let ipc = state.instr_at(pc.wrapping_sub(CODE_ADDR));
                match result {
                    // An access past the end of memory, in its last page.
                    Ok(()) if state.bad_address.is_some() => {
                        let addr = state.bad_address.map_or(-1, |a| (a as i64) >> 3);
                        (Err(Stop::BadAddress { addr }), ipc)
                    }
                    Ok(()) => (Err(Stop::StepLimit), ipc),
                    Err(err) => {
                        use unicorn_engine::uc_error as U;
                        match err {
                            U::READ_UNMAPPED | U::WRITE_UNMAPPED | U::READ_PROT | U::WRITE_PROT => {
                                let addr = state.bad_address.map_or(-1, |a| (a as i64) >> 3);
                                (Err(Stop::BadAddress { addr }), ipc)
                            }
                            other => {
                                return Err(format!(
                                    "emulator: {other:?} at native {pc:#x} (Cintcode {ipc})"
                                ))
                            }
                        }
                    }
                }
            }
        };
        let at = layout.stop_location(linked, &state.mem, ipc, p);
        let ending = state.rt.conclude(&state.mem, result, at);
        let outcome = Outcome {
            stdout: std::mem::take(&mut state.rt.out.stdout),
            ending,
            steps: budget - state.left,
            globals: std::mem::take(&mut state.rt.captured),
            statics: Vec::new(),
        };
        Ok((outcome, state.instructions))
    }
}

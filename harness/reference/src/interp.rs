//! The reference interpreter: the executable semantics of 64-bit Sial.
//!
//! A program is first decoded into [`Ins`], a flat list with labels resolved
//! to indices and load-time constants folded (G never changes, so `lg Gn`
//! becomes a load from a fixed word address; `lf`, `lstr`, `lw`, `lll`
//! become constants). [`Machine::step`] then has one arm per opcode, each
//! citing the section of sial.md that defines it. Nothing here panics on a
//! bad program: wild memory accesses, jumps to non-code values and an
//! exhausted step budget end the run with a classified [`Ending`].

use std::collections::HashMap;
use std::io::Write;

use sial::{Args, Op, Program};

use runtime::library::{self, GLOBWORD, LIBRARY};
use runtime::load::{self, Layout, Linked, LoadError, RunConfig};
use runtime::memory::{Memory, RESULT2};
use runtime::outcome::{Ending, Location, Outcome};
use runtime::{float, sys, Frame, Runtime, Stop};

/// Code addresses of the interpreter: instruction index + CODE_BASE.
pub const CODE_BASE: i64 = 1 << 40;
/// Host (library) functions: library index + HOST_BASE.
pub const HOST_BASE: i64 = 1 << 41;
/// Return address of the boot call: returning here ends the run.
pub const EXIT_ADDR: i64 = 1 << 42;

/// Relation used by comparisons and conditional jumps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rel {
    Eq,
    Ne,
    Ls,
    Gr,
    Le,
    Ge,
}

impl Rel {
    #[inline]
    fn int(self, x: i64, y: i64) -> bool {
        match self {
            Rel::Eq => x == y,
            Rel::Ne => x != y,
            Rel::Ls => x < y,
            Rel::Gr => x > y,
            Rel::Le => x <= y,
            Rel::Ge => x >= y,
        }
    }

    /// IEEE comparison: with a NaN operand only `Ne` holds (sial.md s.8).
    #[inline]
    fn float(self, x: i64, y: i64) -> bool {
        let (x, y) = (f64::from_bits(x as u64), f64::from_bits(y as u64));
        match self {
            Rel::Eq => x == y,
            Rel::Ne => x != y,
            Rel::Ls => x < y,
            Rel::Gr => x > y,
            Rel::Le => x <= y,
            Rel::Ge => x >= y,
        }
    }

    fn from_index(i: u8) -> Rel {
        [Rel::Eq, Rel::Ne, Rel::Ls, Rel::Gr, Rel::Le, Rel::Ge][i as usize % 6]
    }
}

/// A decoded instruction. Word addresses of globals and statics are folded in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ins {
    Const(i64),
    Lp(u32),
    Llp(u32),
    Ld(i64),
    Sp(u32),
    Sd(i64),
    Ap(u32),
    Ad(i64),
    AddK(i64),
    Lkp(i64, u32),
    Lkd(i64, i64),
    Rv,
    Rvp(u32),
    Rvk(i64),
    St,
    Stp(u32),
    Stk(i64),
    Stkp(i64, u32),
    Skd(i64, i64),
    Xst,
    K(u32),
    Kpg(u32, i64),
    Neg,
    Not,
    Abs,
    Mul,
    Div,
    Xdiv,
    Mod,
    Xmod,
    Add,
    Sub,
    Xsub,
    Rel(Rel),
    Rel0(Rel),
    Lsh,
    Rsh,
    And,
    Or,
    Xor,
    Eqv,
    Gbyt,
    Xgbyt,
    Pbyt,
    Xpbyt,
    Swb(u32),
    Swl(u32),
    Xch,
    Atb,
    Atc,
    Bta,
    Btc,
    Atblp(u32),
    Atbld(i64),
    Atbl(i64),
    J(u32),
    Rtn,
    Goto,
    Ikp(i64, u32),
    Ikd(i64, i64),
    Ip(u32),
    Id(i64),
    Jrel(Rel, u32),
    Jrel0(Rel, u32),
    Jge0m(u32),
    Brk,
    Nop,
    Chgco,
    Mdiv,
    Sys,
    Float,
    Fix,
    Fabs,
    Fmul,
    Fdiv,
    Fxdiv,
    Fmod,
    Fxmod,
    Fadd,
    Fsub,
    Fxsub,
    Fneg,
    Frel(Rel),
    Frel0(Rel),
    Jfrel(Rel, u32),
    Jfrel0(Rel, u32),
    Res,
    Ldres,
    Selld(u8, u8),
    Selst(u8, u8, u8),
    Xselst(u8, u8, u8),
    /// Placed after each module's code: control fell off the end.
    FellOff,
    // Superinstructions: two adjacent Sial instructions in one dispatch
    // (see `fuse`). Each counts as two steps.
    /// sp Pn; lp Pm
    SpLp(u32, u32),
    /// lp Pn; ap Pm
    LpAp(u32, u32),
    /// lp Pn; atblp Pm
    LpAtblp(u32, u32),
    /// lp Pn; rvp Pm
    LpRvp(u32, u32),
    /// lp Pn; atbl K
    LpAtbl(u32, i64),
    /// lp Pn; atb
    LpAtb(u32),
    /// atbl K; jrel L
    AtblJrel(i64, Rel, u32),
    /// atblp Pn; jrel L
    AtblpJrel(u32, Rel, u32),
    /// l K; sp Pn
    ConstSp(i64, u32),
    /// ap Pn; sp Pm
    ApSp(u32, u32),
    /// l K; atblp Pn
    ConstAtblp(i64, u32),
    /// atbl K; mul (likewise div, mod, lsh, rsh)
    AtblMul(i64),
    AtblDiv(i64),
    AtblMod(i64),
    AtblLsh(i64),
    AtblRsh(i64),
    /// ikp K Pn; jrel0 L
    IkpJrel0(i64, u32, Rel, u32),
    /// lp Pn; jrel0 L
    LpJrel0(u32, Rel, u32),
    /// lf/l (the function); k Pn
    ConstK(i64, u32),
    /// atblp Pn; mul (likewise mod)
    AtblpMul(u32),
    AtblpMod(u32),
    /// and; sp Pn
    AndSp(u32),
    /// lp Pn; kpg Pm Gg
    LpKpg(u32, u32, i64),
    /// lp Pn; sp Pm
    LpSp(u32, u32),
    /// stkp K Pn; lp Pm
    StkpLp(i64, u32, u32),
    /// lg/ll; stkp K Pn
    LdStkp(i64, i64, u32),
    /// lkp K Pn; sp Pm
    LkpSp(i64, u32, u32),
    /// lkg K Gg; sp Pm
    LkdSp(i64, i64, u32),
    /// sp Pn; lg/ll
    SpLd(u32, i64),
    /// lg/ll; jrel0 L
    LdJrel0(i64, Rel, u32),
    /// l K; stkp K Pn
    ConstStkp(i64, i64, u32),
    /// atb; l K
    AtbConst(i64),
    /// ap Pn; atbl K
    ApAtbl(u32, i64),
    /// atblp Pn; or
    AtblpOr(u32),
}

impl Ins {
    /// Whether control may go elsewhere than to the next instruction
    /// (faults aside): the last instruction of a block (see [`Cell::rem`]).
    pub fn ends_block(self) -> bool {
        matches!(
            self,
            Ins::J(_)
                | Ins::Jrel(..)
                | Ins::Jrel0(..)
                | Ins::Jge0m(_)
                | Ins::Jfrel(..)
                | Ins::Jfrel0(..)
                | Ins::Swb(_)
                | Ins::Swl(_)
                | Ins::K(_)
                | Ins::Kpg(..)
                | Ins::Rtn
                | Ins::Goto
                | Ins::Chgco
                | Ins::Mdiv
                | Ins::Sys
                | Ins::Brk
                | Ins::FellOff
                | Ins::AtblJrel(..)
                | Ins::AtblpJrel(..)
                | Ins::IkpJrel0(..)
                | Ins::LpJrel0(..)
                | Ins::ConstK(..)
                | Ins::LpKpg(..)
                | Ins::LdJrel0(..)
        )
    }
}

/// The superinstruction for the pair `x; y`, if there is one.
fn fuse(x: Ins, y: Ins) -> Option<Ins> {
    Some(match (x, y) {
        (Ins::Sp(n), Ins::Lp(m)) => Ins::SpLp(n, m),
        (Ins::Lp(n), Ins::Ap(m)) => Ins::LpAp(n, m),
        (Ins::Lp(n), Ins::Atblp(m)) => Ins::LpAtblp(n, m),
        (Ins::Lp(n), Ins::Rvp(m)) => Ins::LpRvp(n, m),
        (Ins::Lp(n), Ins::Atbl(k)) => Ins::LpAtbl(n, k),
        (Ins::Lp(n), Ins::Atb) => Ins::LpAtb(n),
        (Ins::Atbl(k), Ins::Jrel(r, t)) => Ins::AtblJrel(k, r, t),
        (Ins::Atblp(n), Ins::Jrel(r, t)) => Ins::AtblpJrel(n, r, t),
        (Ins::Const(k), Ins::Sp(n)) => Ins::ConstSp(k, n),
        (Ins::Ap(n), Ins::Sp(m)) => Ins::ApSp(n, m),
        (Ins::Const(k), Ins::Atblp(n)) => Ins::ConstAtblp(k, n),
        (Ins::Atbl(k), Ins::Mul) => Ins::AtblMul(k),
        (Ins::Atbl(k), Ins::Div) => Ins::AtblDiv(k),
        (Ins::Atbl(k), Ins::Mod) => Ins::AtblMod(k),
        (Ins::Atbl(k), Ins::Lsh) => Ins::AtblLsh(k),
        (Ins::Atbl(k), Ins::Rsh) => Ins::AtblRsh(k),
        (Ins::Ikp(k, n), Ins::Jrel0(r, t)) => Ins::IkpJrel0(k, n, r, t),
        (Ins::Lp(n), Ins::Jrel0(r, t)) => Ins::LpJrel0(n, r, t),
        (Ins::Const(f), Ins::K(n)) => Ins::ConstK(f, n),
        (Ins::Atblp(n), Ins::Mul) => Ins::AtblpMul(n),
        (Ins::Atblp(n), Ins::Mod) => Ins::AtblpMod(n),
        (Ins::And, Ins::Sp(n)) => Ins::AndSp(n),
        (Ins::Lp(n), Ins::Kpg(m, addr)) => Ins::LpKpg(n, m, addr),
        (Ins::Lp(n), Ins::Sp(m)) => Ins::LpSp(n, m),
        (Ins::Stkp(k, n), Ins::Lp(m)) => Ins::StkpLp(k, n, m),
        (Ins::Ld(addr), Ins::Stkp(k, n)) => Ins::LdStkp(addr, k, n),
        (Ins::Lkp(k, n), Ins::Sp(m)) => Ins::LkpSp(k, n, m),
        (Ins::Lkd(k, addr), Ins::Sp(m)) => Ins::LkdSp(k, addr, m),
        (Ins::Sp(n), Ins::Ld(addr)) => Ins::SpLd(n, addr),
        (Ins::Ld(addr), Ins::Jrel0(r, t)) => Ins::LdJrel0(addr, r, t),
        (Ins::Const(c), Ins::Stkp(k, n)) => Ins::ConstStkp(c, k, n),
        (Ins::Atb, Ins::Const(k)) => Ins::AtbConst(k),
        (Ins::Ap(n), Ins::Atbl(k)) => Ins::ApAtbl(n, k),
        (Ins::Atblp(n), Ins::Or) => Ins::AtblpOr(n),
        _ => return None,
    })
}

/// An instruction as the loops run it: with `rem`, the steps from it to the
/// end of its block, that is up to and including the next instruction that
/// may transfer control elsewhere than to the next one (a jump, call,
/// return, switch, `sys`, `FellOff`). The fast loop charges these steps
/// when control arrives at an instruction by a transfer, so it checks the
/// budget once per block; a run that stops inside a block gets back what it
/// did not execute, so step counts stay exact. Kept beside the instruction
/// (one load, and a power-of-two size for index arithmetic).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cell {
    pub ins: Ins,
    pub rem: u32,
    /// The cell's own index (a return address without pointer arithmetic).
    pub index: u32,
}

const _: () = assert!(std::mem::size_of::<Cell>() == 32);

/// A decoded, linked program ready to run.
pub struct Image {
    /// The plain instructions (the careful loop runs these).
    pub code: Vec<Cell>,
    /// `code` with superinstructions: fused[i] covers code[i] and code[i+1]
    /// when the pair fuses; fused[i+1] is still the plain instruction, so a
    /// jump to i+1 behaves as before.
    pub fused: Vec<Cell>,
    /// Per instruction: module index and index in the module's `instrs`
    /// ([`FELL_OFF_END`] for the sentinel after a module's code).
    locs: Vec<(u32, u32)>,
    /// Per module: code label (L) -> instruction index.
    labels: Vec<HashMap<u32, u32>>,
    swb: Vec<(u32, Vec<(i64, u32)>)>,
    swl: Vec<(u32, Vec<u32>)>,
}

/// `locs` index of the [`Ins::FellOff`] sentinel that ends each module.
const FELL_OFF_END: u32 = u32::MAX;

impl Image {
    /// Decode `linked` with the data addresses of `layout`.
    pub fn build(linked: &Linked, layout: &Layout) -> Result<Image, LoadError> {
        let mut code: Vec<Ins> = Vec::new();
        let mut img = Image {
            code: Vec::new(),
            fused: Vec::new(),
            locs: Vec::new(),
            labels: Vec::new(),
            swb: Vec::new(),
            swl: Vec::new(),
        };
        for (mi, m) in linked.modules.iter().enumerate() {
            // Pass 1: where each code label lands.
            let mut l_labels = HashMap::new();
            let mut m_labels = HashMap::new();
            let mut n = code.len() as u32;
            for i in &m.instrs {
                match (&i.op, &i.args) {
                    (Op::Lab, Args::L(l)) => {
                        l_labels.insert(*l, n);
                    }
                    (Op::Mlab, Args::M(l)) => {
                        m_labels.insert(*l, n);
                    }
                    (op, _) if op.is_directive() => {}
                    _ => n += 1,
                }
            }
            // Pass 2: decode.
            let data = &layout.data[mi];
            let g = |n: &u32| layout.gbase + *n as i64;
            let code_l = |l: &u32| -> Result<u32, LoadError> {
                l_labels.get(l).copied().ok_or_else(|| {
                    LoadError(format!("{}: L{} is not a code label", linked.files[mi], l))
                })
            };
            let stat = |l: &u32| -> Result<i64, LoadError> {
                data.statics.get(l).copied().ok_or_else(|| {
                    LoadError(format!("{}: L{} is not a static", linked.files[mi], l))
                })
            };
            for (index, i) in m.instrs.iter().enumerate() {
                let ins = match (i.op, &i.args) {
                    (op, _) if op.is_directive() => continue,
                    (Op::Lp, Args::P(n)) => Ins::Lp(*n),
                    (Op::Lg, Args::G(n)) => Ins::Ld(g(n)),
                    (Op::Ll, Args::L(l)) => Ins::Ld(stat(l)?),
                    (Op::Llp, Args::P(n)) => Ins::Llp(*n),
                    (Op::Llg, Args::G(n)) => Ins::Const(g(n)),
                    (Op::Lll, Args::L(l)) => Ins::Const(stat(l)?),
                    (Op::Lf, Args::L(l)) => Ins::Const(CODE_BASE + code_l(l)? as i64),
                    (Op::Lw, Args::M(l)) => Ins::Const(*data.consts.get(l).ok_or_else(|| {
                        LoadError(format!("{}: M{} is not a const", linked.files[mi], l))
                    })?),
                    (Op::L, Args::K(k)) => Ins::Const(*k),
                    (Op::Lm, Args::K(k)) => Ins::Const(k.wrapping_neg()),
                    (Op::Sp, Args::P(n)) => Ins::Sp(*n),
                    (Op::Sg, Args::G(n)) => Ins::Sd(g(n)),
                    (Op::Sl, Args::L(l)) => Ins::Sd(stat(l)?),
                    (Op::Ap, Args::P(n)) => Ins::Ap(*n),
                    (Op::Ag, Args::G(n)) => Ins::Ad(g(n)),
                    (Op::A, Args::K(k)) => Ins::AddK(*k),
                    (Op::S, Args::K(k)) => Ins::AddK(k.wrapping_neg()),
                    (Op::Lkp, Args::KP(k, n)) => Ins::Lkp(*k, *n),
                    (Op::Lkg, Args::KG(k, n)) => Ins::Lkd(*k, g(n)),
                    (Op::Rv, _) => Ins::Rv,
                    (Op::Rvp, Args::P(n)) => Ins::Rvp(*n),
                    (Op::Rvk, Args::K(k)) => Ins::Rvk(*k),
                    (Op::St, _) => Ins::St,
                    (Op::Stp, Args::P(n)) => Ins::Stp(*n),
                    (Op::Stk, Args::K(k)) => Ins::Stk(*k),
                    (Op::Stkp, Args::KP(k, n)) => Ins::Stkp(*k, *n),
                    (Op::Skg, Args::KG(k, n)) => Ins::Skd(*k, g(n)),
                    (Op::Xst, _) => Ins::Xst,
                    (Op::K, Args::P(n)) => Ins::K(*n),
                    (Op::Kpg, Args::PG(n, gn)) => Ins::Kpg(*n, g(gn)),
                    (Op::Neg, _) => Ins::Neg,
                    (Op::Not, _) => Ins::Not,
                    (Op::Abs, _) => Ins::Abs,
                    (Op::Mul, _) => Ins::Mul,
                    (Op::Div, _) => Ins::Div,
                    (Op::Xdiv, _) => Ins::Xdiv,
                    (Op::Mod, _) => Ins::Mod,
                    (Op::Xmod, _) => Ins::Xmod,
                    (Op::Add, _) => Ins::Add,
                    (Op::Sub, _) => Ins::Sub,
                    (Op::Xsub, _) => Ins::Xsub,
                    (op @ (Op::Eq | Op::Ne | Op::Ls | Op::Gr | Op::Le | Op::Ge), _) => {
                        Ins::Rel(Rel::from_index(op as u8 - Op::Eq as u8))
                    }
                    (op @ (Op::Eq0 | Op::Ne0 | Op::Ls0 | Op::Gr0 | Op::Le0 | Op::Ge0), _) => {
                        Ins::Rel0(Rel::from_index(op as u8 - Op::Eq0 as u8))
                    }
                    (Op::Lsh, _) => Ins::Lsh,
                    (Op::Rsh, _) => Ins::Rsh,
                    (Op::And, _) => Ins::And,
                    (Op::Or, _) => Ins::Or,
                    (Op::Xor, _) => Ins::Xor,
                    (Op::Eqv, _) => Ins::Eqv,
                    (Op::Gbyt, _) => Ins::Gbyt,
                    (Op::Xgbyt, _) => Ins::Xgbyt,
                    (Op::Pbyt, _) => Ins::Pbyt,
                    (Op::Xpbyt, _) => Ins::Xpbyt,
                    (Op::Swb, Args::Swb { default, cases }) => {
                        let cases = cases
                            .iter()
                            .map(|(k, l)| Ok((*k, code_l(l)?)))
                            .collect::<Result<Vec<_>, LoadError>>()?;
                        img.swb.push((code_l(default)?, cases));
                        Ins::Swb(img.swb.len() as u32 - 1)
                    }
                    (Op::Swl, Args::Swl { default, labels }) => {
                        let labels = labels.iter().map(code_l).collect::<Result<Vec<_>, _>>()?;
                        img.swl.push((code_l(default)?, labels));
                        Ins::Swl(img.swl.len() as u32 - 1)
                    }
                    (Op::Xch, _) => Ins::Xch,
                    (Op::Atb, _) => Ins::Atb,
                    (Op::Atc, _) => Ins::Atc,
                    (Op::Bta, _) => Ins::Bta,
                    (Op::Btc, _) => Ins::Btc,
                    (Op::Atblp, Args::P(n)) => Ins::Atblp(*n),
                    (Op::Atblg, Args::G(n)) => Ins::Atbld(g(n)),
                    (Op::Atbl, Args::K(k)) => Ins::Atbl(*k),
                    (Op::J, Args::L(l)) => Ins::J(code_l(l)?),
                    (Op::Rtn, _) => Ins::Rtn,
                    (Op::Goto, _) => Ins::Goto,
                    (Op::Ikp, Args::KP(k, n)) => Ins::Ikp(*k, *n),
                    (Op::Ikg, Args::KG(k, n)) => Ins::Ikd(*k, g(n)),
                    (Op::Ikl, Args::KL(k, l)) => Ins::Ikd(*k, stat(l)?),
                    (Op::Ip, Args::P(n)) => Ins::Ip(*n),
                    (Op::Ig, Args::G(n)) => Ins::Id(g(n)),
                    (Op::Il, Args::L(l)) => Ins::Id(stat(l)?),
                    (
                        op @ (Op::Jeq | Op::Jne | Op::Jls | Op::Jgr | Op::Jle | Op::Jge),
                        Args::L(l),
                    ) => Ins::Jrel(Rel::from_index(op as u8 - Op::Jeq as u8), code_l(l)?),
                    (
                        op @ (Op::Jeq0 | Op::Jne0 | Op::Jls0 | Op::Jgr0 | Op::Jle0 | Op::Jge0),
                        Args::L(l),
                    ) => Ins::Jrel0(Rel::from_index(op as u8 - Op::Jeq0 as u8), code_l(l)?),
                    (Op::Jge0m, Args::M(l)) => Ins::Jge0m(*m_labels.get(l).ok_or_else(|| {
                        LoadError(format!("{}: M{} is not an mlab", linked.files[mi], l))
                    })?),
                    (Op::Brk, _) => Ins::Brk,
                    (Op::Nop, _) => Ins::Nop,
                    (Op::Chgco, _) => Ins::Chgco,
                    (Op::Mdiv, _) => Ins::Mdiv,
                    (Op::Sys, _) => Ins::Sys,
                    (Op::Lstr, Args::M(l)) => {
                        Ins::Const(*data.strings.get(l).ok_or_else(|| {
                            LoadError(format!("{}: M{} is not a string", linked.files[mi], l))
                        })?)
                    }
                    (Op::Float, _) => Ins::Float,
                    (Op::Fix, _) => Ins::Fix,
                    (Op::Fabs, _) => Ins::Fabs,
                    (Op::Fmul, _) => Ins::Fmul,
                    (Op::Fdiv, _) => Ins::Fdiv,
                    (Op::Fxdiv, _) => Ins::Fxdiv,
                    (Op::Fmod, _) => Ins::Fmod,
                    (Op::Fxmod, _) => Ins::Fxmod,
                    (Op::Fadd, _) => Ins::Fadd,
                    (Op::Fsub, _) => Ins::Fsub,
                    (Op::Fxsub, _) => Ins::Fxsub,
                    (Op::Fneg, _) => Ins::Fneg,
                    (op @ (Op::Feq | Op::Fne | Op::Fls | Op::Fgr | Op::Fle | Op::Fge), _) => {
                        Ins::Frel(Rel::from_index(op as u8 - Op::Feq as u8))
                    }
                    (op @ (Op::Feq0 | Op::Fne0 | Op::Fls0 | Op::Fgr0 | Op::Fle0 | Op::Fge0), _) => {
                        Ins::Frel0(Rel::from_index(op as u8 - Op::Feq0 as u8))
                    }
                    (
                        op @ (Op::Jfeq | Op::Jfne | Op::Jfls | Op::Jfgr | Op::Jfle | Op::Jfge),
                        Args::L(l),
                    ) => Ins::Jfrel(Rel::from_index(op as u8 - Op::Jfeq as u8), code_l(l)?),
                    (
                        op
                        @ (Op::Jfeq0 | Op::Jfne0 | Op::Jfls0 | Op::Jfgr0 | Op::Jfle0 | Op::Jfge0),
                        Args::L(l),
                    ) => Ins::Jfrel0(Rel::from_index(op as u8 - Op::Jfeq0 as u8), code_l(l)?),
                    (Op::Res, _) => Ins::Res,
                    (Op::Ldres, _) => Ins::Ldres,
                    (Op::Selld, Args::KK(len, sh)) => Ins::Selld(field_u8(*len)?, field_u8(*sh)?),
                    (Op::Selst, Args::KKK(sf, len, sh)) => {
                        Ins::Selst(field_u8(*sf)?, field_u8(*len)?, field_u8(*sh)?)
                    }
                    (Op::Xselst, Args::KKK(sf, len, sh)) => {
                        Ins::Xselst(field_u8(*sf)?, field_u8(*len)?, field_u8(*sh)?)
                    }
                    (op, args) => {
                        return Err(LoadError(format!(
                            "{}:{}: {} with operands of shape {:?}",
                            linked.files[mi],
                            i.pos.line,
                            op,
                            args.shape()
                        )))
                    }
                };
                code.push(ins);
                img.locs.push((mi as u32, index as u32));
            }
            code.push(Ins::FellOff);
            img.locs.push((mi as u32, FELL_OFF_END));
            img.labels.push(l_labels);
        }
        let mut rem = vec![1u32; code.len()];
        for i in (0..code.len().saturating_sub(1)).rev() {
            if !code[i].ends_block() {
                rem[i] = rem[i + 1].saturating_add(1);
            }
        }
        img.code = code
            .iter()
            .zip(&rem)
            .enumerate()
            .map(|(index, (&ins, &rem))| Cell {
                ins,
                rem,
                index: index as u32,
            })
            .collect();
        img.fused = img.code.clone();
        // Where pairs overlap (x; y; z with both x;y and y;z fusable), fuse
        // so that straight-line code from every instruction takes the
        // fewest dispatches: `cost[i]` is that number up to the end of
        // i's block, computed from the end.
        let mut cost = vec![0u32; code.len() + 2];
        for i in (0..code.len()).rev() {
            if code[i].ends_block() {
                cost[i] = 1;
                continue;
            }
            cost[i] = 1 + cost[i + 1];
            if let Some(f) = code.get(i + 1).and_then(|&y| fuse(code[i], y)) {
                let fused = 1 + if f.ends_block() { 0 } else { cost[i + 2] };
                if fused <= cost[i] {
                    img.fused[i].ins = f;
                    cost[i] = fused;
                }
            }
        }
        Ok(img)
    }

    /// Code address of label `l` of module `m`.
    pub fn code_addr(&self, m: usize, l: u32) -> i64 {
        CODE_BASE + self.labels[m].get(&l).copied().unwrap_or(u32::MAX) as i64
    }

    /// The source location of instruction `pc` of the program `linked`
    /// (the one this image was built from); control falling off a module's
    /// end is placed at the module.
    pub fn location(&self, linked: &Linked, pc: usize) -> Option<Location> {
        let (m, index) = *self.locs.get(pc)?;
        if index == FELL_OFF_END {
            let pos = linked.modules.get(m as usize)?.pos;
            return Some(Location {
                file: linked.files.get(m as usize).cloned().unwrap_or_default(),
                line: pos.line,
                col: pos.col,
                function: None,
                offset: None,
            });
        }
        linked.location(m as usize, index as usize)
    }
}

fn field_u8(v: i64) -> Result<u8, LoadError> {
    u8::try_from(v).map_err(|_| LoadError(format!("selector operand {v} out of range")))
}

/// `lsh` (sial.md s.10.3): counts >= 64 or <= -64 give 0; a negative count
/// shifts the other way (logically).
#[inline]
pub fn lsh(v: i64, n: i64) -> i64 {
    if !(-63..=63).contains(&n) {
        0
    } else if n >= 0 {
        ((v as u64) << n) as i64
    } else {
        ((v as u64) >> -n) as i64
    }
}

/// `rsh` (sial.md s.10.3): logical right shift with the rules of `lsh`.
#[inline]
pub fn rsh(v: i64, n: i64) -> i64 {
    if !(-63..=63).contains(&n) {
        0
    } else if n >= 0 {
        ((v as u64) >> n) as i64
    } else {
        ((v as u64) << -n) as i64
    }
}

/// Field mask for SLCT len:sh (sial.md s.9): len 0 means up to bit 63.
#[inline]
pub fn field_mask(len: u8, sh: u8) -> u64 {
    if len == 0 {
        u64::MAX >> (sh & 63)
    } else if len >= 64 {
        u64::MAX
    } else {
        (1u64 << len) - 1
    }
}

#[inline]
fn truth(b: bool) -> i64 {
    -(b as i64)
}

#[inline]
fn f(x: i64) -> f64 {
    f64::from_bits(x as u64)
}

#[inline]
fn w(x: f64) -> i64 {
    x.to_bits() as i64
}

/// The NaN an invalid operation on non-NaN operands produces, made
/// independent of the host: the default NaN of the x86-64 machine the real
/// system was measured on (negative, quiet). NaN operands propagate as the
/// host's IEEE arithmetic gives them. (The spec leaves these bits open; a
/// native AArch64 port produces the positive default NaN, so cases must not
/// depend on them.)
pub const GENERATED_NAN: i64 = 0xFFF8_0000_0000_0000u64 as i64;

/// Apply [`GENERATED_NAN`] to the result `r` of an operation on `x` and `y`.
#[inline]
pub(crate) fn fl(r: f64, x: f64, y: f64) -> i64 {
    if r.is_nan() && !x.is_nan() && !y.is_nan() {
        GENERATED_NAN
    } else {
        w(r)
    }
}

/// The selst operator `sf` applied to the old field value (sial.md s.9).
pub(crate) fn selst_op(mem: &[i64], sf: u8, old: i64, x: i64) -> Result<i64, Stop> {
    Ok(match sf {
        0 => x,
        1 => {
            let addr = old.wrapping_add(x);
            *mem.get(addr as usize).ok_or(Stop::BadAddress { addr })?
        }
        2 => fl(f(old) * f(x), f(old), f(x)),
        3 => fl(f(old) / f(x), f(old), f(x)),
        4 => fl(float::fmod32(f(old), f(x)), f(old), f(x)),
        5 => fl(f(old) + f(x), f(old), f(x)),
        6 => fl(f(old) - f(x), f(old), f(x)),
        7 => old.wrapping_mul(x),
        8 => {
            if x == 0 {
                return Err(Stop::division_by_zero());
            }
            old.wrapping_div(x)
        }
        9 => {
            if x == 0 {
                return Err(Stop::division_by_zero());
            }
            old.wrapping_rem(x)
        }
        10 => old.wrapping_add(x),
        11 => old.wrapping_sub(x),
        12 => lsh(old, x),
        13 => rsh(old, x),
        14 => old & x,
        15 => old | x,
        16 => !(old ^ x),
        17 => old ^ x,
        _ => 0,
    })
}

/// Why the instruction loop handed control back to [`execute`].
enum Event {
    /// `start`'s boot function returned: the run is over.
    Exit(i64),
    /// A call of library function `index` with new frame `np`.
    Host { index: usize, np: i64 },
    /// The `sys` instruction with frame `np`.
    Sys { np: i64 },
    /// Something ended the run.
    Stop(Stop),
    /// Fewer steps are left than the block at `pc` has: go on in the
    /// careful loop (which ends the run within that block).
    Careful,
}

/// The registers of the abstract machine (sial.md s.1.2); `pc` is an
/// instruction index.
#[derive(Clone, Copy, Debug, Default)]
pub struct Registers {
    pub a: i64,
    pub b: i64,
    pub c: i64,
    pub r: i64,
    pub p: i64,
    pub pc: usize,
}

/// Classify a call target that is not code: an unset global is fault 4
/// (`Gn unassigned`, as in cintsys64), anything else a bad jump.
fn bad_call(target: i64, gsize: i64) -> Stop {
    let n = target.wrapping_sub(GLOBWORD);
    if (0..gsize).contains(&n) {
        Stop::Abort {
            code: 4,
            message: format!("G{n} unassigned"),
        }
    } else {
        Stop::BadJump { target }
    }
}

/// Run from `regs` until the boot function returns or something stops the
/// run. `fuel` is the remaining step budget and is decremented per
/// instruction. Memory must start at word address 0.
fn execute(
    img: &Image,
    mem: &mut Memory,
    rt: &mut Runtime,
    regs: &mut Registers,
    fuel: &mut u64,
    gsize: i64,
) -> Result<i64, Stop> {
    debug_assert_eq!(mem.base(), 0);
    loop {
        let gbase = mem.gbase;
        let mut event = run_until_event::<false>(
            img,
            mem.words_mut(),
            gbase,
            regs,
            fuel,
            gsize,
            &mut rt.host_r2,
        );
        if let Event::Careful = event {
            event = run_until_event::<true>(
                img,
                mem.words_mut(),
                gbase,
                regs,
                fuel,
                gsize,
                &mut rt.host_r2,
            );
        }
        match event {
            Event::Exit(code) => return Ok(code),
            Event::Host { index, np } => {
                // The frame is built; the host function runs to completion.
                regs.a = library::call(index, rt, mem, Frame { np })?;
                regs.pc += 1;
            }
            Event::Sys { np } => {
                regs.a = sys::sys(rt, mem, Frame { np })?;
                regs.pc += 1;
            }
            Event::Stop(s) => return Err(s),
            Event::Careful => return Err(Stop::StepLimit),
        }
        if rt.out.overflowed {
            // Report the call that wrote too much.
            regs.pc -= 1;
            return Err(Stop::OutputLimit);
        }
    }
}

/// The instruction loop: one arm per opcode, each with the section of
/// sial.md that defines it. Registers live in locals and memory is a plain
/// slice (word address = index); the loop leaves only for host calls, `sys`
/// and the end of the run.
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn run_until_event<const CAREFUL: bool>(
    img: &Image,
    m: &mut [i64],
    gbase: i64,
    regs: &mut Registers,
    fuel: &mut u64,
    gsize: i64,
    host_r2: &mut i64,
) -> Event {
    // The fast loop runs superinstructions on steps charged per block;
    // the careful one runs plain instructions, one step each, so that the
    // step limit falls exactly.
    let code = if CAREFUL {
        &img.code[..]
    } else {
        &img.fused[..]
    };
    let Registers {
        mut a,
        mut b,
        mut c,
        mut r,
        mut p,
        pc,
    } = *regs;
    debug_assert!(img.code.len() == img.fused.len() && pc < code.len());
    let mut left = *fuel;
    // Charge the block entered at `pc` (see `Cell::rem`).
    if !CAREFUL {
        let k = code[pc].rem as u64;
        if left < k {
            return Event::Careful;
        }
        left -= k;
    }
    let code_index = |target: i64| -> Option<usize> {
        let i = target.wrapping_sub(CODE_BASE);
        ((i as u64) < code.len() as u64).then_some(i as usize)
    };
    // The current instruction, as a pointer into `code` (stepping a pointer
    // is cheaper than indexing on every dispatch); its index is `pc!()`.
    let base = code.as_ptr();
    // SAFETY: pc < code.len() (checked by every caller's jump).
    let mut ip = unsafe { base.add(pc) };
    macro_rules! pc {
        () => {
            // SAFETY: `ip` always points into `code`.
            unsafe { (*ip).index as usize }
        };
    }
    let event = 'run: loop {
        // Transfer control to instruction `t` (a valid index), charging the
        // steps of the block that starts there; with too few steps left,
        // leave for the careful loop, which counts them one by one.
        macro_rules! goto {
            ($t:expr) => {{
                let t: usize = $t;
                // SAFETY: every `t` is a decoded label index or checked by
                // `code_index`, so t < code.len().
                enter!(unsafe { base.add(t) })
            }};
        }
        // Transfer control to the instruction at `cell`, which is in `code`.
        macro_rules! enter {
            ($cell:expr) => {{
                let cell: *const Cell = $cell;
                if !CAREFUL {
                    // SAFETY: `cell` points into `code`.
                    let k = unsafe { (*cell).rem } as u64;
                    // One subtraction whose borrow is the test.
                    let (rest, short) = left.overflowing_sub(k);
                    if short {
                        std::hint::cold_path();
                        ip = cell;
                        break 'run Event::Careful;
                    }
                    left = rest;
                }
                ip = cell;
                continue 'run;
            }};
        }
        // A conditional jump to `t`; otherwise on to the next block.
        macro_rules! branch {
            ($cond:expr, $t:expr) => {{
                if $cond {
                    goto!($t as usize)
                } else {
                    // SAFETY: a conditional jump is never the last
                    // instruction (that is `FellOff`).
                    enter!(unsafe { ip.add(1) })
                }
            }};
        }
        // Load and store a word; a miss leaves the loop as BadAddress.
        macro_rules! rd {
            ($addr:expr) => {{
                let ad: i64 = $addr;
                match m.get(ad as usize) {
                    Some(v) => *v,
                    None => {
                        std::hint::cold_path();
                        break 'run Event::Stop(Stop::BadAddress { addr: ad });
                    }
                }
            }};
        }
        macro_rules! wr {
            ($addr:expr, $v:expr) => {{
                let ad: i64 = $addr;
                let v: i64 = $v;
                match m.get_mut(ad as usize) {
                    Some(x) => *x = v,
                    None => {
                        std::hint::cold_path();
                        break 'run Event::Stop(Stop::BadAddress { addr: ad });
                    }
                }
            }};
        }
        macro_rules! fault {
            ($stop:expr) => {{
                std::hint::cold_path();
                break 'run Event::Stop($stop);
            }};
        }
        macro_rules! jump {
            ($target:expr) => {{
                let t: i64 = $target;
                match code_index(t) {
                    Some(i) => goto!(i),
                    None => fault!(Stop::BadJump { target: t }),
                }
            }};
        }
        // Call `entry` with first argument `arg` and new frame P+n (s.5.2).
        macro_rules! call {
            ($n:expr, $entry:expr, $arg:expr) => {{
                let (entry, arg): (i64, i64) = ($entry, $arg);
                let np = p.wrapping_add($n as i64);
                let frame = [p.wrapping_mul(8), CODE_BASE + pc!() as i64 + 1, entry, arg];
                // One bounds check for the four words; when it fails, the
                // word-by-word stores find the first bad address.
                if (np as u64) < (m.len() as u64).saturating_sub(3) {
                    // SAFETY: np + 3 < m.len(), checked just above.
                    unsafe {
                        let words = m.as_mut_ptr().add(np as usize);
                        for (i, v) in frame.into_iter().enumerate() {
                            *words.add(i) = v;
                        }
                    }
                } else {
                    for (i, v) in frame.into_iter().enumerate() {
                        wr!(np.wrapping_add(i as i64), v);
                    }
                }
                if let Some(t) = code_index(entry) {
                    p = np;
                    a = arg;
                    goto!(t);
                }
                std::hint::cold_path();
                let h = entry.wrapping_sub(HOST_BASE);
                if (h as u64) < LIBRARY.len() as u64 {
                    break 'run Event::Host {
                        index: h as usize,
                        np,
                    };
                }
                fault!(bad_call(entry, gsize));
            }};
        }
        // Return from the frame at P (s.5.3): PC := P!1, P := P!0 / 8.
        macro_rules! ret {
            () => {{
                // One bounds check for P!0 and P!1 when it succeeds.
                let (link, target) = if (p as u64) < (m.len() as u64).saturating_sub(1) {
                    // SAFETY: p + 1 < m.len(), checked just above.
                    unsafe { (*m.as_ptr().add(p as usize), *m.as_ptr().add(p as usize + 1)) }
                } else {
                    let target = rd!(p.wrapping_add(1));
                    (rd!(p), target)
                };
                p = link >> 3;
                if let Some(i) = code_index(target) {
                    goto!(i);
                }
                std::hint::cold_path();
                if target == EXIT_ADDR {
                    break 'run Event::Exit(a);
                }
                fault!(Stop::BadJump { target });
            }};
        }

        if CAREFUL {
            if left == 0 {
                fault!(Stop::StepLimit);
            }
            left -= 1;
        }
        // SAFETY: `ip` points into `code`: every jump target is checked
        // (decoded labels, `code_index`), and the next instruction follows
        // only one that is not the last of the code, which is `FellOff` (it
        // never falls through).
        let ins = unsafe { &(*ip).ins };
        // The second half of a superinstruction: one more step, next pc.
        macro_rules! second {
            () => {{
                // SAFETY: the first half of a pair is not the last instruction.
                ip = unsafe { ip.add(1) };
            }};
        }
        // Matching on the place (not a copy) loads each arm's operands in
        // that arm only.
        match *ins {
            // s.3.1 l/lm/lw/lf/lll/llg/lstr: A := constant (folded at load)
            Ins::Const(k) => a = k,
            // s.3.1 lp: A := P!n
            Ins::Lp(n) => a = rd!(p.wrapping_add(n as i64)),
            // s.3.1 llp: A := P+n (word address of local n)
            Ins::Llp(n) => a = p.wrapping_add(n as i64),
            // s.3.1 lg/ll: A := G!n / !Ln
            Ins::Ld(addr) => a = rd!(addr),
            // s.3.1 sp: P!n := A
            Ins::Sp(n) => wr!(p.wrapping_add(n as i64), a),
            // s.3.1 sg/sl: G!n := A / !Ln := A
            Ins::Sd(addr) => wr!(addr, a),
            // s.3.1 ap: A := A + P!n
            Ins::Ap(n) => a = a.wrapping_add(rd!(p.wrapping_add(n as i64))),
            // s.3.1 ag: A := A + G!n
            Ins::Ad(addr) => a = a.wrapping_add(rd!(addr)),
            // s.3.1 a/s: A := A + k / A - k
            Ins::AddK(k) => a = a.wrapping_add(k),
            // s.3.1 lkp: A := m[P!n + k]
            Ins::Lkp(k, n) => a = rd!(rd!(p.wrapping_add(n as i64)).wrapping_add(k)),
            // s.3.1 lkg: A := m[G!n + k]
            Ins::Lkd(k, addr) => a = rd!(rd!(addr).wrapping_add(k)),
            // s.3.1 rv: A := m[A]
            Ins::Rv => a = rd!(a),
            // s.3.1 rvp: A := m[P!n + A]
            Ins::Rvp(n) => a = rd!(rd!(p.wrapping_add(n as i64)).wrapping_add(a)),
            // s.3.1 rvk: A := m[A + k]
            Ins::Rvk(k) => a = rd!(a.wrapping_add(k)),
            // s.3.1 st: m[A] := B
            Ins::St => wr!(a, b),
            // s.3.1 stp: m[P!n + A] := B
            Ins::Stp(n) => wr!(rd!(p.wrapping_add(n as i64)).wrapping_add(a), b),
            // s.3.1 stk: m[A + k] := B
            Ins::Stk(k) => wr!(a.wrapping_add(k), b),
            // s.3.1 stkp: m[P!n + k] := A
            Ins::Stkp(k, n) => wr!(rd!(p.wrapping_add(n as i64)).wrapping_add(k), a),
            // s.3.1 skg: m[G!n + k] := A
            Ins::Skd(k, addr) => wr!(rd!(addr).wrapping_add(k), a),
            // s.3.1 xst: m[B] := A
            Ins::Xst => wr!(b, a),
            // s.3.2, s.5.2 k: call A with first argument B, new frame P+n
            Ins::K(n) => call!(n, a, b),
            // s.3.2, s.5.2 kpg: call G!g with first argument A, new frame P+n
            Ins::Kpg(n, addr) => call!(n, rd!(addr), a),
            // s.3.3 neg: A := -A (wrapping; -MIN_INT = MIN_INT, s.10.2)
            Ins::Neg => a = a.wrapping_neg(),
            // s.3.3 not: bitwise complement
            Ins::Not => a = !a,
            // s.3.3 abs: ABS MIN_INT = MIN_INT
            Ins::Abs => a = a.wrapping_abs(),
            // s.3.3 mul: A := B * A (low 64 bits)
            Ins::Mul => a = b.wrapping_mul(a),
            // s.3.3, s.10.1 div: A := B / A; by zero fault 5; MIN/-1 = MIN
            Ins::Div => {
                if a == 0 {
                    fault!(Stop::division_by_zero());
                }
                a = b.wrapping_div(a);
            }
            // s.3.3 xdiv: A := A / B
            Ins::Xdiv => {
                if b == 0 {
                    fault!(Stop::division_by_zero());
                }
                a = a.wrapping_div(b);
            }
            // s.3.3, s.10.1 mod: A := B MOD A (sign of B); MIN MOD -1 = 0
            Ins::Mod => {
                if a == 0 {
                    fault!(Stop::division_by_zero());
                }
                a = b.wrapping_rem(a);
            }
            // s.3.3 xmod: A := A MOD B
            Ins::Xmod => {
                if b == 0 {
                    fault!(Stop::division_by_zero());
                }
                a = a.wrapping_rem(b);
            }
            // s.3.3 add/sub/xsub
            Ins::Add => a = b.wrapping_add(a),
            Ins::Sub => a = b.wrapping_sub(a),
            Ins::Xsub => a = a.wrapping_sub(b),
            // s.3.3 eq..ge: A := (B rel A) ? -1 : 0
            Ins::Rel(rel) => a = truth(rel.int(b, a)),
            // s.3.3 eq0..ge0: A := (A rel 0) ? -1 : 0
            Ins::Rel0(rel) => a = truth(rel.int(a, 0)),
            // s.3.3, s.10.3 lsh/rsh: B shifted by A
            Ins::Lsh => a = lsh(b, a),
            Ins::Rsh => a = rsh(b, a),
            // s.3.3 and/or/xor/eqv
            Ins::And => a &= b,
            Ins::Or => a |= b,
            Ins::Xor => a ^= b,
            Ins::Eqv => a = !(b ^ a),
            // s.3.4 gbyt: A := byte 8*B + A (zero-extended)
            Ins::Gbyt => {
                let ba = b.wrapping_mul(8).wrapping_add(a);
                a = (rd!(ba >> 3) >> ((ba & 7) * 8)) & 255;
            }
            // s.3.4 xgbyt: A := byte 8*A + B
            Ins::Xgbyt => {
                let ba = a.wrapping_mul(8).wrapping_add(b);
                a = (rd!(ba >> 3) >> ((ba & 7) * 8)) & 255;
            }
            // s.3.4 pbyt: byte 8*B + A := C & 255
            Ins::Pbyt => {
                std::hint::cold_path();
                let ba = b.wrapping_mul(8).wrapping_add(a);
                let (sh, old) = ((ba & 7) * 8, rd!(ba >> 3));
                wr!(ba >> 3, (old & !(255 << sh)) | ((c & 255) << sh));
            }
            // s.3.4 xpbyt: byte 8*A + B := C & 255
            Ins::Xpbyt => {
                std::hint::cold_path();
                let ba = a.wrapping_mul(8).wrapping_add(b);
                let (sh, old) = ((ba & 7) * 8, rd!(ba >> 3));
                wr!(ba >> 3, (old & !(255 << sh)) | ((c & 255) << sh));
            }
            // s.7.2 swb: implicit binary tree, node j has children 2j (greater) and 2j+1
            Ins::Swb(t) => {
                let (default, cases) = &img.swb[t as usize];
                let mut j = 1usize;
                let mut target = *default;
                while let Some(&(k, l)) = cases.get(j - 1) {
                    if a == k {
                        target = l;
                        break;
                    }
                    j = if a < k { 2 * j + 1 } else { 2 * j };
                }
                goto!(target as usize);
            }
            // s.7.1 swl: if 0 <= A < n jump to L(A), else default
            Ins::Swl(t) => {
                let (default, labels) = &img.swl[t as usize];
                goto!(match usize::try_from(a).ok().and_then(|i| labels.get(i)) {
                    Some(l) => *l as usize,
                    None => *default as usize,
                });
            }
            // s.3.5 register moves
            Ins::Xch => std::mem::swap(&mut a, &mut b),
            Ins::Atb => b = a,
            Ins::Atc => {
                std::hint::cold_path();
                c = a
            }
            Ins::Bta => a = b,
            Ins::Btc => {
                std::hint::cold_path();
                c = b
            }
            // s.3.5 atblp/atblg/atbl: B := A; A := P!n / G!n / k
            Ins::Atblp(n) => {
                b = a;
                a = rd!(p.wrapping_add(n as i64));
            }
            Ins::Atbld(addr) => {
                b = a;
                a = rd!(addr);
            }
            Ins::Atbl(k) => {
                b = a;
                a = k;
            }
            // s.3.2 j
            Ins::J(t) => goto!(t as usize),
            // s.3.2, s.5.3 rtn
            Ins::Rtn => ret!(),
            // s.3.2 goto: PC := A, P unchanged
            Ins::Goto => jump!(a),
            // s.3.6 ikp/ikg/ikl: A := x + k; x := A
            Ins::Ikp(k, n) => {
                let addr = p.wrapping_add(n as i64);
                a = rd!(addr).wrapping_add(k);
                wr!(addr, a);
            }
            Ins::Ikd(k, addr) => {
                a = rd!(addr).wrapping_add(k);
                wr!(addr, a);
            }
            // s.3.6 ip/ig/il: A := x + A; x := A
            Ins::Ip(n) => {
                let addr = p.wrapping_add(n as i64);
                a = rd!(addr).wrapping_add(a);
                wr!(addr, a);
            }
            Ins::Id(addr) => {
                a = rd!(addr).wrapping_add(a);
                wr!(addr, a);
            }
            // s.3.2 jeq..jge: jump if B rel A
            Ins::Jrel(rel, t) => {
                branch!(rel.int(b, a), t);
            }
            // s.3.2 jeq0..jge0: jump if A rel 0
            Ins::Jrel0(rel, t) => {
                branch!(rel.int(a, 0), t);
            }
            // s.3.2 jge0m: jump to mlab if A >= 0
            Ins::Jge0m(t) => {
                branch!(a >= 0, t);
            }
            // s.3.9 brk: fault 2
            Ins::Brk => fault!(Stop::abort(2)),
            // s.3.9 nop
            Ins::Nop => {}
            // s.3.9, s.6.3 chgco: PC := P!1; m[G!7] := P!0; G!7 := P!4; P := decode(m[P!4])
            Ins::Chgco => {
                // One bounds check for P!0..P!4 when it succeeds (P!4 is
                // read after the store, which may change it).
                let ok = (p as u64) < (m.len() as u64).saturating_sub(4);
                let (target, saved) = if ok {
                    // SAFETY: p + 4 < m.len(), checked just above.
                    unsafe { (*m.as_ptr().add(p as usize + 1), *m.as_ptr().add(p as usize)) }
                } else {
                    let target = rd!(p.wrapping_add(1));
                    (target, rd!(p))
                };
                let currco = rd!(gbase + sys::CURRCO);
                wr!(currco, saved);
                let cptr = if ok {
                    // SAFETY: as above.
                    unsafe { *m.as_ptr().add(p as usize + 4) }
                } else {
                    rd!(p.wrapping_add(4))
                };
                wr!(gbase + sys::CURRCO, cptr);
                p = rd!(cptr) >> 3;
                jump!(target);
            }
            // s.3.9, s.6.4 mdiv: A := muldiv(P!3, P!4, P!5); result2 := remainder; return
            Ins::Mdiv => {
                std::hint::cold_path();
                let (q, rem) = sys::muldiv(rd!(p + 3), rd!(p + 4), rd!(p + 5));
                wr!(gbase + RESULT2, rem);
                // The host's result2 too: Sys_flt copies it into G10 (runtime.md s.7.3).
                *host_r2 = rem;
                a = q;
                ret!();
            }
            // s.3.9 sys: A := sys(P!3, P!4, ...) and continue (run by the host)
            Ins::Sys => {
                std::hint::cold_path();
                break 'run Event::Sys { np: p };
            }
            // s.3.7, s.8 float: integer to double, round to nearest even
            Ins::Float => a = w(a as f64),
            // s.3.7, s.8 fix: round half away from zero via x +- 0.5; NaN/range -> MIN_INT
            Ins::Fix => a = float::fix(f(a)),
            // s.3.7, s.8 fabs: -x if x < 0 (so #ABS -0.0 = -0.0)
            Ins::Fabs => a = w(float::fabs(f(a))),
            // s.3.7 float arithmetic, B op A (x-forms A op B)
            Ins::Fmul => a = fl(f(b) * f(a), f(b), f(a)),
            Ins::Fdiv => a = fl(f(b) / f(a), f(b), f(a)),
            Ins::Fxdiv => a = fl(f(a) / f(b), f(a), f(b)),
            // s.3.7, s.8 fmod/fxmod in single precision
            Ins::Fmod => a = fl(float::fmod32(f(b), f(a)), f(b), f(a)),
            Ins::Fxmod => a = fl(float::fmod32(f(a), f(b)), f(a), f(b)),
            Ins::Fadd => a = fl(f(b) + f(a), f(b), f(a)),
            Ins::Fsub => a = fl(f(b) - f(a), f(b), f(a)),
            Ins::Fxsub => a = fl(f(a) - f(b), f(a), f(b)),
            // s.3.7, s.8 fneg: flip the sign bit
            Ins::Fneg => a ^= i64::MIN,
            // s.3.7, s.8 feq..fge: IEEE ordered, NaN false except fne
            Ins::Frel(rel) => a = truth(rel.float(b, a)),
            Ins::Frel0(rel) => a = truth(rel.float(a, 0)),
            // s.3.7 jfeq..jfge, jfeq0..jfge0
            Ins::Jfrel(rel, t) => {
                branch!(rel.float(b, a), t);
            }
            Ins::Jfrel0(rel, t) => {
                branch!(rel.float(a, 0), t);
            }
            // s.3.5 res: R := A; ldres: A := R
            Ins::Res => {
                std::hint::cold_path();
                r = a
            }
            Ins::Ldres => {
                std::hint::cold_path();
                a = r
            }
            // s.9 selld: A := field(len, sh) of m[A]
            Ins::Selld(len, sh) => {
                a = (((rd!(a) as u64) >> (sh & 63)) & field_mask(len, sh)) as i64;
            }
            // s.9 selst: field of m[A] := old sf B; xselst: field of m[B] := old sf A
            Ins::Selst(sf, len, sh) | Ins::Xselst(sf, len, sh) => {
                let (addr, x) = if matches!(*ins, Ins::Selst(..)) {
                    (a, b)
                } else {
                    (b, a)
                };
                let word = rd!(addr) as u64;
                let mask = field_mask(len, sh);
                let old = ((word >> (sh & 63)) & mask) as i64;
                let new = match selst_op(m, sf, old, x) {
                    Ok(v) => v,
                    Err(s) => fault!(s),
                };
                wr!(
                    addr,
                    (word ^ ((((new ^ old) as u64) & mask) << (sh & 63))) as i64
                );
            }
            // Control ran past the end of a module's code.
            Ins::FellOff => fault!(Stop::BadJump {
                target: CODE_BASE + pc!() as i64
            }),
            // Superinstructions: the two halves exactly as their arms above.
            Ins::SpLp(n, m2) => {
                wr!(p.wrapping_add(n as i64), a);
                second!();
                a = rd!(p.wrapping_add(m2 as i64));
            }
            Ins::LpAp(n, m2) => {
                a = rd!(p.wrapping_add(n as i64));
                second!();
                a = a.wrapping_add(rd!(p.wrapping_add(m2 as i64)));
            }
            Ins::LpAtblp(n, m2) => {
                a = rd!(p.wrapping_add(n as i64));
                second!();
                b = a;
                a = rd!(p.wrapping_add(m2 as i64));
            }
            Ins::LpRvp(n, m2) => {
                a = rd!(p.wrapping_add(n as i64));
                second!();
                a = rd!(rd!(p.wrapping_add(m2 as i64)).wrapping_add(a));
            }
            Ins::LpAtbl(n, k) => {
                a = rd!(p.wrapping_add(n as i64));
                second!();
                b = a;
                a = k;
            }
            Ins::LpAtb(n) => {
                a = rd!(p.wrapping_add(n as i64));
                second!();
                b = a;
            }
            Ins::AtblJrel(k, rel, t) => {
                b = a;
                a = k;
                second!();
                branch!(rel.int(b, a), t);
            }
            Ins::AtblpJrel(n, rel, t) => {
                b = a;
                a = rd!(p.wrapping_add(n as i64));
                second!();
                branch!(rel.int(b, a), t);
            }
            Ins::ConstSp(k, n) => {
                a = k;
                second!();
                wr!(p.wrapping_add(n as i64), a);
            }
            Ins::ApSp(n, m2) => {
                a = a.wrapping_add(rd!(p.wrapping_add(n as i64)));
                second!();
                wr!(p.wrapping_add(m2 as i64), a);
            }
            Ins::ConstAtblp(k, n) => {
                a = k;
                second!();
                b = a;
                a = rd!(p.wrapping_add(n as i64));
            }
            Ins::AtblMul(k) => {
                (b, a) = (a, k);
                second!();
                a = b.wrapping_mul(a);
            }
            Ins::AtblDiv(k) => {
                (b, a) = (a, k);
                second!();
                if a == 0 {
                    fault!(Stop::division_by_zero());
                }
                a = b.wrapping_div(a);
            }
            Ins::AtblMod(k) => {
                (b, a) = (a, k);
                second!();
                if a == 0 {
                    fault!(Stop::division_by_zero());
                }
                a = b.wrapping_rem(a);
            }
            Ins::AtblLsh(k) => {
                (b, a) = (a, k);
                second!();
                a = lsh(b, a);
            }
            Ins::AtblRsh(k) => {
                (b, a) = (a, k);
                second!();
                a = rsh(b, a);
            }
            Ins::IkpJrel0(k, n, rel, t) => {
                let addr = p.wrapping_add(n as i64);
                a = rd!(addr).wrapping_add(k);
                wr!(addr, a);
                second!();
                branch!(rel.int(a, 0), t);
            }
            Ins::LpJrel0(n, rel, t) => {
                a = rd!(p.wrapping_add(n as i64));
                second!();
                branch!(rel.int(a, 0), t);
            }
            Ins::ConstK(entry, n) => {
                a = entry;
                second!();
                call!(n, a, b);
            }
            Ins::AtblpMul(n) => {
                (b, a) = (a, rd!(p.wrapping_add(n as i64)));
                second!();
                a = b.wrapping_mul(a);
            }
            Ins::AtblpMod(n) => {
                (b, a) = (a, rd!(p.wrapping_add(n as i64)));
                second!();
                if a == 0 {
                    fault!(Stop::division_by_zero());
                }
                a = b.wrapping_rem(a);
            }
            Ins::AndSp(n) => {
                a &= b;
                second!();
                wr!(p.wrapping_add(n as i64), a);
            }
            Ins::LpKpg(n, m2, addr) => {
                a = rd!(p.wrapping_add(n as i64));
                second!();
                call!(m2, rd!(addr), a);
            }
            Ins::LpSp(n, m2) => {
                a = rd!(p.wrapping_add(n as i64));
                second!();
                wr!(p.wrapping_add(m2 as i64), a);
            }
            Ins::StkpLp(k, n, m2) => {
                wr!(rd!(p.wrapping_add(n as i64)).wrapping_add(k), a);
                second!();
                a = rd!(p.wrapping_add(m2 as i64));
            }
            Ins::LdStkp(addr, k, n) => {
                a = rd!(addr);
                second!();
                wr!(rd!(p.wrapping_add(n as i64)).wrapping_add(k), a);
            }
            Ins::LkpSp(k, n, m2) => {
                a = rd!(rd!(p.wrapping_add(n as i64)).wrapping_add(k));
                second!();
                wr!(p.wrapping_add(m2 as i64), a);
            }
            Ins::LkdSp(k, addr, m2) => {
                a = rd!(rd!(addr).wrapping_add(k));
                second!();
                wr!(p.wrapping_add(m2 as i64), a);
            }
            Ins::SpLd(n, addr) => {
                wr!(p.wrapping_add(n as i64), a);
                second!();
                a = rd!(addr);
            }
            Ins::LdJrel0(addr, rel, t) => {
                a = rd!(addr);
                second!();
                branch!(rel.int(a, 0), t);
            }
            Ins::ConstStkp(c, k, n) => {
                a = c;
                second!();
                wr!(rd!(p.wrapping_add(n as i64)).wrapping_add(k), a);
            }
            Ins::AtbConst(k) => {
                b = a;
                second!();
                a = k;
            }
            Ins::ApAtbl(n, k) => {
                a = a.wrapping_add(rd!(p.wrapping_add(n as i64)));
                second!();
                b = a;
                a = k;
            }
            Ins::AtblpOr(n) => {
                b = a;
                a = rd!(p.wrapping_add(n as i64));
                second!();
                a |= b;
            }
        }
        // SAFETY: as for `second!`: only `FellOff`, which never gets here,
        // is last.
        ip = unsafe { ip.add(1) };
    };
    if !CAREFUL && !matches!(event, Event::Careful) {
        // Give back the steps charged for the rest of the block.
        // SAFETY: `ip` points into `code`.
        left += unsafe { (*ip).rem } as u64 - 1;
    }
    let pc = pc!();
    *regs = Registers { a, b, c, r, p, pc };
    *fuel = left;
    event
}

/// Run `programs` (each with its file name) on the reference interpreter.
/// `tee` receives stdout bytes as they are written.
pub fn run(
    programs: &[(String, Program)],
    config: &RunConfig,
    tee: Option<Box<dyn Write + Send>>,
) -> Outcome {
    run_with(programs, config, tee, true)
}

/// [`run`], choosing whether superinstructions are used (they must not
/// change any outcome; the tests compare both ways).
pub fn run_with(
    programs: &[(String, Program)],
    config: &RunConfig,
    tee: Option<Box<dyn Write + Send>>,
    superinstructions: bool,
) -> Outcome {
    let linked = Linked::new(programs);
    let engine_error = |m: String| Outcome::ended(Ending::EngineError(m));
    let layout = match load::layout(&linked, 0, config.memory_words) {
        Ok(l) => l,
        Err(e) => return engine_error(e.0),
    };
    let mut img = match Image::build(&linked, &layout) {
        Ok(i) => i,
        Err(e) => return engine_error(e.0),
    };
    if !superinstructions {
        img.fused = img.code.clone();
    }
    let mut mem = Memory::new(0, config.memory_words);
    let mut rt = Runtime::for_run(config, layout.heap.clone(), tee);
    let host = |i: usize| HOST_BASE + i as i64;
    if let Err(s) = load::initialise(
        &mut mem,
        &mut rt,
        &linked,
        &layout,
        &|m, l| img.code_addr(m, l),
        &host,
    ) {
        return engine_error(format!("cannot initialise memory: {s:?}"));
    }
    let (bm, bl) = linked.boot();
    let boot = img.code_addr(bm, bl);
    // The engine's call of boot(stacksize): a frame whose return address ends the run.
    let frame = [0, EXIT_ADDR, boot, config.stack_words];
    for (i, v) in frame.into_iter().enumerate() {
        let _ = mem.set(layout.boot_frame + i as i64, v);
    }
    let mut regs = Registers {
        a: config.stack_words,
        p: layout.boot_frame,
        pc: (boot - CODE_BASE) as usize,
        ..Registers::default()
    };
    let budget = if config.step_limit == 0 {
        u64::MAX
    } else {
        config.step_limit
    };
    let mut fuel = budget;
    let result = execute(&img, &mut mem, &mut rt, &mut regs, &mut fuel, layout.gsize);
    let at = img.location(&linked, regs.pc);
    let ending = rt.conclude(&mem, result, at);
    Outcome {
        stdout: std::mem::take(&mut rt.out.stdout),
        ending,
        steps: budget - fuel,
        globals: std::mem::take(&mut rt.captured),
        statics: load::capture_statics(&mem, &linked, &layout, &config.capture_statics),
    }
}

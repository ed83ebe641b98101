//! What a straight-line piece of generated Sial may rely on: a small type
//! model of the registers (A, B, C, R) and of the frame slots, globals and
//! statics a piece can touch. One function, [`Checker::step`], both guides
//! the generator (an instruction is only emitted when it type-checks) and
//! keeps the reducer honest (a piece with instructions removed is kept only
//! when it still type-checks), so every program, generated or reduced, uses
//! only behaviour the spec defines:
//!
//! * no register is read that the spec leaves undefined (B after `div`,
//!   `lsh`, `fadd`, ...; A, B and C after a `lab`, sial.md s.1.3);
//! * memory is only touched inside vectors whose size is known;
//! * divisors are never 0 (unless faults are drawn) and never -1 (MIN/-1 is
//!   undefined, s.10.1);
//! * floats never reach integer operations except through `fix`, float
//!   relations or an explicit NaN canonicalisation (NaN bits are open, s.8);
//! * jumps go forward, to labels of the same piece.

use sial::{Args, Instr, Op};

use super::model::G_VEC;

/// What a register (or temporary slot) holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// Nothing the spec defines.
    Undef,
    /// An integer known to lie in lo..=hi.
    Int(i64, i64),
    /// A float word (any bits, NaN included).
    Float,
    /// The word address of `len` writable (or read-only) words.
    Ptr { len: i64, writable: bool },
}

pub const INT: Ty = Ty::Int(i64::MIN, i64::MAX);

impl Ty {
    pub fn is_int(self) -> bool {
        matches!(self, Ty::Int(..))
    }
    fn range(self) -> Option<(i64, i64)> {
        match self {
            Ty::Int(a, b) => Some((a, b)),
            _ => None,
        }
    }
    fn point(k: i64) -> Ty {
        Ty::Int(k, k)
    }
}

/// What a frame slot is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// An integer variable (parameters too).
    Int,
    /// A loop counter or recursion depth: readable, in 0..=max, never written by pieces.
    Counter(i64),
    /// A float variable.
    Float,
    /// Holds a vector of `len` words (from getvec): readable, never written.
    Vec(i64),
    /// Word `k` of an in-frame vector of `len` words starting at slot
    /// `base` (word 0 is `base`): an integer variable, and `llp` of the
    /// base gives the vector.
    Frame { base: u32, len: i64 },
    /// Scratch: undefined at the start of every piece.
    Temp,
    /// Used by the statement machinery only (saved level, coroutine, ...).
    Opaque,
    /// Beyond the frame.
    None,
}

/// The data a piece may touch outside its frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Data {
    /// Data globals (integers).
    pub globals: Vec<u32>,
    /// Integer statics: label and length.
    pub statics: Vec<(u32, i64)>,
    /// Strings: label and words.
    pub strings: Vec<(u32, i64)>,
    /// Constants: label, value, whether a float.
    pub consts: Vec<(u32, i64, bool)>,
    /// Whether division by zero (fault 5) may happen.
    pub faults: bool,
    /// The static (label, length) whose address `start` leaves in
    /// [`G_VEC`], for `lkg`/`skg`.
    pub vec_global: Option<(u32, i64)>,
}

/// The register state inside a piece.
#[derive(Clone, Debug)]
pub struct State {
    pub a: Ty,
    pub b: Ty,
    pub c: Ty,
    pub r: Ty,
    /// Types of temporaries (slot, type).
    pub temps: Vec<(u32, Ty)>,
    /// Labels jumped to and not yet placed, with the temporaries defined
    /// at the jump.
    pub pending: Vec<(u32, Vec<(u32, Ty)>)>,
    /// After `j`: no path reaches here until a label.
    pub dead: bool,
}

impl Default for State {
    fn default() -> Self {
        State {
            a: Ty::Undef,
            b: Ty::Undef,
            c: Ty::Undef,
            r: Ty::Undef,
            temps: Vec::new(),
            pending: Vec::new(),
            dead: false,
        }
    }
}

impl State {
    fn jump(&mut self, l: u32) {
        self.pending.push((l, self.temps.clone()));
    }
}

/// The checker of one function's pieces.
pub struct Checker<'a> {
    pub slots: &'a [Slot],
    pub data: &'a Data,
}

fn shift_range(t: Ty, k: i64) -> Ty {
    match t.range() {
        Some((a, b)) => match (a.checked_add(k), b.checked_add(k)) {
            (Some(x), Some(y)) => Ty::Int(x, y),
            _ => INT,
        },
        None => INT,
    }
}

/// A divisor the spec defines the quotient for (never -1; 0 only with faults).
fn good_divisor(t: Ty, faults: bool) -> bool {
    match t {
        Ty::Int(a, b) => (a >= 1) || (faults && a >= 0) || (b <= -2),
        _ => false,
    }
}

fn and_range(x: Ty, y: Ty) -> Ty {
    match (x.range(), y.range()) {
        (Some((a, b)), _) if a >= 0 => Ty::Int(0, b),
        (_, Some((a, b))) if a >= 0 => Ty::Int(0, b),
        _ => INT,
    }
}

impl Checker<'_> {
    fn slot(&self, n: u32) -> Slot {
        self.slots.get(n as usize).copied().unwrap_or(Slot::None)
    }

    /// The type `lp Pn` gives.
    fn load_slot(&self, s: &State, n: u32) -> Option<Ty> {
        match self.slot(n) {
            Slot::Int | Slot::Frame { .. } => Some(INT),
            Slot::Counter(max) => Some(Ty::Int(0, max)),
            Slot::Float => Some(Ty::Float),
            Slot::Vec(len) => Some(Ty::Ptr {
                len,
                writable: true,
            }),
            Slot::Temp => s
                .temps
                .iter()
                .rev()
                .find(|t| t.0 == n)
                .map(|t| t.1)
                .filter(|t| *t != Ty::Undef),
            Slot::Opaque | Slot::None => None,
        }
    }

    /// Whether `sp Pn` may store a value of type `t`.
    fn store_slot(&self, s: &mut State, n: u32, t: Ty) -> bool {
        match self.slot(n) {
            Slot::Int | Slot::Frame { .. } => t.is_int(),
            Slot::Float => t == Ty::Float,
            Slot::Temp if t != Ty::Undef => {
                s.temps.push((n, t));
                true
            }
            _ => false,
        }
    }

    fn int_slot(&self, n: u32) -> bool {
        matches!(self.slot(n), Slot::Int | Slot::Frame { .. })
    }

    fn vec_slot(&self, n: u32) -> Option<i64> {
        match self.slot(n) {
            Slot::Vec(len) => Some(len),
            _ => None,
        }
    }

    fn global(&self, g: u32) -> bool {
        self.data.globals.contains(&g)
    }

    fn static_len(&self, l: u32) -> Option<i64> {
        self.data.statics.iter().find(|s| s.0 == l).map(|s| s.1)
    }

    /// Apply `ins` to `s`; None when the instruction would rely on
    /// something the spec leaves open (or touch memory it must not).
    pub fn step(&self, s: &mut State, ins: &Instr) -> Option<()> {
        use Op::*;
        let int2 = |s: &State| s.a.is_int() && s.b.is_int();
        let f2 = |s: &State| s.a == Ty::Float && s.b == Ty::Float;
        match (ins.op, &ins.args) {
            (Lab, Args::L(l)) => {
                // Temporaries defined on every path that reaches the label.
                let mut paths: Vec<Vec<(u32, Ty)>> = s
                    .pending
                    .iter()
                    .filter(|p| p.0 == *l)
                    .map(|p| p.1.clone())
                    .collect();
                s.pending.retain(|p| p.0 != *l);
                if !s.dead {
                    paths.push(s.temps.clone());
                }
                let latest =
                    |v: &[(u32, Ty)], n: u32| v.iter().rev().find(|t| t.0 == n).map(|t| t.1);
                s.temps = match paths.first() {
                    Some(first) => first
                        .iter()
                        .filter(|(n, t)| latest(first, *n) == Some(*t))
                        .filter(|(n, t)| paths.iter().all(|p| latest(p, *n) == Some(*t)))
                        .copied()
                        .collect(),
                    None => Vec::new(),
                };
                s.dead = false;
                s.a = Ty::Undef;
                s.b = Ty::Undef;
                s.c = Ty::Undef;
                s.r = Ty::Undef;
            }
            (Lp, Args::P(n)) => s.a = self.load_slot(s, *n)?,
            (Sp, Args::P(n)) => {
                let t = s.a;
                if !self.store_slot(s, *n, t) {
                    return None;
                }
            }
            (Ap, Args::P(n)) => {
                (s.a.is_int() && self.load_slot(s, *n)?.is_int()).then_some(())?;
                s.a = INT;
            }
            (Llp, Args::P(n)) => {
                s.a = match self.slot(*n) {
                    Slot::Frame { base, len } if base == *n => Ty::Ptr {
                        len,
                        writable: true,
                    },
                    Slot::Int | Slot::Frame { .. } => Ty::Ptr {
                        len: 1,
                        writable: true,
                    },
                    _ => return None,
                }
            }
            (Lg, Args::G(g)) if self.global(*g) => s.a = INT,
            (Sg, Args::G(g)) if self.global(*g) && s.a.is_int() => {}
            (Ag, Args::G(g)) if self.global(*g) && s.a.is_int() => s.a = INT,
            (Llg, Args::G(g)) if self.global(*g) => {
                s.a = Ty::Ptr {
                    len: 1,
                    writable: true,
                }
            }
            (Ll, Args::L(l)) => {
                self.static_len(*l)?;
                s.a = INT;
            }
            (Sl, Args::L(l)) => {
                self.static_len(*l)?;
                s.a.is_int().then_some(())?;
            }
            (Lll, Args::L(l)) => {
                s.a = Ty::Ptr {
                    len: self.static_len(*l)?,
                    writable: true,
                }
            }
            (Lstr, Args::M(m)) => {
                let w = self.data.strings.iter().find(|x| x.0 == *m)?.1;
                s.a = Ty::Ptr {
                    len: w,
                    writable: false,
                };
            }
            (L, Args::K(k)) => s.a = Ty::point(*k),
            (Lm, Args::K(k)) => s.a = Ty::point(k.wrapping_neg()),
            (Lw, Args::M(m)) => {
                let c = self.data.consts.iter().find(|x| x.0 == *m)?;
                s.a = if c.2 { Ty::Float } else { Ty::point(c.1) };
            }
            (A | S, Args::K(k)) => {
                let k = if ins.op == S { k.wrapping_neg() } else { *k };
                s.a = match s.a {
                    Ty::Int(..) => shift_range(s.a, k),
                    Ty::Ptr { len, writable } if k >= 0 && k < len => Ty::Ptr {
                        len: len - k,
                        writable,
                    },
                    _ => return None,
                }
            }
            (Lkg, Args::KG(k, g)) if *g == G_VEC => {
                let len = self.data.vec_global?.1;
                (*k >= 0 && *k < len).then_some(())?;
                s.a = INT;
            }
            (Skg, Args::KG(k, g)) if *g == G_VEC && s.a.is_int() => {
                let len = self.data.vec_global?.1;
                (*k >= 0 && *k < len).then_some(())?;
            }
            (Lkp, Args::KP(k, n)) => {
                let len = self.vec_slot(*n)?;
                (*k >= 0 && *k < len).then_some(())?;
                s.a = INT;
            }
            (Rv, _) => match s.a {
                Ty::Ptr { len, .. } if len >= 1 => s.a = INT,
                _ => return None,
            },
            (Rvk, Args::K(k)) => match s.a {
                Ty::Ptr { len, .. } if *k >= 0 && *k < len => s.a = INT,
                _ => return None,
            },
            (Rvp, Args::P(n)) => {
                let len = self.vec_slot(*n)?;
                let (lo, hi) = s.a.range()?;
                (lo >= 0 && hi < len).then_some(())?;
                s.a = INT;
            }
            (St, _) => match s.a {
                Ty::Ptr { len, writable } if len >= 1 && writable && s.b.is_int() => {}
                _ => return None,
            },
            (Stk, Args::K(k)) => match s.a {
                Ty::Ptr { len, writable } if *k >= 0 && *k < len && writable && s.b.is_int() => {}
                _ => return None,
            },
            (Stp, Args::P(n)) => {
                let len = self.vec_slot(*n)?;
                let (lo, hi) = s.a.range()?;
                (lo >= 0 && hi < len && s.b.is_int()).then_some(())?;
            }
            (Stkp, Args::KP(k, n)) => {
                let len = self.vec_slot(*n)?;
                (*k >= 0 && *k < len && s.a.is_int()).then_some(())?;
            }
            (Xst, _) => match s.b {
                Ty::Ptr { len, writable } if len >= 1 && writable && s.a.is_int() => {}
                _ => return None,
            },
            (Neg | Not | Abs, _) if s.a.is_int() => s.a = INT,
            (Mul | Add | Sub | Xsub | Or | Xor | Eqv, _) if int2(s) => s.a = INT,
            (And, _) if int2(s) => s.a = and_range(s.a, s.b),
            (Div | Mod, _) if s.b.is_int() && good_divisor(s.a, self.data.faults) => {
                s.a = INT;
                s.b = Ty::Undef;
            }
            (Xdiv | Xmod, _) if s.a.is_int() && good_divisor(s.b, self.data.faults) => {
                s.a = INT;
                s.b = Ty::Undef;
            }
            (Lsh | Rsh, _) if int2(s) => {
                s.a = INT;
                s.b = Ty::Undef;
            }
            (Eq | Ne | Ls | Gr | Le | Ge, _) if int2(s) => s.a = Ty::Int(-1, 0),
            (Eq0 | Ne0 | Ls0 | Gr0 | Le0 | Ge0, _) if s.a.is_int() => s.a = Ty::Int(-1, 0),
            (Gbyt | Pbyt, _) | (Xgbyt | Xpbyt, _) => {
                let (p, i) = if matches!(ins.op, Gbyt | Pbyt) {
                    (s.b, s.a)
                } else {
                    (s.a, s.b)
                };
                let (len, writable) = match p {
                    Ty::Ptr { len, writable } => (len, writable),
                    _ => return None,
                };
                let (lo, hi) = i.range()?;
                (lo >= 0 && hi < 8 * len).then_some(())?;
                if matches!(ins.op, Pbyt | Xpbyt) {
                    (writable && s.c.is_int()).then_some(())?;
                } else {
                    s.a = Ty::Int(0, 255);
                }
            }
            (Xch, _) => std::mem::swap(&mut s.a, &mut s.b),
            (Atb, _) if s.a != Ty::Undef => s.b = s.a,
            (Atc, _) if s.a != Ty::Undef => s.c = s.a,
            (Bta, _) if s.b != Ty::Undef => s.a = s.b,
            (Btc, _) if s.b != Ty::Undef => s.c = s.b,
            (Atblp, Args::P(n)) if s.a != Ty::Undef => {
                let t = self.load_slot(s, *n)?;
                s.b = s.a;
                s.a = t;
            }
            (Atblg, Args::G(g)) if s.a != Ty::Undef && self.global(*g) => {
                s.b = s.a;
                s.a = INT;
            }
            (Atbl, Args::K(k)) if s.a != Ty::Undef => {
                s.b = s.a;
                s.a = Ty::point(*k);
            }
            (Res, _) if s.a != Ty::Undef => s.r = s.a,
            (Ldres, _) if s.r != Ty::Undef => s.a = s.r,
            (Ikp, Args::KP(_, n)) if self.int_slot(*n) => s.a = INT,
            (Ip, Args::P(n)) if self.int_slot(*n) && s.a.is_int() => s.a = INT,
            (Ikg, Args::KG(_, g)) if self.global(*g) => s.a = INT,
            (Ig, Args::G(g)) if self.global(*g) && s.a.is_int() => s.a = INT,
            (Ikl, Args::KL(_, l)) => {
                self.static_len(*l)?;
                s.a = INT;
            }
            (Il, Args::L(l)) => {
                self.static_len(*l)?;
                s.a.is_int().then_some(())?;
                s.a = INT;
            }
            (Float, _) if s.a.is_int() => s.a = Ty::Float,
            (Fix, _) if s.a == Ty::Float => s.a = INT,
            (Fabs | Fneg, _) if s.a == Ty::Float => {}
            (Fdiv | Fxdiv | Fmod | Fxmod, _) if f2(s) => {}
            (Fmul | Fadd | Fsub | Fxsub, _) if f2(s) => s.b = Ty::Undef,
            (Feq | Fne | Fls | Fgr | Fle | Fge, _) if f2(s) => s.a = Ty::Int(-1, 0),
            (Feq0 | Fne0 | Fls0 | Fgr0 | Fle0 | Fge0, _) if s.a == Ty::Float => {
                s.a = Ty::Int(-1, 0)
            }
            (Jeq | Jne | Jls | Jgr | Jle | Jge, Args::L(l)) if int2(s) => s.jump(*l),
            (Jeq0 | Jne0 | Jls0 | Jgr0 | Jle0 | Jge0, Args::L(l)) if s.a.is_int() => s.jump(*l),
            (Jfeq | Jfne | Jfls | Jfgr | Jfle | Jfge, Args::L(l)) if f2(s) => s.jump(*l),
            (Jfeq0 | Jfne0 | Jfls0 | Jfgr0 | Jfle0 | Jfge0, Args::L(l)) if s.a == Ty::Float => {
                s.jump(*l)
            }
            (J, Args::L(l)) => {
                s.jump(*l);
                s.dead = true;
                s.a = Ty::Undef;
                s.b = Ty::Undef;
                s.c = Ty::Undef;
                s.r = Ty::Undef;
            }
            (Selld, Args::KK(len, sh)) => match s.a {
                Ty::Ptr { len: n, .. } if n >= 1 && field_ok(*len, *sh) => {
                    s.a = if *len > 0 && *len < 63 {
                        Ty::Int(0, (1i64 << len) - 1)
                    } else {
                        INT
                    }
                }
                _ => return None,
            },
            (Selst | Xselst, Args::KKK(sf, len, sh)) => {
                let (p, x) = if ins.op == Selst {
                    (s.a, s.b)
                } else {
                    (s.b, s.a)
                };
                match p {
                    Ty::Ptr { len: n, writable } if n >= 1 && writable => {}
                    _ => return None,
                }
                field_ok(*len, *sh).then_some(())?;
                let ok = match sf {
                    0 | 7 | 10..=17 => x.is_int(),
                    8 | 9 => good_divisor(x, self.data.faults),
                    _ => false,
                };
                ok.then_some(())?;
            }
            _ => return None,
        }
        Some(())
    }

    /// Check a whole piece from an empty state; the state at its end.
    pub fn run(&self, instrs: &[Instr]) -> Option<State> {
        let mut s = State::default();
        for i in instrs {
            self.step(&mut s, i)?;
        }
        s.pending.is_empty().then_some(s)
    }
}

/// A field the spec defines without doubt (s.9: len 0 = up to bit 63,
/// otherwise within the word; sh + len > 64 is marked uncertain).
fn field_ok(len: i64, sh: i64) -> bool {
    (0..=63).contains(&sh) && (len == 0 || (len >= 1 && sh + len <= 64))
}

/// Shorthand for building instructions.
pub fn ins(op: Op, args: Args) -> Instr {
    Instr::new(op, args)
}

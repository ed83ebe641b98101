//! The structured generator: a program is a few functions (0-12 arguments,
//! locals, frame vectors, getvec vectors) whose bodies are statements:
//! straight-line pieces built by a typed random walk over the instruction
//! set ([`super::types`]), counted loops, ifs, nested switches (swl and swb
//! with negative, sparse and 64-bit keys), calls through globals and
//! computed addresses, bounded recursion, level/longjump, coroutines and
//! output. Functions only call functions after them (and themselves with a
//! decreasing depth), loops have constant trip counts, and the estimated
//! cost is capped, so every program ends; each program draws its features
//! at random (swarm testing).

use sial::{Args, Instr, Op};

use super::features::{Feature, Features};
use super::model::{Func, Kind, Piece, Print, Prog, Stmt, VecDecl, Via, G_VEC};
use super::rng::Rng;
use super::types::{ins, Checker, Data, Slot, State, Ty};

/// Generation limits.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Estimated Sial steps per program.
    pub cost: u64,
    /// Statements per block (top level).
    pub stmts: usize,
    /// Instructions of pieces per function (roughly).
    pub size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cost: 6000,
            stmts: 6,
            size: 90,
        }
    }
}

/// The program of `seed`, drawing its own features.
pub fn program(seed: u64) -> Prog {
    let mut r = Rng::new(seed);
    let features = Features::draw(&mut r);
    program_with(seed, features, Limits::default())
}

/// The program of `seed` with the given features.
pub fn program_with(seed: u64, features: Features, limits: Limits) -> Prog {
    let mut g = Gen {
        r: Rng::new(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x5851_F42D),
        f: features,
        next_label: 2,
        next_m: 1,
        data: Data::default(),
        statics: Vec::new(),
        strings: Vec::new(),
        formats: Vec::new(),
        funcs: Vec::new(),
        costs: Vec::new(),
        needs: Vec::new(),
        limits,
        fsize: 0,
    };
    g.data_items();
    let table = g.label();
    // Kinds: start, then functions that only call later ones.
    let mut kinds = vec![Kind::Start];
    if g.has(Feature::Calls) || g.has(Feature::Indirect) {
        for _ in 0..g.r.range(1, 4) {
            kinds.push(Kind::Plain);
        }
    }
    if g.has(Feature::Recursion) {
        kinds.push(Kind::Recursive);
    }
    if g.has(Feature::Longjump) {
        kinds.push(Kind::Thrower {
            mask: *g.r.choose(&[1, 2, 3, 5, 6]),
        });
    }
    if g.has(Feature::Coroutines) {
        kinds.push(Kind::Coroutine);
    }
    if g.has(Feature::Calls) && g.r.one_in(2) {
        kinds.push(Kind::Plain);
    }
    let n = kinds.len();
    g.costs = vec![0; n];
    g.needs = vec![0; n];
    let labels: Vec<u32> = (0..n).map(|i| if i == 0 { 1 } else { g.label() }).collect();
    let mut funcs = Vec::new();
    for id in (0..n).rev() {
        let f = g.func(id, kinds[id], labels[id], &kinds);
        g.funcs.push(f.clone());
        funcs.push(f);
    }
    funcs.reverse();
    Prog {
        seed,
        features,
        funcs,
        data: g.data,
        statics: g.statics,
        strings: g.strings,
        table,
    }
}

struct Gen {
    r: Rng,
    f: Features,
    next_label: u32,
    next_m: u32,
    data: Data,
    statics: Vec<(u32, Vec<i64>)>,
    strings: Vec<(u32, Vec<u8>)>,
    /// writef formats: string label, arguments consumed.
    formats: Vec<(u32, usize)>,
    /// Functions generated so far (higher ids first).
    funcs: Vec<Func>,
    /// Estimated cost of a call of each function.
    costs: Vec<u64>,
    /// Stack words a call of each function may need.
    needs: Vec<u64>,
    limits: Limits,
    /// Piece instructions of the function being generated.
    fsize: usize,
}

/// A function under construction.
struct Fx {
    id: usize,
    kind: Kind,
    params: u32,
    slots: Vec<Slot>,
    inits: Vec<(u32, i64)>,
    vecs: Vec<VecDecl>,
    /// Cost so far (estimated steps of one call).
    cost: u64,
    /// Deepest stack need of its calls.
    need: u64,
    self_calls: usize,
}

const FORMATS: &[(&[u8], usize)] = &[
    (b"%n\n", 1),
    (b"v=%n w=%n\n", 2),
    (b"[%i5][%x8]\n", 2),
    (b"<%n|%u4|%z3>", 3),
    (b"%d;", 1),
    (b"[%b8]\n", 1),
    (b"%o6 %i3 %n %x4\n", 4),
];

impl Gen {
    fn has(&self, f: Feature) -> bool {
        self.f.has(f)
    }
    fn label(&mut self) -> u32 {
        self.next_label += 1;
        self.next_label
    }
    fn m(&mut self) -> u32 {
        self.next_m += 1;
        self.next_m
    }

    /// A constant worth loading.
    fn word(&mut self) -> i64 {
        if self.has(Feature::WideConsts) {
            match self.r.below(6) {
                0 => *self
                    .r
                    .choose(&[4095, 4096, 4097, 65535, 65536, -4096, -4097, 1 << 32]),
                1 => self.r.next_u64() as i64,
                _ => self.r.word(),
            }
        } else {
            self.r.range(-300, 300)
        }
    }

    fn data_items(&mut self) {
        if self.has(Feature::Globals) {
            for i in 0..self.r.range(1, 5) {
                self.data.globals.push(200 + i as u32);
            }
        }
        if self.has(Feature::Statics) {
            for _ in 0..self.r.range(1, 3) {
                let l = self.label();
                let len = self.r.range(1, 8);
                let words = (0..len).map(|_| self.r.word()).collect();
                self.statics.push((l, words));
                self.data.statics.push((l, len));
            }
            if self.has(Feature::Globals) {
                self.data.vec_global = self.data.statics.first().copied();
            }
        }
        if self.has(Feature::Print) || self.has(Feature::Bytes) {
            for s in [&b"hello"[..], b"ab\x01\xFFz", b"", b"0123456789abcdefg"] {
                let m = self.m();
                self.strings.push((m, s.to_vec()));
                self.data.strings.push((m, s.len() as i64 / 8 + 1));
            }
        }
        if self.has(Feature::Print) {
            for (text, n) in FORMATS {
                let m = self.m();
                self.strings.push((m, text.to_vec()));
                self.formats.push((m, *n));
            }
        }
        if self.has(Feature::Floats) {
            for v in [
                1.5f64,
                -2.25,
                0.1,
                3.0,
                -0.0,
                1e300,
                f64::INFINITY,
                f64::NAN,
                4503599627370497.0,
                2.5,
                1e-310,
                -7.5,
            ] {
                let m = self.m();
                self.data.consts.push((m, v.to_bits() as i64, true));
            }
        }
        if self.has(Feature::WideConsts) {
            for _ in 0..3 {
                let m = self.m();
                let v = self.r.next_u64() as i64;
                self.data.consts.push((m, v, false));
            }
        }
        self.data.faults = self.has(Feature::Faults);
    }

    fn func(&mut self, id: usize, kind: Kind, label: u32, kinds: &[Kind]) -> Func {
        let params = match kind {
            Kind::Start => 0,
            Kind::Recursive => self.r.range(1, 4) as u32,
            Kind::Thrower { .. } | Kind::Coroutine => 1,
            Kind::Plain if self.has(Feature::ManyArgs) => self.r.range(0, 12) as u32,
            Kind::Plain => self.r.range(0, 3) as u32,
        };
        let mut slots = vec![Slot::None; 3];
        for i in 0..params.max(1) {
            slots.push(if kind == Kind::Recursive && i == 0 {
                Slot::Counter(self.r.range(1, 3))
            } else {
                Slot::Int
            });
        }
        self.fsize = 0;
        let mut fx = Fx {
            id,
            kind,
            params,
            slots,
            inits: Vec::new(),
            vecs: Vec::new(),
            cost: 20,
            need: 0,
            self_calls: 0,
        };
        let mut locals = self.r.range(1, 4);
        if self.has(Feature::FrameVec) && self.r.one_in(2) {
            locals += self.r.range(4, 20);
        }
        for _ in 0..locals {
            let s = fx.slots.len() as u32;
            fx.slots.push(Slot::Int);
            let v = self.word();
            fx.inits.push((s, v));
        }
        if self.has(Feature::Floats) {
            for _ in 0..self.r.range(1, 2) {
                let s = fx.slots.len() as u32;
                fx.slots.push(Slot::Float);
                let v = self.r.range(-1000, 1000) as f64 / 8.0;
                fx.inits.push((s, v.to_bits() as i64));
            }
        }
        if self.has(Feature::Vectors) {
            for _ in 0..self.r.range(1, 2) {
                let s = fx.slots.len() as u32;
                let len = self.r.range(1, 8);
                fx.slots.push(Slot::Vec(len));
                let (mul, add) = (self.r.range(-9, 9), self.word());
                fx.vecs.push(VecDecl {
                    slot: s,
                    len,
                    mul,
                    add,
                });
            }
        }
        if self.has(Feature::FrameVec) {
            let base = fx.slots.len() as u32;
            let len = self.r.range(2, 24);
            for _ in 0..len {
                let s = fx.slots.len() as u32;
                fx.slots.push(Slot::Frame { base, len });
                let v = self.r.word();
                fx.inits.push((s, v));
            }
        }
        for _ in 0..3 {
            fx.slots.push(Slot::Temp);
        }
        let base = if kind == Kind::Recursive {
            self.piece(&fx, false)
        } else {
            Piece::constant(0)
        };
        let top = self.limits.stmts;
        let mut body = self.block(&mut fx, 0, 1, top, kinds);
        if kind == Kind::Recursive {
            let calls = if self.r.one_in(3) { 2 } else { 1 };
            for _ in 0..calls {
                let at = self.r.below(body.len() as u64 + 1) as usize;
                let args = self.args(&fx, id, true);
                let dest = self.int_slot(&fx);
                let via = self.via();
                body.insert(
                    at,
                    Stmt::Call {
                        callee: id,
                        via,
                        args,
                        dest,
                    },
                );
                fx.self_calls += 1;
            }
        }
        // Estimated cost of one call (recursion: fanout^(depth+1)).
        let mut cost = fx.cost + fx.slots.len() as u64 * 6;
        let mut need = fx.slots.len() as u64 + 16 + fx.need.max(150);
        if let (Kind::Recursive, Slot::Counter(d)) = (kind, fx.slots[3]) {
            cost *= (fx.self_calls as u64 + 1).pow(d as u32 + 1);
            need *= d as u64 + 1;
        }
        self.costs[id] = cost;
        self.needs[id] = need;
        Func {
            id,
            label,
            kind,
            params,
            slots: fx.slots,
            inits: fx.inits,
            vecs: fx.vecs,
            base,
            body,
            mix: self.r.range(1, 1000),
        }
    }

    fn via(&mut self) -> Via {
        if self.has(Feature::Indirect) {
            *self
                .r
                .choose(&[Via::Global, Via::Label, Via::GlobalK, Via::Table])
        } else {
            Via::Global
        }
    }

    fn int_slot(&mut self, fx: &Fx) -> u32 {
        let c: Vec<u32> = (0..fx.slots.len() as u32)
            .filter(|s| matches!(fx.slots[*s as usize], Slot::Int | Slot::Frame { .. }))
            .collect();
        *self.r.choose(&c)
    }

    fn new_slot(&mut self, fx: &mut Fx, s: Slot) -> u32 {
        fx.slots.push(s);
        fx.slots.len() as u32 - 1
    }

    /// Arguments of a call of `callee` (a depth first for recursive ones).
    fn args(&mut self, fx: &Fx, callee: usize, self_call: bool) -> Vec<Piece> {
        let (params, kind, depth) = if self_call {
            (fx.params, fx.kind, fx.slots[3])
        } else {
            let g = self
                .funcs
                .iter()
                .find(|f| f.id == callee)
                .expect("callees are generated first");
            (g.params, g.kind, g.slots[3])
        };
        let mut args = Vec::new();
        for i in 0..params.max(1) {
            if i == 0 && kind == Kind::Recursive {
                if self_call {
                    args.push(Piece::value(vec![
                        ins(Op::Lp, Args::P(3)),
                        ins(Op::S, Args::K(1)),
                    ]));
                } else {
                    let max = match depth {
                        Slot::Counter(d) => d,
                        _ => 0,
                    };
                    let d = self.r.range(0, max);
                    args.push(Piece::constant(d));
                }
            } else {
                args.push(self.piece(fx, false));
            }
        }
        args
    }

    fn block(
        &mut self,
        fx: &mut Fx,
        nest: u32,
        mult: u64,
        max: usize,
        kinds: &[Kind],
    ) -> Vec<Stmt> {
        let count = self.r.range(1, max as i64) as usize;
        let mut out = Vec::new();
        for _ in 0..count {
            if self.fsize > self.limits.size {
                break;
            }
            if let Some(s) = self.stmt(fx, nest, mult, kinds) {
                out.push(s);
            }
        }
        out
    }

    fn budget_left(&self, fx: &Fx, extra: u64) -> bool {
        fx.cost + extra <= self.limits.cost
    }

    fn stmt(&mut self, fx: &mut Fx, nest: u32, mult: u64, kinds: &[Kind]) -> Option<Stmt> {
        let callable: Vec<usize> = self
            .funcs
            .iter()
            .filter(|g| g.id > fx.id && matches!(g.kind, Kind::Plain | Kind::Recursive))
            .map(|g| g.id)
            .collect();
        let thrower = self
            .funcs
            .iter()
            .find(|g| g.id > fx.id && matches!(g.kind, Kind::Thrower { .. }))
            .map(|g| g.id);
        let coroutine = self
            .funcs
            .iter()
            .find(|g| g.id > fx.id && g.kind == Kind::Coroutine)
            .map(|g| g.id);
        let outer = matches!(fx.kind, Kind::Start | Kind::Plain);
        let _ = kinds;
        let mut menu: Vec<(u32, u8)> = vec![(5, 0)];
        if self.has(Feature::Loops) && nest < 3 {
            menu.push((2, 1));
        }
        if self.has(Feature::Ifs) && nest < 4 {
            menu.push((2, 2));
        }
        if (self.has(Feature::Swl) || self.has(Feature::Swb))
            && (nest == 0 || self.has(Feature::NestedSwitch))
            && nest < 4
        {
            menu.push((2, 3));
        }
        if !callable.is_empty() {
            menu.push((3, 4));
        }
        if thrower.is_some() && outer {
            menu.push((2, 5));
        }
        if coroutine.is_some() && outer {
            menu.push((2, 6));
        }
        if fx.kind == Kind::Coroutine {
            menu.push((3, 7));
        }
        if self.has(Feature::Print) {
            menu.push((1, 8));
        }
        if nest > 0 {
            menu.push((1, 9));
        }
        let total: u32 = menu.iter().map(|m| m.0).sum();
        let mut pick = self.r.below(total as u64) as u32;
        let choice = menu
            .iter()
            .find(|m| {
                if pick < m.0 {
                    true
                } else {
                    pick -= m.0;
                    false
                }
            })
            .map_or(0, |m| m.1);
        match choice {
            1 => {
                let trips = self.r.range(1, 4);
                if !self.budget_left(fx, 40 * mult * trips as u64) {
                    return Some(self.piece_stmt(fx, mult));
                }
                let var = self.new_slot(fx, Slot::Counter(trips));
                let (head, exit) = (self.label(), self.label());
                let style = self.r.below(3) as u8;
                let body = self.block(fx, nest + 1, mult * trips as u64, 3, kinds);
                fx.cost += 6 * mult * trips as u64;
                Some(Stmt::Loop {
                    var,
                    trips,
                    style,
                    head,
                    exit,
                    body,
                })
            }
            2 => {
                let cond = self.piece(fx, false);
                let jump =
                    *self
                        .r
                        .choose(&[Op::Jeq0, Op::Jne0, Op::Jls0, Op::Jgr0, Op::Jle0, Op::Jge0]);
                let (else_l, end_l) = (self.label(), self.label());
                let then = self.block(fx, nest + 1, mult, 3, kinds);
                let els = if self.r.one_in(2) {
                    self.block(fx, nest + 1, mult, 2, kinds)
                } else {
                    Vec::new()
                };
                Some(Stmt::If {
                    cond,
                    jump,
                    else_l,
                    end_l,
                    then,
                    els,
                    goto_end: self.has(Feature::Jumps) && self.r.one_in(3),
                })
            }
            3 => Some(self.switch(fx, nest, mult, kinds)),
            4 => {
                let callee = *self.r.choose(&callable);
                let c = self.costs[callee] * mult;
                if !self.budget_left(fx, c) {
                    return Some(self.piece_stmt(fx, mult));
                }
                fx.cost += c;
                fx.need = fx.need.max(self.needs[callee]);
                let args = self.args(fx, callee, false);
                let dest = self.int_slot(fx);
                let via = self.via();
                Some(Stmt::Call {
                    callee,
                    via,
                    args,
                    dest,
                })
            }
            5 => {
                let thrower = thrower?;
                let c = self.costs[thrower] * mult;
                if !self.budget_left(fx, c) {
                    return Some(self.piece_stmt(fx, mult));
                }
                fx.cost += c + 20 * mult;
                fx.need = fx.need.max(self.needs[thrower]);
                let arg = self.piece(fx, false);
                let dest = self.int_slot(fx);
                let save = (
                    self.new_slot(fx, Slot::Opaque),
                    self.new_slot(fx, Slot::Opaque),
                );
                let (handler_l, end_l) = (self.label(), self.label());
                let handler = self.block(fx, nest + 1, mult, 2, kinds);
                Some(Stmt::Try {
                    thrower,
                    arg,
                    dest,
                    save,
                    handler_l,
                    end_l,
                    handler,
                })
            }
            6 => {
                let func = coroutine?;
                let trips = self.r.range(1, 4);
                let c = (self.costs[func] + 80) * mult * trips as u64;
                if !self.budget_left(fx, c) {
                    return Some(self.piece_stmt(fx, mult));
                }
                fx.cost += c;
                let size = self.needs[func] as i64 + 300;
                let co = self.new_slot(fx, Slot::Opaque);
                let var = self.new_slot(fx, Slot::Counter(trips));
                let x = self.int_slot(fx);
                let head = self.label();
                Some(Stmt::Co {
                    func,
                    size,
                    trips,
                    co,
                    var,
                    x,
                    head,
                })
            }
            7 => {
                fx.cost += 60 * mult;
                let value = self.piece(fx, false);
                let dest = self.int_slot(fx);
                Some(Stmt::Cowait { value, dest })
            }
            8 => {
                fx.cost += 200 * mult;
                Some(Stmt::Print(self.print(fx)))
            }
            9 => {
                let p = self.piece(fx, false);
                Some(Stmt::Return(p))
            }
            _ => Some(self.piece_stmt(fx, mult)),
        }
    }

    fn print(&mut self, fx: &Fx) -> Print {
        match self.r.below(5) {
            0 | 1 if !self.formats.is_empty() => {
                let (format, n) = *self.r.choose(&self.formats.clone());
                let args = (0..n).map(|_| self.piece(fx, false)).collect();
                Print::Writef { format, args }
            }
            2 => Print::Wrch(self.piece(fx, false)),
            3 if !self.strings.is_empty() => Print::Writes(self.strings[0].0),
            4 => Print::Newline,
            _ => Print::Writen(self.piece(fx, false)),
        }
    }

    fn switch(&mut self, fx: &mut Fx, nest: u32, mult: u64, kinds: &[Kind]) -> Stmt {
        let swl = if self.has(Feature::Swl) && (!self.has(Feature::Swb) || self.r.one_in(2)) {
            Some(self.r.range(1, 8))
        } else {
            None
        };
        let mut value = self.piece(fx, false);
        let keys: Vec<i64> = match swl {
            Some(size) => {
                // Values -2..size+1 around the table, bounds included.
                value.body.extend([
                    ins(Op::Atbl, Args::K(15)),
                    ins(Op::And, Args::None),
                    ins(Op::S, Args::K(3)),
                ]);
                let mut k: Vec<i64> = (0..size).filter(|_| !self.r.one_in(4)).collect();
                if k.is_empty() {
                    k.push(0);
                }
                k
            }
            None => {
                // Keys base + i * stride (i in 0..8) and a few wild ones; the
                // value hits base + (x AND 7) * stride.
                let base = match self.r.below(4) {
                    0 => self.r.range(-20, 20),
                    1 => self.r.next_u64() as i64,
                    2 => self.r.range(-70000, 70000),
                    _ => i64::MIN + self.r.range(0, 10),
                };
                let stride = *self.r.choose(&[1, 2, 7, 100, 1 << 20, -3]);
                value.body.extend([
                    ins(Op::Atbl, Args::K(7)),
                    ins(Op::And, Args::None),
                    ins(Op::Atbl, Args::K(stride)),
                    ins(Op::Mul, Args::None),
                    ins(Op::A, Args::K(base)),
                ]);
                let mut k: Vec<i64> = (0..8)
                    .filter(|_| !self.r.one_in(3))
                    .map(|i: i64| base.wrapping_add(i.wrapping_mul(stride)))
                    .collect();
                for _ in 0..self.r.below(3) {
                    k.push(self.r.word());
                }
                k.sort();
                k.dedup();
                k
            }
        };
        let cases = keys
            .into_iter()
            .map(|key| {
                let l = self.label();
                let b = self.block(fx, nest + 1, mult, 2, kinds);
                (key, l, b)
            })
            .collect();
        let default_l = self.label();
        let default = if self.r.one_in(2) {
            self.block(fx, nest + 1, mult, 2, kinds)
        } else {
            Vec::new()
        };
        let end_l = self.label();
        let via_res = (self.has(Feature::ResSwitch) && self.r.one_in(2)).then(|| self.label());
        Stmt::Switch {
            value,
            swl,
            cases,
            default_l,
            default,
            end_l,
            via_res,
        }
    }

    fn piece_stmt(&mut self, fx: &mut Fx, mult: u64) -> Stmt {
        let p = self.piece(fx, true);
        fx.cost += p.body.len() as u64 * mult;
        Stmt::Piece(p)
    }

    /// A straight-line piece: a typed random walk, then a store (or a value).
    pub fn piece(&mut self, fx: &Fx, store: bool) -> Piece {
        let data = self.data.clone();
        let checker = Checker {
            slots: &fx.slots,
            data: &data,
        };
        let mut s = State::default();
        let mut body: Vec<Instr> = Vec::new();
        let mut open: Vec<u32> = Vec::new();
        let steps = self.r.range(1, 10);
        let mut tries = 0;
        let mut done = 0;
        while done < steps && tries < 60 {
            tries += 1;
            // Place a pending label now and then.
            if !open.is_empty() && self.r.one_in(3) {
                let l = open.remove(0);
                let i = ins(Op::Lab, Args::L(l));
                checker.step(&mut s, &i).expect("a label always checks");
                body.push(i);
                continue;
            }
            let cand = self.move_(fx, &s, &mut open);
            let mut t = s.clone();
            if cand.iter().all(|i| checker.step(&mut t, i).is_some()) {
                s = t;
                body.extend(cand);
                done += 1;
            }
        }
        for l in open {
            let i = ins(Op::Lab, Args::L(l));
            checker.step(&mut s, &i).expect("a label always checks");
            body.push(i);
        }
        // The piece must end with a value in A: an integer, or a float
        // stored into a float variable.
        let floats: Vec<u32> = slots_where(fx, |x| x == Slot::Float);
        let end = if store {
            match s.a {
                Ty::Float if !floats.is_empty() => {
                    Some(ins(Op::Sp, Args::P(*self.r.choose(&floats))))
                }
                _ => None,
            }
        } else {
            None
        };
        if end.is_none() {
            match s.a {
                Ty::Int(..) => {}
                Ty::Float => body.push(ins(Op::Fix, Args::None)),
                Ty::Ptr { .. } => body.push(ins(Op::Rv, Args::None)),
                Ty::Undef => {
                    let w = self.word();
                    body.push(ins(Op::L, Args::K(w)));
                }
            }
        }
        let end = if store {
            end.or_else(|| Some(self.int_store(fx)))
        } else {
            None
        };
        self.fsize += body.len() + 1;
        Piece { body, end }
    }

    /// Where an integer piece stores its value.
    fn int_store(&mut self, fx: &Fx) -> Instr {
        match self.r.below(6) {
            0 if !self.data.globals.is_empty() => {
                ins(Op::Sg, Args::G(*self.r.choose(&self.data.globals)))
            }
            1 if !self.data.statics.is_empty() => {
                ins(Op::Sl, Args::L(self.r.choose(&self.data.statics).0))
            }
            _ => ins(Op::Sp, Args::P(self.int_slot(fx))),
        }
    }

    /// One move of the walk: one or a few instructions (the caller keeps
    /// them only if they type-check).
    fn move_(&mut self, fx: &Fx, s: &State, open: &mut Vec<u32>) -> Vec<Instr> {
        use Op::*;
        let r0 = |op: Op| ins(op, Args::None);
        let kk = |op: Op, k: i64| ins(op, Args::K(k));
        let pp = |op: Op, n: u32| ins(op, Args::P(n));
        let readable = slots_where(fx, |x| {
            matches!(
                x,
                Slot::Int | Slot::Counter(_) | Slot::Frame { .. } | Slot::Float
            )
        });
        let ints = slots_where(fx, |x| matches!(x, Slot::Int | Slot::Frame { .. }));
        let temps = slots_where(fx, |x| x == Slot::Temp);
        let vecs = slots_where(fx, |x| matches!(x, Slot::Vec(_)));
        let frames: Vec<u32> = (0..fx.slots.len() as u32)
            .filter(|n| matches!(fx.slots[*n as usize], Slot::Frame { base, .. } if base == *n))
            .collect();
        let floats = slots_where(fx, |x| x == Slot::Float);
        let vec_len = |n: u32| match fx.slots[n as usize] {
            Slot::Vec(l) => l,
            Slot::Frame { len, .. } => len,
            _ => 1,
        };
        // A pointer source: (instructions giving A = pointer, its length).
        let mut ptrs: Vec<(Vec<Instr>, i64)> = Vec::new();
        for v in &vecs {
            ptrs.push((vec![pp(Lp, *v)], vec_len(*v)));
        }
        for b in &frames {
            ptrs.push((vec![pp(Llp, *b)], vec_len(*b)));
        }
        for (l, len) in &self.data.statics {
            ptrs.push((vec![ins(Lll, Args::L(*l))], *len));
        }
        for g in &self.data.globals {
            ptrs.push((vec![ins(Llg, Args::G(*g))], 1));
        }
        if !ints.is_empty() && self.r.one_in(4) {
            ptrs.push((vec![pp(Llp, *self.r.choose(&ints))], 1));
        }
        let any = |r: &mut Rng, v: &[u32]| -> Option<u32> { (!v.is_empty()).then(|| *r.choose(v)) };
        let w = self.word();
        match self.r.below(20) {
            // Loads.
            0 | 1 => match self.r.below(6) {
                0 | 1 => any(&mut self.r, &readable).map_or(vec![kk(L, w)], |n| vec![pp(Lp, n)]),
                2 => vec![kk(if w < 0 { Lm } else { L }, w.wrapping_abs())],
                3 if !self.data.consts.is_empty() => {
                    let c = self.r.choose(&self.data.consts).0;
                    vec![ins(Lw, Args::M(c))]
                }
                4 if !self.data.globals.is_empty() => {
                    vec![ins(Lg, Args::G(*self.r.choose(&self.data.globals)))]
                }
                5 if !self.data.statics.is_empty() => {
                    vec![ins(Ll, Args::L(self.r.choose(&self.data.statics).0))]
                }
                _ => any(&mut self.r, &temps).map_or(vec![kk(L, w)], |n| vec![pp(Lp, n)]),
            },
            // Binary integer operations with B from somewhere.
            2..=4 => {
                let op = *self.r.choose(&[
                    Mul, Add, Sub, Xsub, And, Or, Xor, Eqv, Eq, Ne, Ls, Gr, Le, Ge,
                ]);
                match self.r.below(6) {
                    // A := A + P!n / G!n in one instruction.
                    0 if !ints.is_empty() => vec![pp(Ap, *self.r.choose(&ints))],
                    1 if !self.data.globals.is_empty() => {
                        vec![ins(Ag, Args::G(*self.r.choose(&self.data.globals)))]
                    }
                    _ => {
                        let mut v = self.b_source(&readable, s);
                        v.push(r0(op));
                        v
                    }
                }
            }
            5 => vec![r0(*self
                .r
                .choose(&[Neg, Not, Abs, Eq0, Ne0, Ls0, Gr0, Le0, Ge0]))],
            6 if self.has(Feature::Division) => {
                let op = *self.r.choose(&[Div, Mod, Xdiv, Xmod]);
                let x = matches!(op, Xdiv | Xmod);
                let d = if self.data.faults && self.r.one_in(3) {
                    0
                } else {
                    *self
                        .r
                        .choose(&[1, 2, 3, 7, 10, -2, -7, 1 << 33, i64::MIN, i64::MAX])
                };
                match (x, self.r.below(2)) {
                    (false, 0) => vec![kk(Atbl, d), r0(op)],
                    (false, _) => {
                        // A computed divisor: (y AND 255) + 1, or AND 7 with faults.
                        let t = any(&mut self.r, &temps).unwrap_or(3);
                        let y = any(&mut self.r, &readable).map_or(kk(L, w), |n| pp(Lp, n));
                        let mask = if self.data.faults { 7 } else { 255 };
                        let add = if self.data.faults { 0 } else { 1 };
                        vec![
                            pp(Sp, t),
                            y,
                            kk(Atbl, mask),
                            r0(And),
                            kk(A, add),
                            pp(Atblp, t),
                            r0(if op == Div { Xdiv } else { Xmod }),
                        ]
                    }
                    (true, _) => vec![r0(Atb), kk(L, d), r0(Xch), r0(op)],
                }
            }
            7 if self.has(Feature::Shifts) => {
                let op = *self.r.choose(&[Lsh, Rsh]);
                let c = match self.r.below(3) {
                    0 => self.r.range(-70, 70),
                    1 => *self.r.choose(&[0, 1, 63, 64, -64, 65, -1, 1 << 32]),
                    _ => self.r.range(1, 12),
                };
                match self.r.below(4) {
                    0 => {
                        let mut v = self.b_source(&readable, s);
                        v.push(r0(op));
                        v
                    }
                    // The constant-count idiom after a known constant.
                    1 => vec![kk(L, self.r.range(-5, 5)), r0(Atc), kk(Atbl, c), r0(op)],
                    _ => vec![kk(Atbl, c), r0(op)],
                }
            }
            8 if self.has(Feature::WideConsts) || self.r.one_in(3) => {
                let k = match self.r.below(3) {
                    0 => *self
                        .r
                        .choose(&[4095, 4096, 4097, 8191, 1 << 12, 123456, -4097]),
                    _ => w,
                };
                vec![kk(*self.r.choose(&[A, S]), k)]
            }
            9 if !ptrs.is_empty() => {
                // Vector reads.
                if let Some((_, len)) = self.data.vec_global.filter(|_| self.r.one_in(4)) {
                    return vec![ins(Lkg, Args::KG(self.r.range(0, len - 1), G_VEC))];
                }
                let (src, len) = self.r.choose(&ptrs).clone();
                let k = self.r.range(0, len - 1);
                let mut v = src;
                match self.r.below(4) {
                    0 => v.push(kk(Rvk, k)),
                    1 if k == 0 => v.push(r0(Rv)),
                    2 => {
                        v.push(kk(A, k));
                        v.push(r0(Rv));
                    }
                    _ => {
                        if let Some(n) = any(&mut self.r, &vecs) {
                            let len = vec_len(n);
                            let k = self.r.range(0, len - 1);
                            v = if self.r.one_in(2) {
                                vec![ins(Lkp, Args::KP(k, n))]
                            } else {
                                vec![kk(L, k), pp(Rvp, n)]
                            };
                        } else {
                            v.push(kk(Rvk, k));
                        }
                    }
                }
                v
            }
            10 if !ptrs.is_empty() => {
                // Vector writes of the integer in A.
                if let Some((_, len)) = self.data.vec_global.filter(|_| self.r.one_in(4)) {
                    return vec![ins(Skg, Args::KG(self.r.range(0, len - 1), G_VEC))];
                }
                let (src, len) = self.r.choose(&ptrs).clone();
                let k = self.r.range(0, len - 1);
                let t = any(&mut self.r, &temps).unwrap_or(3);
                match self.r.below(5) {
                    0 => [vec![r0(Atb)], src, vec![kk(Stk, k)]].concat(),
                    1 if k == 0 => [vec![r0(Atb)], src, vec![r0(St)]].concat(),
                    2 => [vec![pp(Sp, t)], src, vec![r0(Atb), pp(Lp, t), r0(Xst)]].concat(),
                    _ => match any(&mut self.r, &vecs) {
                        Some(n) => {
                            let k = self.r.range(0, vec_len(n) - 1);
                            if self.r.one_in(2) {
                                vec![ins(Stkp, Args::KP(k, n))]
                            } else {
                                vec![r0(Atb), kk(L, k), pp(Stp, n)]
                            }
                        }
                        None => [vec![r0(Atb)], src, vec![kk(Stk, k)]].concat(),
                    },
                }
            }
            11 if self.has(Feature::Bytes)
                && !(ptrs.is_empty() && self.data.strings.is_empty()) =>
            {
                let mut srcs = ptrs.clone();
                for (m, words) in &self.data.strings {
                    srcs.push((vec![ins(Lstr, Args::M(*m))], *words));
                }
                let (src, len) = self.r.choose(&srcs).clone();
                let i = self.r.range(0, 8 * len - 1);
                match self.r.below(6) {
                    0 => [src, vec![r0(Atb), kk(L, i), r0(Gbyt)]].concat(),
                    1 => [vec![kk(L, i), r0(Atb)], src, vec![r0(Xgbyt)]].concat(),
                    // A computed index: (x AND 7), within any vector.
                    2 => {
                        let t = any(&mut self.r, &temps).unwrap_or(3);
                        [
                            vec![kk(Atbl, 7), r0(And), pp(Sp, t)],
                            src,
                            vec![r0(Atb), pp(Lp, t), r0(Gbyt)],
                        ]
                        .concat()
                    }
                    3 => [vec![r0(Atc)], src, vec![r0(Atb), kk(L, i), r0(Pbyt)]].concat(),
                    4 => [
                        vec![r0(Atc), kk(L, i), r0(Atb)],
                        src,
                        vec![r0(Xch), r0(Pbyt)],
                    ]
                    .concat(),
                    _ => [vec![r0(Atc), kk(L, i), r0(Atb)], src, vec![r0(Xpbyt)]].concat(),
                }
            }
            12 if self.has(Feature::Fields) && !ptrs.is_empty() => {
                let (src, len) = self.r.choose(&ptrs).clone();
                let k = self.r.range(0, len - 1);
                let (flen, sh) = match self.r.below(4) {
                    0 => (0, self.r.range(0, 63)),
                    1 => (self.r.range(1, 64), 0),
                    _ => {
                        let sh = self.r.range(0, 62);
                        (self.r.range(1, 64 - sh), sh)
                    }
                };
                let sf = *self
                    .r
                    .choose(&[0, 0, 0, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
                let sel = |op| ins(op, Args::KKK(sf, flen, sh));
                let t = any(&mut self.r, &temps).unwrap_or(3);
                let at = if k == 0 { vec![] } else { vec![kk(A, k)] };
                match self.r.below(3) {
                    0 => [src, at, vec![ins(Selld, Args::KK(flen, sh))]].concat(),
                    1 => [vec![r0(Atb)], src, at, vec![sel(Selst)]].concat(),
                    _ => [
                        vec![pp(Sp, t)],
                        src,
                        at,
                        vec![r0(Atb), pp(Lp, t), sel(Xselst)],
                    ]
                    .concat(),
                }
            }
            13 if self.has(Feature::Increments) => {
                let k = self.r.range(-3, 3);
                match self.r.below(4) {
                    0 if !self.data.globals.is_empty() => {
                        let g = *self.r.choose(&self.data.globals);
                        vec![if self.r.one_in(2) {
                            ins(Ikg, Args::KG(k, g))
                        } else {
                            ins(Ig, Args::G(g))
                        }]
                    }
                    1 if !self.data.statics.is_empty() => {
                        let l = self.r.choose(&self.data.statics).0;
                        vec![if self.r.one_in(2) {
                            ins(Ikl, Args::KL(k, l))
                        } else {
                            ins(Il, Args::L(l))
                        }]
                    }
                    _ => match any(&mut self.r, &ints) {
                        Some(n) if self.r.one_in(2) => vec![ins(Ikp, Args::KP(k, n))],
                        Some(n) => vec![pp(Ip, n)],
                        None => vec![],
                    },
                }
            }
            14 if self.has(Feature::Registers) => match self.r.below(7) {
                0 => vec![r0(Res)],
                1 => vec![r0(Ldres)],
                2 => vec![r0(Xch)],
                3 => vec![r0(Atc)],
                4 => vec![r0(Btc)],
                5 => vec![r0(Bta)],
                _ => vec![r0(Atb)],
            },
            15 if self.has(Feature::Jumps) => {
                let l = self.label();
                open.push(l);
                let op = *self.r.choose(&[
                    Jeq, Jne, Jls, Jgr, Jle, Jge, Jeq0, Jne0, Jls0, Jgr0, Jle0, Jge0,
                ]);
                if matches!(op, Jeq | Jne | Jls | Jgr | Jle | Jge) {
                    let mut v = self.b_source(&readable, s);
                    v.push(ins(op, Args::L(l)));
                    v
                } else {
                    vec![ins(op, Args::L(l))]
                }
            }
            16 | 17 if self.has(Feature::Floats) => {
                let fl = |r: &mut Rng, data: &Data| -> Instr {
                    let fc: Vec<u32> = data.consts.iter().filter(|c| c.2).map(|c| c.0).collect();
                    match (r.below(2), floats.is_empty(), fc.is_empty()) {
                        (0, false, _) | (_, false, true) => pp(Lp, *r.choose(&floats)),
                        (_, _, false) => ins(Lw, Args::M(*r.choose(&fc))),
                        _ => kk(L, 0),
                    }
                };
                match self.r.below(7) {
                    0 => vec![fl(&mut self.r, &self.data)],
                    1 => vec![r0(Float)],
                    2 => vec![r0(*self
                        .r
                        .choose(&[Fix, Fabs, Fneg, Feq0, Fne0, Fls0, Fgr0, Fle0, Fge0]))],
                    3 | 4 => {
                        let op = *self.r.choose(&[
                            Fmul, Fdiv, Fxdiv, Fmod, Fxmod, Fadd, Fsub, Fxsub, Feq, Fne, Fls, Fgr,
                            Fle, Fge,
                        ]);
                        let src = if self.r.one_in(3) {
                            vec![r0(Atb)]
                        } else {
                            let t = any(&mut self.r, &temps).unwrap_or(3);
                            let f = fl(&mut self.r, &self.data);
                            vec![pp(Sp, t), f, pp(Atblp, t)]
                        };
                        // B kept across a float op, then used: the B-preservation rule.
                        let mut v = src;
                        v.push(r0(op));
                        if matches!(op, Fmod | Fxmod | Fdiv | Fxdiv) || self.r.one_in(3) {
                            v.push(r0(*self.r.choose(&[Fadd, Fsub, Fdiv])));
                        }
                        v
                    }
                    5 => {
                        let l = self.label();
                        open.push(l);
                        let op = *self.r.choose(&[
                            Jfeq, Jfne, Jfls, Jfgr, Jfle, Jfge, Jfeq0, Jfne0, Jfls0, Jfgr0, Jfle0,
                            Jfge0,
                        ]);
                        if matches!(op, Jfeq | Jfne | Jfls | Jfgr | Jfle | Jfge) {
                            vec![r0(Atb), fl(&mut self.r, &self.data), ins(op, Args::L(l))]
                        } else {
                            vec![ins(op, Args::L(l))]
                        }
                    }
                    _ => match any(&mut self.r, &floats) {
                        Some(n) => vec![pp(Sp, n)],
                        None => vec![r0(Float)],
                    },
                }
            }
            18 => match any(&mut self.r, &temps) {
                Some(t) if self.r.one_in(2) => vec![pp(Sp, t)],
                Some(t) => vec![pp(Lp, t)],
                None => vec![],
            },
            _ => match any(&mut self.r, &ints) {
                Some(n) if s.a.is_int() => vec![pp(Sp, n)],
                _ => vec![kk(L, w)],
            },
        }
    }

    /// Instructions that set B to something and leave a value in A.
    fn b_source(&mut self, readable: &[u32], s: &State) -> Vec<Instr> {
        let w = self.word();
        match self.r.below(5) {
            0 => vec![ins(Op::Atb, Args::None)],
            1 if !readable.is_empty() => vec![ins(Op::Atblp, Args::P(*self.r.choose(readable)))],
            2 if !self.data.globals.is_empty() => {
                vec![ins(Op::Atblg, Args::G(*self.r.choose(&self.data.globals)))]
            }
            3 if s.b.is_int() => vec![],
            _ => vec![ins(Op::Atbl, Args::K(w))],
        }
    }
}

fn slots_where(fx: &Fx, f: impl Fn(Slot) -> bool) -> Vec<u32> {
    (0..fx.slots.len() as u32)
        .filter(|s| f(fx.slots[*s as usize]))
        .collect()
}

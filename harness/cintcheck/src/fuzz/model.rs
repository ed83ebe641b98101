//! The structured program model of the generator: functions made of
//! statements (straight-line pieces, loops, ifs, switches, calls, tries,
//! coroutine runs, output), rendered to one Sial module. The reducer edits
//! this model, not text, so every reduced program still has its labels
//! defined, its calls pointing at functions that exist and its frames laid
//! out as the calls expect.

use std::collections::BTreeSet;

use sial::{Args, Instr, Module, Op, Program};

use super::features::Features;
use super::types::{ins, Checker, Data, Slot};

/// Global of function `id` (data globals are 200.., the try machinery 250, 251).
pub fn fn_global(id: usize) -> u32 {
    300 + id as u32
}
/// The level saved for `longjump` by the innermost active try.
pub const G_LEVEL: u32 = 250;
/// The label `longjump` goes to.
pub const G_LABEL: u32 = 251;
/// Where `start` leaves the program's checksum.
pub const G_SUM: u32 = 199;
/// Where `start` leaves the address of a static vector (`Data::vec_global`).
pub const G_VEC: u32 = 252;
/// A canonical quiet NaN (what a NaN becomes before integer code sees it).
pub const CANON_NAN: i64 = 0x7FF8_0000_0000_0000;

/// A straight-line piece: registers undefined at its start; `body` leaves an
/// integer in A, which `end` stores (or which is the piece's value).
#[derive(Clone, Debug, PartialEq)]
pub struct Piece {
    pub body: Vec<Instr>,
    /// The instruction that stores A (`sp`, `sg`, `sl`, ...), or none for a value.
    pub end: Option<Instr>,
}

impl Piece {
    pub fn value(body: Vec<Instr>) -> Piece {
        Piece { body, end: None }
    }
    /// A piece that gives the constant k.
    pub fn constant(k: i64) -> Piece {
        Piece::value(vec![ins(Op::L, Args::K(k))])
    }
}

/// How a call reaches its callee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// `kpg Pn Gg`.
    Global,
    /// `atb; lf Lf; k Pn`.
    Label,
    /// `atb; lg Gg; k Pn`.
    GlobalK,
    /// `atb; lll Ltab; rvk Ki; k Pn`: the function table filled by `start`.
    Table,
}

/// Output statements.
#[derive(Clone, Debug, PartialEq)]
pub enum Print {
    /// writef(format Mn, args...): the format consumes exactly the args.
    Writef {
        format: u32,
        args: Vec<Piece>,
    },
    Writen(Piece),
    /// wrch of a printable character (the value is folded into 32..95).
    Wrch(Piece),
    Newline,
    /// writes(string Mn).
    Writes(u32),
}

/// A statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    Piece(Piece),
    /// A counted loop: `var` runs 0..trips (style 2 counts down).
    Loop {
        var: u32,
        trips: i64,
        style: u8,
        head: u32,
        exit: u32,
        body: Vec<Stmt>,
    },
    If {
        cond: Piece,
        jump: Op,
        else_l: u32,
        end_l: u32,
        then: Vec<Stmt>,
        els: Vec<Stmt>,
        /// Leave the then-branch with a computed jump, `lf Lend; goto`,
        /// instead of `j Lend`.
        goto_end: bool,
    },
    Switch {
        value: Piece,
        /// swl with this table size, or swb.
        swl: Option<i64>,
        /// (key, label, block).
        cases: Vec<(i64, u32, Vec<Stmt>)>,
        default_l: u32,
        default: Vec<Stmt>,
        end_l: u32,
        /// bcpl2sial's layout: `res; j Lsw; cases; lab Lsw; ldres; switch`.
        via_res: Option<u32>,
    },
    Call {
        callee: usize,
        via: Via,
        args: Vec<Piece>,
        dest: u32,
    },
    Return(Piece),
    /// Call a thrower under a `level`; its `longjump` lands at `handler_l`.
    Try {
        thrower: usize,
        arg: Piece,
        dest: u32,
        save: (u32, u32),
        handler_l: u32,
        end_l: u32,
        handler: Vec<Stmt>,
    },
    /// Run coroutine function `func` `trips` times through callco.
    Co {
        func: usize,
        size: i64,
        trips: i64,
        co: u32,
        var: u32,
        x: u32,
        head: u32,
    },
    /// In a coroutine function: dest := cowait(value).
    Cowait {
        value: Piece,
        dest: u32,
    },
    Print(Print),
}

/// What a function is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Start,
    Plain,
    /// First parameter is the depth (0..=max); the body starts with a guard.
    Recursive,
    /// Longjumps when its argument has one of `mask`'s bits set.
    Thrower {
        mask: i64,
    },
    /// Runs as a coroutine body.
    Coroutine,
}

/// A vector from getvec held in a slot.
#[derive(Clone, Debug, PartialEq)]
pub struct VecDecl {
    pub slot: u32,
    pub len: i64,
    /// Word i starts as i * mul + add.
    pub mul: i64,
    pub add: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Func {
    pub id: usize,
    pub label: u32,
    pub kind: Kind,
    pub params: u32,
    /// Every slot of the frame (P0..P2 are the header).
    pub slots: Vec<Slot>,
    /// Initial values of integer (and float: bits) slots.
    pub inits: Vec<(u32, i64)>,
    pub vecs: Vec<VecDecl>,
    /// Value returned when the recursion depth is 0 (recursive functions).
    pub base: Piece,
    pub body: Vec<Stmt>,
    /// Seed of the checksum.
    pub mix: i64,
}

impl Func {
    /// The frame size: where the frames of its calls start.
    pub fn frame(&self) -> u32 {
        self.slots.len() as u32
    }
    pub fn name(&self) -> String {
        match self.kind {
            Kind::Start => "start".into(),
            _ => format!("f{}", self.id),
        }
    }
}

/// A whole generated program.
#[derive(Clone, Debug, PartialEq)]
pub struct Prog {
    pub seed: u64,
    pub features: Features,
    pub funcs: Vec<Func>,
    pub data: Data,
    pub statics: Vec<(u32, Vec<i64>)>,
    pub strings: Vec<(u32, Vec<u8>)>,
    /// The function table (code addresses, filled by `start`).
    pub table: u32,
}

impl Prog {
    pub fn func(&self, id: usize) -> Option<&Func> {
        self.funcs.iter().find(|f| f.id == id)
    }

    /// The globals the engines compare at the end: the checksum and the
    /// data globals `program` (this program rendered) uses.
    pub fn capture_globals(&self, program: &Program) -> Vec<u32> {
        let used = operands(program);
        let mut g = vec![G_SUM];
        g.extend(
            self.data
                .globals
                .iter()
                .copied()
                .filter(|x| used.0.contains(x)),
        );
        g
    }

    /// The statics the engines compare at the end (those `program` defines).
    pub fn capture_statics(&self, program: &Program) -> Vec<u32> {
        let used = operands(program);
        self.data
            .statics
            .iter()
            .map(|s| s.0)
            .filter(|l| used.1.contains(l))
            .collect()
    }

    /// The checker of function `f`'s pieces.
    pub fn checker<'a>(&'a self, f: &'a Func) -> Checker<'a> {
        Checker {
            slots: &f.slots,
            data: &self.data,
        }
    }

    /// Whether every piece still type-checks (after a reduction step).
    pub fn valid(&self) -> bool {
        self.funcs.iter().all(|f| {
            let c = self.checker(f);
            let ok = |p: &Piece| {
                c.run(&p.body).is_some_and(|mut s| match &p.end {
                    None => s.a.is_int(),
                    Some(e) => c.step(&mut s, e).is_some(),
                })
            };
            (f.kind != Kind::Recursive || ok(&f.base)) && all_pieces(&f.body, &mut |p| ok(p))
        })
    }

    /// Render as one Sial module (and its comments, by instruction index).
    pub fn render(&self) -> (Program, Vec<(usize, String)>) {
        let mut r = Render {
            prog: self,
            out: Vec::new(),
            notes: Vec::new(),
        };
        for f in &self.funcs {
            r.func(f);
        }
        // Only the data the code refers to (reduced programs stay short).
        let (mut ls, mut ms) = (BTreeSet::new(), BTreeSet::new());
        for i in &r.out {
            match &i.args {
                Args::L(l) | Args::KL(_, l) => {
                    ls.insert(*l);
                }
                Args::M(m) => {
                    ms.insert(*m);
                }
                _ => {}
            }
        }
        for (l, w) in &self.statics {
            if ls.contains(l) {
                r.out.push(ins(
                    Op::Static,
                    Args::Static {
                        label: *l,
                        words: w.clone(),
                    },
                ));
            }
        }
        if ls.contains(&self.table) {
            r.out.push(ins(
                Op::Static,
                Args::Static {
                    label: self.table,
                    words: vec![0; self.funcs.iter().map(|f| f.id + 1).max().unwrap_or(1)],
                },
            ));
        }
        for (m, b) in &self.strings {
            if ms.contains(m) {
                r.out.push(ins(
                    Op::String,
                    Args::Str {
                        label: *m,
                        bytes: b.clone(),
                    },
                ));
            }
        }
        for (m, v, _) in &self.data.consts {
            if ms.contains(m) {
                r.out.push(ins(
                    Op::Const,
                    Args::Const {
                        label: *m,
                        value: *v,
                    },
                ));
            }
        }
        let mut pairs: Vec<(u32, u32)> = vec![(1, self.funcs[0].label)];
        for f in &self.funcs[1..] {
            pairs.push((fn_global(f.id), f.label));
        }
        let max = pairs.iter().map(|p| p.0).max().unwrap_or(1);
        r.out.push(ins(Op::Global, Args::Global { pairs, max }));
        let module = Module {
            instrs: r.out,
            pos: Default::default(),
        };
        (
            Program {
                modules: vec![module],
            },
            r.notes,
        )
    }

    /// The readable Sial text, with a comment per function and statement.
    pub fn text(&self) -> String {
        let (p, notes) = self.render();
        let mut out = String::new();
        let mut k = 0;
        for (i, x) in p.modules[0].instrs.iter().enumerate() {
            while k < notes.len() && notes[k].0 == i {
                out.push_str(&notes[k].1);
                out.push('\n');
                k += 1;
            }
            if !x.op.is_directive() {
                out.push_str("  ");
            }
            out.push_str(&sial::print_instr(x));
            out.push('\n');
        }
        out
    }

    /// Number of executable instructions.
    pub fn size(&self) -> usize {
        self.render().0.instruction_count()
    }
}

/// The globals and the labels of `program`'s operands.
fn operands(program: &Program) -> (BTreeSet<u32>, BTreeSet<u32>) {
    let (mut gs, mut ls) = (BTreeSet::new(), BTreeSet::new());
    for i in program.modules.iter().flat_map(|m| &m.instrs) {
        match &i.args {
            Args::G(g) | Args::KG(_, g) => {
                gs.insert(*g);
            }
            Args::L(l) | Args::KL(_, l) => {
                ls.insert(*l);
            }
            _ => {}
        }
    }
    (gs, ls)
}

/// Visit every piece of a block (recursively); false if `f` said false.
pub fn all_pieces(b: &[Stmt], f: &mut dyn FnMut(&Piece) -> bool) -> bool {
    b.iter().all(|s| match s {
        Stmt::Piece(p) | Stmt::Return(p) | Stmt::Cowait { value: p, .. } => f(p),
        Stmt::Loop { body, .. } => all_pieces(body, f),
        Stmt::If {
            cond, then, els, ..
        } => f(cond) && all_pieces(then, f) && all_pieces(els, f),
        Stmt::Switch {
            value,
            cases,
            default,
            ..
        } => f(value) && cases.iter().all(|c| all_pieces(&c.2, f)) && all_pieces(default, f),
        Stmt::Call { args, .. } => args.iter().all(&mut *f),
        Stmt::Try { arg, handler, .. } => f(arg) && all_pieces(handler, f),
        Stmt::Co { .. } => true,
        Stmt::Print(p) => match p {
            Print::Writef { args, .. } => args.iter().all(&mut *f),
            Print::Writen(p) | Print::Wrch(p) => f(p),
            Print::Newline | Print::Writes(_) => true,
        },
    })
}

/// The swb pairs in implicit-binary-tree order (sial.md s.7.2: node j has
/// the bigger keys under 2j, the smaller under 2j+1).
pub fn tree_order(mut pairs: Vec<(i64, u32)>) -> Vec<(i64, u32)> {
    pairs.sort();
    let n = pairs.len();
    let mut out = vec![(0, 0); n];
    // Fill node j with the median of its key range (a complete tree's shape).
    fn fill(j: usize, sorted: &[(i64, u32)], out: &mut [(i64, u32)]) {
        if sorted.is_empty() || j > out.len() {
            return;
        }
        // Size of the smaller (2j+1) and bigger (2j) subtrees of a
        // complete-shaped tree with `sorted.len()` nodes rooted at j.
        let count = |j: usize| -> usize {
            let mut c = 0;
            let mut level = vec![j];
            while !level.is_empty() {
                c += level.len();
                level = level
                    .iter()
                    .flat_map(|&x| [2 * x, 2 * x + 1])
                    .filter(|&x| x <= out.len())
                    .collect();
            }
            c
        };
        let smaller = if 2 * j < out.len() {
            count(2 * j + 1)
        } else {
            0
        };
        let smaller = smaller.min(sorted.len() - 1);
        out[j - 1] = sorted[smaller];
        fill(2 * j + 1, &sorted[..smaller], out);
        fill(2 * j, &sorted[smaller + 1..], out);
    }
    fill(1, &pairs, &mut out);
    out
}

struct Render<'a> {
    prog: &'a Prog,
    out: Vec<Instr>,
    notes: Vec<(usize, String)>,
}

fn k(op: Op, v: i64) -> Instr {
    ins(op, Args::K(v))
}
fn p(op: Op, n: u32) -> Instr {
    ins(op, Args::P(n))
}
fn l(op: Op, n: u32) -> Instr {
    ins(op, Args::L(n))
}
fn pg(n: u32, g: u32) -> Instr {
    ins(Op::Kpg, Args::PG(n, g))
}

/// Slots referenced by a block's instructions.
fn referenced(instrs: &[Instr], out: &mut BTreeSet<u32>) {
    for i in instrs {
        match (&i.op, &i.args) {
            (Op::Kpg | Op::K, _) => {}
            (_, Args::P(n)) | (_, Args::KP(_, n)) => {
                out.insert(*n);
            }
            _ => {}
        }
    }
}

impl Render<'_> {
    fn note(&mut self, s: String) {
        self.notes.push((self.out.len(), s));
    }
    fn emit(&mut self, i: Instr) {
        self.out.push(i);
    }
    fn piece(&mut self, pc: &Piece) {
        self.out.extend(pc.body.iter().cloned());
        if let Some(e) = &pc.end {
            self.out.push(e.clone());
        }
    }

    fn func(&mut self, f: &Func) {
        let n = f.frame();
        // The body first, to learn which slots it uses.
        let start = self.out.len();
        let note_start = self.notes.len();
        if f.kind == Kind::Recursive {
            let go = 100_000 + f.label;
            self.note("; depth 0: the base value".into());
            self.emit(p(Op::Lp, 3));
            self.emit(l(Op::Jgr0, go));
            self.piece(&f.base);
            self.emit(ins(Op::Rtn, Args::None));
            self.emit(l(Op::Lab, go));
        }
        self.block(f, &f.body);
        if let Kind::Thrower { mask } = f.kind {
            let no = 100_000 + f.label;
            self.note(format!(
                "; longjump to the active try when the argument has a bit of {mask}"
            ));
            self.emit(p(Op::Lp, 3));
            self.emit(k(Op::Atbl, mask));
            self.emit(ins(Op::And, Args::None));
            self.emit(l(Op::Jeq0, no));
            self.emit(ins(Op::Lg, Args::G(G_LABEL)));
            self.emit(p(Op::Sp, n + 4));
            self.emit(ins(Op::Lg, Args::G(G_LEVEL)));
            self.emit(pg(n, 16));
            self.emit(l(Op::Lab, no));
        }
        let body: Vec<Instr> = self.out.split_off(start);
        let body_notes: Vec<(usize, String)> = self.notes.split_off(note_start);
        let mut used = BTreeSet::new();
        referenced(&body, &mut used);
        // A frame vector is used whole when its base is.
        for s in used.clone() {
            if let Some(Slot::Frame { base, len }) = f.slots.get(s as usize) {
                if *base == s {
                    used.extend(s..s + *len as u32);
                }
            }
        }
        // Head.
        let kind = match f.kind {
            Kind::Start => "the program".to_string(),
            Kind::Plain => "a function".into(),
            Kind::Recursive => "recursive; P3 is the depth".into(),
            Kind::Thrower { .. } => "called by a try; may longjump".into(),
            Kind::Coroutine => "a coroutine body".into(),
        };
        self.note(String::new());
        self.note(format!(
            "; {}: {} argument(s), frame {} words, {kind}",
            f.name(),
            f.params,
            n
        ));
        let name = f.name().into_bytes();
        self.emit(ins(Op::Entry, Args::Name(name)));
        self.emit(l(Op::Lab, f.label));
        // Prologue: initialise every used slot that is not an argument.
        let observed: Vec<u32> = used
            .iter()
            .copied()
            .filter(|s| {
                matches!(
                    f.slots.get(*s as usize),
                    Some(Slot::Int | Slot::Float | Slot::Frame { .. })
                )
            })
            .collect();
        for s in used.iter().copied() {
            if s >= 3 && s < 3 + f.params {
                continue;
            }
            if let Some(Slot::Int | Slot::Float | Slot::Frame { .. } | Slot::Counter(_)) =
                f.slots.get(s as usize)
            {
                let v = f.inits.iter().find(|x| x.0 == s).map_or(0, |x| x.1);
                self.emit(k(Op::L, v));
                self.emit(p(Op::Sp, s));
            }
        }
        if f.kind == Kind::Start {
            // Fill the function table.
            for g in &self.prog.funcs[1..] {
                self.emit(l(Op::Lf, g.label));
                self.emit(ins(Op::Atb, Args::None));
                self.emit(l(Op::Lll, self.prog.table));
                self.emit(k(Op::Stk, g.id as i64));
            }
            if let Some((vec, _)) = self.prog.data.vec_global {
                self.emit(l(Op::Lll, vec));
                self.emit(ins(Op::Sg, Args::G(G_VEC)));
            }
        }
        let vecs: Vec<&VecDecl> = f.vecs.iter().filter(|v| used.contains(&v.slot)).collect();
        for v in &vecs {
            self.vec_init(f, v);
        }
        let shift = self.out.len();
        self.notes
            .extend(body_notes.into_iter().map(|(i, s)| (i - start + shift, s)));
        self.out.extend(body);
        // Epilogue: the checksum of everything observable.
        self.note(format!(
            "; {}'s checksum (a NaN counts as one NaN)",
            f.name()
        ));
        for s in observed.iter().copied() {
            if f.slots[s as usize] == Slot::Float {
                let ok = 2_000_000 + f.label * 256 + s;
                self.emit(p(Op::Lp, s));
                self.emit(ins(Op::Atb, Args::None));
                self.emit(l(Op::Jfeq, ok));
                self.emit(k(Op::L, CANON_NAN));
                self.emit(p(Op::Sp, s));
                self.emit(l(Op::Lab, ok));
            }
        }
        self.emit(k(Op::L, f.mix));
        for (i, s) in observed.iter().enumerate() {
            self.emit(k(Op::Atbl, 31));
            self.emit(ins(Op::Mul, Args::None));
            self.emit(p(Op::Atblp, *s));
            self.emit(ins([Op::Xor, Op::Add, Op::Sub][i % 3], Args::None));
        }
        for v in &vecs {
            for w in 0..v.len {
                self.emit(k(Op::Atbl, 31));
                self.emit(ins(Op::Mul, Args::None));
                self.emit(p(Op::Atblp, v.slot));
                self.emit(k(Op::Rvk, w));
                self.emit(ins(Op::Xor, Args::None));
            }
        }
        if !vecs.is_empty() {
            let t = f.slots.iter().position(|s| *s == Slot::Temp).unwrap_or(3) as u32;
            self.emit(p(Op::Sp, t));
            for v in &vecs {
                self.emit(p(Op::Lp, v.slot));
                self.emit(pg(n, 27));
            }
            self.emit(p(Op::Lp, t));
        }
        if f.kind == Kind::Start {
            // The whole checksum goes to a global; the return code stays
            // below 10 (no `failed returncode` message from the CLI).
            self.emit(ins(Op::Sg, Args::G(G_SUM)));
            self.emit(ins(Op::Lg, Args::G(G_SUM)));
            self.emit(k(Op::Atbl, 7));
            self.emit(ins(Op::And, Args::None));
        }
        self.emit(ins(Op::Rtn, Args::None));
    }

    /// v := getvec(len - 1); v!i := i * mul + add for every i.
    fn vec_init(&mut self, f: &Func, v: &VecDecl) {
        let n = f.frame();
        let head = 1_000_000 + f.label * 256 + v.slot;
        self.note(format!(
            "; P{} := getvec({}), word i = i * {} + {}",
            v.slot,
            v.len - 1,
            v.mul,
            v.add
        ));
        self.emit(k(Op::L, v.len - 1));
        self.emit(pg(n, 25));
        self.emit(p(Op::Sp, v.slot));
        // A countdown in the vector's own word 0 would be clever; a temp is plainer.
        let t = f.slots.iter().position(|s| *s == Slot::Temp).unwrap_or(3) as u32;
        self.emit(k(Op::L, 0));
        self.emit(p(Op::Sp, t));
        self.emit(l(Op::Lab, head));
        self.emit(p(Op::Lp, t));
        self.emit(k(Op::Atbl, v.mul));
        self.emit(ins(Op::Mul, Args::None));
        self.emit(k(Op::A, v.add));
        self.emit(ins(Op::Atb, Args::None));
        self.emit(p(Op::Lp, t));
        self.emit(p(Op::Stp, v.slot));
        self.emit(ins(Op::Ikp, Args::KP(1, t)));
        self.emit(k(Op::Atbl, v.len));
        self.emit(l(Op::Jls, head));
    }

    fn block(&mut self, f: &Func, b: &[Stmt]) {
        for s in b {
            self.stmt(f, s);
        }
    }

    fn stmt(&mut self, f: &Func, s: &Stmt) {
        let n = f.frame();
        match s {
            Stmt::Piece(pc) => self.piece(pc),
            Stmt::Loop {
                var,
                trips,
                style,
                head,
                exit,
                body,
            } => {
                self.note(format!("; loop {trips} times (P{var})"));
                match style {
                    0 => {
                        self.emit(k(Op::L, 0));
                        self.emit(p(Op::Sp, *var));
                        self.emit(l(Op::Lab, *head));
                        self.block(f, body);
                        self.emit(p(Op::Lp, *var));
                        self.emit(k(Op::A, 1));
                        self.emit(p(Op::Sp, *var));
                        self.emit(k(Op::Atbl, *trips));
                        self.emit(l(Op::Jls, *head));
                    }
                    1 => {
                        self.emit(k(Op::L, 0));
                        self.emit(p(Op::Sp, *var));
                        self.emit(l(Op::Lab, *head));
                        self.emit(p(Op::Lp, *var));
                        self.emit(k(Op::Atbl, *trips));
                        self.emit(l(Op::Jge, *exit));
                        self.block(f, body);
                        self.emit(ins(Op::Ikp, Args::KP(1, *var)));
                        self.emit(l(Op::J, *head));
                        self.emit(l(Op::Lab, *exit));
                    }
                    _ => {
                        self.emit(k(Op::L, *trips));
                        self.emit(p(Op::Sp, *var));
                        self.emit(l(Op::Lab, *head));
                        self.block(f, body);
                        self.emit(p(Op::Lp, *var));
                        self.emit(k(Op::S, 1));
                        self.emit(p(Op::Sp, *var));
                        self.emit(l(Op::Jgr0, *head));
                    }
                }
            }
            Stmt::If {
                cond,
                jump,
                else_l,
                end_l,
                then,
                els,
                goto_end,
            } => {
                self.note("; if".into());
                self.piece(cond);
                self.emit(l(*jump, *else_l));
                self.block(f, then);
                if *goto_end {
                    // A and B are dead between statements.
                    self.emit(l(Op::Lf, *end_l));
                    self.emit(ins(Op::Goto, Args::None));
                } else {
                    self.emit(l(Op::J, *end_l));
                }
                self.emit(l(Op::Lab, *else_l));
                self.block(f, els);
                self.emit(l(Op::Lab, *end_l));
            }
            Stmt::Switch {
                value,
                swl,
                cases,
                default_l,
                default,
                end_l,
                via_res,
            } => {
                self.note(format!(
                    "; switch ({} cases, {})",
                    cases.len(),
                    if swl.is_some() { "swl" } else { "swb" }
                ));
                self.piece(value);
                let sw = match swl {
                    Some(size) => ins(
                        Op::Swl,
                        Args::Swl {
                            default: *default_l,
                            labels: (0..*size)
                                .map(|v| {
                                    cases.iter().find(|c| c.0 == v).map_or(*default_l, |c| c.1)
                                })
                                .collect(),
                        },
                    ),
                    None => ins(
                        Op::Swb,
                        Args::Swb {
                            default: *default_l,
                            cases: tree_order(cases.iter().map(|c| (c.0, c.1)).collect()),
                        },
                    ),
                };
                // The cases, then the default (which falls through to the
                // end unless the switch instruction follows it).
                let arms = |r: &mut Self| {
                    for (key, lab, b) in cases {
                        r.note(format!("; case {key}"));
                        r.emit(l(Op::Lab, *lab));
                        r.block(f, b);
                        r.emit(l(Op::J, *end_l));
                    }
                    r.note("; default".into());
                    r.emit(l(Op::Lab, *default_l));
                    r.block(f, default);
                };
                match via_res {
                    Some(sw_l) => {
                        self.emit(ins(Op::Res, Args::None));
                        self.emit(l(Op::J, *sw_l));
                        arms(self);
                        self.emit(l(Op::J, *end_l));
                        self.emit(l(Op::Lab, *sw_l));
                        self.emit(ins(Op::Ldres, Args::None));
                        self.emit(sw);
                    }
                    None => {
                        self.emit(sw);
                        arms(self);
                    }
                }
                self.emit(l(Op::Lab, *end_l));
            }
            Stmt::Call {
                callee,
                via,
                args,
                dest,
            } => {
                let Some(g) = self.prog.func(*callee) else {
                    return;
                };
                self.note(format!("; P{dest} := {}(...)", g.name()));
                for (i, a) in args.iter().enumerate().skip(1) {
                    self.piece(a);
                    self.emit(p(Op::Sp, n + 3 + i as u32));
                }
                match args.first() {
                    Some(a) => self.piece(a),
                    None => self.emit(k(Op::L, 0)),
                }
                match via {
                    Via::Global => self.emit(pg(n, fn_global(g.id))),
                    Via::Label => {
                        self.emit(ins(Op::Atb, Args::None));
                        self.emit(l(Op::Lf, g.label));
                        self.emit(p(Op::K, n));
                    }
                    Via::GlobalK => {
                        self.emit(ins(Op::Atb, Args::None));
                        self.emit(ins(Op::Lg, Args::G(fn_global(g.id))));
                        self.emit(p(Op::K, n));
                    }
                    Via::Table => {
                        self.emit(ins(Op::Atb, Args::None));
                        self.emit(l(Op::Lll, self.prog.table));
                        self.emit(k(Op::Rvk, g.id as i64));
                        self.emit(p(Op::K, n));
                    }
                }
                self.emit(p(Op::Sp, *dest));
            }
            Stmt::Return(pc) => {
                self.note("; return".into());
                self.piece(pc);
                self.emit(ins(Op::Rtn, Args::None));
            }
            Stmt::Try {
                thrower,
                arg,
                dest,
                save,
                handler_l,
                end_l,
                handler,
            } => {
                let Some(g) = self.prog.func(*thrower) else {
                    return;
                };
                self.note(format!(
                    "; try: P{dest} := {}(...) under level(); its longjump lands at L{handler_l}",
                    g.name()
                ));
                self.emit(ins(Op::Lg, Args::G(G_LEVEL)));
                self.emit(p(Op::Sp, save.0));
                self.emit(ins(Op::Lg, Args::G(G_LABEL)));
                self.emit(p(Op::Sp, save.1));
                self.emit(k(Op::L, 0));
                self.emit(pg(n, 15));
                self.emit(ins(Op::Sg, Args::G(G_LEVEL)));
                self.emit(l(Op::Lf, *handler_l));
                self.emit(ins(Op::Sg, Args::G(G_LABEL)));
                self.piece(arg);
                self.emit(pg(n, fn_global(g.id)));
                self.emit(p(Op::Sp, *dest));
                self.emit(l(Op::J, *end_l));
                self.note("; the handler".into());
                self.emit(l(Op::Lab, *handler_l));
                self.block(f, handler);
                self.emit(l(Op::Lab, *end_l));
                self.emit(p(Op::Lp, save.0));
                self.emit(ins(Op::Sg, Args::G(G_LEVEL)));
                self.emit(p(Op::Lp, save.1));
                self.emit(ins(Op::Sg, Args::G(G_LABEL)));
            }
            Stmt::Co {
                func,
                size,
                trips,
                co,
                var,
                x,
                head,
            } => {
                let Some(g) = self.prog.func(*func) else {
                    return;
                };
                self.note(format!(
                    "; c := createco({}, {size}); P{x} := callco(c, P{x}) {trips} times; deleteco(c)",
                    g.name()
                ));
                self.emit(k(Op::L, *size));
                self.emit(p(Op::Sp, n + 4));
                self.emit(l(Op::Lf, g.label));
                self.emit(pg(n, 17));
                self.emit(p(Op::Sp, *co));
                self.emit(k(Op::L, 0));
                self.emit(p(Op::Sp, *var));
                self.emit(l(Op::Lab, *head));
                self.emit(p(Op::Lp, *x));
                self.emit(p(Op::Sp, n + 4));
                self.emit(p(Op::Lp, *co));
                self.emit(pg(n, 19));
                self.emit(p(Op::Sp, *x));
                self.emit(ins(Op::Ikp, Args::KP(1, *var)));
                self.emit(k(Op::Atbl, *trips));
                self.emit(l(Op::Jls, *head));
                self.emit(p(Op::Lp, *co));
                self.emit(pg(n, 18));
            }
            Stmt::Cowait { value, dest } => {
                self.note(format!("; P{dest} := cowait(...)"));
                self.piece(value);
                self.emit(pg(n, 20));
                self.emit(p(Op::Sp, *dest));
            }
            Stmt::Print(pr) => match pr {
                Print::Writef { format, args } => {
                    self.note("; writef".into());
                    for (i, a) in args.iter().enumerate() {
                        self.piece(a);
                        self.emit(p(Op::Sp, n + 4 + i as u32));
                    }
                    self.emit(ins(Op::Lstr, Args::M(*format)));
                    self.emit(pg(n, 94));
                }
                Print::Writen(a) => {
                    self.note("; writen".into());
                    self.piece(a);
                    self.emit(pg(n, 86));
                }
                Print::Wrch(a) => {
                    self.note("; wrch".into());
                    self.piece(a);
                    self.emit(k(Op::Atbl, 63));
                    self.emit(ins(Op::And, Args::None));
                    self.emit(k(Op::A, 32));
                    self.emit(pg(n, 41));
                }
                Print::Newline => {
                    self.emit(k(Op::L, 0));
                    self.emit(pg(n, 84));
                }
                Print::Writes(m) => {
                    self.emit(ins(Op::Lstr, Args::M(*m)));
                    self.emit(pg(n, 89));
                }
            },
        }
    }
}

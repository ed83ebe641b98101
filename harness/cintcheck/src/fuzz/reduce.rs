//! Reduction that keeps structure: delta debugging (ddmin: chunks, then
//! halves of chunks, down to single items) over functions, over the
//! statements of every block, and over the instructions of every piece,
//! then simplifications (a compound statement replaced by one of its
//! blocks, constants to 0, loop trips to 1). Every candidate is a program
//! of the model, so labels stay defined and calls of removed functions go
//! with them; pieces with instructions removed must still type-check
//! ([`super::types`]), so a reduced program uses only defined behaviour.

use std::time::Instant;

use sial::{Args, Op};

use super::model::{Kind, Piece, Print, Prog, Stmt};

/// The reducer's state: the test and how many times it ran.
pub struct Reducer<'a> {
    interesting: &'a dyn Fn(&Prog) -> bool,
    deadline: Option<Instant>,
    /// Candidates tried.
    pub tests: usize,
}

impl<'a> Reducer<'a> {
    pub fn new(interesting: &'a dyn Fn(&Prog) -> bool, deadline: Option<Instant>) -> Self {
        Reducer {
            interesting,
            deadline,
            tests: 0,
        }
    }

    fn expired(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() > d)
    }

    fn test(&mut self, p: &Prog) -> bool {
        if self.expired() || !p.valid() {
            return false;
        }
        self.tests += 1;
        (self.interesting)(p)
    }

    /// Reduce `prog` (which must be interesting) as far as it goes.
    pub fn run(&mut self, prog: &Prog) -> Prog {
        let mut best = prog.clone();
        loop {
            let before = best.size();
            best = self.functions(best);
            best = self.statements(best);
            best = self.unwrap(best);
            best = self.pieces(best);
            best = self.simplify(best);
            if best.size() >= before || self.expired() {
                return best;
            }
        }
    }

    /// ddmin over `n` items: `build(keep)` makes the candidate keeping the
    /// items whose flags are set; the kept flags of the smallest
    /// interesting candidate.
    fn ddmin(&mut self, n: usize, build: &dyn Fn(&[bool]) -> Prog) -> Option<Prog> {
        let mut keep = vec![true; n];
        let mut best: Option<Prog> = None;
        let mut chunks = 2usize.min(n.max(1));
        while keep.iter().filter(|k| **k).count() > 0 && !self.expired() {
            let live: Vec<usize> = (0..n).filter(|i| keep[*i]).collect();
            if live.is_empty() {
                break;
            }
            let chunks_now = chunks.min(live.len());
            let size = live.len().div_ceil(chunks_now);
            let mut progress = false;
            for c in 0..chunks_now {
                let part = &live[(c * size).min(live.len())..((c + 1) * size).min(live.len())];
                if part.is_empty() {
                    continue;
                }
                let mut trial = keep.clone();
                for i in part {
                    trial[*i] = false;
                }
                let cand = build(&trial);
                if self.test(&cand) {
                    keep = trial;
                    best = Some(cand);
                    progress = true;
                    chunks = (chunks_now - 1).max(2);
                    break;
                }
            }
            if !progress {
                if chunks_now >= live.len() {
                    break;
                }
                chunks = (chunks_now * 2).min(live.len());
            }
        }
        best
    }

    fn functions(&mut self, prog: Prog) -> Prog {
        let ids: Vec<usize> = prog.funcs.iter().skip(1).map(|f| f.id).collect();
        let build = |keep: &[bool]| {
            let gone: Vec<usize> = ids
                .iter()
                .zip(keep)
                .filter(|(_, k)| !**k)
                .map(|(i, _)| *i)
                .collect();
            without_functions(&prog, &gone)
        };
        self.ddmin(ids.len(), &build).unwrap_or(prog)
    }

    fn statements(&mut self, mut prog: Prog) -> Prog {
        for fi in 0..prog.funcs.len() {
            let mut paths = Vec::new();
            block_paths(&prog.funcs[fi].body, &mut Vec::new(), &mut paths);
            for path in paths {
                let Some(n) = block_mut(&mut prog.funcs[fi].body, &path).map(|b| b.len()) else {
                    continue;
                };
                let base = prog.clone();
                let build = |keep: &[bool]| {
                    let mut p = base.clone();
                    if let Some(b) = block_mut(&mut p.funcs[fi].body, &path) {
                        let mut k = keep.iter();
                        b.retain(|_| *k.next().unwrap_or(&true));
                    }
                    p
                };
                if let Some(p) = self.ddmin(n, &build) {
                    prog = p;
                }
            }
        }
        prog
    }

    /// Replace compound statements by one of their blocks.
    fn unwrap(&mut self, mut prog: Prog) -> Prog {
        for fi in 0..prog.funcs.len() {
            let mut paths = Vec::new();
            block_paths(&prog.funcs[fi].body, &mut Vec::new(), &mut paths);
            for path in paths {
                let mut i = 0;
                while let Some(b) = block_mut(&mut prog.funcs[fi].body, &path) {
                    if i >= b.len() {
                        break;
                    }
                    let children = children(&b[i]);
                    let mut replaced = false;
                    for c in 0..children {
                        let mut cand = prog.clone();
                        let b = block_mut(&mut cand.funcs[fi].body, &path).expect("same shape");
                        let inner = child_mut(&mut b[i], c)
                            .map(std::mem::take)
                            .unwrap_or_default();
                        b.splice(i..=i, inner);
                        if self.test(&cand) {
                            prog = cand;
                            replaced = true;
                            break;
                        }
                    }
                    if !replaced {
                        i += 1;
                    }
                }
            }
        }
        prog
    }

    /// ddmin over the instructions of every piece.
    fn pieces(&mut self, mut prog: Prog) -> Prog {
        let count = piece_count(&prog);
        for k in 0..count {
            let Some(n) = piece_at(&prog, k).map(|p| p.body.len()) else {
                continue;
            };
            if n <= 1 {
                continue;
            }
            let base = prog.clone();
            let build = |keep: &[bool]| {
                let mut p = base.clone();
                with_piece(&mut p, k, &mut |pc| {
                    let mut it = keep.iter();
                    pc.body.retain(|_| *it.next().unwrap_or(&true));
                });
                p
            };
            if let Some(p) = self.ddmin(n, &build) {
                prog = p;
            }
        }
        prog
    }

    /// Smaller things: a piece to a constant, vectors to one word,
    /// constants to 0 or 1, loop trips to 1, initial values to 0.
    fn simplify(&mut self, mut prog: Prog) -> Prog {
        let count = piece_count(&prog);
        for k in 0..count {
            let zero = vec![sial::Instr::new(Op::L, Args::K(0))];
            if piece_at(&prog, k).is_none_or(|p| p.body == zero) {
                continue;
            }
            let mut cand = prog.clone();
            with_piece(&mut cand, k, &mut |pc| pc.body = zero.clone());
            if self.test(&cand) {
                prog = cand;
            }
        }
        for fi in 0..prog.funcs.len() {
            for j in 0..prog.funcs[fi].vecs.len() {
                let v = &prog.funcs[fi].vecs[j];
                if v.len <= 1 {
                    continue;
                }
                let mut cand = prog.clone();
                let slot = v.slot as usize;
                cand.funcs[fi].vecs[j].len = 1;
                cand.funcs[fi].slots[slot] = super::types::Slot::Vec(1);
                if self.test(&cand) {
                    prog = cand;
                }
            }
        }
        for fi in 0..prog.funcs.len() {
            for j in 0..prog.funcs[fi].inits.len() {
                if prog.funcs[fi].inits[j].1 == 0 {
                    continue;
                }
                let mut cand = prog.clone();
                cand.funcs[fi].inits[j].1 = 0;
                if self.test(&cand) {
                    prog = cand;
                }
            }
            for j in 0..prog.funcs[fi].vecs.len() {
                let mut cand = prog.clone();
                cand.funcs[fi].vecs[j].mul = 0;
                cand.funcs[fi].vecs[j].add = 0;
                if cand != prog && self.test(&cand) {
                    prog = cand;
                }
            }
        }
        let count = piece_count(&prog);
        for k in 0..count {
            let n = piece_at(&prog, k).map_or(0, |p| p.body.len());
            for j in 0..n {
                for v in [0, 1] {
                    let mut cand = prog.clone();
                    let mut changed = false;
                    with_piece(&mut cand, k, &mut |pc| {
                        if let Some(i) = pc.body.get_mut(j) {
                            if let (Op::L | Op::Atbl, Args::K(x)) = (i.op, &mut i.args) {
                                if *x != v && *x != 0 && *x != 1 {
                                    *x = v;
                                    changed = true;
                                }
                            }
                        }
                    });
                    if changed && self.test(&cand) {
                        prog = cand;
                        break;
                    }
                }
            }
        }
        for fi in 0..prog.funcs.len() {
            let mut cand = prog.clone();
            if one_trip(&mut cand.funcs[fi].body) && self.test(&cand) {
                prog = cand;
            }
        }
        prog
    }
}

/// Reduce `prog` while `interesting` holds (until `deadline`).
pub fn reduce(
    prog: &Prog,
    interesting: &dyn Fn(&Prog) -> bool,
    deadline: Option<Instant>,
) -> (Prog, usize) {
    let mut r = Reducer::new(interesting, deadline);
    let out = r.run(prog);
    (out, r.tests)
}

/// `prog` without the functions `gone` (and the statements that use them).
pub fn without_functions(prog: &Prog, gone: &[usize]) -> Prog {
    let mut p = prog.clone();
    p.funcs.retain(|f| !gone.contains(&f.id));
    for f in &mut p.funcs {
        drop_uses(&mut f.body, gone);
    }
    p
}

fn drop_uses(b: &mut Vec<Stmt>, gone: &[usize]) {
    b.retain(|s| match s {
        Stmt::Call { callee, .. } => !gone.contains(callee),
        Stmt::Try { thrower, .. } => !gone.contains(thrower),
        Stmt::Co { func, .. } => !gone.contains(func),
        _ => true,
    });
    for s in b.iter_mut() {
        for c in 0..children(s) {
            if let Some(inner) = child_mut(s, c) {
                drop_uses(inner, gone);
            }
        }
    }
}

/// Number of child blocks of a statement.
fn children(s: &Stmt) -> usize {
    match s {
        Stmt::Loop { .. } | Stmt::Try { .. } => 1,
        Stmt::If { .. } => 2,
        Stmt::Switch { cases, .. } => cases.len() + 1,
        _ => 0,
    }
}

fn child_mut(s: &mut Stmt, c: usize) -> Option<&mut Vec<Stmt>> {
    match s {
        Stmt::Loop { body, .. } if c == 0 => Some(body),
        Stmt::Try { handler, .. } if c == 0 => Some(handler),
        Stmt::If { then, .. } if c == 0 => Some(then),
        Stmt::If { els, .. } if c == 1 => Some(els),
        Stmt::Switch { cases, default, .. } => {
            if c < cases.len() {
                Some(&mut cases[c].2)
            } else if c == cases.len() {
                Some(default)
            } else {
                None
            }
        }
        _ => None,
    }
}

fn child(s: &Stmt, c: usize) -> Option<&Vec<Stmt>> {
    match s {
        Stmt::Loop { body, .. } if c == 0 => Some(body),
        Stmt::Try { handler, .. } if c == 0 => Some(handler),
        Stmt::If { then, .. } if c == 0 => Some(then),
        Stmt::If { els, .. } if c == 1 => Some(els),
        Stmt::Switch { cases, default, .. } => {
            if c < cases.len() {
                Some(&cases[c].2)
            } else if c == cases.len() {
                Some(default)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Paths (statement index, child) of every block, outermost first.
fn block_paths(b: &[Stmt], here: &mut Vec<(usize, usize)>, out: &mut Vec<Vec<(usize, usize)>>) {
    out.push(here.clone());
    for (i, s) in b.iter().enumerate() {
        for c in 0..children(s) {
            if let Some(inner) = child(s, c) {
                here.push((i, c));
                block_paths(inner, here, out);
                here.pop();
            }
        }
    }
}

fn block_mut<'a>(b: &'a mut Vec<Stmt>, path: &[(usize, usize)]) -> Option<&'a mut Vec<Stmt>> {
    match path.split_first() {
        None => Some(b),
        Some(((i, c), rest)) => {
            let s = b.get_mut(*i)?;
            block_mut(child_mut(s, *c)?, rest)
        }
    }
}

/// Visit the pieces of a function in a fixed order.
fn visit_block(b: &mut [Stmt], f: &mut dyn FnMut(&mut Piece)) {
    for s in b {
        match s {
            Stmt::Piece(p) | Stmt::Return(p) | Stmt::Cowait { value: p, .. } => f(p),
            Stmt::Loop { body, .. } => visit_block(body, f),
            Stmt::If {
                cond, then, els, ..
            } => {
                f(cond);
                visit_block(then, f);
                visit_block(els, f);
            }
            Stmt::Switch {
                value,
                cases,
                default,
                ..
            } => {
                f(value);
                for c in cases.iter_mut() {
                    visit_block(&mut c.2, f);
                }
                visit_block(default, f);
            }
            Stmt::Call { args, .. } => args.iter_mut().for_each(&mut *f),
            Stmt::Try { arg, handler, .. } => {
                f(arg);
                visit_block(handler, f);
            }
            Stmt::Co { .. } => {}
            Stmt::Print(pr) => match pr {
                Print::Writef { args, .. } => args.iter_mut().for_each(&mut *f),
                Print::Writen(p) | Print::Wrch(p) => f(p),
                Print::Newline | Print::Writes(_) => {}
            },
        }
    }
}

fn visit(prog: &mut Prog, f: &mut dyn FnMut(&mut Piece)) {
    for func in &mut prog.funcs {
        if func.kind == Kind::Recursive {
            f(&mut func.base);
        }
        visit_block(&mut func.body, f);
    }
}

fn piece_count(prog: &Prog) -> usize {
    let mut p = prog.clone();
    let mut n = 0;
    visit(&mut p, &mut |_| n += 1);
    n
}

fn piece_at(prog: &Prog, k: usize) -> Option<Piece> {
    let mut p = prog.clone();
    let mut n = 0;
    let mut out = None;
    visit(&mut p, &mut |pc| {
        if n == k {
            out = Some(pc.clone());
        }
        n += 1;
    });
    out
}

fn with_piece(prog: &mut Prog, k: usize, f: &mut dyn FnMut(&mut Piece)) {
    let mut n = 0;
    visit(prog, &mut |pc| {
        if n == k {
            f(pc);
        }
        n += 1;
    });
}

/// Every loop and coroutine run once; whether anything changed.
fn one_trip(b: &mut [Stmt]) -> bool {
    let mut changed = false;
    for s in b {
        match s {
            Stmt::Loop { trips, .. } | Stmt::Co { trips, .. } if *trips > 1 => {
                *trips = 1;
                changed = true;
            }
            _ => {}
        }
        for c in 0..children(s) {
            if let Some(inner) = child_mut(s, c) {
                changed |= one_trip(inner);
            }
        }
    }
    changed
}

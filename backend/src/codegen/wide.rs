//! Wide constants kept in MW across a loop.
//!
//! A constant that no A64 immediate encodes (sial.md's MW extension) is
//! built in MW (x25) with movz/movk. A loop that ends in `atbl K; jle L`
//! with such a K would build it on every iteration. Instead, K is made a
//! property of the loop head L: every edge into L (the fall-through and each
//! direct jump) leaves K in MW, so the comparison at the back edge finds it
//! there. The compiler tracks what MW holds ([`Compiler::mw`]): a constant
//! already in MW is not built again, and an edge into L builds K only when
//! MW may hold something else.
//!
//! Only labels reached by nothing but the fall-through and direct jumps
//! (`j`, the integer and floating conditional jumps) are eligible: labels
//! that are switch targets, called, address-taken (`lf`, `global`) or named
//! by any other instruction are not, because those edges cannot build K.
//! MW is forgotten after a call (the callee may use it), at every other
//! label and where the flow ends; host calls keep it (x25 is callee-saved).

use rustc_hash::FxHashMap as HashMap;
use sial::{Args, Instr, Op};

use super::asm::load_imm;
use super::Compiler;
use crate::abi::MW;

/// Whether `k` needs MW in a comparison at a back edge (`ccmp` takes an
/// immediate of 0..=31 only).
fn needs_mw(k: i64) -> bool {
    !(0..=31).contains(&k)
}

/// The backward relation jumps of a module closed by a wide constant, found
/// while the compiler's first pass reads the module ([`BackEdges::note`]).
#[derive(Default)]
pub struct BackEdges {
    /// (label, its constant; None once two back edges disagree). Few, so a Vec.
    wanted: Vec<(u32, Option<i64>)>,
}

impl BackEdges {
    /// Instruction `i` is a direct jump to `l`, which is defined before it.
    pub fn note(&mut self, instrs: &[Instr], i: usize, l: u32) {
        if !matches!(
            instrs[i].op,
            Op::Jeq | Op::Jne | Op::Jls | Op::Jgr | Op::Jle | Op::Jge
        ) {
            return;
        }
        let k = match i.checked_sub(1).map(|p| (instrs[p].op, &instrs[p].args)) {
            Some((Op::Atbl | Op::L, Args::K(k))) => *k,
            Some((Op::Lm, Args::K(k))) => k.wrapping_neg(),
            _ => return,
        };
        if needs_mw(k) {
            match self.wanted.iter_mut().find(|w| w.0 == l) {
                Some(w) if w.1 != Some(k) => w.1 = None,
                Some(_) => {}
                None => self.wanted.push((l, Some(k))),
            }
        }
    }

    /// The loop heads whose every edge can leave their constant in MW
    /// (label -> constant): `named` tells, for each label some instruction
    /// names, whether anything but a direct jump names it.
    pub fn loop_constants(self, named: &HashMap<u32, bool>) -> HashMap<u32, i64> {
        self.wanted
            .into_iter()
            .filter_map(|(l, k)| Some((l, k?)))
            .filter(|(l, _)| named.get(l) == Some(&false))
            .collect()
    }
}

impl Compiler<'_> {
    /// Before a direct jump to `l` (after its comparison, which may use MW):
    /// leave in MW the constant `l` expects. movz/movk keep the flags.
    pub(super) fn enter(&mut self, l: u32) {
        if let Some(&k) = self.mw_at.get(&l) {
            if self.mw != Some(k) {
                load_imm(&mut self.ops, MW, k);
                self.mw = Some(k);
            }
        }
    }

    /// At label `l` (a block boundary): the fall-through (unless the code
    /// before cannot reach it) is one more edge into `l`; then MW holds what
    /// every edge leaves there.
    pub(super) fn mw_at_label(&mut self, l: u32) {
        if !self.unreachable {
            self.enter(l);
        }
        self.mw = self.mw_at.get(&l).copied();
    }

    /// A pending A that MW holds already, as a register.
    pub(super) fn a_in_mw(&self) -> Option<u8> {
        match (self.a_pending, self.known_a) {
            (true, Some(k)) if self.mw == Some(k) => Some(MW),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::note_label_names;

    fn program(text: &str) -> Vec<Instr> {
        sial::parse_readable(text, "t")
            .expect("parses")
            .modules
            .remove(0)
            .instrs
    }

    /// What the compiler's first pass finds, through its own classification.
    fn heads(text: &str) -> HashMap<u32, i64> {
        let instrs = program(text);
        let mut defined = HashMap::default();
        let mut named: HashMap<u32, bool> = HashMap::default();
        let mut back = BackEdges::default();
        for (i, ins) in instrs.iter().enumerate() {
            if let (Op::Lab, Args::L(l)) = (ins.op, &ins.args) {
                defined.insert(*l, i);
            } else {
                note_label_names(&instrs, i, &defined, &mut named, &mut back);
            }
        }
        back.loop_constants(&named)
    }

    #[test]
    fn a_loop_closed_by_a_wide_constant_keeps_it() {
        let h = heads("lab L1\nlp P3\natbl K1000000\njle L1\nrtn\n");
        assert_eq!(h.get(&1), Some(&1_000_000));
        let h = heads("lab L1\nlp P3\natb\nlm K40\njne L1\nrtn\n");
        assert_eq!(h.get(&1), Some(&-40));
    }

    #[test]
    fn small_constants_forward_jumps_and_named_labels_do_not() {
        // ccmp takes 0..=31 as an immediate.
        assert!(heads("lab L1\nlp P3\natbl K31\njle L1\nrtn\n").is_empty());
        // A forward jump builds its constant once.
        assert!(heads("lp P3\natbl K99999\njle L1\nlab L1\nrtn\n").is_empty());
        // Address taken: a goto could arrive without the constant.
        assert!(heads("lab L1\nlf L1\nlp P3\natbl K99999\njle L1\nrtn\n").is_empty());
        // A switch target.
        assert!(heads("lab L1\nlp P3\nswl L2 L1\nlab L2\natbl K99999\njle L1\nrtn\n").is_empty());
    }

    #[test]
    fn two_back_edges_that_disagree_keep_nothing() {
        let h = heads("lab L1\nlp P3\natbl K99999\njle L1\natbl K77777\njgr L1\nrtn\n");
        assert!(h.is_empty());
        let h = heads("lab L1\nlp P3\natbl K99999\njle L1\natbl K99999\njgr L1\nrtn\n");
        assert_eq!(h.get(&1), Some(&99999));
    }
}

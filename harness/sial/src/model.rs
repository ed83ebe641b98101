//! The program model: a Sial program is a list of modules, each a list of
//! instructions and directives with typed operands and a source position.

use crate::opcode::{Op, Shape};

/// Where an instruction starts in its source text (1-based line and column).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

/// Typed operands. The variant always matches the opcode's [`Shape`].
/// Label numbers (`L`, `M`) are kept as written; P and G are non-negative.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Args {
    None,
    P(u32),
    G(u32),
    L(u32),
    M(u32),
    K(i64),
    KP(i64, u32),
    KG(i64, u32),
    KL(i64, u32),
    PG(u32, u32),
    /// selld: len, sh
    KK(i64, i64),
    /// selst/xselst: sf, len, sh
    KKK(i64, i64, i64),
    /// swb: default label and (key, label) pairs in the file's (tree) order.
    Swb {
        default: u32,
        cases: Vec<(i64, u32)>,
    },
    /// swl: default label and the labels for values 0..n-1.
    Swl {
        default: u32,
        labels: Vec<u32>,
    },
    /// section / entry name bytes.
    Name(Vec<u8>),
    /// global: (global, label) pairs and the trailing highest-global hint.
    Global {
        pairs: Vec<(u32, u32)>,
        max: u32,
    },
    /// string: label and the bytes (length is implicit).
    Str {
        label: u32,
        bytes: Vec<u8>,
    },
    /// const: label and the 64-bit word.
    Const {
        label: u32,
        value: i64,
    },
    /// static: label and the initial words.
    Static {
        label: u32,
        words: Vec<i64>,
    },
}

impl Args {
    /// The shape this operand list has.
    pub fn shape(&self) -> Shape {
        match self {
            Args::None => Shape::None,
            Args::P(_) => Shape::P,
            Args::G(_) => Shape::G,
            Args::L(_) => Shape::L,
            Args::M(_) => Shape::M,
            Args::K(_) => Shape::K,
            Args::KP(..) => Shape::KP,
            Args::KG(..) => Shape::KG,
            Args::KL(..) => Shape::KL,
            Args::PG(..) => Shape::PG,
            Args::KK(..) => Shape::KK,
            Args::KKK(..) => Shape::KKK,
            Args::Swb { .. } => Shape::Swb,
            Args::Swl { .. } => Shape::Swl,
            Args::Name(_) => Shape::Name,
            Args::Global { .. } => Shape::Global,
            Args::Str { .. } => Shape::Str,
            Args::Const { .. } => Shape::Const,
            Args::Static { .. } => Shape::Static,
        }
    }
}

/// One instruction or directive.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Instr {
    pub op: Op,
    pub args: Args,
    /// Source position of the `F` token or mnemonic (not part of equality in
    /// round-trip tests: compare with [`Instr::same`]).
    pub pos: Pos,
}

impl Instr {
    pub fn new(op: Op, args: Args) -> Instr {
        Instr {
            op,
            args,
            pos: Pos::default(),
        }
    }

    /// Equal ignoring source positions.
    pub fn same(&self, other: &Instr) -> bool {
        self.op == other.op && self.args == other.args
    }
}

/// One `modstart ... modend` unit (one BCPL section). Labels are local to it.
/// `instrs` holds everything between (not including) `modstart` and `modend`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Module {
    pub instrs: Vec<Instr>,
    /// Position of the `modstart`.
    pub pos: Pos,
}

impl Module {
    /// The section name, if the module has a `section` directive.
    pub fn section_name(&self) -> Option<String> {
        self.instrs.iter().find_map(|i| match (&i.op, &i.args) {
            (Op::Section, Args::Name(n)) => Some(String::from_utf8_lossy(n).into_owned()),
            _ => None,
        })
    }

    /// Equal ignoring source positions.
    pub fn same(&self, other: &Module) -> bool {
        self.instrs.len() == other.instrs.len()
            && self
                .instrs
                .iter()
                .zip(&other.instrs)
                .all(|(a, b)| a.same(b))
    }
}

/// A whole Sial file (or several files linked together): modules in load order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Program {
    pub modules: Vec<Module>,
}

impl Program {
    /// Equal ignoring source positions.
    pub fn same(&self, other: &Program) -> bool {
        self.modules.len() == other.modules.len()
            && self
                .modules
                .iter()
                .zip(&other.modules)
                .all(|(a, b)| a.same(b))
    }

    /// Number of executable instructions (directives other than `lstr` excluded).
    pub fn instruction_count(&self) -> usize {
        self.modules
            .iter()
            .flat_map(|m| &m.instrs)
            .filter(|i| !i.op.is_directive())
            .count()
    }
}

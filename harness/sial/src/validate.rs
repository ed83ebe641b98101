//! Checks a parsed program beyond its syntax (sial.md s.2.3, s.3.10, s.4):
//! labels defined once and used as the right kind, field-selector and string
//! ranges, at most one `global` directive per module.

use std::collections::HashMap;

use crate::compact::MAX_INDEX;
use crate::error::{ErrorKind, SialError};
use crate::model::{Args, Instr, Module, Pos};
use crate::opcode::Op;

/// What a label names. `L` and `M` labels are separate name spaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `lab Ln`
    Code,
    /// `static Ln ...`
    Static,
    /// `string Mn ...`
    Str,
    /// `const Mn W`
    Const,
    /// `mlab Mn`
    Mlab,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Code => "code label",
            Kind::Static => "static",
            Kind::Str => "string",
            Kind::Const => "const",
            Kind::Mlab => "code label (mlab)",
        }
    }

    fn letter(self) -> char {
        match self {
            Kind::Code | Kind::Static => 'L',
            Kind::Str | Kind::Const | Kind::Mlab => 'M',
        }
    }
}

/// The label an instruction defines, if any.
fn definition(i: &Instr) -> Option<(Kind, u32)> {
    match (i.op, &i.args) {
        (Op::Lab, Args::L(l)) => Some((Kind::Code, *l)),
        (Op::Static, Args::Static { label, .. }) => Some((Kind::Static, *label)),
        (Op::String, Args::Str { label, .. }) => Some((Kind::Str, *label)),
        (Op::Const, Args::Const { label, .. }) => Some((Kind::Const, *label)),
        (Op::Mlab, Args::M(m)) => Some((Kind::Mlab, *m)),
        _ => None,
    }
}

/// The labels an instruction uses, each with the kind it must have.
fn uses(i: &Instr) -> Vec<(Kind, u32)> {
    use Op::*;
    match (i.op, &i.args) {
        (
            Lf | J | Jeq | Jne | Jls | Jgr | Jle | Jge | Jeq0 | Jne0 | Jls0 | Jgr0 | Jle0 | Jge0
            | Jfeq | Jfne | Jfls | Jfgr | Jfle | Jfge | Jfeq0 | Jfne0 | Jfls0 | Jfgr0 | Jfle0
            | Jfge0,
            Args::L(l),
        ) => vec![(Kind::Code, *l)],
        (Ll | Lll | Sl | Il, Args::L(l)) => vec![(Kind::Static, *l)],
        (Ikl, Args::KL(_, l)) => vec![(Kind::Static, *l)],
        (Lw, Args::M(m)) => vec![(Kind::Const, *m)],
        (Lstr, Args::M(m)) => vec![(Kind::Str, *m)],
        (Jge0m, Args::M(m)) => vec![(Kind::Mlab, *m)],
        (Swb, Args::Swb { default, cases }) => std::iter::once(*default)
            .chain(cases.iter().map(|(_, l)| *l))
            .map(|l| (Kind::Code, l))
            .collect(),
        (Swl, Args::Swl { default, labels }) => std::iter::once(*default)
            .chain(labels.iter().copied())
            .map(|l| (Kind::Code, l))
            .collect(),
        (Global, Args::Global { pairs, .. }) => {
            pairs.iter().map(|(_, l)| (Kind::Code, *l)).collect()
        }
        _ => Vec::new(),
    }
}

/// Every P, G, L and M number of an operand list.
fn indices(args: &Args) -> Vec<(char, u32)> {
    match args {
        Args::P(n) => vec![('P', *n)],
        Args::G(n) => vec![('G', *n)],
        Args::L(n) | Args::KL(_, n) => vec![('L', *n)],
        Args::M(n) => vec![('M', *n)],
        Args::KP(_, n) => vec![('P', *n)],
        Args::KG(_, n) => vec![('G', *n)],
        Args::PG(p, g) => vec![('P', *p), ('G', *g)],
        Args::Swb { default, cases } => std::iter::once(*default)
            .chain(cases.iter().map(|(_, l)| *l))
            .map(|l| ('L', l))
            .collect(),
        Args::Swl { default, labels } => std::iter::once(*default)
            .chain(labels.iter().copied())
            .map(|l| ('L', l))
            .collect(),
        Args::Global { pairs, max } => pairs
            .iter()
            .flat_map(|(g, l)| [('G', *g), ('L', *l)])
            .chain(std::iter::once(('G', *max)))
            .collect(),
        Args::Str { label, .. } | Args::Const { label, .. } => vec![('M', *label)],
        Args::Static { label, .. } => vec![('L', *label)],
        Args::None | Args::K(_) | Args::KK(..) | Args::KKK(..) | Args::Name(_) => Vec::new(),
    }
}

struct Checker<'a> {
    file: &'a str,
    text: &'a str,
}

impl Checker<'_> {
    fn err(&self, kind: ErrorKind, msg: String, pos: Pos) -> SialError {
        SialError::new(kind, msg, self.file, self.text, pos)
    }

    fn range(&self, i: &Instr, what: &str, value: i64, lo: i64, hi: i64) -> Result<(), SialError> {
        if (lo..=hi).contains(&value) {
            Ok(())
        } else {
            Err(self.err(
                ErrorKind::OutOfRange,
                format!("{} {what} K{value} is out of range {lo}..{hi}", i.op.name()),
                i.pos,
            ))
        }
    }

    fn module(&self, m: &Module) -> Result<(), SialError> {
        // First definition of every label: (kind, index in instrs, position).
        let mut l_defs: HashMap<u32, (Kind, usize, Pos)> = HashMap::new();
        let mut m_defs: HashMap<u32, (Kind, usize, Pos)> = HashMap::new();
        for (n, i) in m.instrs.iter().enumerate() {
            if let Some((kind, label)) = definition(i) {
                let defs = if kind.letter() == 'L' {
                    &mut l_defs
                } else {
                    &mut m_defs
                };
                defs.entry(label).or_insert((kind, n, i.pos));
            }
        }
        let mut first_global: Option<Pos> = None;
        for (n, i) in m.instrs.iter().enumerate() {
            if i.args.shape() != i.op.shape() {
                return Err(self.err(
                    ErrorKind::Structure,
                    format!(
                        "the operands of {} do not have its shape ({:?} instead of {:?})",
                        i.op.name(),
                        i.args.shape(),
                        i.op.shape()
                    ),
                    i.pos,
                ));
            }
            if matches!(i.op, Op::Modstart | Op::Modend | Op::Run1 | Op::Run2) {
                return Err(self.err(
                    ErrorKind::Structure,
                    format!("{} cannot appear inside a module", i.op.name()),
                    i.pos,
                ));
            }
            for (letter, value) in indices(&i.args) {
                if value > MAX_INDEX {
                    return Err(self.err(
                        ErrorKind::OutOfRange,
                        format!(
                            "{letter}{value} in {} is out of range 0..{MAX_INDEX}",
                            i.op.name()
                        ),
                        i.pos,
                    ));
                }
            }
            if let Some((kind, label)) = definition(i) {
                let defs = if kind.letter() == 'L' {
                    &l_defs
                } else {
                    &m_defs
                };
                if let Some(&(first_kind, first_n, first_pos)) = defs.get(&label) {
                    if first_n != n {
                        return Err(self.err(
                            ErrorKind::DuplicateLabel,
                            format!(
                                "label {}{label} is defined twice: as a {} at line {}, again as a {} here",
                                kind.letter(),
                                first_kind.describe(),
                                first_pos.line,
                                kind.describe()
                            ),
                            i.pos,
                        ));
                    }
                }
            }
            for (want, label) in uses(i) {
                let letter = want.letter();
                let defs = if letter == 'L' { &l_defs } else { &m_defs };
                match defs.get(&label) {
                    None => {
                        return Err(self.err(
                            ErrorKind::UndefinedLabel,
                            format!(
                                "undefined label {letter}{label} (used by {} as a {})",
                                i.op.name(),
                                want.describe()
                            ),
                            i.pos,
                        ))
                    }
                    Some(&(kind, _, pos)) if kind != want => {
                        return Err(self.err(
                            ErrorKind::UndefinedLabel,
                            format!(
                            "{letter}{label} is a {}, not a {} (defined at line {}, used by {})",
                            kind.describe(),
                            want.describe(),
                            pos.line,
                            i.op.name()
                        ),
                            i.pos,
                        ))
                    }
                    Some(_) => {}
                }
            }
            match (i.op, &i.args) {
                (Op::Selld, Args::KK(len, sh)) => {
                    self.range(i, "len", *len, 0, 64)?;
                    self.range(i, "sh", *sh, 0, 63)?;
                }
                (Op::Selst | Op::Xselst, Args::KKK(sf, len, sh)) => {
                    self.range(i, "sf", *sf, 0, 17)?;
                    self.range(i, "len", *len, 0, 64)?;
                    self.range(i, "sh", *sh, 0, 63)?;
                }
                (Op::String, Args::Str { label, bytes }) if bytes.len() > 255 => {
                    return Err(self.err(
                        ErrorKind::OutOfRange,
                        format!(
                            "string M{label} has {} bytes; a BCPL string holds at most 255",
                            bytes.len()
                        ),
                        i.pos,
                    ));
                }
                (Op::Global, _) => {
                    if let Some(first) = first_global {
                        return Err(self.err(
                            ErrorKind::Structure,
                            format!(
                                "a second global directive in this module (the first is at line {})",
                                first.line
                            ),
                            i.pos,
                        ));
                    }
                    first_global = Some(i.pos);
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Check every module of `program`. `file` and `text` are the source, used
/// only for the error's snippet; positions come from [`Instr::pos`].
///
/// Rules (per module; labels are local to a module): `lab` and `static`
/// define L labels, `string`, `const` and `mlab` define M labels, each at
/// most once. Code labels are used by `lf`, the jumps, `swb`, `swl` and
/// `global`; statics by `ll lll sl ikl il`; `lw` needs a const, `lstr` a
/// string, `jge0m` an mlab. `selld` len 0..=64 and sh 0..=63; `selst` and
/// `xselst` sf 0..=17, len 0..=64, sh 0..=63; strings at most 255 bytes; at
/// most one `global` directive; P, G, L, M at most 2^31-1.
pub fn validate(program: &crate::model::Program, file: &str, text: &str) -> Result<(), SialError> {
    let checker = Checker { file, text };
    for m in &program.modules {
        checker.module(m)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readable::parse_readable;

    fn check(text: &str) -> Result<(), SialError> {
        let p = parse_readable(text, "t").expect("parses");
        validate(&p, "t", text)
    }

    fn err(text: &str) -> SialError {
        check(text).expect_err("should be rejected")
    }

    #[test]
    fn good_module_passes() {
        check(
            "lab L10\n  j L11\nlab L11\n  ll L12\n  lll L12\n  sl L12\n  ikl K1 L12\n  il L12\n  \
             lw M9001\n  lstr M9002\n  jge0m M9003\nmlab M9003\n  swb L10 K1 L11\n  swl L10 L11\n  \
             selld K64 K63\n  selst K17 K0 K0\n  rtn\nstatic L12 W0\nconst M9001 W5\nstring M9002 \"x\"\n\
             global G1 L10 G1\n",
        )
        .unwrap();
    }

    #[test]
    fn labels_are_per_module_and_spaces_separate() {
        check("modstart\nlab L10\nmodend\nmodstart\nlab L10\nconst M10 W1\nmodend\n").unwrap();
    }

    #[test]
    fn duplicates() {
        let e = err("lab L10\nrtn\nstatic L10 W1\n");
        assert_eq!(e.kind, ErrorKind::DuplicateLabel);
        assert_eq!(e.pos, Pos { line: 3, col: 1 });
        assert!(e.message.contains("at line 1"), "{}", e.message);
        let e = err("string M9001 \"a\"\nconst M9001 W1\n");
        assert_eq!(e.kind, ErrorKind::DuplicateLabel);
    }

    #[test]
    fn undefined_and_wrong_kind() {
        let e = err("lab L10\n  j L99\n");
        assert_eq!(e.kind, ErrorKind::UndefinedLabel);
        assert_eq!(e.pos, Pos { line: 2, col: 3 });
        assert!(e.message.contains("undefined label L99"));
        let e = err("static L12 W1\n  j L12\n");
        assert_eq!(e.kind, ErrorKind::UndefinedLabel);
        assert!(e.message.starts_with("L12 is a static, not a code label"));
        let e = err("lab L12\n  ll L12\n");
        assert!(e.message.starts_with("L12 is a code label, not a static"));
        let e = err("string M9001 \"a\"\n  lw M9001\n");
        assert!(e.message.starts_with("M9001 is a string, not a const"));
        assert_eq!(err("  lstr M1\n").kind, ErrorKind::UndefinedLabel);
        assert_eq!(
            err("lab L10\n  swb L10 K1 L11\n").kind,
            ErrorKind::UndefinedLabel
        );
        assert_eq!(err("global G1 L10 G1\n").kind, ErrorKind::UndefinedLabel);
        // Labels do not cross modules.
        let e = err("modstart\nlab L10\nmodend\nmodstart\n  j L10\nmodend\n");
        assert_eq!(e.kind, ErrorKind::UndefinedLabel);
        assert_eq!(e.pos.line, 5);
    }

    #[test]
    fn ranges() {
        assert_eq!(err("selld K65 K0").kind, ErrorKind::OutOfRange);
        assert_eq!(err("selld K0 K64").kind, ErrorKind::OutOfRange);
        let e = err("\n  selst K18 K0 K0");
        assert_eq!(e.kind, ErrorKind::OutOfRange);
        assert_eq!(e.pos, Pos { line: 2, col: 3 });
        assert!(e.message.contains("selst sf K18"), "{}", e.message);
        assert_eq!(err("xselst K0 K0 K-1").kind, ErrorKind::OutOfRange);
        let long = format!("string M9001 \"{}\"", "a".repeat(256));
        assert_eq!(err(&long).kind, ErrorKind::OutOfRange);
        check(&format!("string M9001 \"{}\"", "a".repeat(255))).unwrap();
    }

    #[test]
    fn one_global_per_module() {
        let e = err("global G0\nglobal G0\n");
        assert_eq!(e.kind, ErrorKind::Structure);
        assert_eq!(e.pos.line, 2);
    }

    #[test]
    fn model_built_by_hand() {
        let mut p = crate::model::Program::default();
        p.modules.push(Module {
            instrs: vec![Instr::new(Op::Lp, Args::G(1))],
            pos: Pos::default(),
        });
        assert_eq!(
            validate(&p, "t", "").unwrap_err().kind,
            ErrorKind::Structure
        );
        p.modules[0].instrs = vec![Instr::new(Op::Lp, Args::P(u32::MAX))];
        assert_eq!(
            validate(&p, "t", "").unwrap_err().kind,
            ErrorKind::OutOfRange
        );
    }
}

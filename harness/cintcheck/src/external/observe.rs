//! The observation module. An external program shows only its stdout and
//! exit status, so for Sial-level adapters the harness rewrites the case's
//! program so that its `start` is reached through another global, and adds
//! a module (Sial written here, printed in compact form with the rest) whose
//! `start` calls it and then prints, with the library's `wrch` and
//! `writen`, a trailer line:
//!
//! ```text
//! #CINTCHECK:<result> G200=<word> L5=<word>,<word>#
//! ```
//!
//! (every word in signed decimal, written by `writen`: a call with one
//! argument, the least any implementation must get right). The harness finds the trailer, parses it
//! and removes it from stdout before comparing. A run that ends another
//! way (a fault, `stop`, a crash) prints no trailer: then only stdout and
//! the exit status are compared. Statics are reached through a small
//! function added to the module that defines them (`lll Ln; rtn`), since
//! labels are local to a module. Only `wrch` and `writen` are used (no
//! strings), so an implementation that brings its own library can run it.

use std::collections::BTreeSet;

use regex::bytes::Regex;
use sial::{Args, Instr, Op, Program};

/// The start of the trailer.
pub const MARKER: &[u8] = b"#CINTCHECK:";

/// What the observation module will print, and where it put things.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub globals: Vec<u32>,
    /// (label, words) of each static.
    pub statics: Vec<(u32, usize)>,
}

/// What the trailer said.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trailer {
    pub result: i64,
    pub globals: Vec<(u32, i64)>,
    pub statics: Vec<(u32, Vec<i64>)>,
}

const WRCH: u32 = 41;
const WRITEN: u32 = 86;

fn globals_used(p: &Program) -> BTreeSet<u32> {
    let mut s = BTreeSet::new();
    for m in &p.modules {
        for i in &m.instrs {
            match &i.args {
                Args::G(g) | Args::KG(_, g) | Args::PG(_, g) => {
                    s.insert(*g);
                }
                Args::Global { pairs, .. } => s.extend(pairs.iter().map(|x| x.0)),
                _ => {}
            }
        }
    }
    s
}

fn defines_global(p: &Program, g: u32) -> bool {
    p.modules
        .iter()
        .flat_map(|m| &m.instrs)
        .any(|i| matches!(&i.args, Args::Global { pairs, .. } if pairs.iter().any(|x| x.0 == g)))
}

fn highest_label(m: &sial::Module) -> u32 {
    m.instrs
        .iter()
        .map(|i| match &i.args {
            Args::L(l) | Args::KL(_, l) => *l,
            Args::M(l) => *l,
            Args::Str { label, .. } | Args::Const { label, .. } | Args::Static { label, .. } => {
                *label
            }
            Args::Swb { default, cases } => {
                cases.iter().map(|c| c.1).max().unwrap_or(0).max(*default)
            }
            Args::Swl { default, labels } => {
                labels.iter().copied().max().unwrap_or(0).max(*default)
            }
            Args::Global { pairs, .. } => pairs.iter().map(|x| x.1).max().unwrap_or(0),
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

/// Register `label` under global `g` in module `m` (extending its `global`
/// directive, or adding one).
fn add_global(m: &mut sial::Module, g: u32, label: u32) {
    for i in &mut m.instrs {
        if let Args::Global { pairs, max } = &mut i.args {
            pairs.push((g, label));
            *max = (*max).max(g);
            return;
        }
    }
    m.instrs.push(Instr::new(
        Op::Global,
        Args::Global {
            pairs: vec![(g, label)],
            max: g,
        },
    ));
}

/// Insert `code` before the module's `global` directive (or at its end).
fn insert_code(m: &mut sial::Module, code: Vec<Instr>) {
    let at = m
        .instrs
        .iter()
        .position(|i| i.op == Op::Global)
        .unwrap_or(m.instrs.len());
    m.instrs.splice(at..at, code);
}

/// The program with the observation module, and what it prints; `None`
/// when the program cannot be observed this way (no `start` in G1, or it
/// redefines `wrch` or `writen`).
pub fn wrap(
    program: &Program,
    globals: &[u32],
    statics: &[u32],
) -> Result<Option<(Program, Plan)>, String> {
    if !defines_global(program, 1)
        || defines_global(program, WRCH)
        || defines_global(program, WRITEN)
    {
        return Ok(None);
    }
    let used = globals_used(program);
    let mut free = (1000u32..2000).filter(|g| !used.contains(g) && !globals.contains(g));
    let mut fresh = || {
        free.next()
            .ok_or("no free global in 1000..1999 for the observer")
    };
    let start = fresh()?;
    let mut p = program.clone();
    // The case's start is now reached through `start`.
    for m in &mut p.modules {
        for i in &mut m.instrs {
            match &mut i.args {
                Args::G(g) | Args::KG(_, g) | Args::PG(_, g) if *g == 1 => *g = start,
                Args::Global { pairs, max } => {
                    for pair in pairs.iter_mut().filter(|x| x.0 == 1) {
                        pair.0 = start;
                    }
                    *max = (*max).max(start);
                }
                _ => {}
            }
        }
    }
    // Statics: a function returning each one's address, in its module.
    let mut plan = Plan {
        globals: globals.to_vec(),
        statics: Vec::new(),
    };
    let mut static_fns = Vec::new();
    for &l in statics {
        let Some((mi, words)) = p.modules.iter().enumerate().find_map(|(mi, m)| {
            m.instrs.iter().find_map(|i| match &i.args {
                Args::Static { label, words } if *label == l => Some((mi, words.len())),
                _ => None,
            })
        }) else {
            return Err(format!("static L{l} is not defined"));
        };
        let g = fresh()?;
        let m = &mut p.modules[mi];
        let lab = highest_label(m) + 1;
        insert_code(
            m,
            vec![
                Instr::new(Op::Entry, Args::Name(format!("cc-L{l}").into_bytes())),
                Instr::new(Op::Lab, Args::L(lab)),
                Instr::new(Op::Lll, Args::L(l)),
                Instr::new(Op::Rtn, Args::None),
            ],
        );
        add_global(m, g, lab);
        plan.statics.push((l, words));
        static_fns.push(g);
    }
    // The observer module.
    let mut o = String::from("modstart\nsection \"ccobserve\"\nentry \"start\"\nlab L10\n");
    o.push_str(&format!("  lp P3\n  kpg P6 G{start}\n  sp P4\n"));
    let chars = |o: &mut String, s: &str| {
        for b in s.bytes() {
            o.push_str(&format!("  l K{b}\n  kpg P6 G{WRCH}\n"));
        }
    };
    let hex = |o: &mut String, load: &str| {
        o.push_str(&format!("{load}  kpg P6 G{WRITEN}\n"));
    };
    chars(&mut o, std::str::from_utf8(MARKER).unwrap_or("#CINTCHECK:"));
    hex(&mut o, "  lp P4\n");
    for g in globals {
        chars(&mut o, &format!(" G{g}="));
        hex(&mut o, &format!("  lg G{g}\n"));
    }
    for ((l, words), g) in plan.statics.iter().zip(&static_fns) {
        o.push_str(&format!("  kpg P6 G{g}\n  sp P5\n"));
        chars(&mut o, &format!(" L{l}="));
        for k in 0..*words {
            if k > 0 {
                chars(&mut o, ",");
            }
            hex(&mut o, &format!("  lp P5\n  a K{k}\n  rv\n"));
        }
    }
    chars(&mut o, "#\n");
    o.push_str("  lp P4\n  rtn\n");
    o.push_str("global G1 L10 G1\nmodend\n");
    let observer = sial::parse(&o, "observer.sial").map_err(|e| e.to_string())?;
    p.modules.extend(observer.modules);
    Ok(Some((p, plan)))
}

/// Shift the code labels of every module that defines one below L10 (as
/// the `body` template's L1 does), so that the compact text reads as
/// current `bcpl2sial` output (whose labels start at L10) to every reader.
pub fn lift_low_labels(p: &mut Program) {
    for m in &mut p.modules {
        let low = m.instrs.iter().any(|i| {
            matches!(
                (&i.op, &i.args),
                (Op::Lab, Args::L(l)) | (Op::Static, Args::Static { label: l, .. }) if *l < 10
            )
        });
        if !low {
            continue;
        }
        let off = highest_label(m) + 10;
        for i in &mut m.instrs {
            match &mut i.args {
                Args::L(l) | Args::KL(_, l) => *l += off,
                Args::Static { label, .. } => *label += off,
                Args::Swb { default, cases } => {
                    *default += off;
                    for c in cases {
                        c.1 += off;
                    }
                }
                Args::Swl { default, labels } => {
                    *default += off;
                    for l in labels {
                        *l += off;
                    }
                }
                Args::Global { pairs, .. } => {
                    for pr in pairs {
                        pr.1 += off;
                    }
                }
                _ => {}
            }
        }
    }
}

fn trailer_regex() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"#CINTCHECK:(-?\d{1,20})((?: G\d+=-?\d{1,20})*)((?: L\d+=-?\d{1,20}(?:,-?\d{1,20})*)*)#\n\r?")
            .expect("the trailer pattern is valid")
    })
}

fn word(dec: &[u8]) -> Result<i64, ()> {
    std::str::from_utf8(dec)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(())
}

/// Find the trailer in `stdout`: `Ok(None)` when there is none, an error
/// when there is a marker that does not parse or does not say what `plan`
/// asked for. On success the trailer is removed from `stdout`; when nothing
/// was written after it (no `NAME failed returncode` line), a partial last
/// line before it is dropped too, since the program left it unflushed and
/// the trailer's newline flushed it.
pub fn take_trailer(stdout: &mut Vec<u8>, plan: &Plan) -> Result<Option<Trailer>, String> {
    let Some(pos) = stdout.windows(MARKER.len()).rposition(|w| w == MARKER) else {
        return Ok(None);
    };
    let garbled = || {
        let end = (pos + 120).min(stdout.len());
        format!(
            "unreadable observation trailer: {:?}",
            String::from_utf8_lossy(&stdout[pos..end])
        )
    };
    let caps = trailer_regex()
        .captures_at(stdout, pos)
        .filter(|c| c.get(0).is_some_and(|m| m.start() == pos))
        .ok_or_else(garbled)?;
    let whole = caps.get(0).map_or(pos..pos, |m| m.range());
    let result = word(&caps[1]).map_err(|_| garbled())?;
    let mut globals = Vec::new();
    for part in caps[2].split(|&b| b == b' ').filter(|s| !s.is_empty()) {
        let s = String::from_utf8_lossy(part);
        let (g, v) = s[1..].split_once('=').ok_or_else(garbled)?;
        globals.push((
            g.parse::<u32>().map_err(|_| garbled())?,
            word(v.as_bytes()).map_err(|_| garbled())?,
        ));
    }
    let mut statics = Vec::new();
    for part in caps[3].split(|&b| b == b' ').filter(|s| !s.is_empty()) {
        let s = String::from_utf8_lossy(part);
        let (l, v) = s[1..].split_once('=').ok_or_else(garbled)?;
        let words: Vec<i64> = v
            .split(',')
            .map(|w| word(w.as_bytes()))
            .collect::<Result<_, _>>()
            .map_err(|_| garbled())?;
        statics.push((l.parse::<u32>().map_err(|_| garbled())?, words));
    }
    let asked_globals: Vec<u32> = globals.iter().map(|x| x.0).collect();
    let asked_statics: Vec<(u32, usize)> = statics.iter().map(|x| (x.0, x.1.len())).collect();
    if asked_globals != plan.globals || asked_statics != plan.statics {
        return Err(garbled());
    }
    let after = stdout[whole.end..].to_vec();
    let mut before = stdout[..whole.start].to_vec();
    if after.is_empty() {
        let keep = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| {
            if before.get(i + 1) == Some(&b'\r') {
                i + 2
            } else {
                i + 1
            }
        });
        before.truncate(keep);
    }
    before.extend_from_slice(&after);
    *stdout = before;
    Ok(Some(Trailer {
        result,
        globals,
        statics,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_reads_back_on_the_reference() {
        let text = crate::case::body_program(
            "  l K5\n  sg G200\n  lw M9\n  sg G201\n  l K-3",
            "static L7 W1 W-9223372036854775808\nconst M9 W-9223372036854775808",
        );
        let p = sial::parse(&text, "t.sial").unwrap();
        // write to the static first so that it is not its initial value
        let (mut wrapped, plan) = wrap(&p, &[200, 201], &[7]).unwrap().unwrap();
        lift_low_labels(&mut wrapped);
        let printed = sial::print_compact(&wrapped);
        let again = sial::parse(&printed, "w.sial").unwrap();
        let o = reference::interp::run(
            &[("w.sial".to_string(), again)],
            &reference::RunConfig::default(),
            None,
        );
        assert_eq!(o.ending, reference::Ending::Returned { code: -3 });
        let mut out = o.stdout.clone();
        let t = take_trailer(&mut out, &plan).unwrap().unwrap();
        assert_eq!(t.result, -3);
        assert_eq!(t.globals, vec![(200, 5), (201, i64::MIN)]);
        assert_eq!(t.statics, vec![(7, vec![1, i64::MIN])]);
        // -3 >= 10 is false: no returncode line, nothing left.
        assert_eq!(out, b"");
    }

    #[test]
    fn garbled_trailers_are_errors() {
        let plan = Plan::default();
        let mut out = b"hi\n#CINTCHECK:12x#\n".to_vec();
        assert!(take_trailer(&mut out, &plan).is_err());
        let mut out = b"hi\n\rpartial#CINTCHECK:10#\n\rstart failed returncode 10\n\r".to_vec();
        let t = take_trailer(&mut out, &plan).unwrap().unwrap();
        assert_eq!(t.result, 10);
        assert_eq!(out, b"hi\n\rpartialstart failed returncode 10\n\r");
        let mut out = b"hi\n\rpartial#CINTCHECK:1#\n\r".to_vec();
        take_trailer(&mut out, &plan).unwrap().unwrap();
        assert_eq!(out, b"hi\n\r");
        let mut out = b"no trailer".to_vec();
        assert_eq!(take_trailer(&mut out, &plan).unwrap(), None);
    }
}

//! Programs compiled by the real 64-bit compiler (`bcpl64/bin/bcplc` beside
//! the checkout, `../shared/bcpl64` or `$CINTCHECK_SHARED/bcpl64`) into a
//! temporary directory: names, switch trees and round trips. Skipped with a
//! message when the real system is absent.

use std::path::PathBuf;
use std::process::Command;

use cintcode::disasm::{decode, Operand};
use cintcode::{asm, hunk, listing};

fn bcplc() -> Option<PathBuf> {
    let shared = match std::env::var_os("CINTCHECK_SHARED") {
        Some(s) => PathBuf::from(s),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    let p = shared.join("bcpl64/bin/bcplc");
    p.is_file().then_some(p)
}

/// Compile `src` in a fresh temporary directory; the object's text.
fn compile(bcplc: &PathBuf, name: &str, src: &str) -> String {
    let dir = std::env::temp_dir().join(format!("cintcode-bcplc-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.b")), src).unwrap();
    let out = Command::new(bcplc)
        .current_dir(&dir)
        .arg(format!("{name}.b"))
        .arg(name)
        .output()
        .expect("run bcplc");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = std::fs::read_to_string(dir.join(name)).expect("object written");
    let _ = std::fs::remove_dir_all(&dir);
    text
}

const SOURCE: &str = r#"
SECTION "averylongsectionname"
GET "libhdr"
STATIC { sx = 7 }
LET averylongfunctionname(x) = VALOF SWITCHON x INTO
{ CASE 6: RESULTIS 1
  CASE 10: RESULTIS 2
  CASE 70: RESULTIS 3
  CASE 200: RESULTIS 4
  CASE 500: RESULTIS 5
  CASE 800: RESULTIS 6
  CASE 3000: RESULTIS 7
  CASE 40000: RESULTIS 8
  DEFAULT: RESULTIS 0
}
LET small(x) = VALOF SWITCHON x INTO
{ CASE 1: RESULTIS 10
  CASE 100: RESULTIS 20
  CASE 1000: RESULTIS 30
  CASE 2000: RESULTIS 40
  DEFAULT: RESULTIS 0
}
LET start() = VALOF
{ LET big = #x123456789
  writef("%n %n %n %n*n", averylongfunctionname(sx), big, big < 7 -> 1, 2, small(sx))
  RESULTIS 0
}
"#;

#[test]
fn compiled_names_switch_tree_and_round_trip() {
    let Some(bcplc) = bcplc() else {
        eprintln!("skipped: the real BCPL system (../shared/bcpl64 or $CINTCHECK_SHARED/bcpl64) is absent");
        return;
    };
    let text = compile(&bcplc, "names", SOURCE);
    let obj = hunk::read(&text, "names").unwrap();
    let s = &obj.sections[0];
    // s8.1: names longer than 11 keep the first five and the last five.
    assert_eq!(s.name.as_deref(), Some("avery'nname"));
    let names: Vec<&str> = s.functions.iter().map(|f| f.1.as_str()).collect();
    assert_eq!(names, ["avery'nname", "small", "start"]);
    // The switch of the spec's s7.2 example: find the SWB and check the
    // node order.
    let code = cintcode::reachable(s);
    let swb = code.values().find(|i| i.op == 146).expect("an SWB");
    let Operand::Swb { nodes, .. } = &decode(&s.bytes, swb.at).unwrap().operand else {
        panic!()
    };
    let keys: Vec<u16> = nodes.iter().map(|n| n.0).collect();
    assert_eq!(keys, [200, 800, 10, 3000, 500, 70, 6, 40000]);
    // The MW pair of #x123456789 (s2.3 first row).
    let mw = code.values().find(|i| i.op == 223).expect("an MW");
    assert_eq!(
        s.bytes[mw.at as usize..mw.at as usize + 10],
        [0xDF, 1, 0, 0, 0, 0x62, 0x89, 0x67, 0x45, 0x23]
    );
    // Listing -> assembler -> same bytes, and the writer's text is the
    // compiler's.
    // Both switch tables (8 nodes, and 4 padded to 7) are in the assembler's
    // `swb` form.
    let list = listing(s);
    assert_eq!(list.matches("    swb ").count(), 2, "{list}");
    assert!(!list.contains("swb.raw"), "{list}");
    let again = asm::assemble(&list, "names.cin").unwrap();
    assert_eq!(again.sections[0].bytes, s.bytes);
    assert_eq!(hunk::write(&obj), text);
}

//! Round trips over the real compiler's 64-bit objects in
//! `../shared/corpus/cin/` (or `$CINTCHECK_SHARED/corpus/cin`): read,
//! list, reassemble the listing, compare bytes; and write the hunk text
//! back. Skipped with a message when the corpus is absent.

use std::path::PathBuf;

use cintcode::{asm, disasm, hunk};

fn corpus_dir() -> Option<PathBuf> {
    let shared = match std::env::var_os("CINTCHECK_SHARED") {
        Some(s) => PathBuf::from(s),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    let dir = shared.join("corpus/cin");
    dir.is_dir().then_some(dir)
}

fn objects() -> Option<Vec<(String, String)>> {
    let Some(dir) = corpus_dir() else {
        eprintln!("skipped: no corpus (../shared/corpus/cin or $CINTCHECK_SHARED/corpus/cin)");
        return None;
    };
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).expect("corpus dir") {
        let p = e.expect("entry").path();
        if p.is_file() {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            out.push((name, std::fs::read_to_string(&p).expect("text")));
        }
    }
    out.sort();
    Some(out)
}

fn hex_tokens(text: &str) -> Vec<u64> {
    text.lines()
        .map(|l| l.split('#').next().unwrap())
        .flat_map(|l| l.split_whitespace())
        .map(|t| u64::from_str_radix(t, 16).unwrap())
        .collect()
}

#[test]
fn every_object_reassembles_from_its_listing() {
    let Some(objs) = objects() else { return };
    let mut ok = 0;
    let mut failures = Vec::new();
    for (name, text) in &objs {
        let obj = hunk::read(text, name).unwrap_or_else(|e| panic!("{e}"));
        let list: String = obj.sections.iter().map(disasm::listing).collect();
        let again = match asm::assemble(&list, &format!("{name}.cin")) {
            Ok(o) => o,
            Err(e) => {
                failures.push(format!("{name}: listing does not assemble: {e}"));
                continue;
            }
        };
        let same = again.sections.len() == obj.sections.len()
            && again.sections.iter().zip(&obj.sections).all(|(a, b)| {
                a.bytes == b.bytes
                    && a.name == b.name
                    && a.functions == b.functions
                    && a.globals == b.globals
                    && a.maxgn == b.maxgn
            });
        if same {
            ok += 1;
        } else {
            let first = again.sections.iter().zip(&obj.sections).find_map(|(a, b)| {
                (0..a.bytes.len().max(b.bytes.len())).find(|&i| a.bytes.get(i) != b.bytes.get(i))
            });
            failures.push(format!(
                "{name}: bytes differ (first difference at byte {first:?})"
            ));
        }
    }
    eprintln!(
        "{ok} of {} corpus objects reassemble exactly from their listings",
        objs.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_object_writes_back_the_same_numbers() {
    let Some(objs) = objects() else { return };
    let mut identical_text = 0;
    for (name, text) in &objs {
        let obj = hunk::read(text, name).unwrap_or_else(|e| panic!("{e}"));
        let back = hunk::write(&obj);
        assert_eq!(hex_tokens(&back), hex_tokens(text), "{name}");
        if back == *text {
            identical_text += 1;
        }
    }
    eprintln!(
        "{identical_text} of {} objects written back byte for byte",
        objs.len()
    );
}

#[test]
fn corpus_hello() {
    // The corpus's hello prints "Hello world\n" and was compiled without a
    // SECTION name (unlike the spec's Appendix A): word 0 = 11 words, then
    // `start`'s DFDF header at 8, so `start` is at 32.
    let Some(dir) = corpus_dir() else {
        eprintln!("skipped: no corpus (../shared/corpus/cin or $CINTCHECK_SHARED/corpus/cin)");
        return;
    };
    let text = std::fs::read_to_string(dir.join("hello")).expect("hello");
    let obj = hunk::read(&text, "hello").unwrap();
    assert_eq!(obj.sections.len(), 1);
    let s = &obj.sections[0];
    assert_eq!(s.length_words(), 11);
    assert_eq!(s.name, None);
    assert_eq!(s.functions, vec![(32, "start".to_string())]);
    assert_eq!(s.globals, vec![(1, 32)]);
    assert_eq!(s.maxgn, 89);
    let lll = disasm::decode(&s.bytes, 32).unwrap();
    assert_eq!(lll.operand, disasm::Operand::Target(40));
    let call = disasm::decode(&s.bytes, 34).unwrap();
    assert_eq!((call.op, call.operand), (35, disasm::Operand::U8(89)));
    assert_eq!(s.location_text(34), "hello+0x22 (in start)");
}

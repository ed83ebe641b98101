//! Property tests: the reader, assembler and decoder never panic on any
//! input, and the listing of any well-formed section, even of random bytes,
//! reassembles to exactly the same bytes.

use cintcode::{asm, decode, hunk, listing, reachable, Section};
use proptest::prelude::*;

/// A hunk text of one section whose body is `body` (padded to words) and
/// whose global table points at `entries` (taken modulo the body).
fn section_text(body: &[u8], entries: &[(u16, u16)], maxgn: u32) -> String {
    let mut b = body.to_vec();
    while b.len() % 8 != 0 {
        b.push(0);
    }
    let mut words: Vec<u64> = vec![0];
    words.extend(
        b.chunks(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap())),
    );
    words.push(0);
    if !b.is_empty() {
        for &(g, e) in entries {
            words.push(g as u64);
            words.push(8 + (e as u64 % b.len() as u64));
        }
    }
    words.push(maxgn as u64);
    words[0] = words.len() as u64;
    let mut t = format!("7D0 {:X}\n", words.len());
    for w in words {
        t.push_str(&format!("{w:X} "));
    }
    t.push('\n');
    t
}

/// Bytes that look like code: mostly valid opcodes and small operands.
fn code_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            4 => any::<u8>(),
            1 => Just(0u8),
            1 => prop::sample::select(vec![0x92u8, 0x93, 0x1B, 0x0F, 0xDF, 0x62, 0xBB, 0x5B, 0x0D, 0x7B]),
        ],
        0..400,
    )
}

fn roundtrip(s: &Section) -> Result<(), TestCaseError> {
    let text = listing(s);
    let again = asm::assemble(&text, "again.cin")
        .map_err(|e| TestCaseError::fail(format!("listing does not assemble: {e}\n{text}")))?;
    prop_assert_eq!(again.sections.len(), 1);
    let a = &again.sections[0];
    prop_assert!(a.bytes == s.bytes, "bytes differ:\n{}", text);
    prop_assert_eq!(&a.name, &s.name);
    prop_assert_eq!(&a.functions, &s.functions);
    prop_assert_eq!(&a.globals, &s.globals);
    prop_assert_eq!(a.maxgn, s.maxgn);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64), at in 0u32..80) {
        let _ = decode(&bytes, at);
    }

    #[test]
    fn random_sections_list_and_reassemble(
        body in code_bytes(),
        entries in prop::collection::vec((any::<u16>(), any::<u16>()), 0..4),
        maxgn in 0u32..1000,
    ) {
        let text = section_text(&body, &entries, maxgn);
        let obj = hunk::read(&text, "r").unwrap();
        let s = &obj.sections[0];
        let _ = reachable(s);
        roundtrip(s)?;
    }

    #[test]
    fn named_random_sections_reassemble(
        code in code_bytes(),
        names in prop::collection::vec("[a-z]{1,14}", 1..4),
        entries in prop::collection::vec((any::<u16>(), any::<u16>()), 0..3),
    ) {
        // Section name and function headers in front of random code.
        let mut src = String::from("section \"rnd\"\n");
        let per = code.len() / names.len() + 1;
        for (k, n) in names.iter().enumerate() {
            src.push_str(&format!("entry \"{n}\"\nf{k}:\n"));
            for b in code.iter().skip(k * per).take(per) {
                src.push_str(&format!(".byte {b}\n"));
            }
        }
        for (g, e) in &entries {
            src.push_str(&format!("global {g} f{}\n", *e as usize % names.len()));
        }
        let obj = asm::assemble(&src, "rnd.cin").unwrap();
        let s = &obj.sections[0];
        let read = hunk::read(&hunk::write(&obj), "rnd").unwrap();
        prop_assert_eq!(&read.sections[0].bytes, &s.bytes);
        prop_assert_eq!(&read.sections[0].functions, &s.functions);
        prop_assert_eq!(&read.sections[0].name, &s.name);
        prop_assert_eq!(&read.sections[0].globals, &s.globals);
        roundtrip(s)?;
    }

    #[test]
    fn listing_never_panics_on_any_section(
        bytes in prop::collection::vec(any::<u8>(), 0..200),
        functions in prop::collection::vec((0u32..260, "[a-z ]{0,13}"), 0..4),
        globals in prop::collection::vec((any::<u32>(), 0u32..260), 0..4),
        maxgn in any::<u32>(),
    ) {
        let s = Section { bytes, functions, globals, maxgn, ..Section::default() };
        let _ = reachable(&s);
        let text = listing(&s);
        let _ = asm::assemble(&text, "l");
        let _ = s.location_text(17);
        let _ = s.table_start();
    }

    #[test]
    fn hunk_reader_never_panics(text in "([0-9A-Fa-f]{1,17}|7D0|7D2|3E8|#[^\n]*|[ \n]|G|\u{e9})*") {
        let _ = hunk::read(&text, "f");
    }

    #[test]
    fn assembler_never_panics(lines in prop::collection::vec(prop_oneof![
        Just("section".to_string()),
        Just("section \"a\"".to_string()),
        "[a-z$.]{1,6}( [-0-9a-zx:=\",]{0,8}){0,4}",
        "(l|x|y)[0-9]?: ?(j|j\\$|jeq|lll\\$|lf|\\.half|swl|swb|swb.raw) [a-z0-9:=, ]{0,12}",
        "(\\.byte|\\.half|\\.word|\\.string|\\.align|lw|mw|fltop|selst|global|maxgn|entry) [-0-9a-fx\"\\\\ ,]{0,12}",
        any::<String>(),
    ], 0..12)) {
        let text = lines.join("\n");
        if let Ok(obj) = asm::assemble(&text, "f") {
            for s in &obj.sections {
                let _ = listing(s);
                let _ = reachable(s);
            }
        }
    }
}

#[test]
fn truncated_texts_never_panic() {
    let src = "section \"x\"\nentry \"f\"\nf: l 3\n swl d, d, e\nd: lw 0x123456789\ne: rtn\n .string \"hi\"\n global 1 f\n";
    for i in 0..=src.len() {
        if src.is_char_boundary(i) {
            let _ = asm::assemble(&src[..i], "t");
        }
    }
    let obj = asm::assemble(src, "t").unwrap();
    let text = hunk::write(&obj);
    for i in 0..=text.len() {
        let _ = hunk::read(&text[..i], "t");
    }
    let b = &obj.sections[0].bytes;
    for cut in 0..=b.len() {
        for at in 0..=cut as u32 {
            let _ = decode(&b[..cut], at);
        }
    }
}

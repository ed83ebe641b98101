//! Bad inputs give located errors (message, line, column), never panics.

use cintcode::{asm, decode, hunk};

#[test]
fn truncated_hunk() {
    let e = hunk::read("7D0 5\n5 0 0\n", "t").unwrap_err();
    assert_eq!((e.line, e.col), (1, 5));
    assert!(e.message.contains("truncated hunk"), "{e}");
    assert!(e.message.contains("5 words announced, only 3"), "{e}");
    let e = hunk::read("# only a header\n7D0\n", "t").unwrap_err();
    assert_eq!((e.line, e.col), (2, 1));
    assert!(e.message.contains("truncated"), "{e}");
}

#[test]
fn bad_hex() {
    let e = hunk::read("7D0 3\n3 0G 0\n", "t").unwrap_err();
    assert_eq!((e.line, e.col), (2, 3));
    assert_eq!(e.message, "bad hex number `0G`");
    let e = hunk::read("7D0 3\n3 10000000000000000 0\n", "t").unwrap_err();
    assert_eq!((e.line, e.col), (2, 3));
    assert!(e.message.contains("64 bits"), "{e}");
    let shown = e.to_string();
    assert!(shown.starts_with("t:2:3: error: "), "{shown}");
    assert!(shown.ends_with("  |   ^"), "{shown}");
}

#[test]
fn unknown_and_unsupported_hunk_types() {
    let e = hunk::read("\n  7D1 3 3 0 0\n", "t").unwrap_err();
    assert_eq!((e.line, e.col), (2, 3));
    assert!(e.message.contains("unknown hunk type 7D1"), "{e}");
    let e = hunk::read("3E8 3 3 0 0\n", "t").unwrap_err();
    assert!(e.message.contains("32-bit"), "{e}");
    let e = hunk::read("BB8 3 3 0 0\n", "t").unwrap_err();
    assert!(e.message.contains("binary hunk"), "{e}");
    // 7D2 is skipped, comments ignored.
    let o = hunk::read("#!cintsys\n7D0 3 3 0 0 # trailer\n7D2\n", "t").unwrap();
    assert_eq!(o.sections.len(), 1);
    assert_eq!(o.sections[0].maxgn, 0);
}

#[test]
fn length_word_and_global_table() {
    let e = hunk::read("7D0 3\n4 0 0\n", "t").unwrap_err();
    assert_eq!((e.line, e.col), (2, 1));
    assert!(e.message.contains("length word"), "{e}");
    // No 0 word before the pairs.
    let e = hunk::read("7D0 4\n4 5 6 7\n", "t").unwrap_err();
    assert_eq!((e.line, e.col), (2, 5));
    assert!(e.message.contains("no 0 word"), "{e}");
    // An entry offset outside the section.
    let e = hunk::read("7D0 6\n6 0 0 1 30 9\n", "t").unwrap_err();
    assert_eq!((e.line, e.col), (2, 9));
    assert!(e.message.contains("outside the section"), "{e}");
    let e = hunk::read("7D0 2\n2 0\n", "t").unwrap_err();
    assert!(e.message.contains("too short"), "{e}");
}

#[test]
fn decode_errors() {
    let e = decode(&[0x00, 0x10], 0).unwrap_err();
    assert_eq!(e.at, 0);
    assert!(e.message.contains("opcode 0"), "{e}");
    let e = decode(&[0x10, 0x62, 1, 2, 3], 1).unwrap_err();
    assert_eq!(e.at, 1);
    assert!(e.message.contains("truncated operand of lw"), "{e}");
    assert!(decode(&[0xFE, 1], 0).is_err());
    assert!(decode(&[0x10], 5).is_err());
    // An indirect halfword beyond the bytes.
    let e = decode(&[0xBB, 0x10, 0, 0], 0).unwrap_err();
    assert!(e.message.contains("indirect halfword"), "{e}");
    // A switch table that does not fit.
    let e = decode(&[0x93, 0, 9, 0, 0, 0], 0).unwrap_err();
    assert!(e.message.contains("swl table"), "{e}");
}

#[test]
fn assembler_errors_are_located() {
    let cases: &[(&str, u32, u32, &str)] = &[
        ("section\n  j nowhere\n", 2, 5, "undefined label nowhere"),
        (
            "section\nx: rtn\nx: rtn\n",
            3,
            1,
            "duplicate label x (first defined on line 2)",
        ),
        ("section\n  frob 3\n", 2, 3, "unknown mnemonic `frob`"),
        ("  rtn\n", 1, 3, "before any `section`"),
        ("section\n  l 256\n", 2, 5, "out of range"),
        ("section\n  lh -1\n", 2, 6, "out of range"),
        ("section\n  l\n", 2, 3, "takes 1 operand"),
        ("section\n  rtn 1\n", 2, 7, "takes 0 operand"),
        ("section\n  l x1\n", 2, 5, "expected a number"),
        ("section\n  fltop nosuch\n", 2, 9, "unknown fltop function"),
        ("section\n  fltop mk\n", 2, 3, "takes 2 operand"),
        ("section\n  swb d, 5\nd: rtn\n", 2, 10, "expected key:label"),
        ("section\n  swb d, 70000:d\nd: rtn\n", 2, 10, "out of range"),
        ("section\n .byte 0\n .half 3\n", 3, 2, "odd offset"),
        ("section\n .string \"abc\n", 2, 10, "unterminated string"),
        ("section\n .string \"a\\qb\"\n", 2, 10, "unknown escape"),
        ("section\n entry start\n", 2, 8, "expected a quoted string"),
        ("section\n global 1 nowhere\n", 2, 11, "undefined label"),
    ];
    for &(src, line, col, msg) in cases {
        let e = asm::assemble(src, "bad.cin").unwrap_err();
        assert!(e.message.contains(msg), "{src:?}: {e}");
        assert_eq!((e.line, e.col), (line, col), "{src:?}: {e}");
        assert_eq!(e.file, "bad.cin");
    }
}

#[test]
fn out_of_range_jump() {
    let mut src = String::from("section\nstart: j far\n");
    for _ in 0..127 {
        src.push_str("nop\n");
    }
    src.push_str("far: rtn\n");
    // o = 9, far = 10 + 127 = 137: offset 128 is one too many.
    let e = asm::assemble(&src, "far.cin").unwrap_err();
    assert_eq!((e.line, e.col), (2, 10));
    assert!(e.message.contains("out of range"), "{e}");
    assert!(e.message.contains("offset 128"), "{e}");
    // One fewer nop fits.
    let ok = src.replacen("nop\n", "", 1);
    let o = asm::assemble(&ok, "far.cin").unwrap();
    assert_eq!(o.sections[0].bytes[8..10], [0xBA, 127]);
    // Backwards: -128 fits, -129 does not.
    let mut back = String::from("section\nt: nop\n");
    for _ in 0..126 {
        back.push_str("nop\n");
    }
    back.push_str("j t\n");
    let o = asm::assemble(&back, "b.cin").unwrap();
    let b = &o.sections[0].bytes;
    assert_eq!(b[135..137], [0xBA, 0x80]);
    let e = asm::assemble(&back.replacen("t: nop\n", "t: nop\nnop\n", 1), "b.cin").unwrap_err();
    assert_eq!(e.line, 130);
}

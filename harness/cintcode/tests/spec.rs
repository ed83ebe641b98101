//! Examples from the Cintcode spec (cintcode64.md), with the expected
//! values taken from the spec's text and tables.

use cintcode::disasm::{decode, reachable, Operand};
use cintcode::{asm, hunk, listing, opcode};

/// Appendix A written out as a hunk file: `cin64/hello` of the spec, one
/// 13-word section named "hello" whose `start` calls writef (G94).
const APPENDIX_A: &str = "\
# Appendix A of the spec, word by word
00000000000007D0 000000000000000D
000000000000000D 000000000000FDDF 20206F6C6C65680B 0000000020202020
000000000000DFDF 202074726174730B 0000000020202020 00007B105E23075A
000A6F6C6C654806 0000000000000000 0000000000000001 0000000000000038
000000000000005E
";

#[test]
fn appendix_a_reads_as_the_spec_describes() {
    let obj = hunk::read(APPENDIX_A, "hello").unwrap();
    assert_eq!(obj.sections.len(), 1);
    let s = &obj.sections[0];
    assert_eq!(s.bytes.len(), 13 * 8);
    assert_eq!(s.length_words(), 13);
    assert_eq!(s.name.as_deref(), Some("hello"));
    assert_eq!(s.functions, vec![(56, "start".to_string())]);
    assert_eq!(s.globals, vec![(1, 56)]);
    assert_eq!(s.maxgn, 94);
    assert_eq!(
        s.bytes[64..72],
        [0x06, 0x48, 0x65, 0x6C, 0x6C, 0x6F, 0x0A, 0x00]
    );

    let lll = decode(&s.bytes, 56).unwrap();
    assert_eq!((lll.op, lll.len), (90, 2));
    assert_eq!(lll.operand, Operand::Target(64));
    let k3g = decode(&s.bytes, 58).unwrap();
    assert_eq!((k3g.op, k3g.len), (opcode::by_name("k3g").unwrap(), 2));
    assert_eq!(k3g.operand, Operand::U8(94));
    assert_eq!(decode(&s.bytes, 60).unwrap().op, 16); // L0
    assert_eq!(decode(&s.bytes, 61).unwrap().op, 123); // RTN

    let code = reachable(s);
    assert_eq!(
        code.keys().copied().collect::<Vec<_>>(),
        vec![56, 58, 60, 61]
    );
    assert_eq!(s.location_text(58), "hello+0x3a (in start)");
    // The writer uses the compiler's layout and gives the same words.
    let back = hunk::write(&obj);
    assert!(back.starts_with("\n00000000000007D0 000000000000000D \n000000000000000D "));
    assert_eq!(hunk::read(&back, "hello").unwrap(), obj);
}

#[test]
fn appendix_a_assembles_from_source() {
    let src = "\
section \"hello\"
entry \"start\"
start:  lll msg      ; A := the string's word address
        k3g 94       ; writef
        l0
        rtn
msg:    .string \"Hello\\n\"
        global 1 start
";
    let obj = asm::assemble(src, "hello.cin").unwrap();
    let want = hunk::read(APPENDIX_A, "hello").unwrap();
    let s = &obj.sections[0];
    assert_eq!(s.bytes, want.sections[0].bytes);
    assert_eq!(
        s.maxgn, 94,
        "default maxgn is the highest global referenced"
    );
    assert_eq!(s.functions, vec![(56, "start".to_string())]);
    assert_eq!(s.lines.get(&58), Some(&(4, 9)));
    assert_eq!(s.location_text(58), "hello.cin:4:9 (in start)");
    // The listing reassembles to the same bytes.
    let again = asm::assemble(&listing(s), "again.cin").unwrap();
    assert_eq!(again.sections[0].bytes, s.bytes);
}

/// A section whose body starts at byte 8 with `pad` zero bytes and then `body`.
fn at_offset(offset: usize, body: &str) -> String {
    let mut s = String::from("section\n");
    for _ in 8..offset {
        s.push_str(".byte 0\n");
    }
    s.push_str(body);
    s
}

#[test]
fn direct_relative_base_is_the_operand_byte() {
    // s2.2: J at 35 with operand 0x23 jumps to 36 + 35 = 71.
    let mut b = vec![0u8; 80];
    b[35] = 0xBA;
    b[36] = 0x23;
    assert_eq!(decode(&b, 35).unwrap().operand, Operand::Target(71));
    // s14 item 5: BA 05 at 100 -> 106; BA FE at 100 -> 99.
    let mut b = vec![0u8; 110];
    b[100] = 0xBA;
    b[101] = 0x05;
    assert_eq!(decode(&b, 100).unwrap().operand, Operand::Target(106));
    b[101] = 0xFE;
    assert_eq!(decode(&b, 100).unwrap().operand, Operand::Target(99));
    // The assembler computes the same operand byte.
    let mut body = String::from("j there\n");
    for _ in 37..71 {
        body.push_str(".byte 0\n");
    }
    body.push_str("there: rtn\n");
    let obj = asm::assemble(&at_offset(35, &body), "j.cin").unwrap();
    assert_eq!(obj.sections[0].bytes[35..37], [0xBA, 0x23]);
}

#[test]
fn indirect_forms_of_appendix_b() {
    // LLL$ at 87, operand 156: halfword at 400 holds -24, target 376.
    // LF$ at 175, operand 113: halfword at 402 holds -370, target 32.
    let mut b = vec![0u8; 408];
    b[87] = 0x5B;
    b[88] = 156;
    b[175] = 0x0D;
    b[176] = 113;
    b[400..402].copy_from_slice(&0xFFE8u16.to_le_bytes());
    b[402..404].copy_from_slice(&0xFE8Eu16.to_le_bytes());
    let lll = decode(&b, 87).unwrap();
    assert_eq!(
        lll.operand,
        Operand::Indirect {
            half: 400,
            target: 376
        }
    );
    let lf = decode(&b, 175).unwrap();
    assert_eq!(
        lf.operand,
        Operand::Indirect {
            half: 402,
            target: 32
        }
    );

    // Assembled: the operand is H/2 - floor(o/2) and the halfword is
    // self-relative.
    let mut body = String::from("lll$ h1\n");
    for _ in 89..175 {
        body.push_str(".byte 0\n");
    }
    body.push_str("lf$ h2\n");
    for _ in 177..376 {
        body.push_str(".byte 0\n");
    }
    body.push_str("s376: .byte 0\n");
    for _ in 377..400 {
        body.push_str(".byte 0\n");
    }
    body.push_str("h1: .half s376\nh2: .half f32\n");
    let src = at_offset(
        32,
        &format!("f32: .byte 0\n{}", {
            let mut pad = String::new();
            for _ in 33..87 {
                pad.push_str(".byte 0\n");
            }
            pad + &body
        }),
    );
    let obj = asm::assemble(&src, "ind.cin").unwrap();
    let s = &obj.sections[0].bytes;
    assert_eq!(s[87..89], [0x5B, 156]);
    assert_eq!(s[175..177], [0x0D, 113]);
    assert_eq!(s[400..404], [0xE8, 0xFF, 0x8E, 0xFE]);
}

#[test]
fn indirect_operand_range_errors() {
    // Odd halfword address.
    let e = asm::assemble("section\n j$ h\n .byte 0\nh: .byte 0 0\n", "x.cin").unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.message.contains("halfword"), "{e}");
    // Halfword before floor(o/2)*2.
    let e = asm::assemble("section\nh: .half 0\n j$ h\n", "x.cin").unwrap_err();
    assert_eq!((e.line, e.col), (3, 5));
}

/// The s2.3 table: value -> bytes of `lw value`.
const MW_ROWS: &[(i128, &[u8])] = &[
    (
        0x1_2345_6789,
        &[0xDF, 0x01, 0, 0, 0, 0x62, 0x89, 0x67, 0x45, 0x23],
    ),
    (
        -5_000_000_000,
        &[0xDF, 0xFF, 0xFF, 0xFF, 0xFF, 0x62, 0x00, 0x0E, 0xFA, 0xD5],
    ),
    (0x8000_0000, &[0xDF, 0x01, 0, 0, 0, 0x62, 0, 0, 0, 0x80]),
    (
        0xFFFF_FFFF,
        &[0xDF, 0x01, 0, 0, 0, 0x62, 0xFF, 0xFF, 0xFF, 0xFF],
    ),
    (-100_000, &[0x62, 0x60, 0x79, 0xFE, 0xFF]),
    (-(1 << 31), &[0x62, 0, 0, 0, 0x80]),
    (
        -(1 << 31) - 1,
        &[0xDF, 0xFF, 0xFF, 0xFF, 0xFF, 0x62, 0xFF, 0xFF, 0xFF, 0x7F],
    ),
    (i64::MIN as i128, &[0xDF, 0, 0, 0, 0x80, 0x62, 0, 0, 0, 0]),
    (
        i64::MAX as i128,
        &[0xDF, 0, 0, 0, 0x80, 0x62, 0xFF, 0xFF, 0xFF, 0xFF],
    ),
    (
        0x3FB9_9999_9999_999A,
        &[0xDF, 0x9A, 0x99, 0xB9, 0x3F, 0x62, 0x9A, 0x99, 0x99, 0x99],
    ),
    (
        0x4004_0000_0000_0000,
        &[0xDF, 0, 0, 0x04, 0x40, 0x62, 0, 0, 0, 0],
    ),
];

/// MW + sext32(lo), wrapping: the consumer's effective operand (s2.3).
fn effective(bytes: &[u8]) -> i64 {
    let d = decode(bytes, 0).unwrap();
    match d.operand {
        Operand::I32(v) if d.op == opcode::MW => {
            let w = decode(bytes, 5).unwrap();
            let Operand::I32(lo) = w.operand else {
                panic!()
            };
            ((v as u32 as u64) << 32).wrapping_add(lo as i64 as u64) as i64
        }
        Operand::I32(v) => v as i64,
        _ => panic!(),
    }
}

#[test]
fn every_row_of_the_mw_table() {
    for &(v, want) in MW_ROWS {
        for text in [format!("lw {v}"), format!("lw 0x{:X}", v as u64)] {
            let obj = asm::assemble(&format!("section\n{text}\n"), "mw.cin").unwrap();
            let s = &obj.sections[0].bytes;
            assert_eq!(&s[8..8 + want.len()], want, "{text}");
            assert!(s[8 + want.len()..s.len() - 16].iter().all(|&b| b == 0));
        }
        assert_eq!(effective(want) as i128, v as i64 as i128, "{v:#x}");
    }
    // The other W-forms use the same rule.
    let obj = asm::assemble("section\nkw 0x100000000\naw -1\n", "mw.cin").unwrap();
    assert_eq!(
        obj.sections[0].bytes[8..18],
        [0xDF, 1, 0, 0, 0, 0x22, 0, 0, 0, 0]
    );
    assert_eq!(
        obj.sections[0].bytes[18..23],
        [0xE2, 0xFF, 0xFF, 0xFF, 0xFF]
    );
    // MW by hand gives the raw bytes.
    let obj = asm::assemble("section\nmw 1\nlw 0\nmw -1\nmw 0xFFFFFFFF\n", "mw.cin").unwrap();
    assert_eq!(
        obj.sections[0].bytes[8..28],
        [
            0xDF, 1, 0, 0, 0, 0x62, 0, 0, 0, 0, 0xDF, 0xFF, 0xFF, 0xFF, 0xFF, 0xDF, 0xFF, 0xFF,
            0xFF, 0xFF
        ]
    );
    let e = asm::assemble("section\nmw 0x100000000\n", "mw.cin").unwrap_err();
    assert_eq!((e.line, e.col), (2, 4));
    let e = asm::assemble("section\nlw 0x10000000000000000\n", "mw.cin").unwrap_err();
    assert_eq!(e.line, 2);
}

#[test]
fn mw_pairs_list_as_one_value_and_reassemble() {
    let src = "section\nentry \"f\"\nf: lw 0x123456789\n   mw 0\n   lw 5\n   rtn\n   global 1 f\n";
    let obj = asm::assemble(src, "w.cin").unwrap();
    let text = listing(&obj.sections[0]);
    assert!(text.contains("lw 0x123456789"), "{text}");
    assert!(text.contains("mw 0"), "an MW 0 is kept apart: {text}");
    let again = asm::assemble(&text, "w2.cin").unwrap();
    assert_eq!(again.sections[0].bytes, obj.sections[0].bytes);
}

#[test]
fn swb_tree_order_of_the_spec_example() {
    let keys = [6u16, 10, 70, 200, 500, 800, 3000, 40000];
    let order: Vec<u16> = asm::swb_tree(&keys).iter().map(|&i| keys[i]).collect();
    assert_eq!(order, [200, 800, 10, 3000, 500, 70, 6, 40000]);

    // SWB at 265; the table starts at 266 with no pad.
    let mut body = String::from(
        "swb d, 6:c6, 10:c10, 70:c70, 200:c200, 500:c500, 800:c800, 3000:c3000, 40000:c40000\n",
    );
    for k in [
        "d", "c6", "c10", "c70", "c200", "c500", "c800", "c3000", "c40000",
    ] {
        body.push_str(&format!("{k}: rtn\n"));
    }
    let obj = asm::assemble(&at_offset(265, &body), "swb.cin").unwrap();
    let b = &obj.sections[0].bytes;
    let half = |a: usize| u16::from_le_bytes([b[a], b[a + 1]]);
    assert_eq!(b[265], 0x92);
    assert_eq!(half(266), 8);
    let stored: Vec<u16> = (1..=8).map(|m| half(266 + 4 * m)).collect();
    assert_eq!(stored, [200, 800, 10, 3000, 500, 70, 6, 40000]);
    assert_eq!(half(298), 0x9C40);
    // Decoding finds each key's own label: the nine RTNs follow the table
    // at 302.., in the order d, c6, c10, ...
    let d = decode(b, 265).unwrap();
    assert_eq!(d.len, 302 - 265);
    let Operand::Swb { default, nodes } = d.operand else {
        panic!()
    };
    assert_eq!(default, 302);
    let by_key = |k: u16| nodes.iter().find(|n| n.0 == k).unwrap().1;
    assert_eq!(by_key(6), 303);
    assert_eq!(by_key(70), 305);
    assert_eq!(by_key(40000), 310);

    // swb.raw keeps the written order.
    let obj = asm::assemble(
        &at_offset(265, "swb.raw d, 1:d, 3:d, 2:d\nd: rtn\n"),
        "r.cin",
    )
    .unwrap();
    let b = &obj.sections[0].bytes;
    let half = |a: usize| u16::from_le_bytes([b[a], b[a + 1]]);
    assert_eq!([half(270), half(274), half(278)], [1, 3, 2]);
}

#[test]
fn swl_example_cases_one_to_five() {
    // SWL at 208, pad at 209, n = 6 at 210, default at 212, entry 0 = default.
    let body =
        "swl d, d, c1, c2, c3, c4, c5\nd: rtn\nc1: rtn\nc2: rtn\nc3: rtn\nc4: rtn\nc5: rtn\n";
    let obj = asm::assemble(&at_offset(208, body), "swl.cin").unwrap();
    let b = &obj.sections[0].bytes;
    let half = |a: usize| u16::from_le_bytes([b[a], b[a + 1]]);
    assert_eq!(b[208..210], [0x93, 0x00]);
    assert_eq!(half(210), 6);
    // The table ends at 226: d is at 226, c1..c5 at 227..231.
    assert_eq!(half(212) as i16 as i64, 226 - 212);
    assert_eq!(half(214) as i16 as i64, 226 - 214);
    assert_eq!(half(216) as i16 as i64, 227 - 216);
    assert_eq!(half(224) as i16 as i64, 231 - 224);
    let d = decode(b, 208).unwrap();
    assert_eq!(d.len, 18);
    assert_eq!(
        d.operand,
        Operand::Swl {
            default: 226,
            cases: vec![226, 227, 228, 229, 230, 231]
        }
    );
}

#[test]
fn fhop_sequence_keeps_the_skipped_byte_as_code() {
    // s5 / Appendix B: LP3 LP4 at 91, then 5C 02 1B 0F at 93.
    let body = "f: lp3\nlp4\njls t\nfhop\nt: lm1\nsp 18\nrtn\nglobal 1 f\n";
    let obj = asm::assemble(&at_offset(91, body), "fhop.cin").unwrap();
    let s = &obj.sections[0];
    assert_eq!(s.bytes[93..97], [0x5C, 0x02, 0x1B, 0x0F]);
    let code = reachable(s);
    let ops: Vec<(u32, u8)> = code.values().map(|i| (i.at, i.op)).collect();
    assert_eq!(
        ops,
        [
            (91, 131),
            (92, 132),
            (93, 92),
            (95, 27),
            (96, 15),
            (97, 160),
            (99, 123)
        ]
    );
    assert_eq!(code[&95].len, 1);
    let again = asm::assemble(&listing(s), "again.cin").unwrap();
    assert_eq!(again.sections[0].bytes, s.bytes);
}

#[test]
fn names_longer_than_eleven_keep_five_and_five() {
    let obj = asm::assemble(
        "section \"averylongsectionname\"\nentry \"f\"\nrtn\n",
        "n.cin",
    )
    .unwrap();
    let s = &obj.sections[0];
    assert_eq!(&s.bytes[16..28], b"\x0bavery'nname");
    assert_eq!(s.name.as_deref(), Some("avery'nname"));
    assert_eq!(s.functions, vec![(56, "f".to_string())]);
    let read = hunk::read(&hunk::write(&obj), "n").unwrap();
    assert_eq!(read.sections[0].name, s.name);
    assert_eq!(read.sections[0].functions, s.functions);
}

#[test]
fn fltop_selld_selst_encodings() {
    let obj = asm::assemble(
        "section\nfltop float\nfltop mk -3\nfltop 1 2\nfltop 19\nselld 4 8\nselst 10 0 0\n",
        "f.cin",
    )
    .unwrap();
    assert_eq!(
        obj.sections[0].bytes[8..27],
        [1, 3, 1, 1, 0xFD, 1, 1, 2, 1, 19, 0xFE, 4, 8, 0xFF, 10, 0, 0, 0, 0]
    );
    let b = &obj.sections[0].bytes;
    assert_eq!(
        decode(b, 10).unwrap().operand,
        Operand::Fltop { f: 1, e: Some(-3) }
    );
    assert_eq!(
        decode(b, 18).unwrap().operand,
        Operand::Selld { len: 4, sh: 8 }
    );
    assert_eq!(
        decode(b, 21).unwrap().operand,
        Operand::Selst {
            op: 10,
            len: 0,
            sh: 0
        }
    );
}

#[test]
fn global_table_and_maxgn() {
    let src =
        "section\nentry \"a\"\na: rtn\nentry \"b\"\nb: k3gh 300\nrtn\nglobal 1 a\nglobal 150 b\n";
    let s = &asm::assemble(src, "g.cin").unwrap().sections[0];
    assert_eq!(s.globals, vec![(1, 32), (150, 64)]);
    assert_eq!(s.maxgn, 300);
    let n = s.bytes.len();
    let word = |i: usize| u64::from_le_bytes(s.bytes[i..i + 8].try_into().unwrap());
    assert_eq!(word(0) as usize, n / 8);
    let table: Vec<u64> = (0..6).map(|k| word(n - 48 + 8 * k)).collect();
    assert_eq!(table, [0, 1, 32, 150, 64, 300]);
    let s2 = &asm::assemble(&format!("{src}maxgn 1000\n"), "g.cin")
        .unwrap()
        .sections[0];
    assert_eq!(s2.maxgn, 1000);
}

#[test]
fn mw_is_listed_apart_unless_the_pairing_is_certain() {
    // s14 item 4: an MW survives an unrelated instruction (L5) before its
    // consumer; and a W-form that a jump reaches may see MW = 0.
    let src = "section\nentry \"f\"\nf: mw 1\n   l5\n   lw 0\n   mw 2\nw: lw 7\n   jeq0 w\n   rtn\n   global 1 f\n";
    let obj = asm::assemble(src, "p.cin").unwrap();
    let s = &obj.sections[0];
    assert_eq!(s.bytes[32..38], [0xDF, 1, 0, 0, 0, 0x15]);
    let text = listing(s);
    assert!(text.contains("    mw 1 "), "{text}");
    assert!(text.contains("    lw 0 "), "{text}");
    assert!(text.contains("    mw 2 "), "{text}");
    assert!(text.contains("    lw 7 "), "{text}");
    let again = asm::assemble(&text, "again.cin").unwrap();
    assert_eq!(again.sections[0].bytes, s.bytes);
}

#[test]
fn reachable_follows_lf_targets_calls_and_switches() {
    let src = "\
section \"r\"
entry \"start\"
start: lf g        ; g is reached only through its address
       k3          ; the return point after the call is code
       l1
       swl d, c0
d:     rtn
c0:    rtn
       .byte 0x7B  ; never reached: data
g:     l0
       rtn
       global 1 start
";
    let s = &asm::assemble(src, "r.cin").unwrap().sections[0];
    let code = reachable(s);
    let ops: Vec<&str> = code.values().map(|i| opcode::name(i.op).unwrap()).collect();
    assert_eq!(ops, ["lf", "k3", "l1", "swl", "rtn", "rtn", "l0", "rtn"]);
    let data_at = s
        .lines
        .iter()
        .find(|(_, lc)| lc.0 == 9)
        .map(|(a, _)| *a)
        .unwrap();
    assert!(!code.contains_key(&data_at));
    let text = listing(s);
    assert!(text.contains(".byte 0x7B"), "{text}");
    assert_eq!(
        asm::assemble(&text, "again").unwrap().sections[0].bytes,
        s.bytes
    );
}

#[test]
fn swb_pads_to_seven_nodes_like_the_compiler() {
    // s7.2: dummy pairs (key 0, the default label) up to 7 nodes; n = 4.
    // Keys descending 2000 1000 100 1 by the in-order walk go to nodes
    // 4, 2, 1, 3.
    let src =
        "section\ns: swb d, 1:a, 100:b, 1000:c, 2000:e\nd: rtn\na: rtn\nb: rtn\nc: rtn\ne: rtn\nglobal 1 s\n";
    let obj = asm::assemble(src, "pad.cin").unwrap();
    let b = &obj.sections[0].bytes;
    let half = |a: usize| u16::from_le_bytes([b[a], b[a + 1]]);
    // SWB at 8, pad byte 9, table at 10: n, default, 7 nodes, then code at 42.
    assert_eq!(b[8..10], [0x92, 0]);
    assert_eq!(half(10), 4);
    let keys: Vec<u16> = (1..=7).map(|m| half(10 + 4 * m)).collect();
    assert_eq!(keys, [100, 1000, 1, 2000, 0, 0, 0]);
    for m in 5..=7usize {
        let at = 10 + 4 * m + 2;
        assert_eq!(
            at as i64 + half(at) as i16 as i64,
            42,
            "dummy node {m} -> default"
        );
    }
    assert_eq!(b[42], 0x7B);
    // The listing shows one swb line covering the padding.
    let text = listing(&obj.sections[0]);
    assert!(
        text.contains("    swb L42, 100:L44, 1000:L45, 1:L43, 2000:L46 "),
        "{text}"
    );
    // Only the alignment byte before the global table is data.
    assert!(!text.contains(".word"), "{text}");
    assert!(
        text.contains(".byte 0x00                      ; 47: 00"),
        "{text}"
    );
    assert_eq!(text.matches(".byte").count(), 1, "{text}");
    assert_eq!(asm::assemble(&text, "again").unwrap().sections[0].bytes, *b);
    // swb.raw adds no padding.
    let raw = asm::assemble(&src.replace("swb ", "swb.raw "), "raw.cin").unwrap();
    assert_eq!(raw.sections[0].bytes[8 + 2 + 4 + 16], 0x7B);
}

#[test]
fn scratch() {
    let text = std::fs::read_to_string("/tmp/rnd/p31.cin").unwrap();
    let obj = cintcode::asm::assemble(&text, "p.cin").unwrap();
    let linked = reference::runtime::cin_load::CinLinked::new(&[obj]);
    let layout = reference::runtime::cin_load::layout(&linked, 1 << 20).unwrap();
    for (i, b) in layout.bases.iter().enumerate() {
        eprintln!(
            "section {i} base byte {:#x} len {}",
            b * 8,
            linked.sections[i].bytes.len()
        );
    }
    let s = linked.sections.last().unwrap();
    let base = layout.bases.last().unwrap() * 8;
    let t = 0x5468i64 - base;
    eprintln!("target offset in last section {t}");
    for at in [t as u32, 56] {
        eprintln!("{at}: {:?}", cintcode::disasm::decode(&s.bytes, at));
    }
}

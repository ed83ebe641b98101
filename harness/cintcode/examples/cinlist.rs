//! Print the listing of a hunk file: `cargo run -p cintcode --example cinlist FILE`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: cinlist FILE");
    let text = std::fs::read_to_string(&path).expect("readable file");
    match cintcode::hunk::read(&text, &path) {
        Ok(obj) => {
            for s in &obj.sections {
                print!("{}", cintcode::listing(s));
            }
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

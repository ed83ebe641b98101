//! Print the listing of a hunk file: `cargo run -p cintcode --example cinlist FILE`.
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: cinlist FILE");
        std::process::exit(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    };
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

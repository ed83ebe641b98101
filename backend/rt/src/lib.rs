//! The run-time of stand-alone executables built by `cintcheck build`
//! (built for aarch64 Linux or macOS as `libcintcheck_rt.a`). It holds the
//! program's `main`: the assembly text that `cintcheck asm` writes defines
//! the machine code (`cintcheck_code`) and the program image
//! (`cintcheck_image`); `main` rebuilds the program from the image, lays out
//! and initialises BCPL memory with the shared loader, and runs the code
//! with the shared run-time library as its host functions, exactly as the
//! native executor does (see `backend::exec::standalone`). No second
//! implementation of the library: it is the same Rust code every engine
//! uses.
#![cfg(target_arch = "aarch64")]

use std::ffi::{c_char, c_int, CStr};

extern "C" {
    static cintcheck_code: u8;
    static cintcheck_code_len: u64;
    static cintcheck_image: u8;
    static cintcheck_image_len: u64;
}

/// The executable's entry point (called by the C start-up code).
///
/// # Safety
/// Called once by the C run-time with the process's arguments.
#[no_mangle]
pub unsafe extern "C" fn main(argc: c_int, argv: *const *const c_char) -> c_int {
    let args: Vec<String> = (0..argc as usize)
        .map(|i| {
            // SAFETY: argv holds argc valid C strings.
            unsafe { CStr::from_ptr(*argv.add(i)) }
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    // SAFETY: the symbols are defined by the linked assembly text; the
    // lengths are the sizes of the blocks they start.
    let (code, code_len, image) = unsafe {
        let code = &cintcheck_code as *const u8;
        let image =
            std::slice::from_raw_parts(&cintcheck_image as *const u8, cintcheck_image_len as usize);
        (code, cintcheck_code_len as usize, image)
    };
    // SAFETY: the code block and its image come from the same assembly text.
    unsafe { backend::exec::standalone::main(&args, code, code_len, image) }
}

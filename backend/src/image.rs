//! What a stand-alone executable carries besides its machine code: the
//! user's Sial modules (readable text, with the source positions of every
//! instruction so that fault locations read as in the original files) and
//! the code generator's description of the code (entry, library stubs,
//! label offsets, instruction map, fault sites). The executable's run-time
//! rebuilds the program from it and loads memory with the same shared
//! loader as every other engine; the machine code itself comes from the
//! assembled text, never from this image.

use serde::{Deserialize, Serialize};
use sial::Program;

use crate::codegen::Compiled;

/// One user file: its name, its modules in readable Sial (which, unlike the
/// compact form, takes any label numbers), and the (line, column) of each
/// instruction of each module.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    pub positions: Vec<Vec<(u32, u32)>>,
}

/// The program image embedded in an executable.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Image {
    pub sources: Vec<SourceFile>,
    /// The code generator's output, without the code bytes.
    pub compiled: Compiled,
    /// Length of the machine code the image describes.
    pub code_len: usize,
}

impl Image {
    /// The image of `programs` compiled into `compiled`.
    pub fn new(programs: &[(String, Program)], compiled: &Compiled) -> Image {
        let sources = programs
            .iter()
            .map(|(name, p)| SourceFile {
                name: name.clone(),
                text: sial::print_readable(p),
                positions: p
                    .modules
                    .iter()
                    .map(|m| m.instrs.iter().map(|i| (i.pos.line, i.pos.col)).collect())
                    .collect(),
            })
            .collect();
        let mut meta = compiled.clone();
        meta.code = Vec::new();
        Image {
            sources,
            compiled: meta,
            code_len: compiled.code.len(),
        }
    }

    /// The user's programs again, with their original positions.
    pub fn programs(&self) -> Result<Vec<(String, Program)>, String> {
        self.sources
            .iter()
            .map(|s| {
                let mut p = sial::parse(&s.text, &s.name).map_err(|e| e.to_string())?;
                if p.modules.len() != s.positions.len() {
                    return Err(format!("{}: image and program disagree", s.name));
                }
                for (m, pos) in p.modules.iter_mut().zip(&s.positions) {
                    if m.instrs.len() != pos.len() {
                        return Err(format!("{}: image and program disagree", s.name));
                    }
                    for (i, &(line, col)) in m.instrs.iter_mut().zip(pos) {
                        i.pos.line = line;
                        i.pos.col = col;
                    }
                }
                Ok((s.name.clone(), p))
            })
            .collect()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &[u8]) -> Result<Image, String> {
        serde_json::from_slice(text).map_err(|e| format!("bad program image: {e}"))
    }
}

//! The conformance matrix (to be written).

use super::RunReport;

pub fn html(_r: &RunReport) -> String {
    String::new()
}

pub fn markdown(_r: &RunReport) -> String {
    String::new()
}

//! JUnit XML of a run (to be written).

use super::RunReport;

pub fn render(_r: &RunReport) -> Result<String, String> {
    Ok(String::new())
}

//! JUnit XML of a run, for CI systems that show test results (GitLab,
//! Jenkins, GitHub test reporters), written with `quick-junit`.
//!
//! Layout: one `<testsuite>` per engine (named after the engine, in the
//! report's engine order; an engine that only appears in the results comes
//! after them, by name), one `<testcase>` per (case, engine) result, in case
//! name order. A test case is named by the full case name; its `classname` is
//! the case's directory, the part of the name before the last `/` (the whole
//! name when it has none).
//!
//! Verdicts map to JUnit as follows:
//!
//! | verdict            | JUnit                                                     |
//! |--------------------|-----------------------------------------------------------|
//! | `pass`             | success                                                   |
//! | `mismatch`         | `<failure type="mismatch">` (or `"flaky mismatch"`)       |
//! | `unexpected-pass`  | `<failure type="unexpected-pass">`                        |
//! | `error`            | `<error type="error">`                                    |
//! | `expected-failure` | success, with `expected failure: REASON` in system-out    |
//! | `skipped`          | `<skipped>` with the reason                               |
//! | `unsupported`      | `<skipped type="unsupported">` with the reason            |
//! | `deviation`        | success, with the declared rule in system-out             |
//!
//! A mismatch of an external engine whose run failed outside the program
//! (translator rejected it, assembly or link failed, crash, timeout, bad
//! output) has `type="mismatch: CLASS"`; the property `ending-kind` holds
//! the class of every ending, and `logs` where the run's logs are kept.
//!
//! The `message` attribute of a failure or error is the first line of the
//! detail (attribute values lose their line breaks); the element's text is
//! the whole detail. An expected failure is a success because it is exactly
//! what the case declares: JUnit consumers count `<skipped>` as "not run",
//! which would hide that the case did run (and would turn into a failure the
//! day the engine is fixed, as `unexpected-pass`).
//!
//! Every test case carries properties `verdict`, `file`, `line`, `ending` (how
//! the run ended, when it ran) and `tags`; every test case but a pass also
//! has a system-out block with `file:line` and the ending (and the reason of
//! an expected failure), since many consumers show only system-out.
//! `time` is the run's seconds. No timestamps are written, so the output
//! depends only on the report.

use std::collections::BTreeSet;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::RunReport;
use crate::runner::{CaseResult, Verdict};

/// Render the report as JUnit XML.
pub fn render(r: &RunReport) -> Result<String, String> {
    let mut report = Report::new("cintcheck");
    for engine in engine_order(r) {
        let mut results: Vec<&CaseResult> =
            r.results.iter().filter(|x| x.engine == engine).collect();
        results.sort_by(|a, b| a.case.cmp(&b.case));
        let mut suite = TestSuite::new(engine.as_str());
        let total: f64 = results.iter().map(|x| finite_seconds(x.seconds)).sum();
        if let Some(d) = duration(total) {
            suite.set_time(d);
        }
        suite.add_test_cases(results.into_iter().map(test_case));
        report.add_test_suite(suite);
    }
    report
        .to_string()
        .map_err(|e| format!("cannot write JUnit XML: {e}"))
}

/// The report's engines, then engines that only appear in results (by name).
pub(crate) fn engine_order(r: &RunReport) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    for e in &r.engines {
        if !order.contains(e) {
            order.push(e.clone());
        }
    }
    let extra: BTreeSet<&String> = r
        .results
        .iter()
        .map(|x| &x.engine)
        .filter(|e| !order.contains(e))
        .collect();
    order.extend(extra.into_iter().cloned());
    order
}

/// The case's directory: the name before its last `/`.
pub(crate) fn classname(case: &str) -> &str {
    match case.rfind('/') {
        Some(i) if i > 0 => &case[..i],
        _ => case,
    }
}

fn finite_seconds(s: f64) -> f64 {
    if s.is_finite() && s > 0.0 {
        s
    } else {
        0.0
    }
}

fn duration(seconds: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(finite_seconds(seconds)).ok()
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

fn non_success(kind: NonSuccessKind, ty: &str, text: &str) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(kind);
    status
        .set_type(ty)
        .set_message(first_line(text))
        .set_description(text);
    status
}

/// Ending kinds of external failures (see `reference::ExternalFailure`).
pub(crate) fn is_external_kind(k: &str) -> bool {
    matches!(
        k,
        "rejected" | "assembly-failed" | "link-failed" | "crash" | "timeout" | "bad-output"
    )
}

pub(crate) fn location(r: &CaseResult) -> String {
    match (r.file.is_empty(), r.line) {
        (true, _) => String::new(),
        (false, 0) => r.file.clone(),
        (false, n) => format!("{}:{n}", r.file),
    }
}

fn test_case(r: &CaseResult) -> TestCase {
    let mut notes: Vec<String> = Vec::new();
    let status = match &r.verdict {
        Verdict::Pass => TestCaseStatus::success(),
        Verdict::ExpectedFailure { reason } => {
            notes.push(format!("expected failure: {reason}"));
            TestCaseStatus::success()
        }
        Verdict::Mismatch { detail, flaky } => {
            // External failures are typed by their class (crash, rejected,
            // link-failed, timeout, ...).
            let ty = match (r.ending_kind.as_deref(), flaky) {
                (_, true) => "flaky mismatch".to_string(),
                (Some(k), false) if is_external_kind(k) => format!("mismatch: {k}"),
                _ => "mismatch".to_string(),
            };
            non_success(NonSuccessKind::Failure, &ty, detail)
        }
        Verdict::UnexpectedPass { reason } => non_success(
            NonSuccessKind::Failure,
            "unexpected-pass",
            &format!("passed, but the case expects this engine to fail: {reason}"),
        ),
        Verdict::Error { message } => non_success(NonSuccessKind::Error, "error", message),
        Verdict::Skipped { reason } => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(reason.as_str());
            s
        }
        Verdict::Unsupported { reason } => {
            let mut s = TestCaseStatus::skipped();
            s.set_type("unsupported")
                .set_message(format!("unsupported: {reason}"));
            s
        }
        Verdict::Deviation { rule, detail } => {
            notes.push(format!("declared deviation `{rule}`: {detail}"));
            TestCaseStatus::success()
        }
    };
    let mut tc = TestCase::new(r.case.as_str(), status);
    tc.set_classname(classname(&r.case));
    if let Some(d) = duration(r.seconds) {
        tc.set_time(d);
    }
    tc.add_property(("verdict", r.verdict.label()));
    tc.add_property(("file", r.file.as_str()));
    tc.add_property(("line", r.line.to_string().as_str()));
    if let Some(ending) = &r.ending {
        tc.add_property(("ending", ending.as_str()));
        notes.push(format!("ended: {ending}"));
    }
    if let Some(kind) = &r.ending_kind {
        tc.add_property(("ending-kind", kind.as_str()));
    }
    if let Some(logs) = &r.logs {
        tc.add_property(("logs", logs.as_str()));
        notes.push(format!("logs: {logs}"));
    }
    if !r.tags.is_empty() {
        tc.add_property(("tags", r.tags.join(",").as_str()));
    }
    // Passes carry their location in the properties only: a run has
    // thousands of them and system-out is for what a reader should look at.
    if r.verdict != Verdict::Pass {
        let loc = location(r);
        if !loc.is_empty() {
            notes.insert(0, format!("case at {loc}"));
        }
    }
    if !notes.is_empty() && r.verdict != Verdict::Pass {
        let mut out = notes.join("\n");
        out.push('\n');
        tc.set_system_out(out);
    }
    tc
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::events::Event;
    use quick_xml::Reader;
    use std::collections::BTreeMap;

    fn result(case: &str, engine: &str, verdict: Verdict) -> CaseResult {
        CaseResult {
            case: case.into(),
            engine: engine.into(),
            verdict,
            ending: Some("returned 3".into()),
            seconds: 0.25,
            file: "cases/edge/div.toml".into(),
            line: 12,
            tags: vec!["div".into()],
            opcodes: vec!["div".into(), "l".into()],
            ending_kind: None,
            logs: None,
            refutes: Vec::new(),
        }
    }

    fn sample() -> RunReport {
        let results = vec![
            result("edge/div/t/pass", "reference", Verdict::Pass),
            result("edge/div/t/pass", "a64", Verdict::Pass),
            result("edge/div/t/mismatch", "reference", Verdict::Pass),
            result(
                "edge/div/t/mismatch",
                "a64",
                Verdict::Mismatch {
                    detail: "result: expected 3 < 4 & \"q\", got 4\nsecond line".into(),
                    flaky: false,
                },
            ),
            result(
                "edge/div/t/xfail",
                "a64",
                Verdict::ExpectedFailure {
                    reason: "issue 7".into(),
                },
            ),
            result(
                "edge/div/t/xpass",
                "a64",
                Verdict::UnexpectedPass {
                    reason: "issue 8".into(),
                },
            ),
            result(
                "edge/div/t/skip",
                "a64",
                Verdict::Skipped {
                    reason: "no floats".into(),
                },
            ),
            result(
                "programs/bad",
                "reference",
                Verdict::Error {
                    message: "bad program\x07 <here>".into(),
                },
            ),
            CaseResult {
                seconds: f64::NAN,
                ..result("odd", "other", Verdict::Pass)
            },
        ];
        RunReport::new(vec!["reference".into(), "a64".into()], None, results)
    }

    #[derive(Default, Debug)]
    struct Counts {
        testcase: usize,
        failure: usize,
        error: usize,
        skipped: usize,
        suites: BTreeMap<String, BTreeMap<String, String>>,
        suite_order: Vec<String>,
    }

    fn parse(xml: &str) -> Counts {
        let mut reader = Reader::from_str(xml);
        let mut c = Counts::default();
        let mut depth = 0usize;
        loop {
            let ev = reader.read_event().expect("well-formed XML");
            let (e, is_start) = match ev {
                Event::Start(e) => (e, true),
                Event::Empty(e) => (e, false),
                Event::End(_) => {
                    depth -= 1;
                    continue;
                }
                Event::Eof => break,
                _ => continue,
            };
            if is_start {
                depth += 1;
            }
            match e.name().as_ref() {
                b"testcase" => c.testcase += 1,
                b"failure" => c.failure += 1,
                b"error" => c.error += 1,
                b"skipped" => c.skipped += 1,
                b"testsuite" => {
                    let mut attrs = BTreeMap::new();
                    for a in e.attributes() {
                        let a = a.expect("attribute");
                        attrs.insert(
                            String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                            String::from_utf8_lossy(&a.value).into_owned(),
                        );
                    }
                    let name = attrs.get("name").cloned().unwrap_or_default();
                    c.suite_order.push(name.clone());
                    c.suites.insert(name, attrs);
                }
                _ => {}
            }
        }
        assert_eq!(depth, 0, "every element closed");
        c
    }

    #[test]
    fn counts_and_suites() {
        let xml = render(&sample()).unwrap();
        let c = parse(&xml);
        assert_eq!(c.testcase, 9);
        assert_eq!(c.failure, 2, "mismatch and unexpected pass");
        assert_eq!(c.error, 1);
        assert_eq!(c.skipped, 1);
        assert_eq!(c.suite_order, ["reference", "a64", "other"]);
        let attr = |s: &str, k: &str| c.suites[s][k].clone();
        assert_eq!(attr("reference", "tests"), "3");
        assert_eq!(attr("reference", "failures"), "0");
        assert_eq!(attr("reference", "errors"), "1");
        assert_eq!(attr("a64", "tests"), "5");
        assert_eq!(attr("a64", "failures"), "2");
        assert_eq!(attr("a64", "errors"), "0");
        assert_eq!(attr("a64", "skipped"), "1");
        assert_eq!(attr("other", "tests"), "1");
        assert_eq!(attr("other", "failures"), "0");
    }

    #[test]
    fn round_trips_through_quick_junit() {
        let xml = render(&sample()).unwrap();
        let back = Report::deserialize_from_str(&xml).expect("parses back");
        let a64 = &back.test_suites[1];
        assert_eq!(a64.name.as_str(), "a64");
        let find = |name: &str| {
            a64.test_cases
                .iter()
                .find(|t| t.name.as_str() == name)
                .unwrap_or_else(|| panic!("{name} missing"))
        };
        let m = find("edge/div/t/mismatch");
        assert_eq!(m.classname.as_ref().unwrap().as_str(), "edge/div/t");
        match &m.status {
            TestCaseStatus::NonSuccess {
                kind,
                message,
                description,
                ty,
                ..
            } => {
                assert_eq!(*kind, NonSuccessKind::Failure);
                assert_eq!(ty.as_ref().unwrap().as_str(), "mismatch");
                assert_eq!(
                    message.as_ref().unwrap().as_str(),
                    "result: expected 3 < 4 & \"q\", got 4"
                );
                assert_eq!(
                    description.as_ref().unwrap().as_str(),
                    "result: expected 3 < 4 & \"q\", got 4\nsecond line"
                );
            }
            other => panic!("{other:?}"),
        }
        let m_out = m.system_out.as_ref().unwrap().as_str();
        assert_eq!(
            m_out.trim_end(),
            "case at cases/edge/div.toml:12\nended: returned 3"
        );
        let p = find("edge/div/t/pass");
        assert!(p.system_out.is_none());
        assert!(p
            .properties
            .iter()
            .any(|p| p.name.as_str() == "file" && p.value.as_str() == "cases/edge/div.toml"));
        let x = find("edge/div/t/xfail");
        assert!(matches!(x.status, TestCaseStatus::Success { .. }));
        let out = x.system_out.as_ref().unwrap().as_str();
        assert!(out.contains("expected failure: issue 7"), "{out}");
        assert!(out.contains("cases/edge/div.toml:12"), "{out}");
        assert_eq!(x.time, Some(Duration::from_millis(250)));
        assert!(x
            .properties
            .iter()
            .any(|p| p.name.as_str() == "line" && p.value.as_str() == "12"));
        match &find("edge/div/t/skip").status {
            TestCaseStatus::Skipped { message, .. } => {
                assert_eq!(message.as_ref().unwrap().as_str(), "no floats")
            }
            other => panic!("{other:?}"),
        }
        let reference = &back.test_suites[0];
        let bad = reference
            .test_cases
            .iter()
            .find(|t| t.name.as_str() == "programs/bad")
            .unwrap();
        assert_eq!(bad.classname.as_ref().unwrap().as_str(), "programs");
        assert!(matches!(
            bad.status,
            TestCaseStatus::NonSuccess {
                kind: NonSuccessKind::Error,
                ..
            }
        ));
    }

    #[test]
    fn deterministic_and_empty_reports() {
        let r = sample();
        assert_eq!(render(&r).unwrap(), render(&r).unwrap());
        let empty = RunReport::new(vec![], None, vec![]);
        let c = parse(&render(&empty).unwrap());
        assert_eq!(c.testcase, 0);
        assert!(c.suite_order.is_empty());
    }

    #[test]
    fn classnames() {
        assert_eq!(classname("edge/div/t/1,2"), "edge/div/t");
        assert_eq!(classname("plain"), "plain");
        assert_eq!(classname("/x"), "/x");
        assert_eq!(classname(""), "");
    }
}

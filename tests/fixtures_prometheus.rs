//! Every Prometheus fixture in `tests/fixtures/prometheus/` goes through `parse_response` with
//! the HTTP status and Content-Type it was served with (from `_index.json`).
//!
//! The list of files comes from the directory, so a new fixture is covered as soon as it is
//! added: it must not panic, a query answer must parse, an error body must be an error.

#![allow(clippy::unwrap_used)]

use oncall::sources::SourceError;
use oncall::sources::prometheus::{QueryResult, ResultType, Series, parse_response};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/prometheus");

/// One body file and how the server sent it.
#[derive(Debug)]
struct Fixture {
    name: String,
    status: u16,
    content_type: Option<String>,
    /// `GET /api/v1/query?...`; `None` for files written by hand.
    request: Option<String>,
    body: Vec<u8>,
}

impl Fixture {
    fn parse(&self) -> Result<QueryResult, SourceError> {
        parse_response(self.status, self.content_type.as_deref(), &self.body)
    }

    /// An answer of `/api/v1/query` or `/api/v1/query_range` (captured or hand-written).
    fn is_query_answer(&self) -> bool {
        match &self.request {
            Some(r) => {
                let path = r.split_whitespace().nth(1).unwrap_or("");
                let path = path.split('?').next().unwrap_or("");
                path == "/api/v1/query" || path == "/api/v1/query_range"
            }
            None => self.name.starts_with("constructed_query_"),
        }
    }

    fn is_json(&self) -> bool {
        self.content_type
            .as_deref()
            .is_some_and(|c| c.contains("json"))
    }
}

fn dir() -> PathBuf {
    let dir = Path::new(DIR);
    assert!(
        dir.is_dir(),
        "fixture directory {} is missing: copy it from /work/shared/fixtures/prometheus",
        dir.display()
    );
    dir.to_path_buf()
}

fn index() -> BTreeMap<String, Value> {
    let path = dir().join("_index.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let v: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    let Value::Object(map) = v else {
        panic!("{} is not a JSON object", path.display());
    };
    map.into_iter().collect()
}

/// Status of a hand-written file from its name (`constructed_error_499_...`), else 200.
fn status_from_name(name: &str) -> u16 {
    name.strip_prefix("constructed_error_")
        .and_then(|rest| rest.get(..3))
        .and_then(|s| s.parse().ok())
        .unwrap_or(200)
}

fn content_type_from_name(name: &str) -> &'static str {
    if name.ends_with(".txt") {
        "text/plain; charset=utf-8"
    } else {
        "application/json"
    }
}

/// Every body file of the directory (`_`-prefixed files are metadata, not bodies).
fn fixtures() -> Vec<Fixture> {
    let index = index();
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('_'))
        .collect();
    names.sort();
    assert!(
        names.len() >= 40,
        "only {} fixtures in {DIR}: is the directory complete?",
        names.len()
    );
    let mut out = Vec::new();
    for name in names {
        let body = std::fs::read(dir().join(&name)).unwrap();
        let fixture = match index.get(&name) {
            Some(entry) => Fixture {
                status: entry["status"]
                    .as_u64()
                    .and_then(|s| u16::try_from(s).ok())
                    .unwrap_or_else(|| panic!("_index.json: `{name}` has no numeric status")),
                content_type: entry["content_type"].as_str().map(str::to_string),
                request: entry["request"].as_str().map(str::to_string),
                name,
                body,
            },
            None => {
                // Only hand-written and codec-test files may be missing from the index (see
                // fixtures/README.md); a captured file must record how it was served.
                assert!(
                    name.starts_with("constructed_") || name.starts_with("codec_test_"),
                    "{name} is not in _index.json: record its request, status and content type there"
                );
                Fixture {
                    status: status_from_name(&name),
                    content_type: Some(content_type_from_name(&name).to_string()),
                    request: None,
                    name,
                    body,
                }
            }
        };
        out.push(fixture);
    }
    out
}

fn fixture(name: &str) -> Fixture {
    fixtures()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("fixture {name} is missing from {DIR}"))
}

fn ok(name: &str) -> QueryResult {
    let f = fixture(name);
    f.parse()
        .unwrap_or_else(|e| panic!("{name} (HTTP {}): {e}", f.status))
}

fn err(name: &str) -> SourceError {
    let f = fixture(name);
    match f.parse() {
        Ok(r) => panic!(
            "{name} (HTTP {}) parsed as {r:?}, expected an error",
            f.status
        ),
        Err(e) => e,
    }
}

fn by_label<'a>(r: &'a QueryResult, key: &str, value: &str) -> &'a Series {
    r.series
        .iter()
        .find(|s| s.labels.get(key).map(String::as_str) == Some(value))
        .unwrap_or_else(|| panic!("no series with {key}={value:?} in {r:?}"))
}

fn only_value(s: &Series) -> f64 {
    assert_eq!(s.points.len(), 1, "{s:?}");
    s.points[0].1
}

#[test]
fn every_fixture_parses_without_panicking_and_as_its_kind() {
    let mut failures = Vec::new();
    for f in fixtures() {
        let bodies: Vec<Vec<u8>> = if f.name.ends_with(".jsonl") {
            f.body
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .map(<[u8]>::to_vec)
                .collect()
        } else {
            vec![f.body.clone()]
        };
        for body in bodies {
            let ct = f.content_type.clone();
            let status = f.status;
            let result =
                std::panic::catch_unwind(move || parse_response(status, ct.as_deref(), &body));
            let Ok(result) = result else {
                failures.push(format!("{}: parse_response panicked", f.name));
                continue;
            };
            if f.is_query_answer() && f.status < 300 {
                if let Err(e) = &result {
                    failures.push(format!("{}: query answer failed to parse: {e}", f.name));
                }
            }
            if f.status >= 400 {
                match (&result, f.is_json()) {
                    (Ok(r), _) => failures.push(format!(
                        "{}: HTTP {} parsed as success {r:?}",
                        f.name, f.status
                    )),
                    (Err(SourceError::Api { .. }), true) => {}
                    (Err(SourceError::Http { status, .. }), false) if *status == f.status => {}
                    (Err(e), json) => failures.push(format!(
                        "{}: HTTP {} ({}) gave {e:?}",
                        f.name,
                        f.status,
                        if json {
                            "JSON envelope, expected Api"
                        } else {
                            "plain text, expected Http"
                        }
                    )),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn instant_vectors() {
    let r = ok("query_vector_up.json");
    assert_eq!(r.result_type, ResultType::Vector);
    assert_eq!(r.series.len(), 4);
    assert_eq!(only_value(by_label(&r, "job", "prometheus")), 1.0);
    assert_eq!(only_value(by_label(&r, "job", "node")), 0.0);
    let dead = by_label(&r, "job", "dead-target");
    assert_eq!(dead.labels["team"], "ops");
    assert_eq!(dead.labels["instance"], "127.0.0.1:19999");
    assert_eq!(dead.points[0].0, 1_795_808_995.074);
    assert!(r.warnings.is_empty());

    let r = ok("query_vector_no_metric_name.json");
    assert_eq!(r.series.len(), 4);
    assert!(
        r.series
            .iter()
            .all(|s| s.labels.len() == 1 && s.labels.contains_key("job"))
    );

    let r = ok("query_vector_nan_from_division.json");
    assert_eq!(r.series.len(), 1);
    assert!(r.series[0].labels.is_empty());
    assert!(only_value(&r.series[0]).is_nan());

    let r = ok("query_with_stats_all.json");
    assert_eq!(r.result_type, ResultType::Vector);
    assert_eq!(r.series.len(), 4);
}

#[test]
fn empty_results_keep_their_type() {
    let r = ok("query_vector_empty.json");
    assert_eq!((r.result_type, r.series.len()), (ResultType::Vector, 0));
    let r = ok("query_range_empty.json");
    assert_eq!((r.result_type, r.series.len()), (ResultType::Matrix, 0));
}

#[test]
fn special_values_in_vectors() {
    let r = ok("query_vector_special_values.json");
    assert_eq!((r.result_type, r.series.len()), (ResultType::Vector, 7));
    let v = |kind: &str| only_value(by_label(&r, "kind", kind));
    assert!(v("nan").is_nan());
    assert_eq!(v("pos_inf"), f64::INFINITY);
    assert_eq!(v("neg_inf"), f64::NEG_INFINITY);
    assert_eq!(v("huge"), f64::MAX);
    assert_eq!(v("int_like"), 1_234_567_890_123.0);
    assert_eq!(v("tiny"), 1.2345678e-67);
    assert_eq!(v("neg_zero"), 0.0);

    let r = ok("query_vector_tiny_and_huge.json");
    let tiny = by_label(&r, "kind", "tiny");
    assert_eq!(tiny.points[0], (1_795_808_995.08, 1.2345678e-67));
    assert_eq!(only_value(by_label(&r, "kind", "huge")), f64::MAX);
}

#[test]
fn special_values_in_ranges() {
    let r = ok("query_range_special_values.json");
    assert_eq!((r.result_type, r.series.len()), (ResultType::Matrix, 7));
    for s in &r.series {
        assert_eq!(s.points.len(), 3, "{s:?}");
        let ts: Vec<f64> = s.points.iter().map(|p| p.0).collect();
        assert_eq!(ts, [1_795_808_988.0, 1_795_808_990.0, 1_795_808_992.0]);
    }
    let last = |kind: &str| by_label(&r, "kind", kind).points[2].1;
    assert!(last("nan").is_nan());
    assert_eq!(last("pos_inf"), f64::INFINITY);
    assert_eq!(last("neg_inf"), f64::NEG_INFINITY);
    assert_eq!(last("tiny"), 1.2345678e-67);
    assert_eq!(last("huge"), f64::MAX);
}

#[test]
fn range_matrices() {
    let r = ok("query_range_matrix.json");
    assert_eq!((r.result_type, r.series.len()), (ResultType::Matrix, 4));
    let node = by_label(&r, "job", "node");
    assert_eq!(node.points.len(), 6);
    assert_eq!(node.points[0], (1_795_808_982.0, 0.0));
    assert_eq!(node.points[5], (1_795_808_992.0, 0.0));
    assert!(
        by_label(&r, "job", "prometheus")
            .points
            .iter()
            .all(|p| p.1 == 1.0)
    );

    let r = ok("query_range_post_form.json");
    assert_eq!((r.result_type, r.series.len()), (ResultType::Matrix, 4));
    assert_eq!(by_label(&r, "job", "node").points.len(), 3);

    // An instant query of a range selector answers a matrix, with millisecond timestamps.
    let r = ok("query_instant_matrix_range_selector.json");
    assert_eq!((r.result_type, r.series.len()), (ResultType::Matrix, 1));
    let ts: Vec<f64> = r.series[0].points.iter().map(|p| p.0).collect();
    assert_eq!(ts.len(), 5);
    assert_eq!(ts[0], 1_795_808_990.323);
    assert_eq!(ts[4], 1_795_808_994.323);
}

#[test]
fn scalars() {
    let r = ok("query_scalar.json");
    assert_eq!((r.result_type, r.series.len()), (ResultType::Scalar, 1));
    assert!(r.series[0].labels.is_empty());
    assert_eq!(r.series[0].points, [(1_795_808_932.123, 2.0)]);

    assert!(only_value(&ok("query_scalar_nan.json").series[0]).is_nan());
    assert_eq!(
        only_value(&ok("query_scalar_pos_inf.json").series[0]),
        f64::INFINITY
    );
    assert_eq!(
        only_value(&ok("query_scalar_neg_inf.json").series[0]),
        f64::NEG_INFINITY
    );

    // Written out in full decimal by 2.42: 67 zeros, then the digits.
    let tiny = ok("query_scalar_tiny_value.json");
    assert_eq!(tiny.series[0].points, [(1_795_808_995.08, 1.2345678e-67)]);

    // 309 digits: finite, the largest double.
    let huge = only_value(&ok("query_scalar_huge_value.json").series[0]);
    assert!(huge.is_finite() && huge > 1e308, "{huge}");
    assert_eq!(huge, f64::MAX);

    let r = ok("query_scalar_time_fraction.json");
    assert_eq!(r.series[0].points, [(1_795_808_995.08, 1_795_808_995.08)]);
}

#[test]
fn strings_are_kept_sanitized_in_a_label() {
    let r = ok("query_string.json");
    assert_eq!((r.result_type, r.series.len()), (ResultType::String, 1));
    assert_eq!(r.series[0].labels["value"], "hello ünïcödé \" <b>");
    assert_eq!(r.series[0].points[0].0, 1_795_808_995.082);
    assert!(r.series[0].points[0].1.is_nan());
}

#[test]
fn huge_label_sets() {
    let r = ok("query_vector_huge_labels.json");
    assert_eq!(r.series.len(), 1);
    let labels = &r.series[0].labels;
    assert_eq!(
        labels.keys().filter(|k| k.as_str() != "__name__").count(),
        62
    );
    assert_eq!(labels["label_00"], "value-00-xxxxxxxxxxxxxxxxxxxx");
    assert_eq!(only_value(&r.series[0]), 42.0);
}

#[test]
fn tricky_label_values_arrive_unchanged() {
    // The parser keeps label values as sent; sanitizing is the panel's job (PanelState::apply).
    let r = ok("query_vector_tricky_label_values.json");
    assert_eq!(r.series.len(), 4);
    let text = |case: &str| by_label(&r, "case", case).labels["text"].clone();
    assert_eq!(text("escapes"), "quote \" backslash \\ newline \n end");
    assert_eq!(text("html"), "<script>alert(1)</script> & co");
    assert_eq!(text("unicode"), "ünïcödé — 日本語 — 🔥");
    let long = text("long");
    assert_eq!(long.len(), 4096);
    assert!(long.chars().all(|c| c == 'L'));
    assert_eq!(only_value(by_label(&r, "case", "long")), 4.0);
}

#[test]
fn warnings_and_infos_are_kept() {
    let r = ok("constructed_query_with_warnings_and_infos.json");
    assert_eq!(r.series.len(), 1);
    assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
    assert_eq!(r.warnings[0], "results truncated due to limit");
    assert!(
        r.warnings[1].starts_with("PromQL info:"),
        "{:?}",
        r.warnings
    );
}

#[test]
fn native_histograms_do_not_break_a_matrix() {
    // Histogram samples are not float samples: the series arrives without points (no data).
    let r = ok("codec_test_native_histogram_matrix.json");
    assert_eq!((r.result_type, r.series.len()), (ResultType::Matrix, 1));
    assert_eq!(r.series[0].labels["__name__"], "foo");
    assert!(r.series[0].points.is_empty());
}

#[test]
fn codec_scalar_points_read_back_exactly() {
    // Prometheus' own encoder output for scalar points, wrapped in a query envelope.
    let f = fixture("codec_test_scalar_points.jsonl");
    let text = String::from_utf8(f.body).unwrap();
    let mut got = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).unwrap();
        let body = serde_json::json!({
            "status": "success",
            "data": {"resultType": "scalar", "result": v["data"]},
        })
        .to_string();
        let r = parse_response(200, Some("application/json"), body.as_bytes())
            .unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(r.result_type, ResultType::Scalar);
        got.push(r.series[0].points[0]);
    }
    assert_eq!(got.len(), 15);
    assert_eq!(got[0], (0.0, 0.0));
    assert_eq!(got[1], (0.001, 20.0));
    // serde_json (without its `float_roundtrip` feature) may land one ULP off on long
    // timestamps; at this magnitude one ULP is 2 ms, at today's timestamps it is 0.2 µs.
    let (t, v) = got[7];
    assert!((t - 12_345_678_123_456.555).abs() <= 0.002, "{t}");
    assert_eq!(v, 20.0);
    assert_eq!(got[8], (-0.001, 20.0));
    assert!(got[9].1.is_nan());
    assert_eq!(got[10].1, f64::INFINITY);
    assert_eq!(got[11].1, f64::NEG_INFINITY);
    assert_eq!(got[12].1, 1_234_567.8);
    assert_eq!(got[13].1, 0.000_001_234_567_8);
    assert_eq!(got[14].1, 1.2345678e-67);
}

fn api(name: &str) -> (String, String, bool) {
    match err(name) {
        e @ SourceError::Api { .. } => {
            let retry = e.retryable();
            let SourceError::Api {
                error_type,
                message,
            } = e
            else {
                unreachable!()
            };
            (error_type, message, retry)
        }
        other => panic!("{name}: expected SourceError::Api, got {other:?}"),
    }
}

#[test]
fn json_error_envelopes_are_api_errors() {
    for name in [
        "error_400_bad_time.json",
        "error_400_missing_query.json",
        "error_400_parse_error.json",
        "error_400_range_end_before_start.json",
        "error_400_range_too_many_points.json",
        "error_400_range_vector_in_range_query.json",
        "error_400_range_zero_step.json",
    ] {
        let (error_type, message, retry) = api(name);
        assert_eq!(error_type, "bad_data", "{name}");
        assert!(!message.is_empty(), "{name}");
        assert!(!retry, "{name}: a bad query must not be retried");
    }
    let (_, message, _) = api("error_400_parse_error.json");
    assert_eq!(
        message,
        "invalid parameter \"query\": 1:4: parse error: unexpected end of input inside braces"
    );

    for name in [
        "error_422_many_to_many.json",
        "constructed_error_422_too_many_samples.json",
    ] {
        let (error_type, _, retry) = api(name);
        assert_eq!(error_type, "execution", "{name}");
        assert!(!retry, "{name}: 422 must not be retried");
    }
    let (_, message, _) = api("error_422_many_to_many.json");
    assert!(
        message.contains("many-to-many matching not allowed"),
        "{message}"
    );

    let (error_type, message, retry) = api("error_503_timeout.json");
    assert_eq!(error_type, "timeout");
    assert_eq!(message, "query timed out in expression evaluation");
    assert!(retry, "503 timeout must be retried");

    let (error_type, _, retry) = api("constructed_error_499_canceled.json");
    assert_eq!(error_type, "canceled");
    assert!(retry, "499 canceled must be retried");
}

#[test]
fn plain_text_errors_are_http_errors() {
    let cases = [
        (
            "error_404_unknown_endpoint.txt",
            404,
            "404 page not found",
            false,
        ),
        (
            "error_405_method_not_allowed.txt",
            405,
            "Method Not Allowed",
            false,
        ),
        (
            "constructed_error_503_not_ready.txt",
            503,
            "Service Unavailable",
            true,
        ),
    ];
    for (name, want_status, want_message, want_retry) in cases {
        let e = err(name);
        assert_eq!(e.retryable(), want_retry, "{name}: {e:?}");
        match e {
            SourceError::Http { status, message } => {
                assert_eq!(status, want_status, "{name}");
                assert_eq!(message, want_message, "{name}");
            }
            other => panic!("{name}: expected SourceError::Http, got {other:?}"),
        }
    }
}

#[test]
fn answers_of_other_endpoints_are_not_mistaken_for_queries() {
    // Not query answers: they may be refused, but never parse as a result with series.
    for f in fixtures() {
        if f.is_query_answer() || f.status >= 400 || f.request.is_none() {
            continue;
        }
        if let Ok(r) = f.parse() {
            assert!(r.series.is_empty(), "{}: {r:?}", f.name);
        }
    }
}

//! Every Loki fixture in `tests/fixtures/loki/` goes through `parse_query_range` or
//! `parse_tail_frame` with the outcome its name promises; `level_of` on the edge-case lines.

#![allow(clippy::unwrap_used)]

use oncall::sources::SourceError;
use oncall::sources::loki::{
    Labels, Level, LogEntry, level_of, parse_query_range, parse_tail_frame,
};
use std::path::Path;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/loki");

fn read(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(DIR).join(name)).unwrap()
}

fn streams(name: &str) -> Vec<LogEntry> {
    parse_query_range(200, Some("application/json; charset=UTF-8"), &read(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_file_has_the_outcome_its_name_promises() {
    let names = names();
    assert_eq!(names.len(), 29);
    for name in &names {
        let body = read(name);
        let json = Some("application/json; charset=UTF-8");
        if let Some(rest) = name.strip_prefix("error_") {
            let status: u16 = rest[..3].parse().unwrap();
            let text = String::from_utf8(body.clone()).unwrap();
            let expected: String = if text.trim().chars().count() > 200 {
                text.trim().chars().take(200).chain(['…']).collect()
            } else {
                text.trim().to_string()
            };
            let got = parse_query_range(status, Some("text/plain; charset=utf-8"), &body);
            assert_eq!(
                got,
                Err(SourceError::Http {
                    status,
                    message: expected
                }),
                "{name}"
            );
        } else if name.starts_with("query_range_streams_") {
            assert!(parse_query_range(200, json, &body).is_ok(), "{name}");
        } else if name.contains("matrix") || name.contains("vector") || name.contains("scalar") {
            match parse_query_range(200, json, &body) {
                Err(SourceError::Decode(m)) => assert!(
                    m.ends_with("is a metric query; a logs panel needs a log query"),
                    "{name}: {m}"
                ),
                other => panic!("{name}: {other:?}"),
            }
        } else if name.starts_with("tail_frame") {
            let text = String::from_utf8(body).unwrap();
            for frame in text.lines() {
                assert!(parse_tail_frame(frame).is_ok(), "{name}");
            }
        } else {
            // labels.json, label_values.json, series.json: not a query answer.
            let got = parse_query_range(200, json, &body);
            assert!(
                matches!(got, Err(SourceError::Decode(_))),
                "{name}: {got:?}"
            );
            assert!(
                parse_tail_frame(&String::from_utf8_lossy(&body)).is_ok(),
                "{name}"
            );
        }
    }
}

#[test]
fn docs_example_and_empty() {
    let got = streams("query_range_streams_docs_example.json");
    assert_eq!(got.len(), 2);
    assert_eq!(
        (got[0].ts_ns, got[0].line.as_str()),
        (1_569_266_497_240_578_000, "foo")
    );
    assert_eq!(
        (got[1].ts_ns, got[1].line.as_str()),
        (1_569_266_492_548_155_000, "bar")
    );
    assert_eq!(got[0].labels["filename"], "/var/log/myproject.log");
    assert_eq!(got[0].labels["job"], "varlogs");
    assert_eq!(level_of(&got[0].labels, &got[0].line), Level::Info);
    assert!(streams("query_range_streams_empty.json").is_empty());
}

#[test]
fn edge_cases_keep_exact_timestamps_and_raw_lines() {
    let got = streams("query_range_streams_edge_cases.json");
    assert_eq!(got.len(), 14);
    assert_eq!(got[0].ts_ns, 1_795_800_000_999_999_999);
    assert_eq!(got[11].ts_ns, 1_795_800_000_999_999_988);
    assert_eq!(got[12].ts_ns, 1_795_800_000_000_000_001);
    assert_eq!(got[13].ts_ns, 1);
    assert_eq!(
        got[0].line,
        "\u{1b}[31mERROR\u{1b}[0m \u{1b}[1;33mdisk\u{1b}[0m almost full (97%)"
    );
    assert!(got[1].line.contains("\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}"));
    assert!(got[2].line.contains("NUL[\u{0}]") && got[2].line.contains("C1-CSI[\u{9b}]"));
    assert_eq!(got[3].line, "progress 10%\rprogress 100%\r\n");
    assert!(
        got[5]
            .line
            .starts_with("invalid utf-8: [\u{fffd}] [\u{fffd}\u{fffd}]")
    );
    assert!(got[6].line.contains("[\u{2028}]") && got[6].line.contains("\u{202e}evil"));
    assert_eq!(
        got[8].line,
        r#"{"level":"warn","msg":"<b>html</b> & \"quoted\"","path":"C:\\temp"}"#
    );
    assert_eq!(got[9].line, "");
    assert_eq!(got[10].line, "   \t   ");
    assert_eq!(got[11].line.len(), "very long line: ".len() + 131_072);
    assert_eq!(got[0].labels["pod"], "edge-7d9f-ünï");
    assert_eq!(got[12].labels["level"], "debug");
}

#[test]
fn levels_of_the_edge_case_lines() {
    let got = streams("query_range_streams_edge_cases.json");
    let levels: Vec<Level> = got.iter().map(|e| level_of(&e.labels, &e.line)).collect();
    let mut expected = vec![Level::Error];
    expected.extend([Level::Unknown; 7]);
    expected.push(Level::Warn);
    expected.extend([Level::Unknown; 3]);
    expected.extend([Level::Debug; 2]);
    assert_eq!(levels, expected);
}

#[test]
fn categorize_labels_puts_metadata_into_labels() {
    let got = streams("query_range_streams_categorize_labels.json");
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].ts_ns, 123_456_789_012_345);
    assert_eq!(
        *got[0].labels,
        Labels::from([("test".into(), "test".into())])
    );
    assert_eq!(got[1].labels["foo"], "a");
    assert_eq!(got[1].labels["bar"], "b");
    assert_eq!(got[2].labels["msg"], "text");
    assert_eq!(got[2].line, "super line with labels msg=text");
}

#[test]
fn tail_frames_one_by_one_and_as_jsonl() {
    let (e, dropped) =
        parse_tail_frame(&String::from_utf8(read("tail_frame_1.json")).unwrap()).unwrap();
    assert_eq!(dropped, 0);
    assert_eq!(e.len(), 2);
    assert_eq!(e[1].ts_ns, 1_795_800_001_000_000_001);
    assert_eq!(e[1].line, "\u{1b}[32mINFO\u{1b}[0m tail line 2 <ok>");
    assert_eq!(level_of(&e[1].labels, &e[1].line), Level::Info);
    let (e, dropped) =
        parse_tail_frame(&String::from_utf8(read("tail_frame_2.json")).unwrap()).unwrap();
    assert_eq!((e.len(), dropped), (1, 1));
    assert_eq!(e[0].line, "after drops");
    let (e, dropped) = parse_tail_frame("{\"streams\":[]}").unwrap();
    assert_eq!((e.len(), dropped), (0, 0));
    let (e, _) = parse_tail_frame(&String::from_utf8(read("tail_frame_4.json")).unwrap()).unwrap();
    assert_eq!(e[0].labels["test"], "test");
    let all = String::from_utf8(read("tail_frames.jsonl")).unwrap();
    let counts: Vec<(usize, u64)> = all
        .lines()
        .map(|l| parse_tail_frame(l).map(|(e, d)| (e.len(), d)).unwrap())
        .collect();
    assert_eq!(counts, [(2, 0), (1, 1), (0, 0), (1, 0)]);
    assert!(matches!(
        parse_tail_frame("not json"),
        Err(SourceError::Decode(_))
    ));
}

#[test]
fn levels_from_logfmt_json_and_leading_tokens() {
    let none = Labels::new();
    for (line, level) in [
        ("level=error msg=\"payment provider timeout\"", Level::Error),
        ("ts=2026-11-27T12:00:00Z level=warn msg=slow", Level::Warn),
        (
            "{\"level\":\"info\",\"msg\":\"charge captured\"}",
            Level::Info,
        ),
        ("{\"ts\":1, \"level\": \"debug\"}", Level::Debug),
        ("WARNING: disk 91%", Level::Warn),
        ("FATAL could not bind :8080", Level::Error),
        ("critical: raid degraded", Level::Error),
        ("err: no route", Level::Error),
        ("TRACE entering handler", Level::Debug),
        ("INFO started", Level::Info),
        ("just text", Level::Unknown),
    ] {
        assert_eq!(level_of(&none, line), level, "{line}");
    }
}

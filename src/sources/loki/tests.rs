use super::*;

fn entry(ts_ns: i128, line: &str, pod: &str) -> LogEntry {
    let mut labels = Labels::new();
    labels.insert("pod".into(), pod.into());
    LogEntry {
        ts_ns,
        line: line.into(),
        labels: std::sync::Arc::new(labels),
    }
}

fn lines(entries: &[LogEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.line.as_str()).collect()
}

#[test]
fn cursor_starts_from_lookback_then_from_last_seen() {
    let mut c = Cursor::default();
    assert_eq!(c.next_start(1_000, 300), 700);
    c.accept(vec![entry(900, "a", "p")]);
    assert_eq!(c.next_start(5_000, 300), 900);
    assert_eq!(c.last_ns(), Some(900));
}

#[test]
fn cursor_sorts_and_drops_duplicates_at_the_boundary() {
    let mut c = Cursor::default();
    let first = c.accept(vec![
        entry(20, "b", "p"),
        entry(10, "a", "p"),
        entry(20, "c", "p"),
    ]);
    assert_eq!(lines(&first), ["a", "b", "c"]);
    // The next poll starts at 20 inclusive: b and c come again, d arrived at the same ns.
    let second = c.accept(vec![
        entry(20, "b", "p"),
        entry(20, "c", "p"),
        entry(20, "d", "p"),
        entry(30, "e", "p"),
    ]);
    assert_eq!(lines(&second), ["d", "e"]);
    // Same line and timestamp in another stream is another entry; older entries are gone.
    let third = c.accept(vec![
        entry(30, "e", "q"),
        entry(30, "e", "p"),
        entry(5, "old", "p"),
    ]);
    assert_eq!(lines(&third), ["e"]);
    assert_eq!(third[0].labels["pod"], "q");
    assert!(c.accept(Vec::new()).is_empty());
    // An entry repeated within one answer counts once.
    let fourth = c.accept(vec![
        entry(40, "f", "p"),
        entry(40, "f", "p"),
        entry(35, "g", "p"),
        entry(35, "g", "p"),
    ]);
    assert_eq!(lines(&fourth), ["g", "f"]);
    assert!(c.accept(vec![entry(40, "f", "p")]).is_empty());
}

#[test]
fn cursor_keeps_arrival_order_within_one_timestamp() {
    let mut c = Cursor::default();
    let got = c.accept(vec![
        entry(7, "x1", "p"),
        entry(7, "x2", "p"),
        entry(7, "x3", "p"),
    ]);
    assert_eq!(lines(&got), ["x1", "x2", "x3"]);
    let again = c.accept(vec![entry(7, "x3", "p"), entry(7, "x4", "p")]);
    assert_eq!(lines(&again), ["x4"]);
}

fn level(line: &str) -> Level {
    level_of(&Labels::new(), line)
}

#[test]
fn level_from_labels_first() {
    let mut labels = Labels::new();
    labels.insert("level".into(), "WARNING".into());
    assert_eq!(level_of(&labels, "level=error boom"), Level::Warn);
    let mut labels = Labels::new();
    labels.insert("detected_level".into(), "unknown".into());
    assert_eq!(level_of(&labels, "ERROR boom"), Level::Error);
    labels.insert("detected_level".into(), "trace".into());
    assert_eq!(level_of(&labels, "ERROR boom"), Level::Debug);
}

#[test]
fn level_from_logfmt_and_json() {
    assert_eq!(level("level=info method=GET status=200"), Level::Info);
    assert_eq!(level("ts=1 level=\"warn\" msg=slow"), Level::Warn);
    assert_eq!(level("t=1 lvl=eror msg=x"), Level::Error);
    assert_eq!(level("t=1 lvl=bogus msg=x"), Level::Unknown);
    assert_eq!(level("t=1 lvl=err msg=x"), Level::Error);
    assert_eq!(level("msg=x mylevel=error"), Level::Unknown);
    assert_eq!(
        level(r#"{"msg":"ERROR in text","level":"info"}"#),
        Level::Info
    );
    assert_eq!(level(r#"{"level" : "Fatal","msg":"x"}"#), Level::Error);
    assert_eq!(level(r#"{"severity":"DEBUG"}"#), Level::Debug);
}

#[test]
fn level_from_leading_token() {
    assert_eq!(level("ERROR something broke"), Level::Error);
    assert_eq!(level("warning: disk"), Level::Warn);
    assert_eq!(level("[INFO] started"), Level::Info);
    assert_eq!(level("CRITICAL failure"), Level::Error);
    assert_eq!(level("fatal: x"), Level::Error);
    assert_eq!(level("Trace msg"), Level::Debug);
    assert_eq!(level("2026-01-02 10:00:00,123 WARN pool low"), Level::Warn);
    assert_eq!(level("\u{1b}[31mERROR\u{1b}[0m disk full"), Level::Error);
    assert_eq!(level("the ERROR is later"), Level::Unknown);
    assert_eq!(level(""), Level::Unknown);
    assert_eq!(level("   \t  "), Level::Unknown);
    assert_eq!(level("é\u{202e}evil"), Level::Unknown);
    assert!(Level::Error < Level::Warn && Level::Debug < Level::Unknown);
    assert_eq!(Level::Warn.name(), "warn");
}

#[test]
fn answer_cap_and_bad_timestamps() {
    let body = br#"{"status":"success","data":{"resultType":"streams","result":[
        {"stream":{"a":"b"},"values":[["1","x"],["2","y"]]},
        {"stream":{"a":"c"},"values":[["3","z"]]}]}}"#;
    assert_eq!(parse_answer(200, None, body, 3).map(|e| e.len()), Ok(3));
    let e = parse_answer(200, None, body, 2);
    assert!(matches!(e, Err(SourceError::Decode(ref m)) if m.contains("more than 2")));
    let bad = br#"{"status":"success","data":{"resultType":"streams","result":[{"stream":{},"values":[[1.5e18,"x"]]}]}}"#;
    assert!(matches!(
        parse_query_range(200, None, bad),
        Err(SourceError::Decode(_))
    ));
    let bad = br#"{"status":"success","data":{"resultType":"streams","result":[{"stream":{},"values":[["12a","x"]]}]}}"#;
    assert!(matches!(
        parse_query_range(200, None, bad),
        Err(SourceError::Decode(_))
    ));
    let text = parse_query_range(200, Some("text/plain"), b"ready\n");
    assert!(matches!(text, Err(SourceError::Decode(_))));
    assert_eq!(entry_cap(100), 174);
}

#[test]
fn invalid_utf8_in_labels_is_replaced_not_fatal() {
    let mut body =
        br#"{"status":"success","data":{"resultType":"streams","result":[{"stream":{"pod":"x"#
            .to_vec();
    body.push(0xff);
    body.extend_from_slice(br#""},"values":[["1","line"]]}]}}"#);
    let got = parse_query_range(200, None, &body).unwrap_or_default();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].labels["pod"], "x\u{fffd}");
}

//! Every Alertmanager fixture in `tests/fixtures/alertmanager/` goes through the parsers of
//! `oncall::sources::alertmanager` with the HTTP status and Content-Type it was served with (from
//! `_index.json`, captured from a real Alertmanager 0.25).
//!
//! The list of files comes from the directory: a new fixture is covered as soon as it is added. No
//! parser may panic on any file; answers parse, error bodies become `SourceError::Http` with the
//! message Alertmanager sent.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use oncall::sources::SourceError;
use oncall::sources::alertmanager::{
    AmAlert, Matcher, check_status, dedupe, identifying_matchers, matches, parse_alerts,
    parse_silence, parse_silence_id, parse_silences,
};
use oncall::sources::prometheus;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/alertmanager");

/// One body file and how the server sent it (`request` is `None` for request bodies).
#[derive(Debug)]
struct Fixture {
    name: String,
    status: u16,
    content_type: Option<String>,
    request: Option<String>,
    body: Vec<u8>,
}

impl Fixture {
    fn ct(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// `GET /api/v2/alerts?x` → `("GET", "/api/v2/alerts")`.
    fn endpoint(&self) -> (&str, &str) {
        let r = self.request.as_deref().unwrap_or("");
        let mut parts = r.split_whitespace();
        let method = parts.next().unwrap_or("");
        let path = parts.next().unwrap_or("").split('?').next().unwrap_or("");
        (method, path)
    }
}

fn fixtures() -> Vec<Fixture> {
    let dir = Path::new(DIR);
    assert!(
        dir.is_dir(),
        "fixture directory {} is missing: copy it from /work/shared/fixtures/alertmanager",
        dir.display()
    );
    let index: Value = serde_json::from_slice(&std::fs::read(dir.join("_index.json")).unwrap())
        .expect("_index.json");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with('_') {
            continue;
        }
        let body = std::fs::read(dir.join(&name)).unwrap();
        let meta = &index[&name];
        let fixture = if name.starts_with("request_") {
            let ct = Some("application/json".to_owned());
            Fixture {
                name,
                status: 200,
                content_type: ct,
                request: None,
                body,
            }
        } else {
            assert!(meta.is_object(), "{name} is not in _index.json");
            Fixture {
                status: u16::try_from(meta["status"].as_u64().expect("status")).unwrap(),
                content_type: meta["content_type"].as_str().map(str::to_owned),
                request: meta["request"].as_str().map(str::to_owned),
                name,
                body,
            }
        };
        out.push(fixture);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(out.len() >= 30, "only {} fixtures", out.len());
    out
}

fn fixture(name: &str) -> Fixture {
    fixtures().into_iter().find(|f| f.name == name).unwrap()
}

fn alerts(name: &str) -> Vec<AmAlert> {
    let f = fixture(name);
    parse_alerts(f.status, f.ct(), &f.body).unwrap()
}

/// The message an error body carries, as Alertmanager wrote it.
fn expected_message(f: &Fixture) -> String {
    match serde_json::from_slice::<Value>(&f.body) {
        Ok(Value::String(s)) => s,
        Ok(v) => v["message"].as_str().unwrap().to_owned(),
        Err(_) => {
            assert!(f.body.is_empty(), "{}", f.name);
            "Not Found".to_owned()
        }
    }
}

#[test]
fn no_parser_panics_on_any_file() {
    for f in fixtures() {
        let (s, ct, b) = (f.status, f.ct(), f.body.as_slice());
        let results = [
            parse_alerts(s, ct, b).err(),
            parse_silences(s, ct, b).err(),
            parse_silence(s, ct, b).err(),
            parse_silence_id(s, ct, b).err(),
            prometheus::parse_alerts(s, ct, b).err(),
        ];
        let is_json = serde_json::from_slice::<Value>(b).is_ok();
        for err in results.into_iter().flatten() {
            match err {
                SourceError::Decode(_) => assert!(is_json, "{}", f.name),
                SourceError::Http { status, .. } => assert_eq!(status, s, "{}", f.name),
                SourceError::Api { .. } => assert!(is_json, "{}", f.name),
                other => panic!("{}: {other:?}", f.name),
            }
        }
        // The same bytes under other statuses and no Content-Type must not panic either.
        for status in [200, 404, 500] {
            let _ = parse_alerts(status, None, b);
            let _ = parse_silences(status, Some("text/plain"), b);
            let _ = check_status(status, None, b);
        }
    }
}

#[test]
fn every_answer_parses_with_the_parser_of_its_endpoint() {
    let mut seen = 0;
    for f in fixtures().iter().filter(|f| (200..300).contains(&f.status)) {
        let (s, ct, b) = (f.status, f.ct(), f.body.as_slice());
        let ok = match f.endpoint() {
            ("GET", "/api/v2/alerts") => parse_alerts(s, ct, b).is_ok(),
            ("GET", "/api/v2/silences") => parse_silences(s, ct, b).is_ok(),
            ("GET", p) if p.starts_with("/api/v2/silence/") => parse_silence(s, ct, b).is_ok(),
            ("POST", "/api/v2/silences") => parse_silence_id(s, ct, b).is_ok(),
            ("DELETE", _) | ("POST", "/api/v2/alerts") => check_status(s, ct, b).is_ok(),
            _ => continue,
        };
        assert!(ok, "{} did not parse", f.name);
        seen += 1;
    }
    assert_eq!(seen, 11);
}

#[test]
fn not_an_alert_list_is_a_decode_error() {
    for name in [
        "alerts_groups.json",
        "legacy_api_v1_alerts_0.25.json",
        "status.json",
    ] {
        let f = fixture(name);
        let r = parse_alerts(f.status, f.ct(), &f.body);
        assert!(matches!(r, Err(SourceError::Decode(_))), "{name}: {r:?}");
    }
    let f = fixture("silence_by_id.json");
    assert!(matches!(
        parse_silences(f.status, f.ct(), &f.body),
        Err(SourceError::Decode(_))
    ));
}

#[test]
fn every_error_body_becomes_http_with_its_message() {
    let errors: Vec<Fixture> = fixtures()
        .into_iter()
        .filter(|f| f.name.starts_with("error_"))
        .collect();
    assert_eq!(errors.len(), 10);
    for f in errors {
        assert!(!(200..300).contains(&f.status), "{}", f.name);
        let expected = Err(SourceError::Http {
            status: f.status,
            message: expected_message(&f),
        });
        let (s, ct, b) = (f.status, f.ct(), f.body.as_slice());
        assert_eq!(parse_alerts(s, ct, b).map(|_| ()), expected, "{}", f.name);
        assert_eq!(parse_silences(s, ct, b).map(|_| ()), expected, "{}", f.name);
        assert_eq!(
            parse_silence_id(s, ct, b).map(|_| ()),
            expected,
            "{}",
            f.name
        );
        assert_eq!(check_status(s, ct, b), expected, "{}", f.name);
    }
    let f = fixture("error_422_post_silence_no_matchers.json");
    assert_eq!(
        parse_silence_id(f.status, f.ct(), &f.body),
        Err(SourceError::Http {
            status: 422,
            message: "matchers in body should have at least 1 items".into()
        })
    );
    let f = fixture("error_500_delete_unknown_silence.json");
    let e = check_status(f.status, f.ct(), &f.body).unwrap_err();
    assert_eq!(e.to_string(), "HTTP 500: silence not found");
    let f = fixture("error_400_alerts_bad_filter.json");
    let e = parse_alerts(f.status, f.ct(), &f.body).unwrap_err();
    assert_eq!(
        e.to_string(),
        "HTTP 400: error parsing regexp: missing closing ): `^(?:(unclosed)$`"
    );
}

#[test]
fn alerts_json_values() {
    let all = alerts("alerts.json");
    assert_eq!(all.len(), 8);
    let by_name = |n: &str| all.iter().find(|a| a.labels["alertname"] == n).unwrap();

    let manual = by_name("ManualUnicode");
    assert_eq!(manual.labels["service"], "支払い-api");
    assert_eq!(manual.fingerprint, "1ee637234ea5ae68");
    assert_eq!(
        manual.annotations["summary"],
        "ünïcödé 🔥 \u{1b}[31mred ANSI\u{1b}[0m"
    );
    assert!(manual.annotations["description"].contains("line1\nline2\ttab \"quote\" <b>&</b>"));
    assert_eq!(manual.generator_url, None);
    assert_eq!(manual.receivers, ["team-pager", "team-chat"]);
    assert_eq!(
        (manual.state.as_str(), manual.silenced_by.len()),
        ("active", 0)
    );

    let huge = by_name("HugeLabelSet");
    assert_eq!(huge.labels.len(), 62);
    assert_eq!(huge.labels["label_00"], "value-00-xxxxxxxxxxxxxxxxxxxx");
    assert_eq!(huge.inhibited_by, ["e3de197ec0ba209b"]);
    assert_eq!(huge.state, "suppressed");

    let silenced = all
        .iter()
        .find(|a| a.fingerprint == "0e4e9555e9624ae4")
        .unwrap();
    assert_eq!(silenced.state, "suppressed");
    assert_eq!(
        silenced.silenced_by,
        ["7e036adb-58b6-44d3-b363-d63c381fce0d"]
    );
    assert_eq!(
        silenced.generator_url.as_deref(),
        Some("http://example-prometheus:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1")
    );
    assert_eq!(silenced.starts_at, ts("2026-11-27T19:49:22.456Z"));
    assert_eq!(silenced.ends_at, Some(ts("2026-11-27T19:54:23.456Z")));
    assert_eq!(silenced.updated_at, Some(ts("2026-11-27T19:50:23.459Z")));

    let active = alerts("alerts_active_only.json");
    assert_eq!(active.len(), 5);
    assert!(
        active
            .iter()
            .all(|a| a.state == "active" && a.silenced_by.is_empty())
    );
    assert_eq!(alerts("alerts_filter_alertname.json").len(), 2);
    assert!(alerts("alerts_filter_no_match.json").is_empty());
}

fn ts(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[test]
fn timestamps_with_0_3_and_9_fractional_digits() {
    let f = fixture("alerts_filter_alertname.json");
    let body = String::from_utf8(f.body.clone()).unwrap();
    let cases = [
        ("2026-11-27T19:49:22Z", 0),
        ("2026-11-27T19:49:22.456Z", 456_000_000),
        ("2026-11-27T19:49:22.456891295Z", 456_891_295),
        ("2026-11-27T20:49:22.456891295+01:00", 456_891_295),
    ];
    for (text, nanos) in cases {
        let edited = body.replace("2026-11-27T19:49:22.456Z", text);
        let parsed = parse_alerts(200, f.ct(), edited.as_bytes()).unwrap();
        let start = parsed[0].starts_at;
        assert_eq!(
            start.timestamp(),
            ts("2026-11-27T19:49:22Z").timestamp(),
            "{text}"
        );
        assert_eq!(start.timestamp_subsec_nanos(), nanos, "{text}");
    }
}

#[test]
fn silences_and_ids() {
    let f = fixture("silences.json");
    let all = parse_silences(f.status, f.ct(), &f.body).unwrap();
    let states: Vec<&str> = all.iter().map(|s| s.state.as_str()).collect();
    assert_eq!(states, ["active", "pending", "expired"]);
    let active = &all[0];
    assert_eq!(active.created_by, "poller-research");
    assert!(active.comment.ends_with("ünïcödé ✓"));
    assert_eq!(active.ends_at, ts("2026-11-27T21:50:21Z"));
    let pending = &all[1].matchers;
    assert!(pending[0].is_regex && pending[0].is_equal);
    assert!(!pending[1].is_regex && !pending[1].is_equal);

    let f = fixture("silence_by_id.json");
    let one = parse_silence(f.status, f.ct(), &f.body).unwrap();
    assert_eq!(&one, active);

    for (name, id) in [
        (
            "post_silence_active_response.json",
            "7e036adb-58b6-44d3-b363-d63c381fce0d",
        ),
        (
            "post_silence_pending_response.json",
            "e9b80c7e-8540-477d-a179-156947d05404",
        ),
        (
            "post_silence_to_expire_response.json",
            "a7d50243-b34b-43fc-9aa5-6e53f477d7d1",
        ),
    ] {
        let f = fixture(name);
        assert_eq!(parse_silence_id(f.status, f.ct(), &f.body).unwrap(), id);
    }
}

#[test]
fn request_matchers_default_is_equal_to_true() {
    let f = fixture("request_post_silence_to_expire.json");
    let v: Value = serde_json::from_slice(&f.body).unwrap();
    let m: Vec<Matcher> = serde_json::from_value(v["matchers"].clone()).unwrap();
    assert!(m[0].is_equal && !m[0].is_regex);
}

#[test]
fn the_active_silence_matches_the_alert_it_silences() {
    let f = fixture("silences.json");
    let silences = parse_silences(f.status, f.ct(), &f.body).unwrap();
    let all = alerts("alerts.json");
    for alert in &all {
        let hit = matches(&silences[0].matchers, &alert.labels);
        assert_eq!(
            hit,
            alert.silenced_by.contains(&silences[0].id),
            "{alert:?}"
        );
        assert!(matches(&identifying_matchers(&alert.labels), &alert.labels));
    }
    let other = &all[1].labels;
    assert!(!matches(&identifying_matchers(&all[0].labels), other));
}

#[test]
fn matcher_semantics_and_their_limit() {
    let l: BTreeMap<String, String> = [("alertname", "X"), ("severity", "info"), ("team", "ops")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let m = |name: &str, value: &str, is_regex, is_equal| Matcher {
        name: name.into(),
        value: value.into(),
        is_regex,
        is_equal,
    };
    assert!(matches(&[m("severity", "info|debug", true, true)], &l));
    assert!(matches(&[m("team", "platform", false, false)], &l));
    assert!(!matches(&[m("team", "ops", false, false)], &l));
    assert!(matches(&[m("missing", "", false, true)], &l));
    assert!(matches(&[m("team", ".+", true, true)], &l));
    assert!(matches(&[m("anything", ".*", true, true)], &l));
    assert!(!matches(&[m("missing", ".+", true, true)], &l));
    // No regex engine: a real pattern is only compared literally.
    assert!(!matches(&[m("team", "o.s", true, true)], &l));
}

#[test]
fn dedupe_keeps_the_most_recently_updated() {
    let mut all = alerts("alerts.json");
    let mut newer = all[3].clone();
    newer.updated_at = newer.updated_at.map(|t| t + chrono::TimeDelta::seconds(5));
    newer.annotations.insert("from".into(), "peer".into());
    let older = all[2].clone();
    all.push(newer.clone());
    all.insert(0, older);
    let out = dedupe(all);
    assert_eq!(out.len(), 8);
    assert_eq!(out[0].fingerprint, "22032ddddbd8703b");
    assert!(out.contains(&newer));
}

#[test]
fn prometheus_alerts_json() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/prometheus/alerts.json"
    );
    let body = std::fs::read(path).unwrap();
    let all = prometheus::parse_alerts(200, Some("application/json"), &body).unwrap();
    assert_eq!(all.len(), 7);
    assert_eq!(all[0].labels["alertname"], "AlwaysFiring");
    assert_eq!(
        all[0].annotations["summary"],
        "Always firing test alert — ünïcödé ✓"
    );
    assert_eq!((all[0].state.as_str(), all[0].value), ("firing", 1.0));
    let active_at = all[0].active_at.unwrap();
    assert_eq!(active_at.timestamp_subsec_nanos(), 456_891_295);
    assert_eq!(all[2].value, 0.0);
    assert_eq!(all[4].state, "pending");
    let nan = all
        .iter()
        .find(|a| a.labels["alertname"] == "NaNValue")
        .unwrap();
    assert!(nan.value.is_nan());
    let e = prometheus::parse_alerts(503, Some("text/plain"), b"Service Unavailable");
    assert!(matches!(e, Err(SourceError::Http { status: 503, .. })));
}

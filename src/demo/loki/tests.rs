use super::*;
use crate::config::{SourceConfig, SourceKind};
use crate::sources::SourceError;
use crate::sources::loki::Labels;
use crate::sources::loki::{Level, Loki, level_of};

const EPOCH: f64 = 1_795_808_000.0;
const CYCLE: i64 = 360;

fn sim() -> Sim {
    Sim::new(EPOCH)
}

/// Lines of the cycle offsets `from..to` (seconds), in a few cycles around the epoch.
fn lines(from: i64, to: i64) -> Vec<DemoLog> {
    let mut out = Vec::new();
    for cycle in [-2, 0, 3] {
        for off in from..to {
            out.extend(second(&sim(), EPOCH as i64 + cycle * CYCLE + off));
        }
    }
    out
}

fn count(lines: &[DemoLog], level: &str) -> usize {
    lines.iter().filter(|l| l.level == level).count()
}

#[test]
fn same_second_same_lines_and_other_sims_differ() {
    for sec in [EPOCH as i64 - 999, EPOCH as i64, EPOCH as i64 + 217] {
        assert_eq!(second(&sim(), sec), second(&Sim::new(EPOCH), sec));
    }
    let other = Sim::new(EPOCH + 1.0);
    assert_ne!(
        second(&sim(), EPOCH as i64 + 5),
        second(&other, EPOCH as i64 + 5)
    );
}

#[test]
fn lines_stay_inside_their_second_and_are_bounded() {
    for off in 0..CYCLE {
        let sec = EPOCH as i64 + off;
        let got = second(&sim(), sec);
        assert!((2..=20).contains(&got.len()), "{off}: {}", got.len());
        let ns = i128::from(sec) * NS;
        assert!(got.iter().all(|l| (ns..ns + NS).contains(&l.ts_ns)));
        assert!(got.windows(2).all(|w| w[0].ts_ns <= w[1].ts_ns));
    }
    let normal = lines(0, 40);
    assert!(normal.len() <= 40 * 3 * 6, "{}", normal.len());
}

#[test]
fn phases_produce_the_right_levels() {
    let normal = lines(0, 40);
    assert_eq!(count(&normal, "warn"), 3, "only the hostile line");
    assert!(count(&normal, "error") <= 3);
    let slow = lines(60, 95);
    assert!(count(&slow, "warn") > 100);
    assert!(slow.iter().any(|l| l.line.contains("slow request")));
    let errors = lines(165, 195);
    assert!(count(&errors, "error") > 150);
    assert!(
        errors
            .iter()
            .any(|l| l.line.contains("payment provider timeout"))
    );
    let outage = lines(215, 245);
    assert!(
        outage
            .iter()
            .any(|l| l.line.contains("connection refused to db-1:5432"))
    );
    assert!(
        lines(210, 212)
            .iter()
            .any(|l| l.line.starts_with("panic: "))
    );
    let db = lines(292, 328);
    assert!(db.iter().filter(|l| l.component == "db").count() > 100);
    assert!(normal.len() < errors.len() && normal.len() < outage.len());
    for l in lines(0, CYCLE) {
        let labels: Labels = stream_labels(&l)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            level_of(&Labels::new(), &l.line).name(),
            l.level,
            "{}",
            l.line
        );
        assert_eq!(level_of(&labels, &l.line).name(), l.level);
    }
}

#[test]
fn escape_sequences_within_every_minute() {
    for start in [EPOCH as i64, EPOCH as i64 + 1234] {
        let minute: Vec<DemoLog> = (start..start + 60)
            .flat_map(|s| second(&sim(), s))
            .collect();
        assert!(minute.iter().any(|l| l.line.contains("\u{1b}[32m")));
        let hostile: Vec<&DemoLog> = minute
            .iter()
            .filter(|l| l.line.contains("\u{1b}]52;c;"))
            .collect();
        assert_eq!(hostile.len(), 1);
        assert!(hostile[0].line.contains("\u{1b}]0;"));
        let shown = crate::sanitize::line(&hostile[0].line);
        assert!(
            !shown.contains('\u{1b}') && !shown.contains("52;c"),
            "{shown}"
        );
    }
}

fn p(start_ns: i128, end_ns: i128, limit: u32, forward: bool) -> Params {
    Params {
        start_ns,
        end_ns,
        limit,
        forward,
    }
}

fn all() -> LogQuery {
    match logql::parse(r#"{app="checkout"}"#) {
        Ok(Parsed::Logs(q)) => q,
        _ => panic!("selector"),
    }
}

#[test]
fn select_honours_range_limit_and_direction() {
    let base = i128::from(EPOCH as i64) * NS;
    let fwd = select(&sim(), &all(), &p(base, base + 10 * NS, 5000, true));
    let expected: Vec<DemoLog> = (0..10)
        .flat_map(|k| second(&sim(), EPOCH as i64 + k))
        .collect();
    assert_eq!(fwd, expected);
    let back = select(&sim(), &all(), &p(base, base + 10 * NS, 7, false));
    let newest: Vec<DemoLog> = expected.iter().rev().take(7).cloned().collect();
    assert_eq!(back, newest);
    let cut = fwd[3].ts_ns;
    let from = select(&sim(), &all(), &p(cut, fwd[9].ts_ns, 5000, true));
    assert_eq!(from, fwd[3..9].to_vec(), "start inclusive, end exclusive");
}

#[test]
fn query_parameters_like_loki() {
    let q = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let now = 1_795_808_000_123_456_789;
    let d = params(&q(&[]), now).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (d.start_ns, d.end_ns, d.limit, d.forward),
        (now - 3600 * NS, now, 100, false)
    );
    assert_eq!(parse_ts("1795808000"), Some(1_795_808_000 * NS));
    assert_eq!(parse_ts("1795808000.5"), Some(1_795_808_000_500_000_000));
    assert_eq!(
        parse_ts("1795808000000000001"),
        Some(1_795_808_000_000_000_001)
    );
    assert!(parse_ts("2026-11-27T12:00:00.5Z").is_some());
    let e = params(&q(&[("limit", "10000")]), now).err();
    assert_eq!(
        e.as_deref(),
        Some(
            "max entries limit per query exceeded, limit > max_entries_limit_per_query (10000 > 5000)"
        )
    );
    assert!(params(&q(&[("direction", "sideways")]), now).is_err());
    assert!(params(&q(&[("start", "5"), ("end", "5")]), now).is_err());
}

#[tokio::test]
async fn round_trip_through_the_loki_client() {
    let stack = DemoStack::start(([127, 0, 0, 1], 0).into())
        .await
        .expect("start");
    let cfg = SourceConfig::new(SourceKind::Loki, &stack.loki_url());
    let loki = Loki::new(&cfg).expect("client");
    loki.probe().await.expect("ready");
    let now = i128::from(now_ms()) * 1_000_000;
    let q = r#"{app="checkout", env="prod"}"#;
    let got = loki
        .query_range(q, now - 30 * NS, now, 1000, true)
        .await
        .expect("query");
    assert!(got.len() >= 30, "{}", got.len());
    assert!(got.windows(2).all(|w| w[0].ts_ns <= w[1].ts_ns));
    assert!(
        got.iter()
            .all(|e| e.labels["app"] == "checkout" && e.labels.contains_key("level"))
    );
    let newest = loki
        .query_range(q, now - 30 * NS, now, 5, false)
        .await
        .expect("query");
    assert_eq!(newest.len(), 5);
    assert!(newest.iter().all(|e| e.ts_ns >= got[got.len() - 5].ts_ns));
    let errors = r#"{app="checkout", level="error"} |= "refused""#;
    let only = loki
        .query_range(errors, now - 600 * NS, now, 100, true)
        .await
        .expect("query");
    assert!(
        only.iter()
            .all(|e| level_of(&e.labels, &e.line) == Level::Error)
    );
    let metric = loki.query_range("sum(rate({app=\"checkout\"}[1m]))", now - NS, now, 10, true);
    let e = metric
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        e.contains("is a metric query; a logs panel needs a log query"),
        "{e}"
    );
    let bad = loki.query_range("{app=", now - NS, now, 10, true).await;
    assert!(
        matches!(bad, Err(SourceError::Http { status: 400, .. })),
        "{bad:?}"
    );
}

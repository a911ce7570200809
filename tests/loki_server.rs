//! The Loki client against fixture servers: gap- and duplicate-free polling of a growing log
//! with many entries per nanosecond, tenant and error handling, and the reconnecting tail.

#![allow(clippy::unwrap_used)]

mod support_loki;
mod support_tls;

use oncall::config::{SourceConfig, SourceKind};
use oncall::sources::SourceError;
use oncall::sources::loki::{Cursor, LogEntry, Loki, TailEvent, spawn_tail};
use std::collections::HashSet;
use std::time::Duration;
use support_loki::{
    BASE_NS, Script, TOTAL, full_log, start_log_server, start_tail_server, tail_frame,
};
use tokio::sync::mpsc;

const QUERY: &str = r#"{app="fixture"}"#;
const END_NS: i128 = BASE_NS + 1_000_000_000_000;
const LIMIT: u32 = 100;

fn cfg(url: &str, tenant: Option<&str>) -> SourceConfig {
    let mut cfg = SourceConfig::new(SourceKind::Loki, url);
    cfg.tenant = tenant.map(str::to_string);
    cfg
}

/// One dashboard refresh: pages forward from the cursor until an answer is not full.
async fn poll(loki: &Loki, cursor: &mut Cursor, got: &mut Vec<LogEntry>) -> usize {
    let mut pages = 0;
    loop {
        let start = cursor.next_start(BASE_NS + 60_000_000_000, 60_000_000_000);
        let batch = loki
            .query_range(QUERY, start, END_NS, LIMIT, true)
            .await
            .unwrap();
        pages += 1;
        let full = batch.len() == LIMIT as usize;
        got.extend(cursor.accept(batch));
        if !full {
            return pages;
        }
    }
}

#[tokio::test]
async fn polling_a_growing_log_loses_and_repeats_nothing() {
    let log = full_log();
    let (addr, state) = start_log_server(log.clone()).await;
    let loki = Loki::new(&cfg(&format!("http://{addr}"), Some("team-a"))).unwrap();
    let bursts = [37, 1, 150, 64, 3, 99, 250, 2, 120, 11, 180, 83];
    assert_eq!(bursts.iter().sum::<usize>(), TOTAL);
    let (mut cursor, mut got, mut pages) = (Cursor::default(), Vec::new(), 0);
    pages += poll(&loki, &mut cursor, &mut got).await;
    for burst in bursts {
        state.lock().unwrap().visible += burst;
        pages += poll(&loki, &mut cursor, &mut got).await;
    }
    assert!(
        pages > bursts.len() + 1,
        "some polls need several pages: {pages}"
    );

    let texts: Vec<&str> = got.iter().map(|e| e.line.as_str()).collect();
    let unique: HashSet<&str> = texts.iter().copied().collect();
    assert_eq!(unique.len(), texts.len(), "a line arrived twice");
    assert_eq!(got.len(), TOTAL, "lines were lost");
    assert!(got.windows(2).all(|w| w[0].ts_ns <= w[1].ts_ns));
    for e in &got {
        let line = &log[seq_of(&e.line)];
        assert_eq!((e.ts_ns, e.labels["pod"].as_str()), (line.ts_ns, line.pod));
    }
    for pod in ["a", "b", "c"] {
        let seqs: Vec<usize> = got
            .iter()
            .filter(|e| e.labels["pod"] == pod)
            .map(|e| seq_of(&e.line))
            .collect();
        let want: Vec<usize> = log.iter().filter(|l| l.pod == pod).map(|l| l.seq).collect();
        assert_eq!(seqs, want, "pod {pod} out of order");
    }
    let shared = log.windows(2).filter(|w| w[0].ts_ns == w[1].ts_ns).count();
    assert!(shared > 400, "{shared}");
    let requests = state.lock().unwrap().requests.clone();
    assert!(
        requests
            .iter()
            .all(|q| q["direction"] == "forward" && q["limit"] == "100")
    );
    assert_eq!(requests[1]["start"], BASE_NS.to_string());
}

fn seq_of(line: &str) -> usize {
    let rest = line.split("line ").nth(1).unwrap();
    rest[..rest.find('"').unwrap()].parse().unwrap()
}

#[tokio::test]
async fn server_honours_limit_direction_and_end() {
    let log = full_log();
    let (addr, state) = start_log_server(log.clone()).await;
    state.lock().unwrap().visible = TOTAL;
    let loki = Loki::new(&cfg(&format!("http://{addr}"), Some("team-a"))).unwrap();
    let newest = loki
        .query_range(QUERY, BASE_NS, END_NS, 10, false)
        .await
        .unwrap();
    let want: Vec<i128> = log.iter().rev().take(10).map(|l| l.ts_ns).collect();
    assert_eq!(newest.iter().map(|e| e.ts_ns).collect::<Vec<_>>(), want);
    let end = log[500].ts_ns;
    let before = loki
        .query_range(QUERY, log[0].ts_ns, end, 5000, true)
        .await
        .unwrap();
    assert_eq!(before.len(), log.iter().filter(|l| l.ts_ns < end).count());
    assert!(before.iter().all(|e| e.ts_ns < end) && before[0].ts_ns == BASE_NS);
}

#[tokio::test]
async fn tenant_header_and_plain_text_errors() {
    let (addr, state) = start_log_server(full_log()).await;
    state.lock().unwrap().visible = 10;
    let url = format!("http://{addr}");
    let anonymous = Loki::new(&cfg(&url, None)).unwrap();
    let e = anonymous
        .query_range(QUERY, BASE_NS, END_NS, 100, true)
        .await;
    assert_eq!(
        e,
        Err(SourceError::Http {
            status: 401,
            message: "no org id".into()
        })
    );
    let tenant = Loki::new(&cfg(&url, Some("team-a"))).unwrap();
    let ok = tenant
        .query_range(QUERY, BASE_NS, END_NS, 100, true)
        .await
        .unwrap();
    assert_eq!(ok.len(), 10);
    let busy = tenant
        .query_range(r#"{app="busy"}"#, BASE_NS, END_NS, 100, true)
        .await;
    let want = SourceError::Http {
        status: 429,
        message: "too many outstanding requests".into(),
    };
    assert_eq!(busy, Err(want));
    tenant.probe().await.unwrap();
    let down = Loki::new(&cfg("http://127.0.0.1:9", None)).unwrap();
    assert!(matches!(down.probe().await, Err(SourceError::Connect(_))));
}

async fn next(rx: &mut mpsc::UnboundedReceiver<TailEvent>) -> TailEvent {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .unwrap()
        .unwrap()
}

fn lines(event: TailEvent) -> Vec<(i128, String)> {
    match event {
        TailEvent::Entries(entries) => entries.into_iter().map(|e| (e.ts_ns, e.line)).collect(),
        other => panic!("expected entries, got {other:?}"),
    }
}

fn start_param(uri: &str) -> String {
    uri.split(['?', '&'])
        .find_map(|p| p.strip_prefix("start="))
        .unwrap()
        .to_string()
}

const T1: i128 = 1_795_800_001_000_000_000;
const T2: i128 = 1_795_800_002_000_000_000;
const T3: i128 = 1_795_800_003_000_000_007;

/// Connection 1: two frames (one reporting a dropped entry), then the TCP connection drops.
/// Connection 2: the boundary line again plus a new one, an empty frame, close 1011.
/// Connection 3: stays open.
fn tail_scripts() -> Vec<Script> {
    let coloured = "\u{1b}[32mINFO\u{1b}[0m tail line 2 <ok>";
    vec![
        Script {
            frames: vec![
                tail_frame(&[(T1, "tail line 1"), (T1 + 1, coloured)], &[]),
                tail_frame(&[(T2, "after drops")], &[T1 + 500_000_000]),
            ],
            close_with: None,
            hold: false,
        },
        Script {
            frames: vec![
                tail_frame(&[(T2, "after drops"), (T3, "tail line 4")], &[]),
                "{\"streams\":[]}".into(),
            ],
            close_with: Some("max concurrent tail requests limit exceeded"),
            hold: false,
        },
        Script {
            frames: vec![],
            close_with: None,
            hold: true,
        },
    ]
}

async fn expect_disconnected(rx: &mut mpsc::UnboundedReceiver<TailEvent>, needles: &[&str]) {
    match next(rx).await {
        TailEvent::Disconnected(why) => {
            assert!(needles.iter().all(|n| why.contains(n)), "{why}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn tail_reconnects_and_resumes_without_duplicates() {
    let (addr, seen) = start_tail_server(tail_scripts()).await;
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret\n").unwrap();
    let mut cfg = cfg(&format!("http://{addr}"), Some("team-a"));
    cfg.bearer_token_file = Some(token);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handle = spawn_tail(&cfg, r#"{job="varlogs"}"#.into(), T1, tx).unwrap();

    assert_eq!(next(&mut rx).await, TailEvent::Connected);
    let first = lines(next(&mut rx).await);
    assert_eq!(first.iter().map(|l| l.0).collect::<Vec<_>>(), [T1, T1 + 1]);
    let after = lines(next(&mut rx).await);
    assert_eq!(after, [(T2, "after drops".to_string())]);
    assert_eq!(next(&mut rx).await, TailEvent::Dropped(1));
    expect_disconnected(&mut rx, &[]).await;
    assert_eq!(next(&mut rx).await, TailEvent::Connected);
    let resumed = lines(next(&mut rx).await);
    assert_eq!(
        resumed,
        [(T3, "tail line 4".to_string())],
        "boundary line repeated"
    );
    expect_disconnected(&mut rx, &["1011", "limit exceeded"]).await;
    assert_eq!(next(&mut rx).await, TailEvent::Connected);

    let seen = seen.lock().unwrap().clone();
    let starts: Vec<String> = seen.iter().map(|(uri, _)| start_param(uri)).collect();
    assert_eq!(starts, [T1.to_string(), T2.to_string(), T3.to_string()]);
    let (uri, headers) = &seen[0];
    assert!(
        uri.starts_with("/loki/api/v1/tail?query=%7Bjob%3D%22varlogs%22%7D"),
        "{uri}"
    );
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(header("x-scope-orgid"), Some("team-a"));
    assert_eq!(header("authorization"), Some("Bearer s3cret"));

    drop(rx);
    let ended = tokio::time::timeout(Duration::from_secs(5), handle).await;
    ended.unwrap().unwrap();
}

#[tokio::test]
async fn tail_reports_refused_handshakes_and_stops_when_nobody_listens() {
    let (addr, _state) = start_log_server(Vec::new()).await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let handle = spawn_tail(&cfg(&format!("http://{addr}"), None), QUERY.into(), 0, tx).unwrap();
    match next(&mut rx).await {
        TailEvent::Disconnected(why) => assert!(why.starts_with("HTTP 404"), "{why}"),
        other => panic!("{other:?}"),
    }
    drop(rx);
    tokio::time::timeout(Duration::from_secs(5), handle)
        .await
        .unwrap()
        .unwrap();
    let bad = spawn_tail(
        &cfg("ftp://x", None),
        QUERY.into(),
        0,
        mpsc::unbounded_channel().0,
    );
    assert!(matches!(bad, Err(SourceError::Setup(_))));
}

/// The live tail over `wss://` trusts what the HTTP client trusts: the public roots plus the
/// source's `ca_file`, or anything with `tls_insecure`; a refused certificate is named.
#[tokio::test]
async fn wss_tail_honours_ca_file_and_tls_insecure() {
    let right = support_loki::start_wss_tail_server("localhost", "over tls").await;
    let wrong = support_loki::start_wss_tail_server("wrong-host", "never seen").await;
    let ca = support_tls::fixture("ca.pem");
    let tail = |port: u16, tweak: &dyn Fn(&mut SourceConfig)| {
        let mut cfg = cfg(&format!("https://localhost:{port}"), None);
        cfg.timeout = oncall::duration::Dur(Duration::from_secs(3));
        tweak(&mut cfg);
        let (tx, rx) = mpsc::unbounded_channel();
        (spawn_tail(&cfg, QUERY.into(), BASE_NS, tx).unwrap(), rx)
    };

    // The fixture CA is not a public root: without ca_file the certificate is refused.
    let (handle, mut rx) = tail(right.port(), &|_| {});
    expect_disconnected(&mut rx, &["TLS: ", "certificate"]).await;
    handle.abort();

    // With ca_file, the same server is followed.
    let (handle, mut rx) = tail(right.port(), &|c| c.ca_file = Some(ca.clone()));
    assert_eq!(next(&mut rx).await, TailEvent::Connected);
    assert_eq!(
        lines(next(&mut rx).await),
        [(BASE_NS, "over tls".to_string())]
    );
    handle.abort();

    // tls_insecure accepts it without the CA.
    let (handle, mut rx) = tail(right.port(), &|c| c.tls_insecure = true);
    assert_eq!(next(&mut rx).await, TailEvent::Connected);
    assert_eq!(
        lines(next(&mut rx).await),
        [(BASE_NS, "over tls".to_string())]
    );
    handle.abort();

    // The CA is trusted but the certificate is for another host: refused, and said so.
    let (handle, mut rx) = tail(wrong.port(), &|c| c.ca_file = Some(ca.clone()));
    expect_disconnected(&mut rx, &["TLS: ", "localhost", "wrong.example"]).await;
    handle.abort();

    // A ca_file that is not a certificate is a setup error, as for the HTTP client.
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate\n").unwrap();
    let mut bad = cfg(&format!("https://localhost:{}", right.port()), None);
    bad.ca_file = Some(junk);
    let err = spawn_tail(&bad, QUERY.into(), 0, mpsc::unbounded_channel().0).unwrap_err();
    assert!(
        matches!(&err, SourceError::Setup(m) if m.contains("ca_file") && m.contains("junk.pem")),
        "{err:?}"
    );
}

//! Loki answers: parse 50 000 lines — ten answers of 5 000, Loki's default `max_entries_limit` —
//! then ingest them (dedupe through the cursor, sanitize, level detection, bounded buffer) as a
//! logs panel does.

#![allow(clippy::unwrap_used)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use oncall::sources::loki::{Cursor, parse_query_range};
use oncall::state::feeds::LogsView;
use std::fmt::Write;
use std::hint::black_box;

fn body(lines: usize, page: usize) -> String {
    let mut s = String::from(r#"{"status":"success","data":{"resultType":"streams","result":["#);
    let streams = 5;
    for st in 0..streams {
        if st > 0 {
            s.push(',');
        }
        write!(
            s,
            r#"{{"stream":{{"app":"checkout","pod":"checkout-{st}","env":"prod"}},"values":["#
        )
        .unwrap();
        for i in 0..lines / streams {
            if i > 0 {
                s.push(',');
            }
            let ts = 1_795_800_000_000_000_000i128
                + ((page * lines + i * streams + st) as i128) * 1_000_017;
            let level = ["info", "info", "info", "warn", "error"][i % 5];
            write!(
                s,
                r#"["{ts}","level={level} msg=\"request completed\" method=POST path=/api/checkout status=200 duration_ms={} trace_id={:016x}"]"#,
                i % 400,
                i * 2_654_435_761
            )
            .unwrap();
        }
        s.push_str("]}");
    }
    s.push_str(r#"],"stats":{}}}"#);
    s
}

fn logs(c: &mut Criterion) {
    let pages: Vec<String> = (0..10).map(|p| body(5_000, p)).collect();
    let parse_all = |pages: &[String]| {
        pages
            .iter()
            .flat_map(|t| parse_query_range(200, Some("application/json"), t.as_bytes()).unwrap())
            .collect::<Vec<_>>()
    };
    let entries = parse_all(&pages);
    assert_eq!(entries.len(), 50_000);
    let newest = entries.iter().map(|e| e.ts_ns).max().unwrap();
    let mut cursor = Cursor::default();
    let mut view = LogsView::new(10_000);
    view.push(cursor.accept(entries.clone()));
    assert_eq!(
        view.lines.len(),
        10_000,
        "the buffer keeps the newest 10 000"
    );
    assert_eq!(view.lines.back().map(|l| l.ts_ns), Some(newest));
    assert_eq!(view.visible().len(), 10_000);
    let mut g = c.benchmark_group("loki 50k lines");
    g.throughput(Throughput::Elements(50_000));
    g.bench_function("parse", |b| b.iter(|| parse_all(black_box(&pages))));
    g.bench_function("ingest (cursor, sanitize, level, buffer 10k)", |b| {
        b.iter_batched(
            || entries.clone(),
            |batch| {
                let mut cursor = Cursor::default();
                let mut view = LogsView::new(10_000);
                view.push(cursor.accept(batch));
                view
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("parse + ingest", |b| {
        b.iter(|| {
            let mut cursor = Cursor::default();
            let mut view = LogsView::new(10_000);
            for t in &pages {
                let batch = parse_query_range(200, Some("application/json"), t.as_bytes()).unwrap();
                view.push(cursor.accept(batch));
            }
            view
        })
    });
    g.finish();
}

criterion_group!(benches, logs);
criterion_main!(benches);

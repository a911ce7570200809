//! Parsing large answers as the servers write them: Prometheus (a 10 000-series instant vector
//! and a matrix of 100 series × 240 points, a wide chart), Alertmanager (5 000 alerts in one
//! `/api/v2/alerts` answer) and Sentry (a full page of 100 issues, and the 10 pages of a
//! panel following `Link` headers that far).
//!
//! Each answer is parsed once before it is timed and checked for what it must hold.

#![allow(clippy::unwrap_used)]

mod support;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use oncall::sources::alertmanager::parse_alerts;
use oncall::sources::prometheus::parse_response;
use oncall::sources::sentry::parse_issues;
use std::fmt::Write;
use std::hint::black_box;

fn vector(series: usize) -> String {
    let mut s = String::from(r#"{"status":"success","data":{"resultType":"vector","result":["#);
    for i in 0..series {
        if i > 0 {
            s.push(',');
        }
        write!(
            s,
            r#"{{"metric":{{"__name__":"http_requests_total","job":"api","instance":"10.0.{}.{}:8080","code":"200","method":"GET"}},"value":[1795808995.08,"{}.5"]}}"#,
            i / 256,
            i % 256,
            i
        )
        .unwrap();
    }
    s.push_str("]}}");
    s
}

fn matrix(series: usize, points: usize) -> String {
    let mut s = String::from(r#"{"status":"success","data":{"resultType":"matrix","result":["#);
    for i in 0..series {
        if i > 0 {
            s.push(',');
        }
        write!(
            s,
            r#"{{"metric":{{"job":"api","instance":"i-{i}"}},"values":["#
        )
        .unwrap();
        for p in 0..points {
            if p > 0 {
                s.push(',');
            }
            write!(
                s,
                r#"[{}.08,"0.{:04}"]"#,
                1_795_800_000 + p * 15,
                (p * 37 + i) % 10_000
            )
            .unwrap();
        }
        s.push_str("]}");
    }
    s.push_str("]}}");
    s
}

fn parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("prometheus parse");
    for (name, body, series, points) in [
        ("vector 10000 series", vector(10_000), 10_000, 1),
        (
            "matrix 10000 series x 1 point",
            matrix(10_000, 1),
            10_000,
            1,
        ),
        ("matrix 100 series x 240 points", matrix(100, 240), 100, 240),
    ] {
        let parsed = parse_response(200, Some("application/json"), body.as_bytes()).unwrap();
        assert_eq!(parsed.series.len(), series, "{name}");
        assert!(
            parsed.series.iter().all(|s| s.points.len() == points),
            "{name}"
        );
        assert!(parsed.series.iter().all(|s| !s.labels.is_empty()), "{name}");
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                parse_response(200, Some("application/json"), black_box(body.as_bytes())).unwrap()
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("alertmanager parse");
    let body = support::alerts_body(5_000, 0);
    let alerts = parse_alerts(200, Some("application/json"), body.as_bytes()).unwrap();
    assert_eq!(alerts.len(), 5_000);
    assert!(alerts.iter().all(|a| a.state == "active"
        && a.labels.len() == 7
        && a.annotations.len() == 3
        && a.receivers == ["team-payments"]));
    assert_eq!(alerts[4_999].labels["pod"], "checkout-4999");
    assert!(
        alerts[0]
            .generator_url
            .as_deref()
            .unwrap()
            .contains("&g0.tab=1")
    );
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("alerts 5000", |b| {
        b.iter(|| parse_alerts(200, Some("application/json"), black_box(body.as_bytes())).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("sentry parse");
    let pages: Vec<String> = (0..10).map(|p| support::issues_body(p, 100)).collect();
    let parse_all = |pages: &[String]| {
        pages
            .iter()
            .flat_map(|t| parse_issues(200, Some("application/json"), t.as_bytes()).unwrap())
            .collect::<Vec<_>>()
    };
    let issues = parse_all(&pages);
    assert_eq!(issues.len(), 1_000);
    assert!(issues.iter().all(|i| i.stats_24h.len() == 24
        && i.first_seen.is_some()
        && i.last_seen.is_some()
        && i.project.as_deref() == Some("checkout")));
    assert_eq!(issues[999].short_id, "CHECKOUT-1999");
    assert_eq!(issues[999].count, 150 + 999 * 31);
    g.throughput(Throughput::Bytes(pages[0].len() as u64));
    g.bench_function("issues 1 page of 100", |b| {
        b.iter(|| {
            parse_issues(
                200,
                Some("application/json"),
                black_box(pages[0].as_bytes()),
            )
            .unwrap()
        })
    });
    g.throughput(Throughput::Bytes(
        pages.iter().map(|p| p.len() as u64).sum(),
    ));
    g.bench_function("issues 10 pages of 100", |b| {
        b.iter(|| parse_all(black_box(&pages)))
    });
    g.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
